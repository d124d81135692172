#!/usr/bin/env bash
# Measures extraction accuracy on the public sets in ../shared/data (docs/accuracy.md):
# for each set, trains an extract model on the train half of the deterministic split and
# evaluates it on the test half (SROIE twice: end to end with our OCR, and on the set's own
# transcripts, --text given); and evaluates an invoice model trained only on generated
# samples on the two invoice sets whole; then cross-validates every set (5 folds, `flowline eval
# --folds 5`: every document evaluated once by a model trained on the other four fifths; the
# invoice sets also with the generated samples added to every fold's training). Writes the JSON
# reports to $OUT (default build/accuracy) and prints the tables. HALVES=0 skips the train/test
# halves, CV=0 the cross-validation. Needs a build (./scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWLINE=$PWD/build/flowline
DATA=${FLOWLINE_SHARED_DATA:-$PWD/../shared/data}
OUT=${OUT:-$PWD/build/accuracy}
HALVES=${HALVES:-1}
CV=${CV:-1}
INVOICE_FIELDS=invoice_number:id,invoice_date:date,currency:currency,total_amount:amount,net_amount:amount,tax_amount:amount,due_date:date,vendor_name:organisation
mkdir -p "$OUT"
if [ ! -d "$DATA" ]; then
  echo "accuracy: $DATA is absent (set FLOWLINE_SHARED_DATA)" >&2
  exit 1
fi

if [ "$HALVES" = 1 ]; then
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
    --fields "$INVOICE_FIELDS" \
    > "$OUT/samples-invoice.train.txt"
  for set in invoice2data zugferd; do
    $FLOWLINE eval --data "$DATA/$set" --model "$OUT/models/samples-invoice" \
      --out "$OUT/samples-on-$set.json" 2>/dev/null
  done

  echo "== invoice sets: generated samples plus the set's train half, evaluated on the test half"
  for set in invoice2data zugferd; do
    $FLOWLINE train extract --data "$DATA/$set" --split train --extra-data "$OUT/samples" \
      --out "$OUT/models/mixed-$set" --quiet \
      --fields "$INVOICE_FIELDS" \
      > "$OUT/mixed-$set.train.txt"
    $FLOWLINE eval --data "$DATA/$set" --split test --model "$OUT/models/mixed-$set" \
      --out "$OUT/mixed-$set.json" 2>/dev/null
  done
fi

if [ "$CV" = 1 ]; then
  echo "== cross-validation, 5 folds (seed 1): every document held out once, reports pooled"
  for set in sroie fcc-adbuy invoice2data zugferd; do
    echo "== $set, 5-fold cross-validation"
    $FLOWLINE eval --data "$DATA/$set" --folds 5 --out "$OUT/cv-$set.json" 2>/dev/null
  done
  echo "== sroie, given text, 5-fold cross-validation"
  $FLOWLINE eval --data "$DATA/sroie" --folds 5 --text given --out "$OUT/cv-sroie-given.json" \
    2>/dev/null
  if [ ! -f "$OUT/samples/labels.jsonl" ]; then
    $FLOWLINE samples invoices --count 600 --out "$OUT/samples" --seed 1 >/dev/null
  fi
  for set in invoice2data zugferd; do
    echo "== $set, 5-fold cross-validation, each fold also trained on the 600 generated samples"
    $FLOWLINE eval --data "$DATA/$set" --folds 5 --extra-data "$OUT/samples" \
      --fields "$INVOICE_FIELDS" --out "$OUT/cv-mixed-$set.json" 2>/dev/null
  done
fi
