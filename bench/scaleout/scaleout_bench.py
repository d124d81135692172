#!/usr/bin/env python3
"""Scale-out benchmark (docs/benchmarks.md): W3 runs/s with 1, 2 and 4 `flowline worker`
processes on one PostgreSQL, and with one `flowline serve` on the SQLite store; statements,
transactions and round trips per run; CPU per run of the database server and of flowline.

    python3 bench/scaleout/scaleout_bench.py --flowline build/flowline [--runs 10000]
        [--processes 1,2,4] [--threads 8] [--repeat 3] [--no-sqlite] [--not-durable]
        [--head-probe]

Each measurement: a fresh database (or SQLite file); `flowline migrate`; W3 (bench/w3/w3.yaml,
with a signed webhook trigger added) deployed and paused; `flowline serve` creates --runs runs
from ../shared/bench/w3-invoices.jsonl through the webhook (they wait: the workflow is paused)
and stops; `flowline resume`; then the clock starts, the executors start (PostgreSQL: N worker
processes of --threads threads each; SQLite: one serve with as many threads as N x --threads),
and the clock stops when no run is left running. runs/s = runs / that time. Every run's outcome
is checked against the invoice's `_expect`.

PostgreSQL runs in a throw-away cluster of the benchmark's own (in --cluster-dir), durable as
in production (fsync on, synchronous_commit on) unless --not-durable, with pg_stat_statements:
its call counts (BEGIN and COMMIT included) give statements and round trips per run. During
each PostgreSQL drain a sampler reads pg_stat_activity every ~10 ms: how many of flowline's
connections were, on average, running in the server (CPU), waiting for a lock (which one),
flushing WAL, or idle in a transaction waiting for flowline's next statement (a round trip, or
flowline's CPU) — where the time goes.
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "scaleout"))
import pg  # noqa: E402

SECRET = "w3-bench-secret"
TRIGGER = """
triggers:
  - webhook: { path: /hooks/w3, secret_env: W3_HOOK_SECRET }
"""


def cli(args, env=None):
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit("FAILED: %s\n%s%s" % (" ".join(args), result.stdout, result.stderr))
    return result.stdout


def start_serve(base, workers, log):
    proc = subprocess.Popen(base + ["serve", "--listen", "127.0.0.1:0", "--workers", str(workers),
                                    "--measures-interval", "1h", "--drift-every", "0",
                                    "--datasets-every", "0"],
                            stdout=subprocess.PIPE, stderr=log, text=True,
                            env=dict(os.environ, W3_HOOK_SECRET=SECRET))
    line = proc.stdout.readline()
    while line and "serving on" not in line:
        line = proc.stdout.readline()
    if "serving on" not in line:
        proc.kill()
        raise SystemExit("FAILED: flowline serve did not start (see %s)" % log.name)
    return proc, int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])


def create_runs(port, invoices, threads=8):
    """POSTs every invoice to the webhook (a connection each: see tests/scaleout)."""
    errors = []

    def post(part):
        for invoice in part:
            body = json.dumps(invoice).encode()
            signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/hooks/w3", body=body,
                         headers={"Content-Type": "application/json",
                                  "X-Flowline-Signature": "sha256=" + signature})
            resp = conn.getresponse()
            text = resp.read()
            conn.close()
            if resp.status != 201:
                errors.append("HTTP %d %s" % (resp.status, text[:200]))
                return

    parts = [invoices[i::threads] for i in range(threads)]
    pool = [threading.Thread(target=post, args=(p,)) for p in parts]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise SystemExit("FAILED: creating runs: %s" % errors[0])


WAIT_SAMPLE_SQL = (
    "SELECT CASE WHEN state = 'idle in transaction' THEN 'client (idle in transaction)' "
    "WHEN wait_event IS NULL THEN 'server CPU' "
    "WHEN wait_event_type = 'Lock' THEN 'Lock:' || wait_event || coalesce(' ' || ("
    "SELECT CASE l.locktype WHEN 'advisory' THEN 'key ' || l.classid ELSE l.locktype END "
    "FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted LIMIT 1), '') "
    "ELSE wait_event_type || ':' || wait_event END, count(*) "
    "FROM pg_stat_activity a WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend' AND application_name <> 'flowline-scaleout-observer' "
    "AND state IN ('active', 'idle in transaction') GROUP BY 1")


class WaitSampler(threading.Thread):
    """Samples what flowline's database connections are doing until stop(): the average number
    of connections in each state (advisory key 1718382444 = the chain linkers' lock)."""

    def __init__(self, conninfo):
        super().__init__(daemon=True)
        self.db = pg.Psql(conninfo)
        self.totals = {}
        self.samples = 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            for state, n in self.db.query(WAIT_SAMPLE_SQL):
                self.totals[state] = self.totals.get(state, 0) + int(n)
            self.samples += 1
            self.halt.wait(0.01)

    def stop(self):
        self.halt.set()
        self.join()
        self.db.close()
        return {k: v / max(1, self.samples) for k, v in
                sorted(self.totals.items(), key=lambda kv: -kv[1])}


class Target:
    """One store under test: how to make it fresh, count running runs and read outcomes."""

    def __init__(self, kind, work, cluster=None):
        self.kind, self.work, self.cluster = kind, work, cluster
        self.index = 0
        self.store = None
        self.db = None

    def fresh(self):
        self.index += 1
        if self.kind == "sqlite":
            directory = os.path.join(self.work, "sqlite-%d" % self.index)
            os.makedirs(directory)
            self.store = os.path.join(directory, "w3.db")
            return self.store
        name = "w3_bench_%d" % self.index
        self.store = pg.create_database(self.cluster.conninfo(), name)
        self.db = pg.Psql(self.store)
        self.db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return self.store

    def query(self, sql):
        if self.kind == "sqlite":
            db = sqlite3.connect("file:%s?mode=ro" % self.store, uri=True, timeout=30)
            try:
                return [[str(v) for v in row] for row in db.execute(sql)]
            finally:
                db.close()
        return self.db.query(sql)

    def running(self):
        return int(self.query("SELECT count(*) FROM runs WHERE status = 'running'")[0][0])

    def counters(self):
        """(statements, transactions, database CPU seconds) so far; zeros for SQLite."""
        if self.kind == "sqlite":
            return {}
        rows = self.db.query(
            "SELECT query, calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE d.datname = current_database()")
        calls = {}
        for row in rows:  # a query's text may hold '|', psql's field separator
            query, n = "|".join(row[:-1]), row[-1]
            calls[query] = calls.get(query, 0) + int(n)
        return {"calls": calls, "cpu": self.cluster.cpu_seconds()}

    def reset(self):
        if self.kind != "sqlite":
            self.db.query("SELECT pg_stat_statements_reset()")

    def done(self):
        if self.db:
            self.db.close()
            self.db = None


BENCH_QUERIES = ("pg_stat_statements", "pg_stat_activity", "pg_stat_database", "pg_stat_reset",
                 "SELECT count(*) FROM runs WHERE status", "SELECT input_json, output_json")


def work_per_run(before, after, n):
    """The database's work between two counters() readings, per run."""
    calls = {q: c - before["calls"].get(q, 0) for q, c in after["calls"].items()}
    # Not flowline's: the benchmark's own reads (it watches for the last run with psql).
    calls = {q: c for q, c in calls.items()
             if c > 0 and not any(mine in q for mine in BENCH_QUERIES)}
    total = sum(calls.values())
    begins = sum(c for q, c in calls.items() if q.strip().upper() == "BEGIN")
    utility = sum(c for q, c in calls.items()
                  if q.strip().upper() in ("BEGIN", "COMMIT", "ROLLBACK"))
    return {
        "round_trips_per_run": total / n,
        "statements_per_run": (total - utility) / n,
        "transactions_per_run": begins / n,
        "db_cpu_ms_per_run": 1000 * (after["cpu"] - before["cpu"]) / n,
        "top": sorted(calls.items(), key=lambda kv: -kv[1])[:14],
    }


def measure(args, target, processes, invoices, expected, spec):
    store = target.fresh()
    keys = os.path.join(target.work, "keys-%d" % target.index)
    base = [args.flowline, "--store", store, "--audit-keys", keys]
    cli(base + ["migrate"])
    cli(base + ["deploy", spec])
    cli(base + ["pause", "w3-invoices"])
    log = open(os.path.join(target.work, "serve-%d.log" % target.index), "w")
    threads = processes * args.threads
    serve, port = start_serve(base, 0 if target.kind == "postgres" else threads, log)
    target.reset()
    time.sleep(0.5)  # let the statistics collector settle after the reset
    create_before = target.counters()
    create_begin = time.time()
    create_runs(port, invoices)
    create_seconds = time.time() - create_begin
    create_after = target.counters()
    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=60)
    cli(base + ["resume", "w3-invoices"])
    if target.running() != len(invoices):
        raise SystemExit("FAILED: %d runs waiting, expected %d" % (target.running(), len(invoices)))

    target.reset()
    time.sleep(0.5)  # let the statistics collector settle after the reset
    before = target.counters()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    begin = time.time()
    sampler = None
    if target.kind == "postgres":
        sampler = WaitSampler(store)
        sampler.start()
        executors = [subprocess.Popen(base + ["worker", "--workers", str(args.threads)],
                                      stdout=log, stderr=log) for _ in range(processes)]
    else:
        executors = [start_serve(base, threads, log)[0]]
    while target.running() > 0:
        time.sleep(0.02)
    seconds = time.time() - begin
    waits = sampler.stop() if sampler else {}
    for proc in executors:
        proc.send_signal(signal.SIGTERM)
    for proc in executors:
        proc.wait(timeout=60)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = target.counters()
    log.close()

    links = None
    if target.kind == "postgres":
        # Records that one linking transaction wrote share its xmin (docs/design/store.md).
        links = [int(v) for v in target.query(
            "SELECT count(*), count(DISTINCT xmin::text) FROM records")[0]]
    outcomes = {}
    for input_json, output_json in target.query("SELECT input_json, output_json FROM runs"):
        outcomes[json.loads(input_json)["id"]] = json.loads(output_json or "{}").get("outcome")
    wrong = sum(1 for i, e in expected.items() if outcomes.get(i) != e)
    n = len(invoices)
    result = {"runs_per_s": n / seconds, "seconds": seconds, "create_per_s": n / create_seconds,
              "wrong": wrong,
              "flowline_cpu_ms_per_run": 1000 * ((cpu_after.ru_utime + cpu_after.ru_stime) -
                                                 (cpu_before.ru_utime + cpu_before.ru_stime)) / n}
    if target.kind == "postgres":
        result.update(work_per_run(before, after, n))
        result["waits"] = waits
        result["records_per_link"] = links[0] / max(1, links[1])
        result["create"] = work_per_run(create_before, create_after, n)
    target.done()
    return result


def fdatasync_us(directory, n=200):
    """Median time of one 8 KiB write + fdatasync in `directory` (the disk's commit cost)."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    block = b"x" * 8192
    times = []
    try:
        for _ in range(n):
            begin = time.perf_counter()
            os.pwrite(fd, block, 0)
            os.fdatasync(fd)
            times.append(time.perf_counter() - begin)
    finally:
        os.close(fd)
        os.unlink(path)
    return 1e6 * statistics.median(times)


HEAD_PROBE = {
    # One appending transaction as the chain needs it: a record row, then the head row locked
    # and moved last, so the lock is held across COMMIT (and its WAL flush) only.
    "with the head row": "BEGIN;\nINSERT INTO probe_records (payload) VALUES (repeat('x', 300));\n"
                         "SELECT seq FROM probe_head WHERE id = 1 FOR UPDATE;\n"
                         "UPDATE probe_head SET seq = seq + 1 WHERE id = 1;\nCOMMIT;\n",
    "without it": "BEGIN;\nINSERT INTO probe_records (payload) VALUES (repeat('x', 300));\n"
                  "COMMIT;\n",
    # As flowline appends now (migration 3, docs/design/store.md): the record into
    # records_pending, COMMIT, then one call links whatever is pending, in batches.
    "flowline's linking": "BEGIN;\nINSERT INTO records_pending (batch, n, run_id, step_id, kind, "
                          "actor, payload_json, at, version) VALUES "
                          "(nextval('records_pending_batch'), 1, 'r', '', 'probe', 'system', "
                          "repeat('x', 300), 0, 'v') RETURNING batch \\gset\nCOMMIT;\n"
                          "SELECT flowline_link_records(:batch);\n",
    # Diagnosis only, not what flowline does: the same with the link's commit not waiting for
    # its WAL flush (the flush out of the linkers' turn).
    "linking, flush outside the lock": "BEGIN;\nINSERT INTO records_pending (batch, n, run_id, "
                                       "step_id, kind, actor, payload_json, at, version) VALUES "
                                       "(nextval('records_pending_batch'), 1, 'r', '', 'probe', "
                                       "'system', repeat('x', 300), 0, 'v') RETURNING batch "
                                       "\\gset\nCOMMIT;\nBEGIN;\nSET LOCAL synchronous_commit "
                                       "= off;\nSELECT flowline_link_records(:batch);\nCOMMIT;\n",
}


def chain_head_probe(args, cluster, work, clients=16, seconds=5):
    """pgbench: appending transactions/s with one row every appender locks across its COMMIT,
    without it, and with flowline's pending records linked in batches."""
    conninfo = pg.create_database(cluster.conninfo(), "w3_bench_probe")
    cli([args.flowline, "--store", conninfo, "migrate"])
    db = pg.Psql(conninfo)
    db.query("CREATE TABLE probe_records (seq bigserial PRIMARY KEY, payload text)")
    db.query("CREATE TABLE probe_head (id int PRIMARY KEY, seq bigint)")
    db.query("INSERT INTO probe_head VALUES (1, 0)")
    db.close()
    rates = {}
    for name, script in HEAD_PROBE.items():
        path = os.path.join(work, "probe.sql")
        with open(path, "w") as f:
            f.write(script)
        cpu = cluster.cpu_seconds()
        out = cli(["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f",
                   path, conninfo])
        cpu = cluster.cpu_seconds() - cpu
        done = int(next(line.split(":")[1].split("/")[0] for line in out.splitlines()
                        if "number of transactions actually processed" in line))
        rates[name] = "%.0f transactions/s %s (%.0f µs of database CPU each)" % (
            float(next(line.split()[2] for line in out.splitlines() if line.startswith("tps"))),
            name, 1e6 * cpu / max(1, done))
    db = pg.Psql(conninfo)
    linked = db.query("SELECT count(*), count(DISTINCT xmin::text) FROM records")[0]
    db.close()
    rates["linking"] = "%.1f records per link" % (int(linked[0]) / max(1, int(linked[1])))
    pg.drop_database(cluster.conninfo(), "w3_bench_probe")
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--invoices", default=os.path.join(TOP, "..", "shared", "bench",
                                                           "w3-invoices.jsonl"))
    parser.add_argument("--spec", default=os.path.join(TOP, "bench", "w3", "w3.yaml"))
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--not-durable", action="store_true",
                        help="PostgreSQL with synchronous_commit=off (for diagnosis only)")
    parser.add_argument("--cluster-dir", help="default: a temporary directory")
    parser.add_argument("--head-probe", action="store_true",
                        help="first measure with pgbench what one row locked by every appending "
                             "transaction (the decision record's chain head) costs")
    parser.add_argument("--json", help="also write every measurement to this file")
    args = parser.parse_args()
    args.flowline = os.path.abspath(args.flowline)

    invoices, expected = [], {}
    with open(args.invoices) as f:
        for line in f:
            if line.strip():
                invoice = json.loads(line)
                expected[invoice["id"]] = invoice.pop("_expect")
                invoices.append(invoice)
    invoices = invoices[:args.runs]
    expected = {i["id"]: expected[i["id"]] for i in invoices}
    work = tempfile.mkdtemp(prefix="flowline-scaleout-bench-")
    os.chmod(work, 0o755)  # as root, the server runs as another user and must reach its cluster
    spec = os.path.join(work, "w3.yaml")
    with open(args.spec) as f, open(spec, "w") as out:
        out.write(f.read() + TRIGGER)

    cluster = None
    results = []
    try:
        plan = []
        if not args.no_postgres:
            settings = {"shared_preload_libraries": "pg_stat_statements",
                        "pg_stat_statements.track_utility": "on", "max_connections": "200"}
            if args.not_durable:
                settings["synchronous_commit"] = "off"
            cluster = pg.Cluster(args.cluster_dir or os.path.join(work, "cluster"), settings)
            cluster.start()
            if args.head_probe:
                rates = chain_head_probe(args, cluster, work)
                print("chain head probe (pgbench, 16 clients, fdatasync %.0f µs): %s" % (
                    fdatasync_us(work), ", ".join(rates.values())), flush=True)
            plan += [("postgres", int(p)) for p in args.processes.split(",")]
        if not args.no_sqlite:
            plan += [("sqlite", int(p)) for p in args.processes.split(",")]
        targets = {kind: Target(kind, work, cluster) for kind in {k for k, _ in plan}}
        for repeat in range(args.repeat):
            for kind, processes in plan:  # interleaved: each round sees the same machine
                fsync = fdatasync_us(work)
                r = measure(args, targets[kind], processes, invoices, expected, spec)
                r.update({"store": kind, "processes": processes, "threads": args.threads,
                          "round": repeat + 1, "fdatasync_us": fsync,
                          "load": os.getloadavg()[0]})
                results.append(r)
                print("%-8s %d x %d threads: %6.0f runs/s (%.1f s; fdatasync %.0f µs, load "
                      "%.1f), created at %.0f/s, flowline CPU %.2f ms/run%s%s" %
                      (kind, processes, args.threads, r["runs_per_s"], r["seconds"], fsync,
                       r["load"],
                       r["create_per_s"], r["flowline_cpu_ms_per_run"],
                       "" if kind == "sqlite" else
                       ", %.1f statements %.1f round trips %.2f transactions per run, "
                       "database CPU %.2f ms/run" %
                       (r["statements_per_run"], r["round_trips_per_run"],
                        r["transactions_per_run"], r["db_cpu_ms_per_run"]),
                       "" if r["wrong"] == 0 else ", %d WRONG OUTCOMES" % r["wrong"]),
                      flush=True)
                if r.get("waits"):
                    print("    %.1f records per link; connections on average: %s" % (
                        r["records_per_link"], ", ".join(
                            "%.2f %s" % (v, k) for k, v in r["waits"].items())), flush=True)
    finally:
        if cluster:
            cluster.remove()
        shutil.rmtree(work, ignore_errors=True)

    print("\nmedians of %d rounds:" % args.repeat)
    for kind, processes in plan:
        rs = [r for r in results if r["store"] == kind and r["processes"] == processes]
        if not rs:
            continue
        print("%-8s %d process(es): %6.0f runs/s (%s)" % (
            kind, processes, statistics.median(r["runs_per_s"] for r in rs),
            " ".join("%.0f" % r["runs_per_s"] for r in rs)))
    last = [r for r in results if r["store"] == "postgres"]
    if last:
        create = last[-1]["create"]
        print("\ncreating a run through serve's webhook (last PostgreSQL measurement): %.1f "
              "statements %.1f round trips %.2f transactions, database CPU %.2f ms" %
              (create["statements_per_run"], create["round_trips_per_run"],
               create["transactions_per_run"], create["db_cpu_ms_per_run"]))
        for title, work in (("executing", last[-1]), ("creating", create)):
            print("\nstatements by calls per run, %s (last PostgreSQL measurement):" % title)
            for query, calls in work["top"]:
                print("  %7.2f  %s" % (calls / len(invoices), " ".join(query.split())[:110]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 1 if any(r["wrong"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
