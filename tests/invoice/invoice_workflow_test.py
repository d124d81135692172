#!/usr/bin/env python3
"""The invoice workflow end to end, on generated documents (always runs; no shared data needed).

Generates a training batch and an inbox with `flowline samples invoices`, trains the classifier
and the extractor, loads the vendor master and purchase orders, creates the ledger, runs the
inbox through workflows/invoice/invoice.yaml, and checks what landed where against the
generator's ground truth:
  - every run finishes or waits for a person; none fails;
  - some invoices go straight through, and what was posted is right (number, date, currency,
    amounts; the vendor is the vendor master's name);
  - nothing that is not an invoice is posted; no invoice whose total does not add up is posted;
    a re-sent invoice is never posted twice;
  - every run waiting for a person has a task saying why;
  - line items are extracted from the invoices (the rows' amounts as labelled), and an invoice
    whose rows do not add up to its net amount waits for a person with `lines_add_up` failed;
  - running the same inbox again starts no new runs and posts nothing new;
  - with --fake-llm: invoice-llm.yaml (the LLM as the extractor's fallback) asks the fake LLM only
    for the invoices with an unsure field, takes those fields from it and keeps the sure ones.
"""
import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile


def run(cmd, cwd, env):
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--workflow", required=True, help="workflows/invoice")
    parser.add_argument("--fake-llm", help="flowline-fake-llm: also run invoice-llm.yaml")
    args = parser.parse_args()
    flowline = os.path.abspath(args.flowline)
    workflow = os.path.abspath(args.workflow)
    with tempfile.TemporaryDirectory(prefix="flowline-invoice-") as work:
        env = dict(os.environ, FLOWLINE_STORE=os.path.join(work, "flowline.db"),
                   FLOWLINE_CACHE=os.path.join(work, "cache"))
        f = [flowline]
        run(f + ["samples", "invoices", "--count", "160", "--out", "train", "--seed", "5",
                 "--scanned-share", "0.1"], work, env)
        run(f + ["samples", "invoices", "--count", "40", "--out", "inbox", "--seed", "6",
                 "--scanned-share", "0.1", "--defect-share", "0.15", "--duplicate-share", "0.1"],
            work, env)
        run(f + ["train", "classify", "--data", "train", "--out", "models/invoice-type"], work, env)
        run(f + ["train", "extract", "--data", "train", "--out", "models/invoice-fields",
                 "--fields", os.path.join(workflow, "fields.yaml"), "--rounds", "60", "--quiet"],
            work, env)
        run(f + ["reference", "load", "--table", "vendors", "--from", "inbox/vendors.csv"], work, env)
        run(f + ["reference", "load", "--table", "purchase_orders", "--from",
                 "inbox/purchase_orders.csv"], work, env)
        ledger = sqlite3.connect(os.path.join(work, "accounting.db"))
        with open(os.path.join(workflow, "accounting.sql")) as sql:
            ledger.executescript(sql.read())
        ledger.commit()

        summary = run(f + ["run", os.path.join(workflow, "invoice.yaml"), "inbox/", "--workers", "2"],
                      work, env)
        print(summary)
        assert not re.search(r"^\s+\d+ failed$", summary, re.M), summary
        assert "straight-through:" in summary and "time saved:" in summary, summary

        labels = {}
        with open(os.path.join(work, "inbox", "labels.jsonl")) as lines:
            for line in lines:
                doc = json.loads(line)
                labels[doc["file"]] = doc
        vendors = {row[0] for row in
                   sqlite3.connect(os.path.join(work, "reference.db")).execute("SELECT name FROM vendors")}
        store = sqlite3.connect(os.path.join(work, "flowline.db"))
        runs = {run_id: (json.loads(inp)["name"], status) for run_id, inp, status in
                store.execute("SELECT run_id, input_json, status FROM runs")}
        assert len(runs) == 40, len(runs)
        statuses = {status for _, status in runs.values()}
        assert statuses <= {"completed", "running"}, statuses  # running: waiting for a person

        posted = ledger.execute("SELECT run_id, vendor, invoice_number, invoice_date, currency, "
                                "net_amount, tax_amount, total_amount FROM ledger").fetchall()
        assert len(posted) >= 8, f"only {len(posted)} of 40 posted straight through"
        right = 0
        for run_id, vendor, number, date, currency, net, tax, total in posted:
            label = labels[runs[run_id][0]]
            fields = label["fields"]
            assert label["doc_type"] == "invoice", f"posted a {label['doc_type']}: {runs[run_id][0]}"
            assert label.get("defect") != "total_mismatch", \
                f"posted an invoice whose total does not add up: {runs[run_id][0]}"
            assert vendor in vendors, f"posted vendor {vendor!r} is not the master's name"
            if (number == fields.get("invoice_number") and date == fields.get("invoice_date")
                    and currency == fields.get("currency")
                    and abs(total - float(fields["total_amount"])) < 0.005
                    and abs(net - float(fields["net_amount"])) < 0.005
                    and vendor == fields.get("vendor_name")):
                right += 1
            else:
                print(f"posted wrong: {runs[run_id][0]}: {vendor, number, date, currency, total} "
                      f"vs {fields}")
        assert right >= 0.9 * len(posted), f"{right} of {len(posted)} posted entries are right"
        numbers = [(row[1], row[2]) for row in posted]
        assert len(numbers) == len(set(numbers)), "an invoice was posted twice"
        # A re-sent invoice is posted only if its original was not (one of them, never both).
        posted_files = {runs[row[0]][0] for row in posted}
        for name in posted_files:
            original = labels[name].get("duplicate_of")
            if labels[name].get("defect") == "duplicate" and original:
                assert original not in posted_files, f"{name} and its original {original} posted"

        waiting = [run_id for run_id, (_, status) in runs.items() if status == "running"]
        for run_id in waiting:
            payloads = [json.loads(p) for (p,) in store.execute(
                "SELECT payload_json FROM tasks WHERE run_id = ?", (run_id,))]
            assert payloads and payloads[0]["reasons"], f"{run_id} waits without a reason"
        for name, (label) in labels.items():
            if label["doc_type"] != "invoice":
                run_id = next(r for r, (n, _) in runs.items() if n == name)
                assert runs[run_id][1] == "running", f"{name} ({label['doc_type']}) did not wait"

        # Line items: the extract step's rows against the labelled ones; an invoice whose rows do
        # not add up to the net amount (the generator's sum_mismatch) waits with that reason.
        by_name = {name: run_id for run_id, (name, _) in runs.items()}
        outputs = {run_id: json.loads(out) for run_id, out in store.execute(
            "SELECT run_id, output_json FROM steps WHERE step_id = 'fields' "
            "AND status = 'completed'")}
        with_rows = same_rows = 0
        for name, label in labels.items():
            rows = label["fields"].get("line_items")
            if label["doc_type"] != "invoice" or not rows or by_name[name] not in outputs:
                continue
            extracted = outputs[by_name[name]].get("line_items")
            assert extracted is not None, f"{name}: the fields step lists no line_items"
            with_rows += 1
            if ([round(float(r["amount"]), 2) for r in extracted] ==
                    [round(float(r["amount"]), 2) for r in rows]):
                same_rows += 1
            else:
                print(f"line items differ: {name}: {extracted} vs {rows}")
        assert with_rows >= 20 and same_rows >= 0.9 * with_rows, (same_rows, with_rows)
        mismatched = [name for name, label in labels.items()
                      if label.get("defect") == "sum_mismatch"]
        assert mismatched, "the inbox has no invoice whose lines do not add up"
        for name in mismatched:
            reasons = [reason for (p,) in store.execute(
                "SELECT payload_json FROM tasks WHERE run_id = ?", (by_name[name],))
                for reason in json.loads(p)["reasons"]]
            assert "check failed: lines_add_up" in reasons, f"{name}: {reasons}"

        # flowline eval: the model alone, then the workflow (a dry run: nothing posted).
        model_report = json.loads(run(f + ["eval", "--data", "inbox", "--model", "invoice-fields",
                                           "--json"], work, env))
        assert model_report["documents"] == 40, model_report["documents"]
        assert model_report["mean_field_accuracy"] >= 0.8, model_report["mean_field_accuracy"]
        scored = {field["field"] for field in model_report["fields"]}
        assert {"invoice_number", "total_amount", "vendor_name"} <= scored, scored
        assert model_report["labels_not_extracted"] == ["vendor_address"], model_report
        assert 0 <= model_report["calibration"]["ece"] < 0.2, model_report["calibration"]["ece"]
        line_items = model_report["line_items"]
        assert line_items["rows"]["recall"] >= 0.9 and line_items["rows"]["precision"] >= 0.9, \
            line_items
        assert line_items["sum_matches_line_total"]["share"] >= 0.9, line_items
        before = ledger.execute("SELECT count(*) FROM ledger").fetchone()[0]
        flow_report = json.loads(run(f + ["eval", "--data", "inbox", "--workflow",
                                          os.path.join(workflow, "invoice.yaml"), "--json"],
                                     work, env))
        assert flow_report["workflow"]["step"] == "fields"
        assert flow_report["workflow"]["mode"] == "evaluation"
        counted = (flow_report["workflow"]["straight_through"] +
                   flow_report["workflow"]["waiting_for_a_person"] + flow_report["workflow"]["failed"])
        assert counted == 40, flow_report["workflow"]
        assert flow_report["workflow"]["straight_through"] >= 8, flow_report["workflow"]
        assert flow_report["line_items"]["rows"]["recall"] >= 0.9, flow_report["line_items"]
        assert ledger.execute("SELECT count(*) FROM ledger").fetchone()[0] == before, \
            "a dry-run evaluation posted to the ledger"
        # The deployed version, by name (the live one), is the same spec: the same version.
        deployed = json.loads(run(f + ["eval", "--data", "inbox", "--workflow", "invoice",
                                       "--json"], work, env))
        assert deployed["workflow"]["version"] == flow_report["workflow"]["version"], deployed
        assert deployed["workflow"]["straight_through"] == flow_report["workflow"]["straight_through"]

        again = run(f + ["run", os.path.join(workflow, "invoice.yaml"), "inbox/"], work, env)
        assert "already started" in again, again
        assert ledger.execute("SELECT count(*) FROM ledger").fetchone()[0] == len(posted)
        print(f"ok: {len(posted)} of 40 posted straight through, {right} exactly right; "
              f"{len(waiting)} waiting for a person; line items as labelled on {same_rows} of "
              f"{with_rows} invoices")
        if args.fake_llm:
            check_llm_fallback(f, work, env, workflow, os.path.abspath(args.fake_llm), labels)


def check_llm_fallback(f, work, env, workflow, fake_llm, labels):
    """invoice-llm.yaml over the same inbox, its provider the fake LLM answering from the labels."""
    fake = subprocess.Popen([fake_llm, "--invoices", os.path.join(work, "inbox", "labels.jsonl")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(fake.stdout.readline().split()[1])
        with open(os.path.join(work, "providers.yaml"), "w") as providers:
            providers.write(f"""providers:
  invoice-llm:
    protocol: openai
    base_url: http://127.0.0.1:{port}/v1
    auth: none
    default_model: local
    models: {{ local: {{}} }}
""")
        summary = run(f + ["--providers", "providers.yaml", "run",
                           os.path.join(workflow, "invoice-llm.yaml"), "inbox/", "--workers", "2"],
                      work, env)
        print(summary)
        store = sqlite3.connect(os.path.join(work, "flowline.db"))
        runs = {run_id: (json.loads(inp)["name"], status) for run_id, inp, status in store.execute(
            "SELECT run_id, input_json, status FROM runs WHERE workflow = 'invoice-llm'")}
        assert len(runs) == 40, len(runs)
        assert {status for _, status in runs.values()} <= {"completed", "running"}, runs
        asked = from_llm = right = 0
        for run_id, out in store.execute(
                "SELECT run_id, output_json FROM steps WHERE step_id = 'fields' AND status = "
                "'completed' AND run_id IN (SELECT run_id FROM runs WHERE workflow = 'invoice-llm')"):
            output = json.loads(out)
            if not output or output.get("llm", {}).get("used") is False:
                continue
            asked += 1
            expected = labels[runs[run_id][0]]["fields"]
            for name, field in output["fields"].items():
                if field.get("source") == "model":
                    assert field["confidence"] is not None and field["confidence"] >= 0.9, \
                        (runs[run_id][0], name, field)
                elif field.get("source") == "llm" and name in expected:
                    from_llm += 1
                    right += output["values"].get(name) == expected[name]
        # The model's output decides: an invoice with any field under 0.9 (or without a
        # confidence) is asked about, once; the others are not.
        unsure = 0
        for (out,) in store.execute(
                "SELECT output_json FROM steps WHERE step_id = 'fields_model' AND status = "
                "'completed' AND run_id IN (SELECT run_id FROM runs WHERE workflow = 'invoice-llm')"):
            fields = (json.loads(out) if out else {}).get("fields") or {}
            if not fields or any(not isinstance(f, dict) or f.get("confidence") is None or
                                 f["confidence"] < 0.9 for f in fields.values()):
                unsure += 1
        assert asked >= 1, "no invoice was unsure enough to ask the LLM"
        assert requests(fake) == unsure, \
            f"{unsure} invoices had an unsure field, but the LLM was asked {requests(fake)} times"
        assert from_llm >= 1 and right >= 0.9 * from_llm, (right, from_llm)
        print(f"ok: invoice-llm asked the LLM about {asked} of 40 invoices; {right} of {from_llm} "
              f"fields it gave are as labelled")
    finally:
        fake.stdin.close()
        fake.wait(timeout=30)


def requests(fake):
    """How many requests the fake LLM has answered."""
    fake.stdin.write("count\n")
    fake.stdin.flush()
    return int(fake.stdout.readline().split()[1])


if __name__ == "__main__":
    main()
