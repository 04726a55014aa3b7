#!/usr/bin/env bash
# Scores `linkhub analyze` with the project's scorer on the dev set (../shared/eval) and on our own
# labelled regression fixtures (tests/analysis), and fails below the floors. Prints the score lines.
set -euo pipefail
cd "$(dirname "$0")/.."
# LINKHUB_BIN: a linkhub binary already built (make test builds it with the unit tests).
if [ -z "${LINKHUB_BIN:-}" ]; then cargo build -q -p linkhub-cli; LINKHUB_BIN=target/debug/linkhub; fi
EVAL=${EVAL_DIR:-../shared/eval}
check() {
  local gold=$1 name=$2
  "$LINKHUB_BIN" analyze --input "$gold" --output "target/analysis-$name.jsonl" 2>/dev/null
  echo "== $name ($gold)"
  python3 "$EVAL/score.py" "$gold" "target/analysis-$name.jsonl"
  echo
  python3 "$EVAL/score.py" "$gold" "target/analysis-$name.jsonl" --json | python3 -c '
import json, sys
floors = {"prices_f1": 0.95, "ctas_micro_f1": 0.90, "sentiment_accuracy": 0.85, "category_accuracy": 0.85,
          "language_accuracy": 0.95, "hashtags_f1": 0.99, "products_f1": 0.75}
scores = json.load(sys.stdin)
scores = scores.get("metrics", scores)
low = {k: scores[k] for k, v in floors.items() if scores[k] < v}
if low:
    sys.exit(f"below the floor: {low}")
'
}
check tests/analysis/captions.jsonl fixtures
if [ -f "$EVAL/dev.jsonl" ]; then check "$EVAL/dev.jsonl" dev; fi
