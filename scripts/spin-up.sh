#!/usr/bin/env bash
# `make spin-up`: the hub's Spin build on http://127.0.0.1:3000 without a Spin install, state in
# .spin/ (kept between runs). With Spin 4 installed,
# `spin build && spin up --runtime-config-file runtime-config.toml` runs the same app.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/spin-stack.sh
trap 'stop_spin_stack' EXIT
start_spin_stack
spin_log "Ctrl-C stops it; logs: target/spin-host.log"
wait
