#!/usr/bin/env python3
"""`flowline audit` end to end on the invoice-like W3 workflow: runs executed by `flowline run`
(which signs the head when it finishes), then verify, export and prune from the command line,
and verify again after the database is changed behind flowline's back.

Checks: verify exits 0 on an intact store and 1 naming the record after a change, a removal and
a cut-off tail; `--public-key` with another key fails; export writes JSON and a self-contained
HTML page with personal data only as digests; prune refuses a retention under 6 months.
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

SPEC = """
workflow: audit-cli
key: ${{ input.id }}
input:
  schema: { type: object, required: [id, email, total] }
steps:
  - id: check
    uses: script
    with: { code: "return { ok = input.total < 1000, contact = input.email }" }
outputs:
  ok: ${{ steps.check.output.ok }}
personal:
  - input.email
  - steps.check.output.contact
"""


def run(flowline, store, *args, check=True):
    result = subprocess.run([flowline, "--store", store] + list(args), capture_output=True,
                            text=True)
    if check and result.returncode != 0:
        raise RuntimeError("%s failed (%d): %s %s" % (args, result.returncode, result.stdout,
                                                      result.stderr))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowline", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="flowline-audit-")
    problems = []
    try:
        store = os.path.join(work, "audit.db")
        spec = os.path.join(work, "audit.yaml")
        with open(spec, "w") as f:
            f.write(SPEC)
        inputs = os.path.join(work, "inputs.jsonl")
        with open(inputs, "w") as f:
            for i in range(20):
                f.write(json.dumps({"id": "c%02d" % i, "email": "person%d@example.com" % i,
                                    "total": i * 100}) + "\n")
        run(args.flowline, store, "run", spec, inputs)
        keys = store + ".keys"
        for name, mode in (("signing.key", 0o600), ("signing.pub", 0o644),
                           ("personal.key", 0o600)):
            actual = os.stat(os.path.join(keys, name)).st_mode & 0o777
            if actual != mode:
                problems.append("%s has mode %o, expected %o" % (name, actual, mode))

        # 60 records of the 20 runs, after the deployment's version.deployed.
        verify = run(args.flowline, store, "audit", "verify", check=False)
        if verify.returncode != 0 or "intact: 61 records" not in verify.stdout:
            problems.append("verify of an intact store: %d %s" % (verify.returncode, verify.stdout))
        if "signed up to record 61" not in verify.stdout:
            problems.append("flowline run did not sign its records: %s" % verify.stdout)

        runs = json.loads(run(args.flowline, store, "runs", "list", "--json").stdout)
        run_id = runs[0]["run_id"]
        html = os.path.join(work, "case.html")
        story = json.loads(run(args.flowline, store, "audit", "export", "--run", run_id).stdout)
        run(args.flowline, store, "audit", "export", "--run", run_id, "--html", html)
        page = open(html).read()
        if story["format"] != "flowline.run-story.v1" or len(story["records"]) != 3:
            problems.append("export: %s" % json.dumps(story)[:300])
        for text, what in ((json.dumps(story), "JSON"), (page, "HTML")):
            if "@example.com" in text:
                problems.append("the %s export shows an e-mail address in plain" % what)
            if "hmac-sha256:" not in text:
                problems.append("the %s export has no digests" % what)
        if "<script" in page or "http://" in page or "https://" in page:
            problems.append("the HTML page is not self-contained")

        refused = run(args.flowline, store, "audit", "prune", "--retention", "5mo", check=False)
        if refused.returncode == 0 or "minimum of 6 months" not in refused.stderr:
            problems.append("prune --retention 5mo: %d %s" % (refused.returncode, refused.stderr))
        dry = run(args.flowline, store, "audit", "prune", "--dry-run")
        if "nothing to prune" not in dry.stdout:
            problems.append("prune --dry-run on fresh records: %s" % dry.stdout)

        other = os.path.join(work, "other.db")
        run(args.flowline, other, "audit", "key")
        wrong_key = run(args.flowline, store, "audit", "verify", "--public-key",
                        other + ".keys/signing.pub", check=False)
        if wrong_key.returncode != 1 or "not the trusted key" not in wrong_key.stdout:
            problems.append("verify with another key: %d %s" % (wrong_key.returncode,
                                                                wrong_key.stdout))

        for sql, expected in (
                ("UPDATE records SET payload_json = '[' || substr(payload_json, 2) "
                 "WHERE seq = 20", "TAMPERED (changed): record 20"),
                ("DELETE FROM records WHERE seq = 33", "TAMPERED (removed): record 33 is missing"),
                ("DELETE FROM records WHERE seq > 50", "TAMPERED (truncated)")):
            copy = os.path.join(work, "copy.db")
            shutil.copy(store, copy)
            shutil.rmtree(copy + ".keys", ignore_errors=True)
            shutil.copytree(keys, copy + ".keys")
            db = sqlite3.connect(copy)
            db.execute(sql)
            db.commit()
            db.close()
            found = run(args.flowline, copy, "audit", "verify", check=False)
            if found.returncode != 1 or expected not in found.stdout:
                problems.append("after `%s`: %d %s" % (sql, found.returncode, found.stdout))
            os.remove(copy)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for p in problems:
        print("FAIL: " + p)
    print("%d passed, %d failed" % (0 if problems else 1, 1 if problems else 0))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
