#!/usr/bin/env bash
# The invoice workflow's throughput (docs/benchmarks.md): documents/s through the whole workflow
# for text-layer PDFs and for scanned pages, each step's time from the store, and the OCR path
# against Tesseract alone on the same scans. Run from the project's top folder after a build:
#   bench/invoice/invoice_bench.sh [PDFS] [SCANS]      (default 200 PDFs, 30 scans)
set -euo pipefail
ROOT=$PWD
F=$ROOT/build/flowline
PDFS=${1:-200}
SCANS=${2:-30}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export FLOWLINE_CACHE="$WORK/cache"
. "$ROOT/bench/invoice/train_models.sh"
$F samples invoices --count "$PDFS" --out pdfs --seed 21 --scanned-share 0 >/dev/null
$F samples invoices --count "$SCANS" --out scans --seed 22 --scanned-share 1 --dpi 300 >/dev/null
$F reference load --table vendors --from pdfs/vendors.csv >/dev/null
$F reference load --table purchase_orders --from pdfs/purchase_orders.csv >/dev/null
sqlite3 accounting.db < "$ROOT/workflows/invoice/accounting.sql"
cp "$ROOT/workflows/invoice/invoice.yaml" .

for kind in pdfs scans; do
  echo "== the whole workflow, $kind"
  FLOWLINE_STORE=$kind.db $F run invoice.yaml "$kind/" --workers 2 | head -1
  echo "   time per step (one worker thread, mean):"
  sqlite3 "$kind.db" "SELECT printf('   %-8s %8.2f ms', step_id, avg(duration_us) / 1000.0)
                      FROM steps WHERE status = 'completed' AND duration_us > 0
                      GROUP BY step_id ORDER BY min(position)"
done

echo "== document.read alone and Tesseract alone on the same scans (2 threads)"
args=()
for f in scans/*.png; do args+=(--scan "$f"); done
"$ROOT/build/bench/document_read_bench" --threads 2 "${args[@]}" | tail -3
