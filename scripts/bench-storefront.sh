#!/usr/bin/env bash
# The storefront's budgets and figures on the real local runtime: seeds 50 published products
# with photos, prints page sizes (failing when a page breaks its gzip budget) and served times
# cold and warm (bench-storefront), then scores the store page and a product page with
# Lighthouse (mobile, Debian's Chromium), failing below performance 95 or accessibility, best
# practices and SEO 100. Its own ports and state directory, so a running `make dev` is
# untouched; Chromium resolves no host but 127.0.0.1. Run by `make test` and `make bench-storefront`.
set -euo pipefail
cd "$(dirname "$0")/.."
export HUB_PORT=8817 SANDBOX_PORT=8819 INSPECTOR_PORT=9259 STATE_DIR=.wrangler/storefront-state
# Seeding uploads 51 photos in a minute: above the per-seller upload limit a seller meets.
export EXTRA_GATEWAY_VARS=$'SUBMIT_LIMIT_PER_SELLER_PER_MINUTE=1000\nSUBMIT_LIMIT_PER_CLIENT_PER_MINUTE=10000\nAUTH_LIMIT_PER_CLIENT_PER_MINUTE=10000\nPAGE_LIMIT_PER_CLIENT_PER_MINUTE=100000\n'
bench=target/debug/bench-storefront
[ -x "$bench" ] && [ -x target/debug/linkhub-sandbox ] || { echo "build first: make bench-storefront" >&2; exit 1; }
out=target/storefront-bench
bash scripts/setup.sh browser
source scripts/stack.sh
rm -rf "$STATE_DIR" "$out"
trap 'stop_stack' EXIT
start_stack
"$bench" "http://127.0.0.1:$HUB_PORT" tests/fixtures/photos/cover-720x1280.jpg "$out"
"$NODE22" scripts/lighthouse.mjs "$out" $(cat "$out/urls")
