#!/usr/bin/env bash
# One round of the maintenance loop on the public sets in ../shared/data (docs/accuracy.md,
# "Straight-through at 99%: before and after retraining"): for each set, split the documents
# by id into train (60%), validation (20%) and test (20%), and the train part again into two
# shards: the documents a model is first trained on, and a "production" share it then meets.
#
#   1. train on shard 1 of train;
#   2. tune per-field thresholds for 99% auto-accepted accuracy on validation and measure them on
#      test (BEFORE); route the production shard with them: a simulated reviewer corrects every
#      routed case to its label;
#   3. retrain on shard 1 plus the corrected cases, re-tune on validation, measure on test (AFTER).
#
# The invoice sets are trained with 300 generated invoices added (as scripts/accuracy.sh's
# "mixed" models), and the generated invoices themselves (a batch of 500 with seed 3) are the last
# row; on them the fields tuned are the ones the invoice workflow's exception policy thresholds.
# Each model is also evaluated on the test part (`flowline eval`: mean field accuracy). Writes
# the reports to $OUT (default build/retraining) and prints a table; TARGET (default 0.99) is the
# auto-accepted accuracy to hold. Needs a build (flowline in build/, or $FLOWLINE).
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWLINE=${FLOWLINE:-$PWD/build/flowline}
DATA=${FLOWLINE_SHARED_DATA:-$PWD/../shared/data}
OUT=${OUT:-$PWD/build/retraining}
TARGET=${TARGET:-0.99}
mkdir -p "$OUT/models"
if [ ! -d "$DATA" ]; then
  echo "retraining: $DATA is absent (set FLOWLINE_SHARED_DATA)" >&2
  exit 1
fi
SPLIT=(--validation-share 0.2 --test-share 0.2 --split-seed 1)
INVOICE_FIELDS=invoice_number:id,invoice_date:date,currency:currency,total_amount:amount,net_amount:amount,tax_amount:amount,due_date:date,vendor_name:organisation
# The fields the invoice workflow's exception policy thresholds (workflows/invoice/invoice.yaml):
# on the invoice sets, a case goes straight through when these are accepted.
POLICY_FIELDS=invoice_number,invoice_date,vendor_name,currency,net_amount,tax_amount,total_amount

"$FLOWLINE" samples invoices --count 300 --out "$OUT/samples" --seed 1 >/dev/null
"$FLOWLINE" samples invoices --count 500 --out "$OUT/generated" --seed 3 >/dev/null

# round NAME DATA TUNE_FIELDS [train options...]   (TUNE_FIELDS "": every labelled field)
round() {
  local name=$1 data=$2 fields=$3
  shift 3
  local text=() tuned=()
  if [ "$name" = sroie ]; then text=(--text given); fi
  if [ -n "$fields" ]; then tuned=(--fields "$fields"); fi
  echo "== $name"
  "$FLOWLINE" train extract --data "$data" --split train --shard 1/2 "${SPLIT[@]}" "${text[@]}" \
    "$@" --out "$OUT/models/$name-before" --quiet >"$OUT/$name.train-before.txt"
  "$FLOWLINE" tune --model "$OUT/models/$name-before" --data "$data" "${SPLIT[@]}" "${text[@]}" \
    "${tuned[@]}" --target "$TARGET" --review-split train --review-shard 2/2 \
    --routed-out "$OUT/$name.routed.txt" --out "$OUT/$name.before.json" --quiet
  "$FLOWLINE" train extract --data "$data" --split train --shard 1/2 "${SPLIT[@]}" "${text[@]}" \
    --include-ids "$OUT/$name.routed.txt" "$@" --out "$OUT/models/$name-after" --quiet \
    >"$OUT/$name.train-after.txt"
  "$FLOWLINE" tune --model "$OUT/models/$name-after" --data "$data" "${SPLIT[@]}" "${text[@]}" \
    "${tuned[@]}" --target "$TARGET" --out "$OUT/$name.after.json" --quiet
  for when in before after; do
    "$FLOWLINE" eval --data "$data" --split test "${SPLIT[@]}" "${text[@]}" \
      --model "$OUT/models/$name-$when" --out "$OUT/$name.eval-$when.json" >/dev/null 2>&1
  done
}

round sroie "$DATA/sroie" ""
round fcc-adbuy "$DATA/fcc-adbuy" ""
round invoice2data "$DATA/invoice2data" "$POLICY_FIELDS" --extra-data "$OUT/samples" \
  --fields "$INVOICE_FIELDS"
round zugferd "$DATA/zugferd" "$POLICY_FIELDS" --extra-data "$OUT/samples" --fields "$INVOICE_FIELDS"
round generated "$OUT/generated" "$POLICY_FIELDS" --fields "$INVOICE_FIELDS"

echo
printf '%-13s %-7s %-8s %-13s %-34s %-30s %-34s %-30s\n' set routed "val/test" "field acc." \
  "before: STP on test (95% CI)" "before: accepted accuracy" \
  "after: STP on test (95% CI)" "after: accepted accuracy"
for name in sroie fcc-adbuy invoice2data zugferd generated; do
  python3 - "$OUT/$name.before.json" "$OUT/$name.after.json" "$name" \
    "$OUT/$name.eval-before.json" "$OUT/$name.eval-after.json" <<'EOF'
import json, sys
before, after, _, eval_before, eval_after = (
    json.load(open(p)) if p.endswith(".json") else p for p in sys.argv[1:6])
accuracy = f'{100*eval_before["mean_field_accuracy"]:.0f}->{100*eval_after["mean_field_accuracy"]:.0f}%' 
def stp(r):
    s = r["test"]["straight_through"]
    return f'{100*s["estimate"]:.1f}% ({s["successes"]}/{s["trials"]}; {100*s["low"]:.0f}-{100*s["high"]:.0f}%)'
def acc(r):
    a = r["test"]["auto_accepted_accuracy"]
    if a["trials"] == 0:
        return "- (none accepted)"
    return f'{100*a["estimate"]:.1f}% ({a["successes"]}/{a["trials"]}; >= {100*a["low"]:.1f}%)'
review = before["review"]
sizes = f'{before["choice"]["validation"]["cases"]}/{before["test"]["cases"]}'
print(f'{sys.argv[3]:<13} {str(review["routed"]) + "/" + str(review["cases"]):<7} {sizes:<8} '
      f'{accuracy:<13} {stp(before):<34} {acc(before):<30} {stp(after):<34} {acc(after):<30}')
EOF
done
