#!/usr/bin/env bash
# The WhatsApp function's three secrets for local runs (make dev, make spin-up, the e2e and bench
# runs): each from the environment when set, else from functions/whatsapp/.dev.vars, else made up
# once and kept there, so every local run (workerd or Spin) signs and seals with the same ones
# and a persisted state's sealed tokens still open. Exports them and says where each came from.
# Sourced; ROOT must be set. Usage: resolve_whatsapp_secrets <log function>
resolve_whatsapp_secrets() {
  local log=$1 file="$ROOT/functions/whatsapp/.dev.vars" name value from key
  for name in WHATSAPP_APP_SECRET WHATSAPP_VERIFY_TOKEN DATA_ENCRYPTION_KEY; do
    value=${!name:-}; from="from the environment"
    if [ -z "$value" ] && [ -f "$file" ] && grep -q "^$name=" "$file"; then
      value=$(grep "^$name=" "$file" | tail -1 | cut -d= -f2-); from="from $file"
    fi
    if [ -z "$value" ]; then
      key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
      case $name in
        DATA_ENCRYPTION_KEY) value="dev1:$key" ;;
        *) value=$(printf '%s' "$key" | tr -d '/+=') ;;
      esac
      printf '%s=%s\n' "$name" "$value" >> "$file"
      from="made up for this machine, kept in $file"
    fi
    export "$name=$value"
    "$log" "$name: $from"
  done
}
