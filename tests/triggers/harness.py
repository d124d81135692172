"""Helpers for the trigger kill tests (docs/triggers.md): start `flowline serve` on a store in a
temp dir, deploy a spec, wait for runs, SIGKILL the server at random moments and restart it,
and check that every input made exactly one run.

Used by tests/triggers/*_test.py (folder, schedule, webhook) and by the email, database and queue
trigger tests. Only the standard library; no sleeps where a wait on a condition will do (the
waits poll the store with a deadline).
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time


class Failure(Exception):
    pass


class Flowline:
    """One store (SQLite in `workdir` unless `store` is given) and the serve process on it.

    `env` is added to the process environment (secrets for webhooks, connection variables);
    `serve_args` are extra `flowline serve` options. The server runs with `workdir` as its
    working directory, so relative trigger paths (a folder trigger's `inbox`) are inside it.
    """

    def __init__(self, flowline, workdir, store=None, env=None, serve_args=(), log_name="serve",
                 listen="127.0.0.1:0"):
        self.flowline = os.path.abspath(flowline)
        self.workdir = workdir
        self.store = store or os.path.join(workdir, "flowline.db")
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.serve_args = list(serve_args)
        self.proc = None
        self.port = None
        self.starts = 0
        self.kills = 0
        self.log_path = os.path.join(workdir, log_name + ".log")
        self.listen = listen

    # ---- the CLI ---------------------------------------------------------------------------
    def cli(self, *args, check=True, input_text=None):
        done = subprocess.run([self.flowline, "--store", self.store] + list(args),
                              cwd=self.workdir, env=self.env, capture_output=True, text=True,
                              input=input_text)
        if check and done.returncode != 0:
            raise Failure("flowline %s failed (%d): %s%s" %
                          (" ".join(args), done.returncode, done.stdout, done.stderr))
        return done

    def deploy(self, spec_text, name="spec.yaml"):
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            f.write(spec_text)
        self.cli("deploy", path)

    def runs(self, workflow):
        """Every run of `workflow` (newest first) as the API's run summaries."""
        done = self.cli("runs", "list", "--workflow", workflow, "--limit", "10000", "--json")
        return json.loads(done.stdout)

    def run_detail(self, run_id):
        return json.loads(self.cli("runs", "show", run_id, "--json").stdout)

    # ---- the server ------------------------------------------------------------------------
    def start(self, timeout=60):
        log = open(self.log_path, "a")
        log.write("---- start %d\n" % (self.starts + 1))
        log.flush()
        self.proc = subprocess.Popen(
            [self.flowline, "--store", self.store, "serve", "--listen", self.listen] +
            self.serve_args, cwd=self.workdir, env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        # The log lines before "serving on" go to the log; then a thread keeps draining the
        # pipe into it (a full pipe would stall the server).
        deadline = time.monotonic() + timeout
        while True:
            line = self.proc.stdout.readline()
            log.write(line)
            if "serving on" in line:
                break
            if not line or time.monotonic() > deadline:
                log.close()
                self.proc.kill()
                self.proc.wait()
                raise Failure("flowline serve did not start (log: %s)" % self.log_path)
        log.flush()
        self.port = int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])
        self.starts += 1
        threading.Thread(target=_drain, args=(self.proc.stdout, log), daemon=True).start()
        return self

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def kill(self):
        """SIGKILL: no clean-up of any kind, as a power cut would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.kills += 1
        self.proc = None

    def stop(self, timeout=60):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def _drain(stream, log):
    for line in stream:
        log.write(line)
    log.close()


def wait_for(condition, timeout, what, every=0.05):
    """Polls `condition()` until it returns a truthy value (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(every)


def kill_randomly(server, seconds, rng, min_gap=0.2, max_gap=1.5, on_restart=None):
    """For `seconds`, SIGKILLs `server` after a random 0.2-1.5 s of life and restarts it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(min_gap, max_gap))
        server.kill()
        server.start()
        if on_restart:
            on_restart(server)


def exactly_one_run_per_key(runs, expected_keys):
    """Problems (a list of strings; empty when all is well): keys with no run, keys with more
    than one run, runs whose key was not expected."""
    problems = []
    seen = {}
    for run in runs:
        seen.setdefault(run.get("business_key"), []).append(run["run_id"])
    for key in sorted(expected_keys):
        if key not in seen:
            problems.append("lost: no run for %s" % key)
        elif len(seen[key]) > 1:
            problems.append("duplicated: %d runs for %s: %s" % (len(seen[key]), key, seen[key]))
    for key in sorted(set(seen) - set(expected_keys)):
        problems.append("unexpected run(s) %s with key %s" % (seen[key], key))
    return problems


def free_port():
    """A loopback port that was free a moment ago (for a server that must keep its port across
    restarts, e.g. for a webhook sender)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main_args(description):
    import argparse
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    print("seed %d" % args.seed)
    return args


def temp_workdir(prefix, keep=False):
    if keep:
        path = tempfile.mkdtemp(prefix=prefix)
        print("work dir %s" % path)
        return _Kept(path)
    return tempfile.TemporaryDirectory(prefix=prefix)


class _Kept:
    def __init__(self, path):
        self.name = path

    def __enter__(self):
        return self.name

    def __exit__(self, *exc):
        return False


def report(problems, summary):
    print(summary)
    if problems:
        for problem in problems[:50]:
            print("FAIL: " + problem)
        sys.exit(1)
    print("OK")
