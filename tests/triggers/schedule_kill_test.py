#!/usr/bin/env python3
"""Schedule trigger kill test (docs/triggers.md): a schedule that ticks every minute, with
`flowline serve` SIGKILLed and restarted repeatedly in the seconds around each tick (and once
kept down across a tick), for three ticks.

Checks: every tick from the first one after the deploy to the last one before the end made
exactly one run (business key schedule:<id>:<tick>, input.scheduled_for the tick in the
schedule's time zone), the tick missed while the server was down included (catch_up: once); no
other runs.
"""
import datetime
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SPEC = """
workflow: ticker
triggers:
  - schedule: { id: every-minute, cron: "* * * * *", timezone: Europe/Berlin, input: { report: minutely } }
steps:
  - id: echo
    uses: script
    with: { code: "return { at = input.scheduled_for }" }
"""

TICKS = 3


def tick_key(minute):
    return "schedule:every-minute:" + minute.strftime("%Y-%m-%dT%H:%M:00Z")


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def sleep_until(moment):
    delay = (moment - now_utc()).total_seconds()
    if delay > 0:
        time.sleep(delay)


def main():
    args = harness.main_args(__doc__)
    rng = random.Random(args.seed)
    with harness.temp_workdir("flowline-schedule-kill-", args.keep) as work:
        server = harness.Flowline(args.flowline, work)
        # Start well inside a minute, so the first poll is unambiguously before the next tick.
        while not 5 <= now_utc().second <= 40:
            time.sleep(0.5)
        server.deploy(SPEC)
        server.start()
        begin = now_utc().replace(second=0, microsecond=0)
        first_tick = begin + datetime.timedelta(minutes=1)
        for n in range(TICKS):
            tick = first_tick + datetime.timedelta(minutes=n)
            if n == 1:
                # Down across this tick: the restart must catch it up once.
                sleep_until(tick - datetime.timedelta(seconds=3))
                server.kill()
                sleep_until(tick + datetime.timedelta(seconds=3))
                server.start()
            else:
                # Killed again and again from 2 s before to 3 s after the tick.
                sleep_until(tick - datetime.timedelta(seconds=2))
                end = tick + datetime.timedelta(seconds=3)
                while now_utc() < end:
                    time.sleep(rng.uniform(0.05, 0.6))
                    server.kill()
                    server.start()
        last_tick = first_tick + datetime.timedelta(minutes=TICKS - 1)
        expected = {tick_key(first_tick + datetime.timedelta(minutes=n)) for n in range(TICKS)}
        harness.wait_for(lambda: len(server.runs("ticker")) >= TICKS, 30, "the ticks' runs")
        # Stop before the next tick, so it is not a run the check does not expect.
        if now_utc() >= last_tick + datetime.timedelta(seconds=55):
            raise harness.Failure("the test ran too slowly to stop before the next tick")
        server.stop()

        runs = server.runs("ticker")
        problems = harness.exactly_one_run_per_key(runs, expected)
        for run in runs:
            detail = server.run_detail(run["run_id"])
            stamp = detail["input"].get("scheduled_for", "")
            utc = datetime.datetime.fromisoformat(stamp).astimezone(datetime.timezone.utc)
            if tick_key(utc) != run["business_key"] or detail["input"].get("report") != "minutely":
                problems.append("run %s: input %s does not match key %s" %
                                (run["run_id"], detail["input"], run["business_key"]))
        harness.report(problems, "%d ticks, %d runs, %d starts, %d kills" %
                       (TICKS, len(runs), server.starts, server.kills))


if __name__ == "__main__":
    main()
