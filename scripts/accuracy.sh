#!/usr/bin/env bash
# Measures extraction accuracy on the public sets in ../shared/data (docs/accuracy.md):
# for each set, trains an extract model on the train half of the deterministic split and
# evaluates it on the test half (SROIE twice: end to end with our OCR, and on the set's own
# transcripts, --text given); and evaluates an invoice model trained only on generated
# samples on the two invoice sets whole. Writes the JSON reports to $OUT (default
# build/accuracy) and prints the tables. Needs a build (./scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWLINE=$PWD/build/flowline
DATA=${FLOWLINE_SHARED_DATA:-$PWD/../shared/data}
OUT=${OUT:-$PWD/build/accuracy}
mkdir -p "$OUT"
if [ ! -d "$DATA" ]; then
  echo "accuracy: $DATA is absent (set FLOWLINE_SHARED_DATA)" >&2
  exit 1
fi

for set in sroie fcc-adbuy invoice2data zugferd; do
  echo "== $set: train on the train half, evaluate on the test half"
  $FLOWLINE train extract --data "$DATA/$set" --split train --out "$OUT/models/$set" --quiet \
    > "$OUT/$set.train.txt"
  $FLOWLINE eval --data "$DATA/$set" --split test --model "$OUT/models/$set" \
    --out "$OUT/$set.json" 2>/dev/null
done

echo "== sroie, given text (the set's own transcripts, the competition's protocol)"
$FLOWLINE train extract --data "$DATA/sroie" --split train --text given \
  --out "$OUT/models/sroie-given" --quiet > "$OUT/sroie-given.train.txt"
$FLOWLINE eval --data "$DATA/sroie" --split test --text given --model "$OUT/models/sroie-given" \
  --out "$OUT/sroie-given.json" 2>/dev/null

echo "== invoice model trained on 600 generated samples, evaluated on the real invoice sets"
$FLOWLINE samples invoices --count 600 --out "$OUT/samples" --seed 1 >/dev/null
$FLOWLINE train extract --data "$OUT/samples" --out "$OUT/models/samples-invoice" --quiet \
  --fields invoice_number:id,invoice_date:date,currency:currency,total_amount:amount,net_amount:amount,tax_amount:amount,due_date:date,vendor_name:organisation \
  > "$OUT/samples-invoice.train.txt"
for set in invoice2data zugferd; do
  $FLOWLINE eval --data "$DATA/$set" --model "$OUT/models/samples-invoice" \
    --out "$OUT/samples-on-$set.json" 2>/dev/null
done

echo "== invoice sets: generated samples plus the set's train half, evaluated on the test half"
for set in invoice2data zugferd; do
  $FLOWLINE train extract --data "$DATA/$set" --split train --extra-data "$OUT/samples" \
    --out "$OUT/models/mixed-$set" --quiet \
    --fields invoice_number:id,invoice_date:date,currency:currency,total_amount:amount,net_amount:amount,tax_amount:amount,due_date:date,vendor_name:organisation \
    > "$OUT/mixed-$set.train.txt"
  $FLOWLINE eval --data "$DATA/$set" --split test --model "$OUT/models/mixed-$set" \
    --out "$OUT/mixed-$set.json" 2>/dev/null
done
