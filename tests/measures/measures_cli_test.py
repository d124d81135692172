#!/usr/bin/env python3
"""The measures through the flowline program: `flowline report` (text, --json, --html) and
`flowline serve`'s rollup loop behind GET /api/v1/workflows/{name}/measures and GET /metrics.

Three runs of a small workflow: two go straight through, one waits for a person who claims and
approves it. Usage: measures_cli_test.py --flowline PATH
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

SPEC = """workflow: measured
manual_minutes: 5
key: ${{ input.id }}
steps:
  - id: hello
    uses: script
    with:
      code: return { greeting = "hello " .. input.name }
  - id: check
    uses: review
    actor: human
    needs: [hello]
    when: ${{ input.name == 'bob' }}
    with: { queue: checks }
"""

PRICES = """currency: EUR
people:
  - from: 2020-01-01
    hourly_rate: 60
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowline", required=True)
    args = parser.parse_args()
    problems = []

    def expect(condition, what):
        if not condition:
            problems.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "flowline.db")

        def cli(*argv, check=True):
            done = subprocess.run([args.flowline, "--store", store] + list(argv),
                                  capture_output=True, text=True)
            if check and done.returncode != 0:
                sys.exit("flowline %s failed: %s" % (" ".join(argv), done.stderr))
            return done

        spec = os.path.join(tmp, "measured.yaml")
        with open(spec, "w") as f:
            f.write(SPEC)
        prices = os.path.join(tmp, "prices.yaml")
        with open(prices, "w") as f:
            f.write(PRICES)
        cli("deploy", spec)
        for i, name in enumerate(["ann", "cy", "bob"]):
            cli("run", "measured", "--input", json.dumps({"id": str(i), "name": name}))
        task = re.search(r"task_\w+", cli("tasks", "list").stdout).group(0)
        cli("tasks", "claim", task, "--user", "rita")
        cli("tasks", "resolve", task, "--decision", "approve", "--user", "rita")

        # The report folds the records itself.
        report = json.loads(cli("report", "--workflow", "measured", "--period", "1d",
                                "--prices", prices, "--json").stdout)
        totals = report["totals"]
        expect(totals["runs"]["started"] == 3, "started: %s" % totals["runs"])
        expect(totals["runs"]["automated"] == 2, "automated: %s" % totals["runs"])
        expect(abs(totals["straight_through_rate"] - 2 / 3) < 1e-9, "rate: %s" % totals)
        expect(totals["exceptions"]["by_reason"] == {"review": 1}, "reasons: %s" % totals)
        expect(totals["handling"]["claimed"] == 1, "handling: %s" % totals["handling"])
        expect(totals["cost"] is not None and totals["cost"]["human"] is not None,
               "cost: %s" % totals["cost"])
        # Two cases of 5 minutes done by the machine, less the person's (short) working time.
        saved = totals["time_saved_minutes"]
        expect(saved is not None and 9 < saved <= 10, "time saved: %s" % saved)
        expect(report["granularity"] == "hour" and len(report["buckets"]) == 24,
               "buckets: %s %d" % (report["granularity"], len(report["buckets"])))

        html = os.path.join(tmp, "report.html")
        text = cli("report", "--workflow", "measured", "--html", html).stdout
        expect("straight through  2 of 3 finished (66.7%)" in text, "text report:\n" + text)
        with open(html) as f:
            page = f.read()
        expect(page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 5,
               "html report has no charts")
        expect("<script" not in page and "https://" not in page, "html report fetches things")

        bad = cli("report", "--workflow", "measured", "--period", "forever", check=False)
        expect(bad.returncode == 1 and "--period must be a duration" in bad.stderr,
               "bad period: %s" % bad.stderr)
        missing = cli("report", "--workflow", "nope", check=False)
        expect(missing.returncode == 1 and "not found" in missing.stderr,
               "unknown workflow: %s" % missing.stderr)

        # serve: its rollup loop picks up what happens after it starts.
        token = re.search(r"flt_[\w-]+", cli("token", "create", "--role", "viewer", "--name",
                                             "prometheus").stdout).group(0)
        server = subprocess.Popen(
            [args.flowline, "--store", store, "serve", "--listen", "127.0.0.1:0",
             "--measures-interval", "100ms", "--prices", prices],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = ""
            while "serving on" not in line:  # log lines may come first
                line = server.stdout.readline()
                if not line:
                    sys.exit("flowline serve did not start")
            port = int(re.search(r":(\d+) ", line).group(1))
            base = "http://127.0.0.1:%d" % port

            def get(path):
                request = urllib.request.Request(base + path,
                                                 headers={"Authorization": "Bearer " + token})
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.read().decode(), response.headers["Content-Type"]

            request = urllib.request.Request(
                base + "/api/v1/workflows/measured/runs?wait=10s",
                data=json.dumps({"id": "9", "name": "dee"}).encode(), method="POST",
                headers={"Content-Type": "application/json",
                         "Authorization": "Bearer " + re.search(
                             r"flt_[\w-]+", cli("token", "create", "--role", "operator",
                                                "--name", "ops").stdout).group(0)})
            urllib.request.urlopen(request, timeout=10).read()
            metrics = ""
            deadline = time.time() + 20
            while time.time() < deadline:
                metrics, content_type = get("/metrics")
                if re.search(r'flowline_runs_started_total\{workflow="measured",version="\w+"\} 4',
                             metrics):
                    break
                time.sleep(0.1)
            expect(re.search(r'flowline_runs_started_total\{workflow="measured",version="\w+"\} 4',
                             metrics), "metrics never showed the 4th run:\n" + metrics)
            expect(content_type.startswith("text/plain; version=0.0.4"), content_type)
            expect(re.search(r"flowline_measures_rollup_passes_total [1-9]", metrics),
                   "no rollup loop metrics")
            measures = json.loads(get("/api/v1/workflows/measured/measures?granularity=day")[0])
            expect(measures["totals"]["runs"]["started"] == 4, "API: %s" % measures["totals"])
            expect(measures["currency"] == "EUR", "API currency: %s" % measures["currency"])
        finally:
            server.terminate()
            server.wait(timeout=30)

    for problem in problems:
        print("FAIL:", problem)
    print("measures CLI test: %d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
