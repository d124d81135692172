#!/usr/bin/env python3
"""Crash test: `flowline serve` processes 2,000 runs of a workflow whose http step posts to a
local sink that counts idempotency keys; the server is killed with SIGKILL at random moments
several times and restarted.

Checks: every run completes; every step committed exactly once (one step.completed record per
step); the sink saw every run's key; any key it saw more than once belongs to a step that was
claimed again after a crash (attempts > 1), i.e. had not committed.

And the decision record (docs/audit.md): `flowline audit verify` finds the hash chain intact
and signed up to its last record (the last server stopped cleanly); every completed step has
exactly one step.completed record and every such record a completed step, every run one
run.created and every completed run one run.completed — a state change and its record are one
transaction, so no kill can separate them.
"""
import argparse
import http.server
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

SPEC = """
workflow: crash-test
key: ${{ input.id }}
input:
  schema: { type: object, required: [id, amount] }
steps:
  - id: prepare
    uses: script
    with: { code: "return { cents = math.floor(input.amount * 100) }" }
  - id: post
    uses: http
    with:
      method: POST
      url: http://127.0.0.1:%d/sink
      body: { id: "${{ input.id }}", cents: "${{ steps.prepare.output.cents }}" }
    retry: { attempts: 10, backoff: { initial: 50ms, max: 1s } }
  - id: done
    uses: script
    with: { code: "return { ok = steps.post.output.status == 200 }" }
outputs:
  ok: ${{ steps.done.output.ok }}
"""


class Sink(http.server.BaseHTTPRequestHandler):
    counts = {}
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        key = self.headers.get("Idempotency-Key", "")
        time.sleep(0.002)  # a real service takes a moment: kills land mid-request too
        with Sink.lock:
            Sink.counts[key] = Sink.counts.get(key, 0) + 1
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client (flowline) killed mid-request is expected here


class Server:
    def __init__(self, flowline, store):
        self.flowline, self.store, self.proc, self.port = flowline, store, None, None

    def start(self):
        self.proc = subprocess.Popen(
            [self.flowline, "--store", self.store, "serve", "--listen", "127.0.0.1:0",
             "--workers", "4"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if "serving on" not in line:
            raise RuntimeError("flowline serve did not start: %r" % line)
        self.port = int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def check_decision_record(flowline, store):
    """The chain verifies, and records and state changes match one to one."""
    problems = []
    verify = subprocess.run([flowline, "--store", store, "audit", "verify", "--json"],
                            capture_output=True, text=True)
    try:
        report = json.loads(verify.stdout)
    except ValueError:
        return ["audit verify printed no report: %s %s" % (verify.stdout, verify.stderr)]
    if verify.returncode != 0 or not report["intact"]:
        problems.append("audit verify: %s" % report.get("finding"))
    if report["signed_up_to"] != report["last_seq"]:
        problems.append("the chain is signed up to record %d of %d after a clean stop" %
                        (report["signed_up_to"], report["last_seq"]))
    db = sqlite3.connect("file:%s?mode=ro" % store, uri=True)
    completed = set(db.execute(
        "SELECT run_id, step_id FROM steps WHERE status = 'completed' AND step_id <> '$end'"))
    recorded = {}
    for run_id, step_id, n in db.execute(
            "SELECT run_id, step_id, count(*) FROM records WHERE kind = 'step.completed' "
            "GROUP BY run_id, step_id"):
        recorded[(run_id, step_id)] = n
    without_record = [s for s in completed if recorded.get(s, 0) != 1]
    if without_record:
        problems.append("%d completed steps have no single step.completed record, e.g. %s (%d)" %
                        (len(without_record), without_record[0],
                         recorded.get(without_record[0], 0)))
    without_step = [s for s in recorded if s not in completed]
    if without_step:
        problems.append("%d step.completed records have no completed step, e.g. %s" %
                        (len(without_step), without_step[0]))
    for kind, where in (("run.created", ""), ("run.completed", "WHERE status = 'completed'")):
        wrong = db.execute(
            "SELECT r.run_id, (SELECT count(*) FROM records c WHERE c.run_id = r.run_id "
            "AND c.kind = ?) AS n FROM runs r %s" % where, (kind,)).fetchall()
        wrong = [(run_id, n) for run_id, n in wrong if n != 1]
        if wrong:
            problems.append("%d runs have not exactly one %s record, e.g. %s" %
                            (len(wrong), kind, wrong[0]))
    records = db.execute("SELECT count(*) FROM records").fetchone()[0]
    db.close()
    print("decision record: %d records, verified intact and signed, %d completed steps each with "
          "one record" % (records, len(completed)))
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    sink = QuietServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()

    work = tempfile.mkdtemp(prefix="flowline-crash-")
    store = os.path.join(work, "crash.db")
    spec = os.path.join(work, "crash.yaml")
    with open(spec, "w") as f:
        f.write(SPEC % sink.server_address[1])
    subprocess.run([args.flowline, "--store", store, "deploy", spec], check=True,
                   stdout=subprocess.DEVNULL)
    token = subprocess.run([args.flowline, "--store", store, "token", "create", "--role",
                            "operator", "--name", "crash-test"], check=True,
                           capture_output=True, text=True).stdout.strip()

    server = Server(args.flowline, store)
    server.start()
    state = {"server": server}
    submitted = set()
    lock = threading.Lock()

    def submit(i):
        body = json.dumps({"id": "c-%05d" % i, "amount": i / 7.0}).encode()
        while True:
            port = state["server"].port
            req = urllib.request.Request(
                "http://127.0.0.1:%d/api/v1/workflows/crash-test/runs" % port, data=body,
                headers={"Authorization": "Bearer " + token,
                         "Content-Type": "application/json"}, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    if resp.status in (200, 201):
                        with lock:
                            submitted.add(i)
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.05)  # the server is down (killed): try again; the key dedupes

    killer_done = threading.Event()

    def killer():
        for _ in range(args.kills):
            time.sleep(rng.uniform(0.1, 0.6))
            state["server"].kill()
            time.sleep(rng.uniform(0.0, 0.2))
            fresh = Server(args.flowline, store)
            fresh.start()
            state["server"] = fresh
        killer_done.set()

    kill_thread = threading.Thread(target=killer)
    kill_thread.start()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(submit, range(args.runs)))
    kill_thread.join()

    # Wait for every run to finish on the last server.
    deadline = time.time() + 300
    while time.time() < deadline:
        out = subprocess.run([args.flowline, "--store", store, "runs", "list", "--status",
                              "completed", "--limit", "10000", "--json"],
                             capture_output=True, text=True)
        if out.returncode == 0 and len(json.loads(out.stdout)) >= args.runs:
            break
        time.sleep(0.5)
    state["server"].stop()

    runs = json.loads(subprocess.run(
        [args.flowline, "--store", store, "runs", "list", "--limit", "10000", "--json"],
        check=True, capture_output=True, text=True).stdout)
    problems = []
    if len(submitted) != args.runs:
        problems.append("only %d of %d runs were accepted" % (len(submitted), args.runs))
    if len(runs) != args.runs:
        problems.append("%d runs in the store, expected %d" % (len(runs), args.runs))
    not_done = [r for r in runs if r["status"] != "completed"]
    if not_done:
        problems.append("%d runs did not complete, e.g. %s" % (len(not_done), not_done[0]))
    keys = {"%s/post" % r["run_id"]: r["run_id"] for r in runs}
    missing = [k for k in keys if Sink.counts.get(k, 0) == 0]
    if missing:
        problems.append("the sink never saw %d keys, e.g. %s" % (len(missing), missing[0]))
    stray = [k for k in Sink.counts if k not in keys]
    if stray:
        problems.append("the sink saw keys of no run: %s" % stray[:3])
    twice = [k for k, n in Sink.counts.items() if n > 1 and k in keys]
    for key in twice:
        show = json.loads(subprocess.run(
            [args.flowline, "--store", store, "runs", "show", keys[key], "--json"],
            check=True, capture_output=True, text=True).stdout)
        post = [s for s in show["steps"] if s["step_id"] == "post"][0]
        if post["attempt"] < Sink.counts[key]:
            problems.append("%s was sent %d times but attempted %d times: a committed step ran "
                            "again" % (key, Sink.counts[key], post["attempt"]))
    # Every step committed exactly once: one step.completed record per step and run.
    sample = rng.sample(runs, min(200, len(runs))) if runs else []
    for run in sample:
        show = json.loads(subprocess.run(
            [args.flowline, "--store", store, "runs", "show", run["run_id"], "--json"],
            check=True, capture_output=True, text=True).stdout)
        completed = [r["step_id"] for r in show["records"] if r["kind"] == "step.completed"]
        if sorted(completed) != ["done", "post", "prepare"]:
            problems.append("run %s has step.completed records %s" % (run["run_id"], completed))
            break

    problems += check_decision_record(args.flowline, store)

    print("crash test: %d runs, %d kills, %d keys sent more than once (all by steps in flight at a "
          "kill)" % (len(runs), args.kills, len(twice)))
    if problems:
        for p in problems:
            print("FAIL: " + p)
        print("0 passed, 1 failed")
        return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
