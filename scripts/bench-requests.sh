#!/usr/bin/env bash
# Prints how long authenticated reads take to answer on a running local hub (default: make dev's;
# `make spin-up`'s is http://127.0.0.1:3000): GET /api/v1/auth/me (the gateway alone: config,
# token check) and GET /api/v1/ingestion/jobs (the gateway forwarding to ingest), N times each.
# Usage: scripts/bench-requests.sh [N] [BASE_URL]
set -euo pipefail
N=${1:-100}; BASE=${2:-http://127.0.0.1:8787}
handle="bench$RANDOM$RANDOM"
token=$(curl -s -X POST "$BASE/api/v1/auth/signup" -H 'content-type: application/json' \
  -d "{\"email\":\"$handle@example.com\",\"password\":\"bench-password\",\"handle\":\"$handle\"}" |
  sed 's/.*"token":"\([^"]*\)".*/\1/')
for path in /api/v1/auth/me /api/v1/ingestion/jobs; do
  for _ in $(seq 1 "$N"); do
    curl -s -o /dev/null -w '%{time_total}\n' "$BASE$path" -H "authorization: Bearer $token"
  done | sort -n | awk -v p="$path" '{a[NR]=$1*1000} END {printf "%-24s n=%d  p50: %.2f ms  p95: %.2f ms\n", p, NR, a[int(NR*0.5)], a[int(NR*0.95)]}'
done
