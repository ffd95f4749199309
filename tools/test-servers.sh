#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Starts and stops throw-away MariaDB and Mosquitto servers for tests: loopback only, all data in
# a directory of the caller's choice, never the system's services or config files.
#
#   tools/test-servers.sh start   mariadb|mosquitto <dir>
#   tools/test-servers.sh stop    mariadb|mosquitto <dir>   (idempotent)
#   tools/test-servers.sh restart mariadb|mosquitto <dir>   (same port, same data)
#   tools/test-servers.sh status  mariadb|mosquitto <dir>
#
# After `start`, <dir>/port holds the TCP port (127.0.0.1). MariaDB: user `smartmeter`, password
# `smartmeter-test`, all privileges, password authentication over TCP; root has no password on
# the socket <dir>/mysqld.sock. Mosquitto: anonymous access, persistence in <dir>/.
#
# Opt-in TLS: with TEST_SERVERS_TLS_DIR=<certs> set at `start` (a directory holding ca.crt,
# server.crt and server.key in PEM), mosquitto gets a second, TLS-only listener whose port is in
# <dir>/tls_port (the plain listener on <dir>/port stays for the tests' own clients), and MariaDB
# is started with --ssl-ca/--ssl-cert/--ssl-key (TLS offered on its one port). The choice is kept
# in <dir>/tls_dir, so `restart` keeps it without the variable.
# Works as root without an init system (no systemd, no service, no policy-rc.d involvement).
set -euo pipefail

readonly kDbUser=smartmeter
readonly kDbPassword=smartmeter-test
readonly kStartTimeoutS=60
readonly kStopTimeoutS=60

say() { echo "test-servers: $*"; }
die() {
  echo "test-servers: error: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop|restart|status mariadb|mosquitto <dir>" >&2
  exit 2
}

# A TCP port nobody listens on right now (there is a small race until the server binds it).
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    if python3 - <<'EOF' 2>/dev/null; then return 0; fi
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
  fi
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

port_of() {
  local dir=$1 file=${2:-port}
  if [[ -s "$dir/$file" ]]; then
    cat "$dir/$file"
  else
    local port
    port=$(free_port) || die "no free TCP port found"
    echo "$port" >"$dir/$file"
    echo "$port"
  fi
}

# The certificate directory of the opt-in TLS setup (see the header), or nothing.
tls_dir_of() {
  local dir=$1
  if [[ -n "${TEST_SERVERS_TLS_DIR:-}" ]]; then
    local certs file
    certs=$(cd "$TEST_SERVERS_TLS_DIR" && pwd) || die "TEST_SERVERS_TLS_DIR: no such directory"
    for file in ca.crt server.crt server.key; do
      [[ -r "$certs/$file" ]] || die "TEST_SERVERS_TLS_DIR: $certs/$file is missing"
    done
    echo "$certs" >"$dir/tls_dir"
  fi
  if [[ -s "$dir/tls_dir" ]]; then cat "$dir/tls_dir"; fi
}

pid_alive() {
  local pid_file=$1
  [[ -s "$pid_file" ]] || return 1
  local pid
  pid=$(cat "$pid_file")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# Sends SIGTERM to the pid in the file and waits; SIGKILL after the timeout. Idempotent.
stop_pid() {
  local name=$1 pid_file=$2
  if ! pid_alive "$pid_file"; then
    say "$name is not running"
    rm -f "$pid_file"
    return 0
  fi
  local pid
  pid=$(cat "$pid_file")
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= kStopTimeoutS * 10)); then
      say "$name did not stop within ${kStopTimeoutS}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$pid_file"
  say "$name stopped"
}

# ---------------------------------------------------------------- MariaDB

mariadb_start() {
  local dir=$1
  command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] ||
    die "mariadbd is not installed (Debian package mariadb-server)"
  local mariadbd
  mariadbd=$(command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd)
  local socket="$dir/mysqld.sock" pid_file="$dir/mysqld.pid"
  local user_args=()
  if [[ $(id -u) -eq 0 ]]; then user_args=(--user=root); fi

  if pid_alive "$pid_file"; then
    if mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1; then
      say "mariadb already running on 127.0.0.1:$(cat "$dir/port") (pid $(cat "$pid_file"))"
      return 0
    fi
    die "a mariadbd (pid $(cat "$pid_file")) owns $dir but does not answer; run: $0 stop mariadb $dir"
  fi

  local fresh=0
  if [[ ! -d "$dir/data/mysql" ]]; then
    fresh=1
    say "initialising a new data directory $dir/data"
    # Each server gets its own tmpdir: bootstraps running side by side in one /tmp have been
    # seen to crash (signal 11 dropping a temporary Aria table). One retry for the same reason.
    local attempt
    for attempt in 1 2; do
      rm -rf "$dir/data" "$dir/tmp"
      mkdir -p "$dir/data" "$dir/tmp"
      if mariadb-install-db --no-defaults --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve --datadir="$dir/data" --tmpdir="$dir/tmp" \
        "${user_args[@]}" >"$dir/install.log" 2>&1; then
        break
      fi
      if ((attempt == 2)); then
        head -n 5 "$dir/install.log" >&2 || true
        tail -n 20 "$dir/install.log" >&2 || true
        die "mariadb-install-db failed (log: $dir/install.log)"
      fi
      say "mariadb-install-db failed; trying once more"
    done
  fi
  mkdir -p "$dir/tmp"

  local port
  port=$(port_of "$dir")
  local tls_args=() certs
  certs=$(tls_dir_of "$dir")
  if [[ -n "$certs" ]]; then
    tls_args=(--ssl-ca="$certs/ca.crt" --ssl-cert="$certs/server.crt" --ssl-key="$certs/server.key")
    say "mariadbd offers TLS with the certificates in $certs"
  fi
  say "starting mariadbd on 127.0.0.1:$port, data $dir/data, socket $socket"
  # setsid: the server must not die with the caller's terminal or process group.
  setsid "$mariadbd" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$socket" --port="$port" \
    --bind-address=127.0.0.1 --pid-file="$pid_file" --log-error="$dir/mysqld.err" \
    --skip-name-resolve --skip-log-bin --innodb-buffer-pool-size=64M \
    "${user_args[@]}" ${tls_args[@]+"${tls_args[@]}"} </dev/null >>"$dir/mysqld.out" 2>&1 &
  local launched=$!

  local waited=0
  until mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1; do
    if ! kill -0 "$launched" 2>/dev/null; then
      tail -n 30 "$dir/mysqld.err" >&2 2>/dev/null || true
      die "mariadbd exited during startup (log: $dir/mysqld.err)"
    fi
    if ((waited >= kStartTimeoutS * 10)); then
      kill -TERM "$launched" 2>/dev/null || true
      die "mariadbd did not answer within ${kStartTimeoutS}s (log: $dir/mysqld.err)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  # mariadbd writes its pid file itself; make sure it is there for stop.
  [[ -s "$pid_file" ]] || echo "$launched" >"$pid_file"

  if ((fresh)); then
    say "creating user $kDbUser with all privileges (password authentication)"
    mariadb --no-defaults --socket="$socket" -uroot <<EOF || die "cannot create user $kDbUser"
CREATE USER IF NOT EXISTS '$kDbUser'@'%' IDENTIFIED BY '$kDbPassword';
CREATE USER IF NOT EXISTS '$kDbUser'@'localhost' IDENTIFIED BY '$kDbPassword';
GRANT ALL PRIVILEGES ON *.* TO '$kDbUser'@'%';
GRANT ALL PRIVILEGES ON *.* TO '$kDbUser'@'localhost';
FLUSH PRIVILEGES;
EOF
  fi
  mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -u"$kDbUser" \
    -p"$kDbPassword" ping >/dev/null 2>&1 ||
    die "mariadbd runs but $kDbUser cannot log in over TCP 127.0.0.1:$port"
  say "mariadb ready on 127.0.0.1:$port (pid $(cat "$pid_file")), user $kDbUser/$kDbPassword"
}

mariadb_stop() {
  local dir=$1
  stop_pid mariadbd "$dir/mysqld.pid"
}

mariadb_status() {
  local dir=$1
  if pid_alive "$dir/mysqld.pid" &&
    mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1; then
    say "mariadb running on 127.0.0.1:$(cat "$dir/port") (pid $(cat "$dir/mysqld.pid"))"
  else
    say "mariadb not running"
    return 3
  fi
}

# ---------------------------------------------------------------- Mosquitto

mosquitto_can_connect() {
  local port=$1
  mosquitto_pub -h 127.0.0.1 -p "$port" -q 0 -t test-servers/ping -m ping \
    -i "test-servers-$$" >/dev/null 2>&1
}

mosquitto_start() {
  local dir=$1
  command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] ||
    die "mosquitto is not installed (Debian package mosquitto)"
  command -v mosquitto_pub >/dev/null 2>&1 ||
    die "mosquitto_pub is not installed (Debian package mosquitto-clients)"
  local mosquitto
  mosquitto=$(command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto)
  local pid_file="$dir/mosquitto.pid"

  if pid_alive "$pid_file"; then
    if mosquitto_can_connect "$(cat "$dir/port")"; then
      say "mosquitto already running on 127.0.0.1:$(cat "$dir/port") (pid $(cat "$pid_file"))"
      return 0
    fi
    die "a mosquitto (pid $(cat "$pid_file")) owns $dir but does not answer; run: $0 stop mosquitto $dir"
  fi

  local port
  port=$(port_of "$dir")
  local run_as=""
  # As root, mosquitto drops privileges to user `mosquitto`, who could not write to <dir>.
  if [[ $(id -u) -eq 0 ]]; then run_as="user root"; fi
  local tls_listener="" tls_port="" certs
  certs=$(tls_dir_of "$dir")
  if [[ -n "$certs" ]]; then
    tls_port=$(port_of "$dir" tls_port)
    tls_listener="listener $tls_port 127.0.0.1
cafile $certs/ca.crt
certfile $certs/server.crt
keyfile $certs/server.key
require_certificate false"
  fi
  cat >"$dir/mosquitto.conf" <<EOF
# Written by tools/test-servers.sh
listener $port 127.0.0.1
allow_anonymous true
max_queued_messages 100000
persistence true
persistence_location $dir/
autosave_interval 1
pid_file $pid_file
log_dest file $dir/mosquitto.log
$run_as
$tls_listener
EOF
  say "starting mosquitto on 127.0.0.1:$port, persistence in $dir/"
  setsid "$mosquitto" -c "$dir/mosquitto.conf" </dev/null >>"$dir/mosquitto.out" 2>&1 &
  local launched=$!

  local waited=0
  until mosquitto_can_connect "$port"; do
    if ! kill -0 "$launched" 2>/dev/null; then
      tail -n 20 "$dir/mosquitto.log" "$dir/mosquitto.out" >&2 2>/dev/null || true
      die "mosquitto exited during startup (log: $dir/mosquitto.log)"
    fi
    if ((waited >= kStartTimeoutS * 10)); then
      kill -TERM "$launched" 2>/dev/null || true
      die "mosquitto did not accept connections within ${kStartTimeoutS}s"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  [[ -s "$pid_file" ]] || echo "$launched" >"$pid_file"
  if [[ -n "$tls_port" ]]; then
    mosquitto_pub -h 127.0.0.1 -p "$tls_port" --cafile "$certs/ca.crt" -q 0 -t test-servers/ping \
      -m ping -i "test-servers-tls-$$" >/dev/null 2>&1 ||
      die "the TLS listener on 127.0.0.1:$tls_port refuses a client that trusts $certs/ca.crt"
    say "mosquitto TLS listener on 127.0.0.1:$tls_port (certificates in $certs)"
  fi
  say "mosquitto ready on 127.0.0.1:$port (pid $(cat "$pid_file"))"
}

mosquitto_stop() {
  local dir=$1
  stop_pid mosquitto "$dir/mosquitto.pid"
}

mosquitto_status() {
  local dir=$1
  if pid_alive "$dir/mosquitto.pid" && mosquitto_can_connect "$(cat "$dir/port")"; then
    say "mosquitto running on 127.0.0.1:$(cat "$dir/port") (pid $(cat "$dir/mosquitto.pid"))"
  else
    say "mosquitto not running"
    return 3
  fi
}

# ---------------------------------------------------------------- main

[[ $# -eq 3 ]] || usage
action=$1
kind=$2
dir=$3
case "$kind" in
  mariadb | mosquitto) ;;
  *) usage ;;
esac
case "$action" in
  start | restart) mkdir -p "$dir" || die "cannot create $dir" ;;
  stop | status) ;;
  *) usage ;;
esac
if [[ -d "$dir" ]]; then dir=$(cd "$dir" && pwd); fi

case "$action" in
  start) "${kind}_start" "$dir" ;;
  stop)
    if [[ -d "$dir" ]]; then "${kind}_stop" "$dir"; else say "$kind is not running ($dir does not exist)"; fi
    ;;
  restart)
    "${kind}_stop" "$dir"
    "${kind}_start" "$dir"
    ;;
  status) "${kind}_status" "$dir" ;;
esac
