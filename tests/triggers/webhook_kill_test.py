#!/usr/bin/env python3
"""Webhook trigger kill test (docs/triggers.md, docs/api.md): 4 senders POST 2,000 signed
webhooks (each retried until it gets a 2xx, as a sender does), while `flowline serve` is
SIGKILLed every 0.1-0.6 s and restarted on the same port.

Checks: every event made exactly one run (the spec's key is the event id); an unsigned or
wrongly signed request made none; the secret appears in no log.
"""
import hashlib
import hmac
import json
import os
import random
import sys
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SECRET = "whsec-kill-test-7f3a9c"
SPEC = """
workflow: signups
key: ${{ input.id }}
input:
  schema: { type: object, required: [id] }
triggers:
  - webhook: { path: /hooks/signups, secret_env: SIGNUP_HOOK_SECRET }
steps:
  - id: echo
    uses: script
    with: { code: "return { id = input.id }" }
"""

EVENTS = 2000
SENDERS = 4


def post(server, body, signature):
    request = urllib.request.Request(server.url("/hooks/signups"), data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    if signature:
        request.add_header("X-Flowline-Signature", signature)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def sign(body):
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def sender(server, ids, problems, rng):
    for event_id in ids:
        threading.Event().wait(rng.uniform(0, 0.01))
        body = json.dumps({"id": event_id, "email": event_id + "@example.com"}).encode()
        for _ in range(2000):
            try:
                status = post(server, body, sign(body))
                if status in (200, 201):
                    break
            except urllib.error.HTTPError as e:
                if e.code < 500:
                    problems.append("%s: HTTP %d" % (event_id, e.code))
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass  # the server is down: retry, as a webhook sender does
            threading.Event().wait(0.05)
        else:
            problems.append("%s was never accepted" % event_id)


def main():
    args = harness.main_args(__doc__)
    rng = random.Random(args.seed)
    with harness.temp_workdir("flowline-webhook-kill-", args.keep) as work:
        server = harness.Flowline(args.flowline, work, env={"SIGNUP_HOOK_SECRET": SECRET},
                                  listen="127.0.0.1:%d" % harness.free_port())
        server.deploy(SPEC)
        server.start()
        problems = []
        ids = ["evt-%04d" % i for i in range(EVENTS)]
        threads = [threading.Thread(target=sender, args=(server, ids[i::SENDERS], problems,
                                                         random.Random(rng.random())))
                   for i in range(SENDERS)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            harness.kill_randomly(server, 1.0, rng, min_gap=0.1, max_gap=0.6)
        for thread in threads:
            thread.join()

        # Unsigned and wrongly signed: refused, no run.
        body = json.dumps({"id": "forged"}).encode()
        for signature in (None, "sha256=" + "0" * 64):
            try:
                post(server, body, signature)
                problems.append("a request signed %r was accepted" % signature)
            except urllib.error.HTTPError as e:
                if e.code != 401:
                    problems.append("a request signed %r got %d, not 401" % (signature, e.code))
        server.stop()

        runs = server.runs("signups")
        problems += harness.exactly_one_run_per_key(runs, set(ids))
        with open(server.log_path) as log:
            if SECRET in log.read():
                problems.append("the webhook secret appears in the server log")
        harness.report(problems, "%d events, %d runs, %d starts, %d kills" %
                       (EVENTS, len(runs), server.starts, server.kills))


if __name__ == "__main__":
    main()
