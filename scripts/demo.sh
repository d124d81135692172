#!/usr/bin/env bash
# The demo: installs what is missing, builds, and runs the invoice workflow (workflows/invoice)
# end to end on generated documents: it makes sample invoices (PDFs and scans) with their true
# values, trains the document classifier and the field extractor on one batch, loads the vendor
# master and the open purchase orders, and processes a second batch as it would arrive in an
# inbox — posting what it is sure of to the ledger and handing the rest to a person, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
./scripts/setup.sh
./scripts/build.sh >/dev/null
FLOWLINE=$ROOT/build/flowline
WORK="${FLOWLINE_DEMO_DIR:-$(mktemp -d)}"
mkdir -p "$WORK"
cd "$WORK"
export FLOWLINE_STORE="$WORK/flowline.db"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Generate sample documents: 300 to learn from, 60 arriving in the inbox"
$FLOWLINE samples invoices --count 300 --out train --seed 1
$FLOWLINE samples invoices --count 60 --out inbox --seed 2

step "Train the classifier (invoice or not) on the first batch"
$FLOWLINE train classify --data train --out models/invoice-type

step "Train the field extractor on the first batch"
$FLOWLINE train extract --data train --out models/invoice-fields \
  --fields "$ROOT/workflows/invoice/fields.yaml"

step "The business's own systems: vendor master, open purchase orders, the ledger"
$FLOWLINE reference load --table vendors --from inbox/vendors.csv
$FLOWLINE reference load --table purchase_orders --from inbox/purchase_orders.csv
sqlite3 accounting.db < "$ROOT/workflows/invoice/accounting.sql"

step "Validate the workflow"
cp "$ROOT/workflows/invoice/invoice.yaml" .
$FLOWLINE validate invoice.yaml

step "Process the inbox"
$FLOWLINE run invoice.yaml inbox/ --workers 2

step "Posted to the ledger"
sqlite3 -header -column accounting.db \
  "SELECT vendor, invoice_number, invoice_date, currency, total_amount, approved_by
   FROM ledger ORDER BY entry_id LIMIT 10"

step "Waiting in the accounts-payable queue"
$FLOWLINE tasks list --queue accounts-payable > tasks.txt
head -12 tasks.txt

step "Accountable: the decision record verifies, and the figures of the day"
$FLOWLINE audit verify
$FLOWLINE report --workflow invoice --period 1d --html report.html
run_id=$(sqlite3 "$FLOWLINE_STORE" "SELECT run_id FROM runs WHERE status = 'completed' LIMIT 1")
$FLOWLINE audit export --run "$run_id" --html case.html --out case.json
echo "one case's whole story: $WORK/case.html (and case.json); the report: $WORK/report.html"

echo
echo "everything is in $WORK"
echo "review the waiting invoices in the browser (docs/web-ui.md):"
echo "  cd $WORK && $FLOWLINE token create --role reviewer --name you   # prints a token"
echo "  $FLOWLINE serve --listen 127.0.0.1:8080   # then open http://127.0.0.1:8080/ and paste it"
