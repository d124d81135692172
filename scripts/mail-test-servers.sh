#!/usr/bin/env bash
# Throw-away mail servers for the tests of the email step (SMTP) and the email trigger (IMAP):
# OpenSMTPD accepts mail for the domain mail.test and delivers it into Maildirs that Dovecot
# serves over IMAP; Dovecot's submission service takes authenticated mail (STARTTLS or implicit
# TLS) and relays it to OpenSMTPD. NOT for real mail: loopback only, a self-signed certificate,
# one random password.
#
#   scripts/mail-test-servers.sh start DIR    start both on free loopback ports; write DIR/env
#   scripts/mail-test-servers.sh fresh DIR    stop, remove DIR's mail and state, start (ctest)
#   scripts/mail-test-servers.sh stop DIR     stop both (by their pid files)
#   scripts/mail-test-servers.sh status DIR
#
# DIR/env (shell syntax, also read by the tests through $FLOWLINE_TEST_MAIL_ENV_FILE):
#   FLOWLINE_TEST_MAIL_DOMAIN=mail.test
#   FLOWLINE_TEST_MAIL_USERS="alice bob carol dave"  mailboxes (alice@mail.test ...), all with one
#   FLOWLINE_TEST_MAIL_PASSWORD=...              random password (IMAP login and SMTP AUTH)
#   FLOWLINE_TEST_SMTP_PORT=...                  OpenSMTPD: plain SMTP, no AUTH
#   FLOWLINE_TEST_SMTP_SUBMISSION_PORT=...       Dovecot submission: STARTTLS, AUTH required
#   FLOWLINE_TEST_SMTPS_PORT=...                 Dovecot submission: implicit TLS (smtps://), AUTH
#   FLOWLINE_TEST_IMAP_PORT=...                  Dovecot: plain IMAP, LOGIN allowed on loopback
#   FLOWLINE_TEST_IMAPS_PORT=...                 Dovecot: implicit TLS (imaps://)
#   FLOWLINE_TEST_MAIL_CA_FILE=DIR/tls/cert.pem  the certificate to trust (CN localhost,
#                                                SAN 127.0.0.1 and localhost)
#
# Why two servers for SMTP: Debian 12's OpenSMTPD 6.8 cannot do TLS with OpenSSL 3 (its
# privilege-separated key engine fails every handshake: "EVP lib", upstream issues #1171, #1239),
# and it offers AUTH only over TLS. So OpenSMTPD is the receiving MTA (plain, loopback) and
# Dovecot's submission service (dovecot-submissiond) is the authenticated, TLS front door.
#
# Root is required: OpenSMTPD runs only as root (it drops to its own users). Its spool and
# control socket are fixed paths (/var/spool/smtpd, /var/run/smtpd.sock), so each instance runs
# in a private mount namespace with DIR's folders bound over /var/spool and /var/run: several
# instances (other engineers, parallel CI jobs) never share a queue or a socket. Mail is owned
# by `nobody`; Dovecot's login processes run as dovenull, its internal ones as dovecot.
set -euo pipefail

usage() {
  echo "usage: $0 start|fresh|stop|status DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action="$1"
dir="$2"

die() {
  echo "mail-test-servers: $*" >&2
  exit 1
}

users=(alice bob carol dave)
domain=mail.test
mail_user=nobody
mail_group=nogroup

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits up to 20 s until something accepts connections on 127.0.0.1:$1.
wait_port() {
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_servers() {
  if alive "$dir/smtpd.pid"; then
    kill "$(cat "$dir/smtpd.pid")" 2>/dev/null || true
  fi
  if alive "$dir/run/dovecot/master.pid"; then
    kill "$(cat "$dir/run/dovecot/master.pid")" 2>/dev/null || true
  fi
  for _ in $(seq 100); do
    alive "$dir/smtpd.pid" || alive "$dir/run/dovecot/master.pid" || break
    sleep 0.1
  done
  rm -f "$dir/smtpd.pid"
}

check_tools() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (OpenSMTPD runs only as root); run the tests as root"
  command -v /usr/sbin/smtpd >/dev/null || die "OpenSMTPD not installed: run scripts/setup.sh"
  command -v dovecot >/dev/null || die "Dovecot not installed: run scripts/setup.sh"
  [ -x /usr/lib/dovecot/imap ] || die "dovecot-imapd not installed: run scripts/setup.sh"
  [ -x /usr/lib/dovecot/submission ] ||
    die "dovecot-submissiond not installed: run scripts/setup.sh"
  command -v unshare >/dev/null || die "unshare (util-linux) not found"
  command -v openssl >/dev/null || die "openssl not found"
}

write_configs() {
  local smtp_port="$1" submission_port="$2" smtps_port="$3" imap_port="$4" imaps_port="$5"
  local password
  password="$(openssl rand -hex 12)"
  mkdir -p "$dir/tls" "$dir/spool" "$dir/run" "$dir/state" "$dir/mail"
  chmod 711 "$dir" "$dir/mail"
  if [ ! -f "$dir/tls/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" >/dev/null 2>&1 ||
      die "openssl could not make the test certificate"
  fi
  chmod 700 "$dir/tls"
  chmod 600 "$dir/tls/key.pem"
  chmod 644 "$dir/tls/cert.pem"
  chmod 755 "$dir/tls"

  local uid gid
  uid="$(id -u "$mail_user")"
  gid="$(getent group "$mail_group" | cut -d: -f3)"
  : >"$dir/passwd"
  : >"$dir/userbase"
  for u in "${users[@]}"; do
    mkdir -p "$dir/mail/$u/Maildir/"{cur,new,tmp}
    echo "$u:{PLAIN}$password:$uid:$gid::$dir/mail/$u" >>"$dir/passwd"
    echo "$u $uid:$gid:$dir/mail/$u" >>"$dir/userbase"
  done
  chown -R "$mail_user:$mail_group" "$dir/mail"
  chmod 640 "$dir/passwd" "$dir/userbase"
  chgrp dovecot "$dir/passwd"

  cat >"$dir/smtpd.conf" <<EOF
# Written by scripts/mail-test-servers.sh; regenerated on every start.
table users file:$dir/userbase
listen on 127.0.0.1 port $smtp_port
action "deliver" maildir "%{user.directory}/Maildir" userbase <users>
match from any for domain "$domain" action "deliver"
EOF

  cat >"$dir/dovecot.conf" <<EOF
# Written by scripts/mail-test-servers.sh; regenerated on every start.
instance_name = flowline-mail-$(echo "$dir" | md5sum | cut -c1-8)
base_dir = $dir/run/dovecot
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap submission
hostname = localhost
submission_relay_host = 127.0.0.1
submission_relay_port = $smtp_port
submission_relay_trusted = yes
listen = 127.0.0.1
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
ssl = yes
ssl_cert = <$dir/tls/cert.pem
ssl_key = <$dir/tls/key.pem
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
  mailbox Archive {
    auto = create
  }
  mailbox Trash {
    auto = create
    special_use = \\Trash
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $dir/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%n $dir/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $submission_port
  }
  inet_listener submissions {
    address = 127.0.0.1
    port = $smtps_port
    ssl = yes
  }
}
protocol submission {
  # AUTH only after STARTTLS on the submission port (IMAP allows plain LOGIN on loopback).
  disable_plaintext_auth = yes
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
EOF

  cat >"$dir/env" <<EOF
FLOWLINE_TEST_MAIL_DOMAIN=$domain
FLOWLINE_TEST_MAIL_USERS="${users[*]}"
FLOWLINE_TEST_MAIL_PASSWORD=$password
FLOWLINE_TEST_SMTP_PORT=$smtp_port
FLOWLINE_TEST_SMTP_SUBMISSION_PORT=$submission_port
FLOWLINE_TEST_SMTPS_PORT=$smtps_port
FLOWLINE_TEST_IMAP_PORT=$imap_port
FLOWLINE_TEST_IMAPS_PORT=$imaps_port
FLOWLINE_TEST_MAIL_CA_FILE=$dir/tls/cert.pem
EOF
}

start_servers() {
  check_tools
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  # The servers' users must reach DIR through its parents.
  local parent="$dir"
  while [ "$parent" != / ]; do
    parent="$(dirname "$parent")"
    runuser -u dovenull -- test -x "$parent" ||
      die "dovenull cannot enter $parent; use a DIR every user can reach"
  done
  if alive "$dir/smtpd.pid" && alive "$dir/run/dovecot/master.pid"; then
    echo "mail-test-servers: already running in $dir" >&2
    cat "$dir/env"
    return 0
  fi
  stop_servers
  local smtp_port submission_port smtps_port imap_port imaps_port
  smtp_port="$(free_port)"
  submission_port="$(free_port)"
  smtps_port="$(free_port)"
  imap_port="$(free_port)"
  imaps_port="$(free_port)"
  write_configs "$smtp_port" "$submission_port" "$smtps_port" "$imap_port" "$imaps_port"

  /usr/sbin/smtpd -n -f "$dir/smtpd.conf" >"$dir/smtpd-check.log" 2>&1 ||
    { cat "$dir/smtpd-check.log" >&2; die "smtpd.conf is invalid"; }
  # The private mount namespace: DIR/spool as /var/spool (smtpd makes /var/spool/smtpd in it),
  # DIR/run as /var/run (its control socket).
  mkdir -p "$dir/spool" "$dir/run/smtpd"
  chmod 755 "$dir/spool"
  setsid unshare --mount --propagation private sh -c \
    "mount --bind '$dir/spool' /var/spool && mount --bind '$dir/run/smtpd' /var/run &&
     exec /usr/sbin/smtpd -d -f '$dir/smtpd.conf'" \
    </dev/null >"$dir/smtpd.log" 2>&1 &
  echo $! >"$dir/smtpd.pid"

  dovecot -c "$dir/dovecot.conf" >"$dir/dovecot-start.log" 2>&1 ||
    { cat "$dir/dovecot-start.log" >&2; stop_servers; die "dovecot did not start"; }

  for port in "$smtp_port" "$submission_port" "$smtps_port"; do
    wait_port "$port" ||
      { tail -20 "$dir/smtpd.log" >&2; stop_servers; die "smtpd is not listening on $port"; }
  done
  for port in "$imap_port" "$imaps_port"; do
    wait_port "$port" ||
      { tail -20 "$dir/dovecot.log" >&2; stop_servers; die "dovecot is not listening on $port"; }
  done
  cat "$dir/env"
}

case "$action" in
  start)
    start_servers
    ;;
  fresh)
    if [ -d "$dir" ]; then
      stop_servers
      rm -rf "$dir/mail" "$dir/spool" "$dir/state" "$dir/run"
    fi
    start_servers
    ;;
  stop)
    [ -d "$dir" ] && stop_servers
    ;;
  status)
    alive "$dir/smtpd.pid" && echo "smtpd running (pid $(cat "$dir/smtpd.pid"))" ||
      echo "smtpd not running"
    alive "$dir/run/dovecot/master.pid" &&
      echo "dovecot running (pid $(cat "$dir/run/dovecot/master.pid"))" ||
      echo "dovecot not running"
    alive "$dir/smtpd.pid" && alive "$dir/run/dovecot/master.pid"
    ;;
  *)
    usage
    ;;
esac
