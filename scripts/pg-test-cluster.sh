#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the tests (the PostgreSQL store's conformance suite, the
# scale-out test). NOT for data you want to keep: it runs with fsync=off and
# synchronous_commit=off, trusts every local connection and listens on loopback only.
#
#   scripts/pg-test-cluster.sh start DIR   initdb in DIR (once), start on a free loopback port,
#                                          write DIR/conninfo (libpq key=value) and print it
#   scripts/pg-test-cluster.sh fresh DIR   stop and remove any cluster in DIR, then start a new
#                                          one (ctest's pg fixture: every run starts empty)
#   scripts/pg-test-cluster.sh stop DIR    stop it (the files stay; `start` reuses them)
#   scripts/pg-test-cluster.sh status DIR
#
# Tests find the cluster through $FLOWLINE_TEST_PG_CONNINFO, e.g.
#   export FLOWLINE_TEST_PG_CONNINFO="$(cat DIR/conninfo)"
# Run as root (containers, CI), the server runs as the `postgres` user (or `nobody`): PostgreSQL
# refuses to run as root.
set -euo pipefail

usage() {
  echo "usage: $0 start|fresh|stop|status DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action="$1"
dir="$2"

bindir="${FLOWLINE_PG_BINDIR:-}"
if [ -z "$bindir" ]; then
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    bindir=/usr/lib/postgresql/15/bin
  elif command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    bindir="$(pg_config --bindir)"
  else
    echo "pg-test-cluster: PostgreSQL server binaries not found (initdb, pg_ctl);" \
      "run scripts/setup.sh (installs postgresql-15) or set FLOWLINE_PG_BINDIR" >&2
    exit 1
  fi
fi

# Who runs the server: the current user, or an unprivileged one when we are root.
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  server_user=postgres
  id "$server_user" >/dev/null 2>&1 || server_user=nobody
  run_as=(runuser -u "$server_user" --)
fi

pgctl() { "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" "$@"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

if [ "$action" = fresh ]; then
  if [ -f "$dir/data/PG_VERSION" ]; then
    pgctl status >/dev/null 2>&1 && pgctl stop -m immediate -w >/dev/null
    rm -rf "$dir/data"
  fi
  action=start
fi

case "$action" in
  start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ ${#run_as[@]} -gt 0 ]; then
      chown "$server_user" "$dir"
      # The server user must reach DIR through its parents.
      parent="$dir"
      while [ "$parent" != / ]; do
        parent="$(dirname "$parent")"
        if ! "${run_as[@]}" test -x "$parent"; then
          echo "pg-test-cluster: $server_user cannot enter $parent; use a DIR it can reach" >&2
          exit 1
        fi
      done
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      "${run_as[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U flowline -E UTF8 \
        --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if pgctl status >/dev/null 2>&1; then
      echo "pg-test-cluster: already running in $dir" >&2
      cat "$dir/conninfo"
      exit 0
    fi
    port="$(free_port)"
    # fsync and synchronous_commit off: a test cluster that may lose its last commits on a crash
    # of the machine, never of the server process; the tests do not need more.
    pgctl start -w -t 60 -l "$dir/server.log" -o "-p $port -c listen_addresses=127.0.0.1 \
-c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off \
-c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB" >/dev/null ||
      { tail -20 "$dir/server.log" >&2; exit 1; }
    echo "host=127.0.0.1 port=$port user=flowline dbname=postgres" >"$dir/conninfo"
    cat "$dir/conninfo"
    ;;
  stop)
    if [ -f "$dir/data/PG_VERSION" ] && pgctl status >/dev/null 2>&1; then
      pgctl stop -m fast -w >/dev/null
    fi
    ;;
  status)
    pgctl status
    ;;
  *)
    usage
    ;;
esac
