#!/usr/bin/env bash
# Starts the hub's Spin build locally: the sandbox (stand-in for TikTok) and the Spin components
# of spin.toml in the test host (tests/spin-host: wasmtime 47, Spin's SQLite and key-value stores
# as SQLite files: the `default` ones under SPIN_STATE_DIR, the `objects` store where
# runtime-config.toml puts it), which applies the migrations and calls the outbox drain every
# 250 ms. Sourced by e2e-spin.sh and `make spin-up`; they choose ports and the state dir.
set -euo pipefail

: "${SPIN_PORT:=3000}" "${SPIN_SANDBOX_PORT:=8791}" "${SPIN_STATE_DIR:=.spin}" "${SPIN_MANIFEST:=spin.toml}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SPIN_PIDS=()
source "$ROOT/scripts/whatsapp-secrets.sh"

spin_log() { printf '\033[1;35m[spin]\033[0m %s\n' "$*" >&2; }

start_spin_stack() {
  set -m
  local sandbox="http://127.0.0.1:$SPIN_SANDBOX_PORT" secret
  secret=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
  export SPIN_VARIABLE_JWT_SECRET="$secret" SPIN_VARIABLE_DRAIN_TOKEN="drain-$secret"
  export SPIN_VARIABLE_SANDBOX_ORIGIN="$sandbox" SPIN_VARIABLE_TIKTOK_OEMBED_URL="$sandbox/oembed"
  export SPIN_VARIABLE_TIKTOK_WEB_BASE="$sandbox" SPIN_VARIABLE_OUTBOUND_ALLOWED_ORIGINS="$sandbox"
  export SPIN_VARIABLE_RETRY_BASE_DELAY_SECONDS=1 SPIN_VARIABLE_RETRY_MAX_DELAY_SECONDS=2
  # WhatsApp: the same secrets as the workerd runs (scripts/whatsapp-secrets.sh); Graph is the
  # sandbox's.
  resolve_whatsapp_secrets spin_log
  export SPIN_VARIABLE_WHATSAPP_APP_SECRET="$WHATSAPP_APP_SECRET" SPIN_VARIABLE_WHATSAPP_VERIFY_TOKEN="$WHATSAPP_VERIFY_TOKEN"
  export SPIN_VARIABLE_DATA_ENCRYPTION_KEY="$DATA_ENCRYPTION_KEY" SPIN_VARIABLE_WHATSAPP_GRAPH_URL="$sandbox"
  spin_log "starting sandbox on 127.0.0.1:$SPIN_SANDBOX_PORT"
  SANDBOX_ADDR="127.0.0.1:$SPIN_SANDBOX_PORT" "$ROOT/target/debug/linkhub-sandbox" >"$ROOT/target/spin-sandbox.log" 2>&1 &
  SPIN_PIDS+=($!)
  # As with `spin up --runtime-config-file runtime-config.toml`. Spin takes a relative store path
  # in that file from the file's directory (.spin/ beside spin.toml); for a state directory of its
  # own (the e2e run), a copy of the file in it keeps that run's stores there too.
  local runtime_config=runtime-config.toml
  if [ "$SPIN_STATE_DIR" != .spin ]; then
    (cd "$ROOT" && mkdir -p "$SPIN_STATE_DIR" && cp runtime-config.toml "$SPIN_STATE_DIR/runtime-config.toml")
    runtime_config="$SPIN_STATE_DIR/runtime-config.toml"
  fi
  spin_log "starting the Spin components on 127.0.0.1:$SPIN_PORT (state in $SPIN_STATE_DIR, runtime config $runtime_config)"
  (cd "$ROOT" && exec "$ROOT/target/debug/linkhub-spin-host" --manifest "$SPIN_MANIFEST" --listen "127.0.0.1:$SPIN_PORT" \
      --state-dir "$SPIN_STATE_DIR" --runtime-config-file "$runtime_config" --migrate --drain-every-ms 250 \
      >"$ROOT/target/spin-host.log" 2>&1) &
  SPIN_PIDS+=($!)
  local deadline=$((SECONDS + 90))
  until curl -fsS "http://127.0.0.1:$SPIN_PORT/healthz" >/dev/null 2>&1; do
    if [ $SECONDS -gt $deadline ] || ! kill -0 "${SPIN_PIDS[1]}" 2>/dev/null; then
      spin_log "the Spin host did not become healthy; last output:"; tail -40 "$ROOT/target/spin-host.log" >&2
      return 1
    fi
    sleep 0.5
  done
  spin_log "healthy: http://127.0.0.1:$SPIN_PORT ($(grep -m1 'compiled in' "$ROOT/target/spin-host.log" | sed 's/^\[spin-host\] //'))"
}

stop_spin_stack() {
  for pid in "${SPIN_PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
