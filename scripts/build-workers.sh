#!/usr/bin/env bash
# Builds every Worker with worker-build, offline: the tools it would download come from
# cargo (wasm-bindgen) and npm (wasm-opt from binaryen, esbuild).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/.bin/esbuild"
for f in functions/*/; do
  name=$(basename "$f")
  printf '\033[1;34m[build]\033[0m worker %s\n' "$name" >&2
  (cd "$f" && worker-build --release >"$root/target/worker-build-$name.log" 2>&1) || {
    tail -40 "$root/target/worker-build-$name.log"; exit 1; }
done
