#!/usr/bin/env python3
"""Database trigger kill test (docs/triggers.md): 500 rows are inserted into a table of the
business's database (SQLite, or PostgreSQL from the ctest `pg` fixture with --backend postgres)
while `flowline serve` polls it and is SIGKILLed every 0.2-1.5 s and restarted.

Checks: every row made exactly one run (business key "database:<id>"), with the row as its input;
the trigger's cursor ends at the last row; the database's password (PostgreSQL) appears nowhere in
the store or the server's log.
"""
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


ROWS = 500

SPEC = """
workflow: signups
input:
  schema: { type: object, required: [id, email] }
triggers:
  - database:
      connection: crm_db
      query: SELECT id, email, plan FROM %(table)s WHERE id > :cursor ORDER BY id LIMIT 40
      cursor: id
      interval: 100ms
steps:
  - id: echo
    uses: script
    with: { code: "return { id = input.id }" }
"""


class SqliteTable:
    def __init__(self, work):
        self.path = os.path.join(work, "crm.db")
        self.table = "signups"
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE signups (id INTEGER PRIMARY KEY, email TEXT NOT NULL, plan TEXT)")
        db.commit()
        db.close()

    def connection_yaml(self):
        return "  crm_db: { type: sqlite, path: crm.db }\n", {}

    def insert(self, rows):
        db = sqlite3.connect(self.path, timeout=30)
        with db:
            db.executemany("INSERT INTO signups (id, email, plan) VALUES (?, ?, ?)", rows)
        db.close()


class PostgresTable:
    def __init__(self, work, rng):
        path = os.environ.get("FLOWLINE_TEST_PG_CONNINFO_FILE")
        conninfo = os.environ.get("FLOWLINE_TEST_PG_CONNINFO")
        if not conninfo and path and os.path.exists(path):
            with open(path) as f:
                conninfo = f.read().strip()
        if not conninfo:
            raise harness.Failure("no PostgreSQL test cluster: run through ctest (the `pg` "
                                  "fixture) or set FLOWLINE_TEST_PG_CONNINFO")
        self.conninfo = conninfo
        self.schema = "dbtrigger_%d_%d" % (os.getpid(), rng.randrange(1 << 20))
        self.table = self.schema + ".signups"
        # A user with a password, so that the test can look for the password afterwards.
        self.password = "pg-Secret-%d" % rng.randrange(1 << 30)
        self.user = "reader_%d" % rng.randrange(1 << 30)
        self.psql("CREATE SCHEMA %s; CREATE TABLE %s (id bigint PRIMARY KEY, email text NOT NULL,"
                  " plan text); CREATE ROLE %s LOGIN PASSWORD '%s'; GRANT USAGE ON SCHEMA %s TO %s;"
                  " GRANT SELECT ON %s TO %s;" % (self.schema, self.table, self.user,
                                                  self.password, self.schema, self.user,
                                                  self.table, self.user))

    def psql(self, sql):
        subprocess.run(["psql", self.conninfo, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
                       check=True, capture_output=True)

    def connection_yaml(self):
        parts = dict(p.split("=", 1) for p in self.conninfo.split())
        url = "postgresql://%s:%s@%s:%s/%s" % (self.user, self.password, parts["host"],
                                               parts["port"], parts["dbname"])
        return "  crm_db: { type: postgres, url_env: CRM_DB_URL }\n", {"CRM_DB_URL": url}

    def insert(self, rows):
        values = ", ".join("(%d, '%s', %s)" % (i, email, "NULL" if plan is None else
                                                 "'%s'" % plan) for i, email, plan in rows)
        self.psql("INSERT INTO %s (id, email, plan) VALUES %s" % (self.table, values))


def main():
    import argparse
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print("seed %d, backend %s" % (seed, args.backend))
    rng = random.Random(seed)
    with harness.temp_workdir("flowline-database-kill-", args.keep) as work:
        table = SqliteTable(work) if args.backend == "sqlite" else PostgresTable(work, rng)
        connection, env = table.connection_yaml()
        with open(os.path.join(work, "connections.yaml"), "w") as f:
            f.write("connections:\n" + connection)
        server = harness.Flowline(args.flowline, work, env=env)
        server.deploy(SPEC % {"table": table.table})
        server.start()

        rows = [(i, "user%d@example.com" % i, rng.choice(["basic", "pro", None]))
                for i in range(1, ROWS + 1)]

        def writer():
            i = 0
            while i < ROWS:
                n = rng.randrange(1, 30)
                table.insert(rows[i:i + n])
                i += n
                time.sleep(rng.uniform(0.02, 0.2))

        thread = threading.Thread(target=writer)
        thread.start()
        while thread.is_alive():
            harness.kill_randomly(server, 1.0, rng)
        thread.join()
        harness.kill_randomly(server, 3.0, rng)
        harness.wait_for(lambda: len(server.runs("signups")) >= ROWS, 180, "a run for every row")
        server.stop()

        runs = server.runs("signups")
        problems = harness.exactly_one_run_per_key(runs,
                                                   {"database:%d" % r[0] for r in rows})
        by_key = {run["business_key"]: run for run in runs}
        for i, email, plan in rng.sample(rows, 5):
            run = by_key.get("database:%d" % i)
            if run is None:
                continue
            detail = server.run_detail(run["run_id"])
            if detail["input"] != {"id": i, "email": email, "plan": plan}:
                problems.append("run for row %d has input %s" % (i, detail["input"]))
        secret = getattr(table, "password", None)
        if secret:
            for name in os.listdir(work):
                path = os.path.join(work, name)
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        if secret.encode() in f.read():
                            problems.append("the database password appears in %s" % name)
        harness.report(problems, "%d rows, %d runs, %d starts, %d kills" %
                       (ROWS, len(runs), server.starts, server.kills))


if __name__ == "__main__":
    main()
