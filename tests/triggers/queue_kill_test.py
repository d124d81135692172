#!/usr/bin/env python3
"""Queue trigger kill test (docs/triggers.md): 500 messages are published to a RabbitMQ queue
(the ctest `rabbitmq` fixture's node) while `flowline serve` consumes them and is SIGKILLed every
0.2-1.5 s and restarted.

Checks: every message made exactly one run (business key: its message-id, or the SHA-256 of the
body for the 50 published without one); the queue is drained (every message acknowledged); a
message whose body breaks the input schema made no run and went to the dead-letter queue; the AMQP
password appears nowhere in the store or the server's log.
"""
import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


MESSAGES = 500
WITHOUT_ID = 50  # of them published without a message-id

SPEC = """
workflow: signups
input:
  schema: { type: object, required: [n, email] }
triggers:
  - queue: { connection: events, queue: %(queue)s, prefetch: 20 }
steps:
  - id: echo
    uses: script
    with: { code: "return { n = input.n, queue = input._message.routing_key }" }
"""


def amqp_env():
    """The fixture's env file (FLOWLINE_TEST_AMQP_URL=..., FLOWLINE_TEST_RABBITMQ_DIR=...)."""
    values = {}
    path = os.environ.get("FLOWLINE_TEST_RABBITMQ_ENV_FILE")
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                name, _, value = line.strip().partition("=")
                values[name] = value
    if "FLOWLINE_TEST_AMQP_URL" not in values:
        raise harness.Failure("no RabbitMQ test node: run through ctest (the `rabbitmq` fixture) "
                              "or set FLOWLINE_TEST_RABBITMQ_ENV_FILE=DIR/env after "
                              "scripts/rabbitmq-test-server.sh start DIR")
    return values


class Broker:
    def __init__(self, tool, env):
        self.tool = tool
        self.env = dict(os.environ, FLOWLINE_TEST_AMQP_URL=env["FLOWLINE_TEST_AMQP_URL"])
        self.fixture = env

    def publish(self, queue, lines, work):
        path = os.path.join(work, "publish-%d.tsv" % random.randrange(1 << 30))
        with open(path, "w") as f:
            for message_id, body in lines:
                f.write("%s\t%s\n" % (message_id, body))
        subprocess.run([self.tool, "publish", "-", queue, path], env=self.env, check=True,
                       capture_output=True)

    def count(self, queue):
        done = subprocess.run([self.tool, "count", "-", queue], env=self.env, check=True,
                              capture_output=True, text=True)
        return int(done.stdout.strip())

    def ctl(self, *args):
        subprocess.run([self.fixture["FLOWLINE_TEST_RABBITMQ_SCRIPT"], "ctl",
                        self.fixture["FLOWLINE_TEST_RABBITMQ_DIR"]] + list(args), check=True,
                       capture_output=True)


def main():
    import argparse
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--amqp-tool", required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print("seed %d" % seed)
    rng = random.Random(seed)
    env = amqp_env()
    broker = Broker(os.path.abspath(args.amqp_tool), env)
    queue = "signups-%d-%d" % (os.getpid(), rng.randrange(1 << 20))
    dead = queue + "-dead"
    # Dead-lettering by policy (as RabbitMQ recommends): rejected messages go to `dead`.
    broker.ctl("set_policy", "-p", "flowline", "--apply-to", "queues", queue + "-dlx",
               "^%s$" % queue, json.dumps({"dead-letter-exchange": "",
                                           "dead-letter-routing-key": dead}))
    password = env["FLOWLINE_TEST_AMQP_URL"].split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]

    with harness.temp_workdir("flowline-queue-kill-", args.keep) as work:
        with open(os.path.join(work, "connections.yaml"), "w") as f:
            f.write("connections:\n  events: { type: amqp, url_env: EVENTS_AMQP_URL }\n")
        server = harness.Flowline(args.flowline, work,
                                  env={"EVENTS_AMQP_URL": env["FLOWLINE_TEST_AMQP_URL"]})
        broker.publish(dead, [], work)  # declares it
        broker.publish(queue, [], work)  # the queue exists before the trigger consumes it
        server.deploy(SPEC % {"queue": queue})
        server.start()

        expected = set()
        lines = []
        for i in range(MESSAGES):
            body = json.dumps({"n": i, "email": "user%d@example.com" % i})
            if i % (MESSAGES // WITHOUT_ID) == 0:
                lines.append(("", body))
                expected.add(hashlib.sha256(body.encode()).hexdigest())
            else:
                lines.append(("msg-%04d" % i, body))
                expected.add("msg-%04d" % i)
        poison = ("poison-1", "this is not the input the workflow wants")

        def publisher():
            for start in range(0, MESSAGES, 25):
                broker.publish(queue, lines[start:start + 25], work)
                if start == 250:
                    broker.publish(queue, [poison], work)
                time.sleep(rng.uniform(0.05, 0.4))

        thread = threading.Thread(target=publisher)
        thread.start()
        while thread.is_alive():
            harness.kill_randomly(server, 1.0, rng)
        thread.join()
        harness.kill_randomly(server, 3.0, rng)

        harness.wait_for(lambda: len(server.runs("signups")) >= MESSAGES, 180,
                         "a run for every message")
        harness.wait_for(lambda: broker.count(queue) == 0, 60, "the queue to drain")
        server.stop()  # a clean stop hands back anything unacknowledged: none may be left
        runs = server.runs("signups")
        problems = harness.exactly_one_run_per_key(runs, expected)
        left = broker.count(queue)
        if left:
            problems.append("%d messages left in the queue after the server stopped" % left)
        dead_count = broker.count(dead)
        if dead_count != 1:
            problems.append("the dead-letter queue holds %d messages, not the 1 poison one"
                            % dead_count)
        # A sample: the run's input is the message's body plus _message.
        by_key = {run["business_key"]: run for run in runs}
        for i in rng.sample(range(MESSAGES), 5):
            message_id, body = lines[i]
            key = message_id or hashlib.sha256(body.encode()).hexdigest()
            detail = server.run_detail(by_key[key]["run_id"])
            if detail["input"].get("n") != i or detail["input"]["_message"]["routing_key"] != queue:
                problems.append("run for message %d has input %s" % (i, detail["input"]))
        # The password never lands in the store or the log.
        for name in os.listdir(work):
            path = os.path.join(work, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    if password.encode() in f.read():
                        problems.append("the AMQP password appears in %s" % name)
        harness.report(problems, "%d messages, %d runs, %d starts, %d kills" %
                       (len(expected), len(runs), server.starts, server.kills))


if __name__ == "__main__":
    main()
