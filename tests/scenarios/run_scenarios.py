#!/usr/bin/env python3
"""Whole-workflow scenarios as data, run through the CLI and through the HTTP API.

Each folder under tests/scenarios/ holds:
  spec.yaml            the workflow
  inputs/NAME.json     one run's input
  expected/NAME.json   what must happen:
      {"status": "completed", "output": {...}}        the run's final status and outputs
      {"refused": "text"}                             the input is refused with this in the error
      {"resolve": {"decision": "approve", ...}, ...}  a person resolves the run's task first
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def load_cases(folder):
    cases = []
    for name in sorted(os.listdir(os.path.join(folder, "inputs"))):
        stem = name.rsplit(".", 1)[0]
        with open(os.path.join(folder, "inputs", name)) as f:
            text = f.read()
        with open(os.path.join(folder, "expected", stem + ".json")) as f:
            expected = json.load(f)
        cases.append((stem, os.path.join(folder, "inputs", name), text, expected))
    return cases


def compare(where, expected, run):
    problems = []
    if "status" in expected and run.get("status") != expected["status"]:
        problems.append("%s: status %s, expected %s (error: %s)" % (
            where, run.get("status"), expected["status"], run.get("error")))
    if "output" in expected and run.get("output") != expected["output"]:
        problems.append("%s: output %s, expected %s" % (where, run.get("output"),
                                                        expected["output"]))
    if "error" in expected and expected["error"] not in (run.get("error") or ""):
        problems.append("%s: error %r lacks %r" % (where, run.get("error"), expected["error"]))
    return problems


class Cli:
    def __init__(self, flowline, store):
        self.flowline, self.store = flowline, store

    def __call__(self, *args, check=False):
        return subprocess.run([self.flowline, "--store", self.store] + list(args),
                              capture_output=True, text=True, check=check)

    def run_scenario(self, folder):
        problems = []
        spec = os.path.join(folder, "spec.yaml")
        for stem, path, _, expected in load_cases(folder):
            where = "cli %s/%s" % (os.path.basename(folder), stem)
            out = self("run", spec, path)
            if "refused" in expected:
                if out.returncode == 0 or expected["refused"] not in out.stderr:
                    problems.append("%s: expected refusal with %r, got exit %d: %s" % (
                        where, expected["refused"], out.returncode, out.stderr))
                continue
            run_id = None
            for line in out.stdout.splitlines():
                if line.startswith("run "):
                    run_id = line.split()[1]
            if run_id is None:
                problems.append("%s: no run started: %s %s" % (where, out.stdout, out.stderr))
                continue
            if "resolve" in expected:
                tasks = json.loads(self("tasks", "list", "--run", run_id, "--json",
                                        check=True).stdout)
                if len(tasks) != 1:
                    problems.append("%s: expected one task, found %d" % (where, len(tasks)))
                    continue
                r = expected["resolve"]
                self("tasks", "resolve", tasks[0]["task_id"], "--decision", r["decision"],
                     "--comment", r.get("comment", ""), "--user", r.get("user", "tester"),
                     check=True)
            run = json.loads(self("runs", "show", run_id, "--json", check=True).stdout)
            problems += compare(where, expected, run)
        return problems


class Api:
    def __init__(self, flowline, store):
        self.cli = Cli(flowline, store)
        self.token = self.cli("token", "create", "--role", "operator", "--name", "scenarios",
                              check=True).stdout.strip()
        self.tokens = {}
        self.proc = subprocess.Popen([flowline, "--store", store, "serve", "--listen",
                                      "127.0.0.1:0", "--workers", "2"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        self.base = "http://" + line.split("http://")[1].split()[0]

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def token_for(self, user):
        # The API records the token's name as the person who acted.
        if user not in self.tokens:
            self.tokens[user] = self.cli("token", "create", "--role", "reviewer", "--name", user,
                                         check=True).stdout.strip()
        return self.tokens[user]

    def request(self, method, path, body=None, content_type="application/json", token=None):
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": "Bearer " + (token or self.token), "Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def wait_run(self, run_id):
        for _ in range(300):
            status, run = self.request("GET", "/api/v1/runs/" + run_id)
            if run.get("status") not in (None, "running"):
                return run
            time.sleep(0.05)
        return run

    def run_scenario(self, folder):
        problems = []
        with open(os.path.join(folder, "spec.yaml")) as f:
            status, deployed = self.request("POST", "/api/v1/workflows", f.read(),
                                            "application/yaml")
        if status not in (200, 201):
            return ["api %s: deploy failed: %s" % (folder, deployed)]
        workflow = deployed["workflow"]
        for stem, _, text, expected in load_cases(folder):
            where = "api %s/%s" % (os.path.basename(folder), stem)
            status, started = self.request("POST", "/api/v1/workflows/%s/runs" % workflow, text)
            if "refused" in expected:
                message = json.dumps(started)
                if status != 400 or expected["refused"] not in message:
                    problems.append("%s: expected 400 with %r, got %d %s" % (
                        where, expected["refused"], status, message))
                continue
            if status not in (200, 201):
                problems.append("%s: start failed: %d %s" % (where, status, started))
                continue
            run_id = started["run_id"]
            if "resolve" in expected:
                task = None
                for _ in range(200):
                    status, tasks = self.request("GET", "/api/v1/tasks?run_id=" + run_id)
                    items = tasks.get("tasks", tasks) if isinstance(tasks, dict) else tasks
                    if items:
                        task = items[0]
                        break
                    time.sleep(0.05)
                if task is None:
                    problems.append("%s: no task appeared" % where)
                    continue
                r = expected["resolve"]
                status, _ = self.request("POST", "/api/v1/tasks/%s/resolve" % task["task_id"],
                                         json.dumps({"decision": r["decision"],
                                                     "comment": r.get("comment", "")}),
                                         token=self.token_for(r.get("user", "tester")))
                if status != 200:
                    problems.append("%s: resolve answered %d" % (where, status))
                    continue
            problems += compare(where, expected, self.wait_run(run_id))
        return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--scenarios", required=True)
    args = parser.parse_args()
    folders = [os.path.join(args.scenarios, d) for d in sorted(os.listdir(args.scenarios))
               if os.path.isfile(os.path.join(args.scenarios, d, "spec.yaml"))]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as work:
        cli = Cli(args.flowline, os.path.join(work, "cli.db"))
        api = Api(args.flowline, os.path.join(work, "api.db"))
        try:
            for folder in folders:
                for runner in (cli, api):
                    problems = runner.run_scenario(folder)
                    label = "%s via %s" % (os.path.basename(folder), type(runner).__name__.lower())
                    if problems:
                        failed += 1
                        print("FAIL " + label)
                        for p in problems:
                            print("  " + p)
                    else:
                        passed += 1
                        print("ok   " + label)
        finally:
            api.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
