#!/usr/bin/env bash
# A throw-away RabbitMQ node for the tests (the queue trigger). NOT for messages you want to keep:
# it listens on loopback only, on free ports, with its own Erlang port mapper (epmd), node name,
# cookie, database and logs, all in DIR; the machine's rabbitmq-server service is not used.
#
#   scripts/rabbitmq-test-server.sh start DIR   start a node in DIR (a fresh database each time)
#                                               with the vhost `flowline` and the user `flowline`
#                                               (random password), write DIR/env and print it
#   scripts/rabbitmq-test-server.sh stop DIR    stop the node and its epmd (by their pid files)
#   scripts/rabbitmq-test-server.sh status DIR
#
# DIR/env (shell syntax, one VAR=value a line):
#   FLOWLINE_TEST_AMQP_URL=amqp://flowline:PASSWORD@127.0.0.1:PORT/flowline
#   FLOWLINE_TEST_AMQP_PORT=PORT
#   FLOWLINE_TEST_RABBITMQ_DIR=DIR
#   FLOWLINE_TEST_RABBITMQ_SCRIPT=this script (`SCRIPT ctl DIR ARGS...` runs rabbitmqctl against
#                                  the node, e.g. `list_queues -p flowline`)
# Run as root (containers, CI), the node runs as the `rabbitmq` user the Debian package creates.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|status DIR | ctl DIR RABBITMQCTL-ARGS..." >&2
  exit 2
}
[ $# -ge 2 ] || usage
action="$1"
dir="$2"
shift 2
[ "$action" = ctl ] || [ $# -eq 0 ] || usage

sbin="${FLOWLINE_RABBITMQ_SBIN:-}"
if [ -z "$sbin" ]; then
  for candidate in /usr/lib/rabbitmq/bin /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin; do
    if [ -x "$candidate/rabbitmq-server" ]; then
      sbin="$candidate"
      break
    fi
  done
fi
if [ -z "$sbin" ] || [ ! -x "$sbin/rabbitmq-server" ]; then
  echo "rabbitmq-test-server: rabbitmq-server not found; run scripts/setup.sh (installs" \
    "rabbitmq-server) or set FLOWLINE_RABBITMQ_SBIN to the folder holding rabbitmq-server" >&2
  exit 1
fi
epmd_bin="$(command -v epmd || true)"
[ -n "$epmd_bin" ] || epmd_bin="$(ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -1)"

# Who runs the node: the current user, or `rabbitmq` when we are root (the node's files then
# belong to it, and a node running as root would leave root-owned files the package expects not).
run_as=()
if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then
  run_as=(runuser -u rabbitmq --)
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
ports_file="$dir/ports"

# The environment every rabbitmq script of this node sees (server and rabbitmqctl alike): an
# array, so that paths and Erlang arguments stay whole words.
node_env=()
load_node_env() {
  # shellcheck disable=SC1090
  . "$ports_file"
  node_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$dir/home" LANG=C.UTF-8
    RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
    RABBITMQ_NODENAME="$node" RABBITMQ_USE_LONGNAME=false
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$amqp_port"
    RABBITMQ_DIST_PORT="$dist_port" ERL_EPMD_PORT="$epmd_port" ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_CTL_DIST_PORT_MIN="$ctl_port_min" RABBITMQ_CTL_DIST_PORT_MAX="$ctl_port_max"
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log"
    RABBITMQ_PID_FILE="$dir/rabbitmq.pid" RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
    RABBITMQ_PLUGINS_EXPAND_DIR="$dir/plugins-expand"
    RABBITMQ_FEATURE_FLAGS_FILE="$dir/feature_flags"
    RABBITMQ_QUORUM_DIR="$dir/quorum" RABBITMQ_STREAM_DIR="$dir/stream"
    # Erlang distribution on loopback only, like the AMQP listener.
    "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}")
}

ctl() {
  load_node_env
  (cd "$dir" && "${run_as[@]}" "${node_env[@]}" "$sbin/rabbitmqctl" -n "$node" "$@")
}

running() {
  [ -f "$dir/rabbitmq.pid" ] && kill -0 "$(cat "$dir/rabbitmq.pid")" 2>/dev/null
}

stop_node() {
  if running; then
    pid="$(cat "$dir/rabbitmq.pid")"
    ctl stop "$dir/rabbitmq.pid" >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    # `rabbitmqctl stop PIDFILE` waits for the process; a node that ignored it is killed.
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/rabbitmq.pid"
  # The node's own epmd (started by the node on its private port): ask it to go, by its port.
  if [ -f "$ports_file" ] && [ -n "$epmd_bin" ]; then
    (. "$ports_file"; "${run_as[@]}" "$epmd_bin" -port "$epmd_port" -kill >/dev/null 2>&1) || true
  fi
}

case "$action" in
  start)
    if running; then
      echo "rabbitmq-test-server: already running in $dir" >&2
      cat "$dir/env"
      exit 0
    fi
    stop_node
    rm -rf "$dir/mnesia" "$dir/log" "$dir/plugins-expand" "$dir/home" "$dir/env" \
      "$dir/feature_flags" "$dir/server.log"
    mkdir -p "$dir/home" "$dir/log"
    if [ ${#run_as[@]} -gt 0 ]; then
      chown rabbitmq "$dir" "$dir/home" "$dir/log"
      parent="$dir"
      while [ "$parent" != / ]; do
        parent="$(dirname "$parent")"
        if ! "${run_as[@]}" test -x "$parent"; then
          echo "rabbitmq-test-server: rabbitmq cannot enter $parent; use a DIR it can reach" >&2
          exit 1
        fi
      done
    fi
    # A node name unique on this machine: other engineers and ctest runs start their own nodes.
    cat >"$ports_file" <<EOF
node=flowline-test-$$-$(date +%s%N | tail -c 7)@localhost
amqp_port=$(free_port)
dist_port=$(free_port)
epmd_port=$(free_port)
ctl_port_min=$(free_port)
EOF
    # rabbitmqctl's own distribution port: Erlang tries the range from its low end up.
    echo 'ctl_port_max=$((ctl_port_min + 50 > 65535 ? 65535 : ctl_port_min + 50))' >>"$ports_file"
    : >"$dir/rabbitmq-env.conf"
    echo '[].' >"$dir/enabled_plugins"
    echo '[].' >"$dir/advanced.config"
    # The guest user stays loopback-only (the default); the tests use their own user. A low disk
    # limit: a test machine's nearly full disk must not block publishers.
    cat >"$dir/rabbitmq.conf" <<EOF
loopback_users.guest = true
disk_free_limit.absolute = 10MB
log.file.level = warning
log.console = false
EOF
    password="$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
    # The vhost and user `flowline` come from a definitions file the node imports at boot: each
    # rabbitmqctl call boots an Erlang VM of its own (seconds on a loaded machine), this costs
    # none. The password is stored as RabbitMQ's salted SHA-256 hash.
    PASSWORD="$password" python3 - "$dir/definitions.json" <<'PY'
import base64, hashlib, json, os, sys
salt = os.urandom(4)
digest = hashlib.sha256(salt + os.environ["PASSWORD"].encode()).digest()
definitions = {
    "vhosts": [{"name": "flowline"}],
    "users": [{"name": "flowline", "password_hash": base64.b64encode(salt + digest).decode(),
               "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []}],
    "permissions": [{"user": "flowline", "vhost": "flowline",
                     "configure": ".*", "write": ".*", "read": ".*"}],
}
with open(sys.argv[1], "w") as f:
    json.dump(definitions, f)
PY
    echo "load_definitions = $dir/definitions.json" >>"$dir/rabbitmq.conf"
    load_node_env  # also sets amqp_port
    # The node outlives this script: it must not hold any descriptor of ours (a caller reading
    # our output, like ctest, would wait for it to close), so every one above 2 is closed.
    (
      cd "$dir"
      for fd in /proc/$BASHPID/fd/*; do
        fd="${fd##*/}"
        [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
      done
      exec setsid "${run_as[@]}" "${node_env[@]}" "$sbin/rabbitmq-server" \
        </dev/null >"$dir/server.log" 2>&1
    ) &
    # The AMQP listener opens last in the node's boot (after the definitions are loaded): wait
    # until it answers the protocol header with connection.start. Cheaper than `rabbitmqctl
    # wait`, which boots an Erlang VM of its own (many seconds on a loaded machine).
    if ! python3 - "$amqp_port" "$dir/rabbitmq.pid" <<'PY'
import os, socket, sys, time
port, pid_file = int(sys.argv[1]), sys.argv[2]
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"AMQP\x00\x00\x09\x01")
            if s.recv(7)[:1] == b"\x01":  # a method frame: connection.start
                sys.exit(0)
    except OSError:
        pass
    if os.path.exists(pid_file):
        try:
            os.kill(int(open(pid_file).read().strip() or 0), 0)
        except (OSError, ValueError):
            sys.exit(1)  # the node died
    time.sleep(0.2)
sys.exit(1)
PY
    then
      echo "rabbitmq-test-server: the node did not start; its output:" >&2
      tail -30 "$dir/server.log" >&2
      stop_node
      exit 1
    fi
    . "$ports_file"
    {
      echo "FLOWLINE_TEST_AMQP_URL=amqp://flowline:$password@127.0.0.1:$amqp_port/flowline"
      echo "FLOWLINE_TEST_AMQP_PORT=$amqp_port"
      echo "FLOWLINE_TEST_RABBITMQ_DIR=$dir"
      echo "FLOWLINE_TEST_RABBITMQ_SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
    } >"$dir/env.tmp"
    mv "$dir/env.tmp" "$dir/env"
    cat "$dir/env"
    ;;
  stop)
    stop_node
    ;;
  status)
    if running; then
      echo "running (pid $(cat "$dir/rabbitmq.pid")) in $dir"
    else
      echo "not running in $dir"
      exit 3
    fi
    ;;
  ctl)
    ctl "$@"
    ;;
  *)
    usage
    ;;
esac
