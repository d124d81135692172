#!/usr/bin/env bash
# The demo: installs what is missing, builds, and runs the invoice-approval workflow on five
# sample invoices — three approved straight through, two sent to a person — then resolves the
# people's tasks from the command line and shows one run's whole timeline.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh >/dev/null
FLOWLINE=./build/flowline
export FLOWLINE_STORE="${FLOWLINE_STORE:-$(mktemp -d)/demo.db}"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Validate the spec"
$FLOWLINE validate workflows/invoice-approval/invoice-approval.yaml

step "Deploy it (a version is the hash of its text)"
$FLOWLINE deploy workflows/invoice-approval/invoice-approval.yaml

step "Run five invoices"
$FLOWLINE run invoice-approval workflows/invoice-approval/samples || true

step "The people's inbox"
$FLOWLINE tasks list

step "A person approves the first task and rejects the second"
mapfile -t tasks < <($FLOWLINE tasks list --json | python3 -c 'import json,sys; [print(t["task_id"]) for t in json.load(sys.stdin)]')
$FLOWLINE tasks resolve "${tasks[0]}" --decision approve --comment "matches the purchase order" --user maria
$FLOWLINE tasks resolve "${tasks[1]}" --decision reject --comment "not our order" --user maria
step "All runs"
$FLOWLINE runs list

step "One run's timeline and decision record"
run=$($FLOWLINE runs list --json | python3 -c 'import json,sys; runs=json.load(sys.stdin); print([r for r in runs if r["business_key"]=="INV-1002"][0]["run_id"])')
$FLOWLINE runs show "$run"
echo
echo "store: $FLOWLINE_STORE   (try: $FLOWLINE --store $FLOWLINE_STORE serve)"
