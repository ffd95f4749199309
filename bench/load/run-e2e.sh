#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end load test of `smartmeter run` on loopback:
#
#   bench/load/run-e2e.sh [sqlite|mariadb] N
#
# Starts mosquitto (and MariaDB for `mariadb`) with tools/test-servers.sh in a temporary
# directory, starts `smartmeter run` (Release build, SMARTMETER_BATCH_MAX_ROWS=500), publishes N
# telegrams from METERS meters with load_publisher (QoS 1), waits until all N rows are in
# history, and prints the sustained rate (first publish -> last row stored), the service's peak
# RSS (VmHWM) and CPU time, and whether COUNT(*) == COUNT(DISTINCT meter, frame_counter) == N.
#
# Environment:
#   BUILD_DIR  Release build directory (default build/load-release; configured and built
#              here when smartmeter or load_publisher is missing there)
#   METERS     distinct meters (default 10)      RATE    telegrams/s, 0 = as fast as acked (0)
#   WINDOW     publisher's unacknowledged max (1000)
#   STALL_S    give up when no row was stored for this long (60)
#   TEST_SERVERS  the servers script (default tools/test-servers.sh)
#   KEEP=1     keep the temporary directory (service log, server logs)
set -euo pipefail

backend=${1:-}
count=${2:-}
if [[ ! "$backend" =~ ^(sqlite|mariadb)$ || ! "$count" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 sqlite|mariadb N" >&2
  exit 2
fi

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build/load-release}
meters=${METERS:-10}
rate=${RATE:-0}
window=${WINDOW:-1000}
stall_s=${STALL_S:-60}
servers=${TEST_SERVERS:-$repo/tools/test-servers.sh}

say() { echo "run-e2e: $*" >&2; }
now_ms() { date +%s%3N; }

if [[ ! -x "$build/smartmeter" || ! -x "$build/bench/load/load_publisher" ]]; then
  say "building smartmeter and load_publisher (Release) in $build"
  # Warnings stay warnings: GCC 12 at -O3 reports a false -Wrestrict inside std::string.
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETER_BUILD_TESTS=OFF \
    -DMETER_WARNINGS_AS_ERRORS=OFF \
    >"${TMPDIR:-/tmp}/run-e2e-configure.log"
  cmake --build "$build" --target smartmeter load_publisher -j "${JOBS:-2}" >&2
fi
smartmeter=$build/smartmeter
publisher=$build/bench/load/load_publisher

work=$(mktemp -d "${TMPDIR:-/tmp}/smartmeter-e2e-XXXXXX")
service_pid=""
cleanup() {
  if [[ -n "$service_pid" ]] && kill -0 "$service_pid" 2>/dev/null; then
    kill -TERM "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  "$servers" stop mosquitto "$work/mosquitto" >/dev/null 2>&1 || true
  "$servers" stop mariadb "$work/mariadb" >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

"$servers" start mosquitto "$work/mosquitto" >"$work/servers.log" 2>&1 ||
  { cat "$work/servers.log" >&2; exit 1; }
mqtt_port=$(cat "$work/mosquitto/port")
# As deploy/mosquitto.conf: with mosquitto's default of 1000 queued messages, a service that falls
# more than 1000 telegrams behind a fast publisher loses the rest at the broker.
grep -q '^max_queued_messages' "$work/mosquitto/mosquitto.conf" ||
  say "warning: the test broker keeps mosquitto's max_queued_messages 1000: expect drops"

topic=e2e/$$/smartmeter
cat >"$work/server.env" <<EOF
SMARTMETER_KEY=36C66639E48A8CA4D6BC8B282A793BBB
MQTT_HOST=127.0.0.1
MQTT_PORT=$mqtt_port
MQTT_CLIENT_ID=smartmeter-e2e-$$
SMARTMETER_RAWDATA_MQTT_TOPIC=$topic
SMARTMETER_VALUES_MQTT_TOPIC=$topic/values
SMARTMETER_STATUS_MQTT_TOPIC=$topic/status
SMARTMETER_DATA_DIR=$work/data
SMARTMETER_BATCH_MAX_ROWS=500
EOF

if [[ "$backend" == mariadb ]]; then
  "$servers" start mariadb "$work/mariadb" >>"$work/servers.log" 2>&1 ||
    { cat "$work/servers.log" >&2; exit 1; }
  db_port=$(cat "$work/mariadb/port")
  cat >>"$work/server.env" <<EOF
DB_HOST=127.0.0.1
DB_PORT=$db_port
DB_USER=smartmeter
DB_PASSWORD=smartmeter-test
SMARTMETER_DB_SCHEMA=e2e
EOF
  sql() {
    mariadb --no-defaults -h127.0.0.1 -P"$db_port" -usmartmeter -psmartmeter-test -N -B -e "$1" \
      2>/dev/null
  }
  history=e2e.history
else
  sql() { sqlite3 -cmd ".timeout 5000" "$work/data/smartmeter.db" "$1" 2>/dev/null; }
  history=history
fi
chmod 600 "$work/server.env"

say "starting smartmeter run ($backend), broker 127.0.0.1:$mqtt_port"
"$smartmeter" run --env "$work/server.env" >"$work/service.log" 2>&1 &
service_pid=$!
# Subscribed once its retained "online" is on the status topic.
for _ in $(seq 1 100); do
  status=$(timeout 1 mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t "$topic/status" -C 1 \
    2>/dev/null || true)
  [[ "$status" == online ]] && break
  kill -0 "$service_pid" 2>/dev/null || { cat "$work/service.log" >&2; exit 1; }
  sleep 0.1
done
[[ "$status" == online ]] || { say "the service did not come online"; cat "$work/service.log" >&2; exit 1; }
# The tables exist once the writer has opened the store.
for _ in $(seq 1 100); do
  [[ -n "$(sql "SELECT COUNT(*) FROM $history")" ]] && break
  sleep 0.1
done

say "publishing $count telegrams from $meters meters (rate ${rate:-0}/s, 0 = max)"
"$publisher" --port "$mqtt_port" --topic "$topic" --count "$count" --meters "$meters" \
  --rate "$rate" --window "$window" --client-id "e2e-publisher-$$" >"$work/publisher.out" &
publisher_pid=$!

rows=0
last_rows=-1
last_progress=$(now_ms)
done_ms=0
while :; do
  rows=$(sql "SELECT COUNT(*) FROM $history" || echo "$rows")
  rows=${rows:-0}
  t=$(now_ms)
  if ((rows >= count)); then
    done_ms=$t
    break
  fi
  if ((rows != last_rows)); then
    last_rows=$rows
    last_progress=$t
  elif ((t - last_progress > stall_s * 1000)) && ! kill -0 "$publisher_pid" 2>/dev/null; then
    say "no progress for ${stall_s}s at $rows rows: giving up"
    break
  fi
  sleep 0.05
done
wait "$publisher_pid" || say "load_publisher failed"
pub=$(cat "$work/publisher.out")
first_ms=$(sed -n 's/.*first_publish_ms=\([0-9]*\).*/\1/p' <<<"$pub")
publish_rate=$(sed -n 's/.*publish_rate=\([0-9]*\).*/\1/p' <<<"$pub")

# The service's own figures, while it still runs.
hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$service_pid/status")
read -r utime stime < <(awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$service_pid/stat")
ticks=$(getconf CLK_TCK)

distinct=$(sql "SELECT COUNT(*) FROM (SELECT DISTINCT meter, frame_counter FROM $history) AS d")
rows=$(sql "SELECT COUNT(*) FROM $history")
dropped=$(grep -c "dropped" "$work/mosquitto/mosquitto.log" 2>/dev/null || true)

kill -TERM "$service_pid"
stop_start=$(now_ms)
wait "$service_pid" && exit_status=0 || exit_status=$?
stop_ms=$(($(now_ms) - stop_start))
service_pid=""

awk -v backend="$backend" -v n="$count" -v meters="$meters" -v first="$first_ms" \
  -v done_ms="$done_ms" -v rows="$rows" -v distinct="$distinct" -v hwm="$hwm_kb" \
  -v ut="$utime" -v st="$stime" -v ticks="$ticks" -v prate="$publish_rate" \
  -v status="$exit_status" -v stop_ms="$stop_ms" -v dropped="$dropped" 'BEGIN {
  printf "backend            %s\n", backend
  printf "telegrams          %d from %d meters\n", n, meters
  if (done_ms > 0) {
    secs = (done_ms - first) / 1000.0
    printf "first publish -> last row stored   %.2f s\n", secs
    printf "sustained rate     %.0f telegrams/s\n", n / secs
  } else {
    printf "sustained rate     n/a (not all rows stored)\n"
  }
  printf "publisher alone    %s telegrams/s (QoS 1, acknowledged by the broker)\n", prate
  printf "service peak RSS   %.1f MiB (VmHWM)\n", hwm / 1024.0
  printf "service CPU time   %.2f s user + %.2f s system = %.2f s (%.1f us per telegram)\n",
         ut / ticks, st / ticks, (ut + st) / ticks, (ut + st) / ticks * 1e6 / n
  printf "rows in history    %d, distinct (meter, frame_counter) %d\n", rows, distinct
  printf "COUNT == N         %s\n", (rows == n && distinct == n) ? "yes" : "NO"
  printf "broker drop notes  %d\n", dropped
  printf "SIGTERM            exit %d after %d ms\n", status, stop_ms
}'
