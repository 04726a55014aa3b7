#!/usr/bin/env bash
# End-to-end tests against the real local runtime (workerd with local D1/KV/R2/Queues) and the
# sandbox, on their own ports and a fresh state directory, so a running `make dev` is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
# The WhatsApp secrets are the local ones (scripts/whatsapp-secrets.sh, exported by the stack):
# the tests sign deliveries with the app secret.
export HUB_PORT=8797 SANDBOX_PORT=8799 INSPECTOR_PORT=9239 STATE_DIR=.wrangler/e2e-state E2E_EDGE=1
export EXTRA_GATEWAY_VARS=$'SUBMIT_LIMIT_PER_SELLER_PER_MINUTE=20\nSUBMIT_LIMIT_PER_CLIENT_PER_MINUTE=10000\nAUTH_LIMIT_PER_CLIENT_PER_MINUTE=10000\nPAGE_LIMIT_PER_CLIENT_PER_MINUTE=10000\n'
# The test-only entry Worker (tests/contract-worker) beside the shipped ones.
bash scripts/build-workers.sh tests/contract-worker
source scripts/stack.sh
rm -rf "$STATE_DIR"
trap 'stop_stack' EXIT
start_stack
if [ "${E2E_HOLD:-}" = 1 ]; then stack_log "holding the stack open (E2E_HOLD=1)"; sleep infinity; fi
LINKHUB_URL="http://127.0.0.1:$HUB_PORT" SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT" \
  cargo test ${E2E_SELECTION:--p linkhub-e2e} --test hub --quiet -- --test-threads=4
