# Sourced by the invoice benchmarks (bench/invoice, bench/eval) in their scratch folder: trains
# the invoice workflow's small models (models/invoice-type, models/invoice-fields) on 200
# generated text-layer invoices, outside any timing. Needs F (the flowline binary) and ROOT.
$F samples invoices --count 200 --out train --seed 1 --scanned-share 0 >/dev/null
$F train classify --data train --out models/invoice-type >/dev/null
$F train extract --data train --out models/invoice-fields --quiet \
  --fields "$ROOT/workflows/invoice/fields.yaml" >/dev/null
