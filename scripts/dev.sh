#!/usr/bin/env bash
# `make dev`: builds everything, starts the sandbox and every Worker on 127.0.0.1:8787 with
# local D1/KV/R2/Queues, seeds a demo seller, prints the URL and login. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack.sh
trap 'stack_log "stopping"; stop_stack; exit 0' INT TERM
trap 'stop_stack' EXIT
start_stack
DEMO_EMAIL=demo@linkhub.local DEMO_PASSWORD=demo-password-123
curl -sS -o /dev/null -X POST "http://127.0.0.1:$HUB_PORT/api/v1/auth/signup" -H 'content-type: application/json' \
  -d "{\"email\":\"$DEMO_EMAIL\",\"password\":\"$DEMO_PASSWORD\",\"handle\":\"demo\"}" || true
cat <<MSG

  Link Hub is up:     http://127.0.0.1:$HUB_PORT
  API description:    http://127.0.0.1:$HUB_PORT/api/v1/openapi.json
  Sandbox (TikTok, WhatsApp Graph): http://127.0.0.1:$SANDBOX_PORT   fixtures: tests/fixtures/tiktok
  WhatsApp webhook:   http://127.0.0.1:$HUB_PORT/webhooks/whatsapp   secrets: functions/whatsapp/.dev.vars
  Demo login:         $DEMO_EMAIL / $DEMO_PASSWORD

  Try it:
    TOKEN=\$(curl -s -X POST http://127.0.0.1:$HUB_PORT/api/v1/auth/login -H 'content-type: application/json' \\
      -d '{"email":"$DEMO_EMAIL","password":"$DEMO_PASSWORD"}' | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')
    curl -s -X POST http://127.0.0.1:$HUB_PORT/api/v1/ingestion/tiktok-link -H "authorization: Bearer \$TOKEN" \\
      -H 'content-type: application/json' -d '{"url":"https://vm.tiktok.com/ZMabc1234/"}'

  A buyer on WhatsApp (after connecting a number, see the README's "WhatsApp"):
    target/debug/linkhub buyer --phone-number-id 106540352242922 --text "Is the Ankara dress in M?"

  Logs: target/wrangler.log, target/sandbox.log. Ctrl-C stops everything.
MSG
wait
