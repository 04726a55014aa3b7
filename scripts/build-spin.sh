#!/usr/bin/env bash
# Builds every Spin component (spin/*) for wasm32-wasip2 and checks that each imports only
# interfaces Spin 4 provides and exports only the HTTP handler (tests/spin-check).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
crates=()
for d in spin/*/; do crates+=(-p "linkhub-spin-$(basename "$d")"); done
# The wasm is compiled by rustc itself even when the caller lints with clippy-driver (Makefile);
# spin-check below keeps the caller's compiler.
env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS cargo build -q --release --target wasm32-wasip2 "${crates[@]}"
wasm=()
for d in spin/*/; do wasm+=("target/wasm32-wasip2/release/linkhub_spin_$(basename "$d" | tr - _).wasm"); done
# SPIN_CHECK_BIN: the checker already built (make test builds it with the unit tests).
if [ -n "${SPIN_CHECK_BIN:-}" ]; then check=("$SPIN_CHECK_BIN"); else check=(cargo run -q -p linkhub-spin-check --); fi
"${check[@]}" "${wasm[@]}" | grep -v '^  imports:'
printf '%-36s %8s %8s\n' component raw_kb gzip_kb
for w in "${wasm[@]}"; do
  printf '%-36s %8d %8d\n' "$(basename "$w")" $(($(stat -c %s "$w") / 1024)) $(($(gzip -9 -c "$w" | wc -c) / 1024))
done
