"""PostgreSQL helpers for the scale-out test and benchmark: conninfo strings, a psql session,
fresh databases, and a throw-away cluster of one's own (for the benchmark, which needs a durable
cluster with pg_stat_statements, unlike the test fixture's).

Only psql and the server binaries are needed (Debian's postgresql-15); no Python driver.
"""
import os
import pwd
import re
import shutil
import socket
import subprocess
import time

PG_BIN = "/usr/lib/postgresql/15/bin"


def test_conninfo():
    """The test cluster's conninfo: $FLOWLINE_TEST_PG_CONNINFO, or the file the ctest fixture
    names in $FLOWLINE_TEST_PG_CONNINFO_FILE (scripts/pg-test-cluster.sh writes it)."""
    conninfo = os.environ.get("FLOWLINE_TEST_PG_CONNINFO", "").strip()
    if conninfo:
        return conninfo
    path = os.environ.get("FLOWLINE_TEST_PG_CONNINFO_FILE", "")
    if path and os.path.exists(path):
        with open(path) as f:
            return f.read().strip()
    raise SystemExit(
        "FAILED: no PostgreSQL test cluster. Run this test through ctest (the pg fixture starts "
        "one), or start one with `scripts/pg-test-cluster.sh start /tmp/pg` and export "
        "FLOWLINE_TEST_PG_CONNINFO=\"$(cat /tmp/pg/conninfo)\"")


def with_dbname(conninfo, dbname):
    """`conninfo` (key=value form) naming another database."""
    if re.search(r"(^|\s)dbname=\S+", conninfo):
        return re.sub(r"(^|\s)dbname=\S+", r"\1dbname=" + dbname, conninfo)
    return conninfo + " dbname=" + dbname


class Psql:
    """One psql process kept open; query() sends SQL and returns rows as lists of strings.

    Values must not contain '|' or newlines (the queries here select ids, numbers and kinds)."""

    _END = "__flowline_query_end__"

    def __init__(self, conninfo):
        self.proc = subprocess.Popen(
            ["psql", conninfo, "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, PGAPPNAME="flowline-scaleout-observer"))

    def query(self, sql):
        self.proc.stdin.write(sql.rstrip().rstrip(";") + ";\n\\echo " + self._END + "\n")
        self.proc.stdin.flush()
        rows = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("psql ended: %s\nquery: %s" % (self.proc.stderr.read(), sql))
            line = line.rstrip("\n")
            if line == self._END:
                return rows
            if line:
                rows.append(line.split("|"))

    def scalar(self, sql):
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


def create_database(conninfo, name):
    """Creates database `name` on the cluster (dropping a leftover one); returns its conninfo."""
    admin = Psql(conninfo)
    try:
        admin.query('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        admin.query('CREATE DATABASE "%s"' % name)
    finally:
        admin.close()
    return with_dbname(conninfo, name)


def drop_database(conninfo, name):
    admin = Psql(conninfo)
    try:
        admin.query('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    finally:
        admin.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throw-away PostgreSQL cluster in `directory`, on a free loopback port.

    `settings` are extra `-c name=value` server settings. As root it runs the server as the
    owner of `directory`'s parent if that is not root, else as `nobody` (postgres refuses root).
    """

    def __init__(self, directory, settings=None):
        self.directory = os.path.abspath(directory)
        self.data = os.path.join(self.directory, "data")
        self.settings = settings or {}
        self.port = None
        self.user = None

    def _as_server_user(self, cmd):
        if os.geteuid() != 0:
            return cmd
        return ["runuser", "-u", self.user, "--"] + cmd

    def start(self):
        os.makedirs(self.directory, exist_ok=True)
        if os.geteuid() == 0:
            self.user = "nobody"
            entry = pwd.getpwnam(self.user)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        if not os.path.exists(self.data):
            subprocess.run(self._as_server_user(
                [os.path.join(PG_BIN, "initdb"), "-D", self.data, "-A", "trust", "-U",
                 "flowline", "-E", "UTF8", "--locale=C"]), check=True, stdout=subprocess.DEVNULL)
        self.port = _free_port()
        options = ["-c listen_addresses=127.0.0.1", "-p %d" % self.port,
                   "-c unix_socket_directories=%s" % self.directory]
        options += ["-c %s=%s" % (k, v) for k, v in self.settings.items()]
        subprocess.run(self._as_server_user(
            [os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l",
             os.path.join(self.directory, "server.log"), "-w", "-o", " ".join(options), "start"]),
            check=True, stdout=subprocess.DEVNULL)
        return self.conninfo()

    def conninfo(self):
        return "host=127.0.0.1 port=%d user=flowline dbname=postgres" % self.port

    def stop(self):
        subprocess.run(self._as_server_user(
            [os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def remove(self):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def postmaster_pid(self):
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            return int(f.readline())

    def cpu_seconds(self):
        """CPU used by the server so far: its live processes plus the exited backends."""
        postmaster = self.postmaster_pid()
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # fields[0] is the state (3rd field); ppid 4th, utime 14th, stime 15th,
            # cutime 16th, cstime 17th.
            if int(pid) == postmaster:
                total += sum(int(x) for x in fields[11:15])
            elif int(fields[1]) == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / ticks


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise RuntimeError("timed out after %.0f s waiting for %s" % (timeout, what))
