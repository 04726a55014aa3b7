#!/usr/bin/env bash
# The WhatsApp webhook's acknowledgement figures on the real local runtime (workerd with local
# D1/R2/Queues): target/debug/bench-webhook sends signed deliveries at RATE/s for SECONDS through
# the gateway to the whatsapp Worker and prints p50/p90/p99 (target: p99 under 50 ms at 200/s),
# then checks every acknowledged delivery reached the inbox. Its own ports and state directory.
# Usage: scripts/bench-webhook.sh [RATE] [SECONDS] [unconnected]   (make bench-webhook)
set -euo pipefail
cd "$(dirname "$0")/.."
export HUB_PORT=8827 SANDBOX_PORT=8829 INSPECTOR_PORT=9269 STATE_DIR=.wrangler/webhook-bench-state
# The WhatsApp secrets are the local ones (scripts/whatsapp-secrets.sh, exported by the stack).
export EXTRA_GATEWAY_VARS=$'SUBMIT_LIMIT_PER_CLIENT_PER_MINUTE=10000\nAUTH_LIMIT_PER_CLIENT_PER_MINUTE=10000\n'
# The Workers' own logging is part of what each request costs; keep it at errors for the figures.
export WRANGLER_LOG_LEVEL=${WRANGLER_LOG_LEVEL:-error}
bench=target/debug/bench-webhook
[ -x "$bench" ] && [ -x target/debug/linkhub-sandbox ] || { echo "build first: make bench-webhook" >&2; exit 1; }
source scripts/stack.sh
rm -rf "$STATE_DIR"
trap 'stop_stack' EXIT
start_stack
"$bench" "http://127.0.0.1:$HUB_PORT" "$WHATSAPP_APP_SECRET" "${1:-200}" "${2:-20}" ${3:-}
