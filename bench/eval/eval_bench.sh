#!/usr/bin/env bash
# Evaluation speed (docs/benchmarks.md): `flowline eval` of the invoice workflow on 1,000
# generated text-layer invoices, end to end (each case a run of workflows/invoice/invoice.yaml in
# a scratch store, side effects suppressed), timed RUNS times. The models are trained and the
# invoices generated once, outside the timing. Run from the project's top folder after a build:
#   bench/eval/eval_bench.sh [COUNT] [RUNS]       (default 1000 invoices, 3 runs)
set -euo pipefail
ROOT=$PWD
F=${FLOWLINE:-$ROOT/build/flowline}
COUNT=${1:-1000}
RUNS=${2:-3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export FLOWLINE_CACHE="$WORK/cache"
. "$ROOT/bench/invoice/train_models.sh"
$F samples invoices --count "$COUNT" --out cases --seed 31 --scanned-share 0 >/dev/null
$F reference load --table vendors --from cases/vendors.csv >/dev/null
$F reference load --table purchase_orders --from cases/purchase_orders.csv >/dev/null
sqlite3 accounting.db < "$ROOT/workflows/invoice/accounting.sql"
cp "$ROOT/workflows/invoice/invoice.yaml" .

for i in $(seq "$RUNS"); do
  start=$(date +%s.%N)
  $F eval --workflow invoice.yaml --data cases --workers 2 --json --out "eval-$i.json" >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 - "$start" "$end" "eval-$i.json" <<'PY'
import json, sys
start, end, path = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
r = json.load(open(path))
w = r["workflow"]
print(f"run: {end - start:6.1f} s for {r['documents']} cases "
      f"({r['documents'] / (end - start):5.1f} cases/s); mean field accuracy "
      f"{r['mean_field_accuracy']:.3f}; workflow straight through {w['straight_through']}, "
      f"waiting {w['waiting_for_a_person']}, failed {w['failed']}; "
      f"p50 {r.get('per_case', {}).get('latency_p50') or 0:.3f} s/case of step time")
steps = r.get("per_case", {}).get("step_mean_seconds", {})
print("  mean step time: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in
                                        sorted(steps.items(), key=lambda kv: -kv[1])))
PY
done
if [ "$(ls -A accounting.db 2>/dev/null)" ] && [ "$(sqlite3 accounting.db 'SELECT count(*) FROM ledger')" != 0 ]; then
  echo "FAILED: an evaluation posted to the ledger" >&2
  exit 1
fi
