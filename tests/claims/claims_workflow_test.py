#!/usr/bin/env python3
"""The claims triage workflow end to end through the program, with a fake LLM service.

Generates claims with `flowline samples claims`, loads the policy table, starts
`flowline-fake-llm` (answers from the claims' ground truth, a share of fields wrong, one claim's
answers always breaking the schema), points a providers.yaml at it and runs
workflows/claims/claims.yaml over the claims. Checks:
  - every run finishes or waits for a person; none fails;
  - only fast-track claims whose checks pass go straight through, with the right fields;
  - suspected frauds wait for two people; the claim with invalid answers waits with `ai_failed`;
  - `flowline eval` scores step `claim` per field, and a second evaluation is answered from the
    response cache (the fake sees no new request).
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile


def run(cmd, cwd, env):
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def requests(fake):
    """How many requests the fake LLM has answered."""
    fake.stdin.write("count\n")
    fake.stdin.flush()
    return int(fake.stdout.readline().split()[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--fake-llm", required=True)
    parser.add_argument("--workflow", required=True, help="workflows/claims")
    args = parser.parse_args()
    flowline = os.path.abspath(args.flowline)
    spec = os.path.join(os.path.abspath(args.workflow), "claims.yaml")
    with tempfile.TemporaryDirectory(prefix="flowline-claims-") as work:
        env = dict(os.environ, FLOWLINE_STORE=os.path.join(work, "flowline.db"))
        f = [flowline]
        run(f + ["samples", "claims", "--count", "30", "--out", "claims", "--seed", "4",
                 "--fraud-share", "0.2"], work, env)
        run(f + ["reference", "load", "--table", "policies", "--from", "claims/policies.csv",
                 "--key", "policy_number"], work, env)
        cases = {}
        with open(os.path.join(work, "claims", "claims.jsonl")) as lines:
            for line in lines:
                case = json.loads(line)
                cases[case["id"]] = case
        invalid = next(i for i, c in sorted(cases.items()) if c["expected"]["route"] == "fast_track")

        fake = subprocess.Popen([os.path.abspath(args.fake_llm), "--truth",
                                 os.path.join(work, "claims", "claims.jsonl"), "--error-rate",
                                 "0.05", "--invalid", invalid],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            port = int(fake.stdout.readline().split()[1])
            with open(os.path.join(work, "providers.yaml"), "w") as providers:
                providers.write(f"""currency: USD
providers:
  claims-llm:
    protocol: openai
    base_url: http://127.0.0.1:{port}/v1
    auth: none
    default_model: gpt-4o-mini
    models:
      gpt-4o-mini: {{ input_per_million_tokens: 0.15, output_per_million_tokens: 0.60 }}
""")
            # providers.yaml in the working directory is the default --providers.
            summary = run(f + ["run", spec, "claims/cases/", "--workers", "2"], work, env)
            print(summary)
            store = sqlite3.connect(os.path.join(work, "flowline.db"))
            runs = {json.loads(inp)["id"]: (run_id, status, out) for run_id, inp, status, out in
                    store.execute("SELECT run_id, input_json, status, output_json FROM runs")}
            assert len(runs) == 30, len(runs)
            straight = 0
            for claim_id, (run_id, status, out) in runs.items():
                expected = cases[claim_id]["expected"]
                tasks = [(json.loads(p), four_eyes) for p, four_eyes in store.execute(
                    "SELECT payload_json, json_extract(payload_json, '$.four_eyes') FROM tasks "
                    "WHERE run_id = ?", (run_id,))]
                assert status in ("completed", "running"), (claim_id, status)
                if status == "completed":
                    straight += 1
                    output = json.loads(out)
                    assert output["straight_through"] is True, (claim_id, output)
                    assert expected["route"] == "fast_track" and expected["checks_pass"], claim_id
                    assert output["fields"]["policy_number"] == expected["fields"]["policy_number"]
                    continue
                assert len(tasks) == 1, (claim_id, tasks)
                kinds = [r.get("kind") + ":" + r.get("name", "") for r in tasks[0][0]["routing"]]
                if claim_id == invalid:
                    assert any(k.startswith("ai_failed") for k in kinds), (claim_id, kinds)
                if expected["route"] == "suspected_fraud":
                    assert "rule:suspected_fraud" in kinds, (claim_id, kinds)
            assert straight >= 3, f"only {straight} of 30 went straight through"
            cache = os.path.join(work, "flowline.db.llm-cache")
            assert os.path.exists(cache), "no response cache beside the store"

            report = json.loads(run(f + ["eval", "--workflow", spec, "--data",
                                         "claims/claims.jsonl", "--json"], work, env))
            assert report["workflow"]["step"] == "claim", report["workflow"]
            accuracy = {field["field"]: field["accuracy"] for field in report["fields"]}
            assert {"policy_number", "amount", "incident_date"} <= set(accuracy), accuracy
            assert accuracy["policy_number"] >= 0.8, accuracy
            print("per-field accuracy of step claim:", accuracy)
            answered = requests(fake)
            run(f + ["eval", "--workflow", spec, "--data", "claims/claims.jsonl", "--json"], work, env)
            again = requests(fake)
            assert again == answered, f"a second evaluation asked the provider again ({answered} -> {again})"
            print(f"ok: {straight} of 30 straight through; {answered} requests to the fake LLM")
        finally:
            fake.stdin.close()
            fake.wait(timeout=30)


if __name__ == "__main__":
    main()
