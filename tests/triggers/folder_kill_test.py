#!/usr/bin/env python3
"""Folder trigger kill test (docs/triggers.md): a writer drops 300 files into the watched folder
(half of them written under a .part name and renamed, half written in place in two chunks, so
settle must hold them back), while `flowline serve` is SIGKILLed every 0.2-1.5 s and restarted.

Checks: every file made exactly one run (business key = its SHA-256); each run's input names the
file and its artifact holds the file's bytes; every file ends in processed/ (none in failed/, the
claim folder or the watched folder); a file dropped again with the same bytes makes no new run.
"""
import hashlib
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SPEC = """
workflow: intake
input:
  schema: { type: object, required: [file, name, sha256, size] }
triggers:
  - folder: { path: inbox, pattern: "*.txt", settle: 300ms, interval: 100ms }
steps:
  - id: echo
    uses: script
    with: { code: "return { name = input.name }" }
"""

FILES = 300


def writer(inbox, rng, stop_after, written):
    for i in range(FILES):
        name = "doc-%04d.txt" % i
        content = ("document %d %s\n" % (i, "x" * rng.randrange(0, 4000))).encode()
        if i % 2 == 0:
            with open(os.path.join(inbox, name + ".part"), "wb") as f:
                f.write(content)
            os.rename(os.path.join(inbox, name + ".part"), os.path.join(inbox, name))
        else:
            half = len(content) // 2
            with open(os.path.join(inbox, name), "wb") as f:
                f.write(content[:half])
                f.flush()
                time.sleep(0.05)
                f.write(content[half:])
        written[name] = hashlib.sha256(content).hexdigest()
        time.sleep(rng.uniform(0, stop_after / FILES * 2))


def main():
    args = harness.main_args(__doc__)
    rng = random.Random(args.seed)
    with harness.temp_workdir("flowline-folder-kill-", args.keep) as work:
        inbox = os.path.join(work, "inbox")
        os.makedirs(inbox)
        server = harness.Flowline(args.flowline, work)
        server.deploy(SPEC)
        server.start()
        written = {}
        thread = threading.Thread(target=writer, args=(inbox, rng, 15.0, written))
        thread.start()
        while thread.is_alive():
            harness.kill_randomly(server, 1.0, rng)
        thread.join()
        harness.kill_randomly(server, 3.0, rng)  # a few more while the last ones settle

        def settled():
            left = [n for n in os.listdir(inbox) if os.path.isfile(os.path.join(inbox, n))]
            claimed = os.listdir(os.path.join(inbox, ".flowline-claimed"))
            return not left and not claimed and len(server.runs("intake")) >= FILES
        harness.wait_for(settled, 120, "every file to be processed")

        # The same bytes again: no new run.
        again = os.path.join(inbox, "again.txt")
        first = sorted(written)[0]
        with open(os.path.join(inbox, "processed", first), "rb") as f:
            same = f.read()
        with open(again + ".part", "wb") as f:
            f.write(same)
        os.rename(again + ".part", again)
        harness.wait_for(lambda: os.path.exists(os.path.join(inbox, "processed", "again.txt")),
                         60, "the repeated file to be processed")
        server.stop()

        runs = server.runs("intake")
        problems = harness.exactly_one_run_per_key(runs, set(written.values()))
        processed = set(os.listdir(os.path.join(inbox, "processed")))
        missing = set(written) - processed
        if missing:
            problems.append("not in processed/: %s" % sorted(missing)[:10])
        failed = os.listdir(os.path.join(inbox, "failed"))
        if failed:
            problems.append("in failed/: %s" % failed[:10])
        # A sample of runs: the input names the file and its artifact holds the bytes.
        by_key = {run["business_key"]: run for run in runs}
        for name in rng.sample(sorted(written), 5):
            detail = server.run_detail(by_key[written[name]]["run_id"])
            if detail["input"]["name"] not in (name, "again.txt"):
                problems.append("run for %s has input name %s" % (name, detail["input"]["name"]))
            if detail["input"]["sha256"] != written[name]:
                problems.append("run for %s has the wrong sha256" % name)
        harness.report(problems, "%d files, %d runs, %d starts, %d kills" %
                       (len(written), len(runs), server.starts, server.kills))


if __name__ == "__main__":
    main()
