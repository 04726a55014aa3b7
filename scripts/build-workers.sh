#!/usr/bin/env bash
# Builds every Worker with worker-build, offline: the tools it would download come from
# cargo (wasm-bindgen) and npm (wasm-opt from binaryen, esbuild).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/.bin/esbuild"
# Every Worker in one cargo invocation first: their release builds (LTO, one codegen unit each)
# then run side by side instead of one after another, and worker-build's own cargo run below
# finds them fresh. Same flags and environment as worker-build uses (--lib, --release, and the
# variable wasm-bindgen's macro reads), so nothing is built twice.
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
for f in "${dirs[@]}"; do
  name=$(basename "$f")
  printf '\033[1;34m[build]\033[0m worker %s\n' "$name" >&2
  if [ "$profile" = release ]; then flag=(--release); else flag=(--profile "$profile"); fi
  (cd "$f" && worker-build "${flag[@]}" >"$root/target/worker-build-$name.log" 2>&1) || {
    tail -40 "$root/target/worker-build-$name.log"; exit 1; }
done
