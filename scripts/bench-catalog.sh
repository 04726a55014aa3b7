#!/usr/bin/env bash
# The catalog benchmark, side by side in one run: 100,000 products across 100 sellers, five
# search shapes natively (bundled SQLite through the core) and on local D1 through workerd (the
# products function's own time from `server-timing`, and the round trip), then product-by-code
# reads from each cache level (isolate memory, KV, D1). Its own ports and state directory, so a
# running `make dev` is untouched. Run by `make bench-catalog` (which builds the binaries and the
# Workers first). Usage: scripts/bench-catalog.sh [PRODUCTS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
export HUB_PORT=8807 SANDBOX_PORT=8809 INSPECTOR_PORT=9249 STATE_DIR=.wrangler/bench-state
bench=target/debug/bench-catalog
[ -x "$bench" ] && [ -x target/debug/linkhub-sandbox ] || { echo "build first: make bench-catalog" >&2; exit 1; }
echo "== native"
"$bench" native "$N"
source scripts/stack.sh
rm -rf "$STATE_DIR"
trap 'stop_stack' EXIT
start_stack
base="http://127.0.0.1:$HUB_PORT"
handle="bench$RANDOM$RANDOM"
signup=$(curl -s -X POST "$base/api/v1/auth/signup" -H 'content-type: application/json' \
  -d "{\"email\":\"$handle@example.com\",\"password\":\"bench-password\",\"handle\":\"$handle\"}")
token=$(sed 's/.*"token":"\([^"]*\)".*/\1/' <<<"$signup")
seller=$(sed 's/.*"seller":{"id":"\([^"]*\)".*/\1/' <<<"$signup")
"$bench" seed-sql "$seller" "$N" > target/bench-catalog-seed.sql
echo "== local D1 (workerd)"
start=$SECONDS
wrangler d1 execute linkhub --local --persist-to "$ROOT/$STATE_DIR" -c "$ROOT/wrangler.toml" \
  --file target/bench-catalog-seed.sql >target/bench-catalog-seed.log 2>&1 || { tail -20 target/bench-catalog-seed.log; exit 1; }
echo "seeded $N products across 100 sellers into local D1 in $((SECONDS - start)) s"
"$bench" http "$base" "$token"
echo "== cache"
"$bench" cache "$base" "$token"
