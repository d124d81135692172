#!/usr/bin/env python3
"""Scale-out test: several `flowline worker` processes on one PostgreSQL, killed at random.

A fresh database on the test cluster; `flowline migrate`; a workflow of three steps (a script,
an http POST to a local counting server that notes each request's idempotency key and which
worker process sent it, a script) deployed with the CLI; 4 `flowline worker` processes (short
leases: --lease 2s) and one `flowline serve --workers 0` that only creates runs, from signed
webhooks. While 5,000 runs are created and executed, a random worker is killed with SIGKILL
every 0.5-1 s and restarted. Each worker process is one incarnation with its own tag: the http
step sends it as its bearer token (SCALEOUT_WORKER in the worker's environment), and libpq
names its connections with it (PGAPPNAME), so both the counting server and pg_stat_activity
tell the incarnations apart.

After every kill, once PostgreSQL has closed the dead process's connections, the steps still
leased to it are noted: exactly those must run again. Meanwhile an observer samples the leased
steps every ~0.1 s. Checks:
  - every run completed, with the right output;
  - every step committed once: one step.completed record per run and step, one run.created and
    one run.completed per run, no failed step, no retry;
  - a step's attempts are 1 + the number of killed workers that held its lease when they died:
    nothing else runs a step again;
  - the counting server saw every run's request; every request but one per key came from a
    killed worker, and no key was sent more often than it was attempted;
  - every sampled lease belongs to a live worker, or to a killed one and expires within one
    lease of its death; a step's lease never passes from one live worker to another, and one
    attempt never has two owners;
  - `flowline audit verify`: one valid, signed chain.
"""
import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg  # noqa: E402

SECRET = "scaleout-test-secret"

SPEC = """
workflow: scaleout
key: ${{ input.id }}
input:
  schema: { type: object, required: [id, n] }
triggers:
  - webhook: { path: /hooks/scaleout, secret_env: SCALEOUT_HOOK_SECRET }
steps:
  - id: prepare
    uses: script
    with: { code: "return { double = input.n * 2 }" }
  - id: call
    uses: http
    with:
      method: POST
      url: http://127.0.0.1:%d/count
      body: { id: "${{ input.id }}", double: "${{ steps.prepare.output.double }}" }
      auth: { type: bearer, token_env: SCALEOUT_WORKER }
  - id: finish
    uses: script
    with:
      code: |
        return { ok = steps.call.output.status == 200 and steps.call.output.body.id == input.id,
                 double = steps.prepare.output.double }
outputs:
  ok: ${{ steps.finish.output.ok }}
  double: ${{ steps.finish.output.double }}
"""


class Counter(http.server.BaseHTTPRequestHandler):
    """Notes every request: idempotency key -> [worker tag, ...] in arrival order."""
    requests = {}
    lock = threading.Lock()
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        key = self.headers.get("Idempotency-Key", "")
        tag = self.headers.get("Authorization", "").removeprefix("Bearer ")
        time.sleep(0.002)  # a real service takes a moment: kills land mid-request too
        with Counter.lock:
            Counter.requests.setdefault(key, []).append(tag)
        answer = json.dumps({"id": body.get("id")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a worker killed mid-request is expected here


def owner_pid(owner):
    """The process id in a lease owner "<host>:<pid>:<random>", or None."""
    parts = owner.split(":")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


class Workers:
    """The worker processes: slots restarted after kills, each start a new incarnation."""

    def __init__(self, flowline, store, keys, work, threads, lease):
        self.flowline, self.store, self.keys, self.work = flowline, store, keys, work
        self.threads, self.lease = threads, lease
        self.lock = threading.Lock()
        self.slots = {}     # slot -> (Popen, tag)
        self.live = {}      # pid -> tag
        self.killed = {}    # pid -> (tag, kill time in µs since the epoch)
        self.generation = 0
        self.exits = []     # unexpected exits: (tag, code)

    def start(self, slot):
        with self.lock:
            self.generation += 1
            tag = "w%d-%d" % (slot, self.generation)
        log = open(os.path.join(self.work, "worker-%s.log" % tag), "w")
        env = dict(os.environ, SCALEOUT_WORKER=tag, PGAPPNAME="flowline-" + tag)
        proc = subprocess.Popen(
            [self.flowline, "--store", self.store, "--audit-keys", self.keys, "--log-level",
             "info", "worker", "--workers", str(self.threads), "--lease", self.lease],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        with self.lock:
            self.slots[slot] = (proc, tag)
            self.live[proc.pid] = tag
        return proc, tag

    def kill(self, slot):
        """SIGKILLs the slot's process; returns (pid, tag) once it is gone."""
        with self.lock:
            proc, tag = self.slots[slot]
            code = proc.poll()
            if code is not None:
                self.exits.append((tag, code))
            self.killed[proc.pid] = (tag, int(time.time() * 1e6))
            del self.live[proc.pid]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return proc.pid, tag

    def stop_all(self):
        with self.lock:
            procs = list(self.slots.values())
        for proc, _ in procs:
            proc.send_signal(signal.SIGTERM)
        for proc, tag in procs:
            try:
                code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = "did not stop within 60 s of SIGTERM"
            if code != 0:
                self.exits.append((tag, code))

    def owners(self):
        with self.lock:
            return dict(self.live), dict(self.killed)


class Observer:
    """Samples the leased steps and checks every lease against the workers' lives."""

    def __init__(self, store, workers, lease_us):
        self.db = pg.Psql(store)
        self.workers, self.lease_us = workers, lease_us
        self.last = {}  # (run, step) -> (attempt, owner pid)
        self.samples = 0
        self.leases_seen = 0
        self.problems = []
        self.stop = threading.Event()

    def sample(self):
        rows = self.db.query(
            "SELECT run_id, step_id, attempt, lease_owner, lease_expires_at, "
            "(extract(epoch FROM clock_timestamp()) * 1e6)::bigint FROM steps "
            "WHERE status = 'running'")
        live, killed = self.workers.owners()  # after the query: a pid it saw is in one of these
        self.samples += 1
        for run_id, step_id, attempt, owner, expires, now in rows:
            self.leases_seen += 1
            attempt, expires, now = int(attempt), int(expires or 0), int(now)
            pid = owner_pid(owner)
            where = "%s/%s attempt %d" % (run_id, step_id, attempt)
            if pid in killed:
                tag, died = killed[pid]
                if expires > died + self.lease_us + 500000:
                    self.problems.append("%s: leased to killed worker %s until %d µs after its "
                                         "death" % (where, tag, expires - died))
            elif pid not in live:
                self.problems.append("%s: leased to %r, no worker this test started" %
                                     (where, owner))
            previous = self.last.get((run_id, step_id))
            if previous and previous[1] != pid:
                if previous[0] == attempt:
                    self.problems.append("%s: two owners for one attempt (pids %s and %s)" %
                                         (where, previous[1], pid))
                elif previous[1] not in killed:
                    self.problems.append(
                        "%s: taken from live worker %s (pid %s) by pid %s" %
                        (where, live.get(previous[1]), previous[1], pid))
            self.last[(run_id, step_id)] = (attempt, pid)

    def run(self):
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.1)
        self.db.close()


def post_runs(port, ids, failures):
    """Creates runs through the signed webhook.

    A connection per request: on a kept-alive one, a response's body sometimes arrives ~40 ms
    after its headers (Nagle's algorithm against delayed ACKs), which slows creation tenfold."""
    for i in ids:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps({"id": "r-%05d" % i, "n": i}).encode()
        signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        conn.request("POST", "/hooks/scaleout", body=body,
                     headers={"Content-Type": "application/json",
                              "X-Flowline-Signature": "sha256=" + signature})
        resp = conn.getresponse()
        text = resp.read()
        if resp.status not in (200, 201):
            failures.append("run %d: HTTP %d %s" % (i, resp.status, text[:200]))
        conn.close()


def run_cli(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit("FAILED: %s\n%s%s" % (" ".join(args), result.stdout, result.stderr))
    return result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="--workers of each process")
    parser.add_argument("--lease", default="2s")
    parser.add_argument("--kill-every", type=float, nargs=2, default=[0.5, 1.0])
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    args = parser.parse_args()
    flowline = os.path.abspath(args.flowline)
    rng = random.Random(args.seed)
    lease_us = int(float(args.lease.rstrip("s")) * 1e6)

    cluster = pg.test_conninfo()
    dbname = "flowline_scaleout_%d" % os.getpid()
    store = pg.create_database(cluster, dbname)
    work = tempfile.mkdtemp(prefix="flowline-scaleout-")
    keys = os.path.join(work, "keys")
    base = [flowline, "--store", store, "--audit-keys", keys]

    counter = QuietServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=counter.serve_forever, daemon=True).start()
    spec = os.path.join(work, "scaleout.yaml")
    with open(spec, "w") as f:
        f.write(SPEC % counter.server_address[1])

    print(run_cli(base + ["migrate"]).strip())
    run_cli(base + ["deploy", spec])

    serve_log = open(os.path.join(work, "serve.log"), "w")
    serve = subprocess.Popen(base + ["serve", "--listen", "127.0.0.1:0", "--workers", "0"],
                             stdout=subprocess.PIPE, stderr=serve_log, text=True,
                             env=dict(os.environ, SCALEOUT_HOOK_SECRET=SECRET,
                                      PGAPPNAME="flowline-serve"))
    line = serve.stdout.readline()
    while line and "serving on" not in line:  # warnings (no web UI here) come first
        line = serve.stdout.readline()
    if "serving on" not in line:
        serve.kill()
        raise SystemExit("FAILED: flowline serve did not start: %r (log: %s)" %
                         (line, os.path.join(work, "serve.log")))
    port = int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])

    workers = Workers(flowline, store, keys, work, args.threads, args.lease)
    for slot in range(args.workers):
        workers.start(slot)
    observer = Observer(store, workers, lease_us)
    observer_thread = threading.Thread(target=observer.run)
    observer_thread.start()

    failures = []
    begin = time.time()
    creator = ThreadPoolExecutor(max_workers=4)
    batches = [range(b, args.runs, 4) for b in range(4)]
    created = [creator.submit(post_runs, port, ids, failures) for ids in batches]

    # Kill a random worker every 0.5-1 s until every run is finished.
    db = pg.Psql(store)
    lost = {}   # (run, step) -> how many killed workers held its lease when they died
    kills = []  # (tag, leases it held)
    late_snapshots = []
    deadline = begin + args.timeout
    finished = 0
    while time.time() < deadline:
        time.sleep(rng.uniform(*args.kill_every))
        finished = int(db.scalar("SELECT count(*) FROM runs WHERE status <> 'running'"))
        if all(f.done() for f in created) and finished >= args.runs:
            break
        slot = rng.randrange(args.workers)
        pid, tag = workers.kill(slot)
        # Once PostgreSQL has closed the dead process's connections (and so finished or rolled
        # back whatever it had sent), its leases are final: exactly these steps run again.
        pg.wait_for(lambda: db.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'flowline-%s'" %
            tag) == "0", 30, "PostgreSQL to close the connections of killed worker " + tag)
        held = [r for r in db.query(
            "SELECT run_id, step_id, lease_owner, lease_expires_at, "
            "(extract(epoch FROM clock_timestamp()) * 1e6)::bigint FROM steps "
            "WHERE status = 'running'") if owner_pid(r[2]) == pid]
        for run_id, step_id, _, expires, now in held:
            lost[(run_id, step_id)] = lost.get((run_id, step_id), 0) + 1
            if int(expires) <= int(now):
                late_snapshots.append((tag, run_id, step_id))
        kills.append((tag, len(held)))
        workers.start(slot)
    elapsed = time.time() - begin
    creator.shutdown()
    observer.stop.set()
    observer_thread.join()
    workers.stop_all()
    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=60)
    serve_log.close()

    problems = list(failures[:5])
    if finished < args.runs:
        problems.append("only %d of %d runs finished within %.0f s" %
                        (finished, args.runs, args.timeout))
    problems += observer.problems[:10]
    problems += ["worker %s exited by itself with %s" % e for e in workers.exits
                 if e[1] != -signal.SIGKILL][:5]
    if late_snapshots:
        problems.append("%d leases of killed workers had expired before they were noted (the "
                        "test cannot tell who ran them again), e.g. %s" %
                        (len(late_snapshots), late_snapshots[0]))

    # Runs and their outputs.
    runs = {r[0]: r[1:] for r in db.query("SELECT run_id, status, output_json FROM runs")}
    if len(runs) != args.runs:
        problems.append("%d runs in the store, expected %d" % (len(runs), args.runs))
    wrong = [(run_id, s, o) for run_id, (s, o) in runs.items()
             if s != "completed" or not json.loads(o or "{}").get("ok")]
    if wrong:
        problems.append("%d runs did not complete with ok, e.g. %s" % (len(wrong), wrong[0]))

    # Every step committed once, and run again only after a kill took its lease.
    steps = db.query("SELECT run_id, step_id, status, attempt FROM steps")
    records, per_run = {}, {}
    for run_id, step_id, kind, n in db.query(
            "SELECT run_id, step_id, kind, count(*) FROM records GROUP BY run_id, step_id, kind"):
        records[(run_id, step_id, kind)] = int(n)
        per_run[(run_id, kind)] = per_run.get((run_id, kind), 0) + int(n)
    kinds = {k for _, _, k in records}
    for bad in ("step.failed", "step.retry", "run.failed"):
        if bad in kinds:
            problems.append("the decision record holds %s records" % bad)
    for run_id in runs:
        for kind in ("run.created", "run.completed"):
            if per_run.get((run_id, kind), 0) != 1:
                problems.append("run %s has %d %s records" %
                                (run_id, per_run.get((run_id, kind), 0), kind))
                break
    reexecuted = 0
    for run_id, step_id, status, attempt in steps:
        attempt = int(attempt)
        if step_id.startswith("$"):
            continue
        n = records.get((run_id, step_id, "step.completed"), 0)
        if status != "completed" or n != 1:
            problems.append("%s/%s is %s with %d step.completed records" %
                            (run_id, step_id, status, n))
        expected = 1 + lost.get((run_id, step_id), 0)
        if attempt != expected:
            problems.append("%s/%s ran %d times, but killed workers lost its lease %d times" %
                            (run_id, step_id, attempt, expected - 1))
        reexecuted += attempt > 1

    # The counting server: every request but the committed one came from a killed worker.
    killed_tags = {tag for tag, _ in workers.killed.values()}
    attempts = {(r, s): int(a) for r, s, _, a in steps}
    with Counter.lock:
        requests = dict(Counter.requests)
    for run_id in runs:
        sent = requests.get("%s/call" % run_id, [])
        survivors = [t for t in sent if t not in killed_tags]
        if not sent:
            problems.append("the counting server never saw %s/call" % run_id)
        elif len(sent) > attempts.get((run_id, "call"), 0):
            problems.append("%s/call was sent %d times in %d attempts" %
                            (run_id, len(sent), attempts.get((run_id, "call"), 0)))
        elif len(survivors) > 1:
            problems.append("%s/call was sent by %s: more than one worker that was not killed" %
                            (run_id, sent))
    stray = [k for k in requests if k.split("/")[0] not in runs]
    if stray:
        problems.append("the counting server saw keys of no run: %s" % stray[:3])
    resent = sum(1 for k, v in requests.items() if len(v) > 1)

    # One valid chain.
    verify = subprocess.run(base + ["audit", "verify", "--json"], capture_output=True, text=True)
    try:
        report = json.loads(verify.stdout)
        if verify.returncode != 0 or not report.get("intact"):
            problems.append("audit verify: %s" % report.get("finding"))
    except ValueError:
        problems.append("audit verify printed no report: %s %s" % (verify.stdout, verify.stderr))
        report = {}
    gaps = db.scalar("SELECT count(*) - (max(seq) - min(seq) + 1) FROM records")
    if gaps != "0":
        problems.append("the record sequence has %s gaps" % gaps)
    db.close()

    print("scale-out test: %d runs in %.1f s by %d worker processes x %d threads, lease %s; "
          "%d kills (%d leases lost: %s); %d steps ran more than once, %d http keys sent more "
          "than once; %d lease samples (%d leases) checked; chain of %s records verified" %
          (len(runs), elapsed, args.workers, args.threads, args.lease, len(kills),
           sum(n for _, n in kills), " ".join("%s:%d" % k for k in kills), reexecuted, resent,
           observer.samples, observer.leases_seen, report.get("last_seq")))
    if problems:
        for p in problems[:40]:
            print("FAIL: " + p)
        print("logs and database kept: %s, %s" % (work, store))
        print("0 passed, 1 failed")
        return 1
    if not args.keep:
        pg.drop_database(cluster, dbname)
        shutil.rmtree(work, ignore_errors=True)
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
