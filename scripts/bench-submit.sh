#!/usr/bin/env bash
# Prints how long a link submission takes to answer on a running local hub (default: make dev's).
# Usage: scripts/bench-submit.sh [N] [BASE_URL]
set -euo pipefail
N=${1:-25}; BASE=${2:-http://127.0.0.1:8787}
handle="bench$RANDOM$RANDOM"
token=$(curl -s -X POST "$BASE/api/v1/auth/signup" -H 'content-type: application/json' \
  -d "{\"email\":\"$handle@example.com\",\"password\":\"bench-password\",\"handle\":\"$handle\"}" |
  sed 's/.*"token":"\([^"]*\)".*/\1/')
for i in $(seq 1 "$N"); do
  id=$(printf '73019%014d' "$i")
  curl -s -o /dev/null -w '%{time_total}\n' -X POST "$BASE/api/v1/ingestion/tiktok-link" \
    -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"url\":\"https://www.tiktok.com/@bench/video/$id\"}"
done | sort -n | awk '{a[NR]=$1*1000} END {printf "submissions: %d  p50: %.1f ms  p95: %.1f ms  max: %.1f ms\n", NR, a[int(NR*0.5)], a[int(NR*0.95)], a[NR]}'
