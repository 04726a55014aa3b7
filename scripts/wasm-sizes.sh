#!/usr/bin/env bash
# Prints each Worker's wasm size, raw and gzipped, and fails if one exceeds its budget. The
# thumbnailer carries image codecs, a text shaper (rustybuzz) and a font, so its budget is larger.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET_GZIP_KB=${WASM_BUDGET_GZIP_KB:-900}
status=0
printf '%-12s %10s %10s\n' function raw_kb gzip_kb
for w in functions/*/build/index_bg.wasm; do
  name=$(basename "$(dirname "$(dirname "$w")")")
  raw=$(stat -c %s "$w"); gz=$(gzip -9 -c "$w" | wc -c)
  printf '%-12s %10d %10d\n' "$name" $((raw / 1024)) $((gz / 1024))
  budget=$BUDGET_GZIP_KB; [ "$name" = thumbnailer ] && budget=${WASM_BUDGET_THUMBNAILER_GZIP_KB:-1100}
  if [ $((gz / 1024)) -gt "$budget" ]; then echo "  over the ${budget} KB gzip budget" >&2; status=1; fi
done
exit $status
