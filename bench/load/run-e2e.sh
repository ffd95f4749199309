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
# While the load runs it samples CPU and RSS of the service, mosquitto, mariadbd and the
# publisher from /proc, and it gives the latency per telegram from its publish to (a) the
# service's receive time stored in its row and (b) the first database poll that saw its row.
# The last result line, `e2e-result key=value ...`, is for scripts (bench/run-all.sh).
#
# Environment:
#   BUILD_DIR  Release build directory (default build/load-release; configured and built
#              here when smartmeter or load_publisher is missing there)
#   METERS     distinct meters (default 10)      RATE    telegrams/s, 0 = as fast as acked (0)
#   WINDOW     publisher's unacknowledged max (1000)
#   STALL_S    give up when no row was stored for this long (60)
#   INSTANCES  service instances (default 1); more than 1 (mariadb only) subscribe as one MQTT
#              shared subscription, each with its own client id and data dir, and write into
#              the same database
#   SHARE_VIA  with INSTANCES > 1: `variable` (default) sets SMARTMETER_SHARED_SUBSCRIPTION;
#              `topic` puts `$share/<group>/<topic>` into SMARTMETER_RAWDATA_MQTT_TOPIC instead
#   POLL_MS    database poll interval in ms (default 50)
#   TEST_SERVERS  the servers script (default tools/test-servers.sh)
#   KEEP=1     keep the temporary directory (service log, server logs, samples)
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
instances=${INSTANCES:-1}
share_via=${SHARE_VIA:-variable}
poll_s=$(awk -v ms="${POLL_MS:-50}" 'BEGIN { printf "%.3f", ms / 1000 }')
stats=(python3 "$repo/bench/load/e2e_stats.py")
if [[ ! "$instances" =~ ^[1-9]$ ]] || { ((instances > 1)) && [[ "$backend" != mariadb ]]; }; then
  echo "INSTANCES must be 1..9, and more than 1 needs mariadb (one shared database)" >&2
  exit 2
fi

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
service_pids=()
sampler_pid=""
cleanup() {
  if [[ -n "$sampler_pid" ]]; then kill -TERM "$sampler_pid" 2>/dev/null || true; fi
  for pid in "${service_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
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
group=smartmeter
# The env file of instance $1: its own client id, status topic and data dir (journal).
instance_env() {
  local raw=$topic
  if ((instances > 1)) && [[ "$share_via" == topic ]]; then raw="\$share/$group/$topic"; fi
  cat <<EOF
SMARTMETER_KEY=36C66639E48A8CA4D6BC8B282A793BBB
MQTT_HOST=127.0.0.1
MQTT_PORT=$mqtt_port
MQTT_CLIENT_ID=smartmeter-e2e-$$-$1
SMARTMETER_RAWDATA_MQTT_TOPIC=$raw
SMARTMETER_VALUES_MQTT_TOPIC=$topic/values
SMARTMETER_STATUS_MQTT_TOPIC=$topic/status-$1
SMARTMETER_DATA_DIR=$work/data-$1
SMARTMETER_BATCH_MAX_ROWS=500
SMARTMETER_MAX_METERS=$((meters > 100 ? meters : 100))
EOF
  if ((instances > 1)) && [[ "$share_via" != topic ]]; then
    echo "SMARTMETER_SHARED_SUBSCRIPTION=$group"
  fi
  if [[ "$backend" == mariadb ]]; then
    cat <<EOF
DB_HOST=127.0.0.1
DB_PORT=$db_port
DB_USER=smartmeter
DB_PASSWORD=smartmeter-test
SMARTMETER_DB_SCHEMA=e2e
EOF
  fi
}

if [[ "$backend" == mariadb ]]; then
  "$servers" start mariadb "$work/mariadb" >>"$work/servers.log" 2>&1 ||
    { cat "$work/servers.log" >&2; exit 1; }
  db_port=$(cat "$work/mariadb/port")
  sql() {
    mariadb --no-defaults -h127.0.0.1 -P"$db_port" -usmartmeter -psmartmeter-test -N -B -e "$1" \
      2>/dev/null
  }
  history=e2e.history
else
  sql() { sqlite3 -separator " " -cmd ".timeout 5000" "$work/data-1/smartmeter.db" "$1" 2>/dev/null; }
  history=history
fi

for i in $(seq 1 "$instances"); do
  instance_env "$i" >"$work/server-$i.env"
  chmod 600 "$work/server-$i.env"
  say "starting smartmeter run #$i ($backend), broker 127.0.0.1:$mqtt_port"
  "$smartmeter" run --env "$work/server-$i.env" >"$work/service-$i.log" 2>&1 &
  service_pids+=($!)
done
# Each instance is subscribed once its retained "online" is on its status topic.
for i in $(seq 1 "$instances"); do
  pid=${service_pids[$((i - 1))]}
  status=""
  for _ in $(seq 1 100); do
    status=$(timeout 1 mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t "$topic/status-$i" -C 1 \
      2>/dev/null || true)
    [[ "$status" == online ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/service-$i.log" >&2; exit 1; }
    sleep 0.1
  done
  [[ "$status" == online ]] ||
    { say "service #$i did not come online"; cat "$work/service-$i.log" >&2; exit 1; }
done
# The tables exist once the writer has opened the store.
for _ in $(seq 1 100); do
  [[ -n "$(sql "SELECT COUNT(*) FROM $history")" ]] && break
  sleep 0.1
done

say "publishing $count telegrams from $meters meters (rate ${rate:-0}/s, 0 = max)"
"$publisher" --port "$mqtt_port" --topic "$topic" --count "$count" --meters "$meters" \
  --rate "$rate" --window "$window" --client-id "e2e-publisher-$$" --times "$work/times.txt" \
  >"$work/publisher.out" &
publisher_pid=$!
targets=("publisher=$publisher_pid" "mosquitto=$(cat "$work/mosquitto/mosquitto.pid")")
[[ "$backend" == mariadb ]] && targets+=("mariadbd=$(cat "$work/mariadb/mysqld.pid")")
for i in $(seq 1 "$instances"); do targets+=("smartmeter-$i=${service_pids[$((i - 1))]}"); done
"${stats[@]}" sample --out "$work/samples.txt" "${targets[@]}" &
sampler_pid=$!

rows=0
last_rows=-1
last_progress=$(now_ms)
done_ms=0
while :; do
  # One poll: COUNT for the end condition, MAX(id) for the latency (ids grow in commit order
  # with one writer). The time is taken after the answer: an upper bound for "stored".
  polled=$(sql "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM $history" || true)
  t=$(now_ms)
  if [[ "$polled" =~ ^([0-9]+)[[:space:]]+([0-9]+)$ ]]; then
    rows=${BASH_REMATCH[1]}
    echo "$t ${BASH_REMATCH[2]}" >>"$work/polls.txt"
  fi
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
  sleep "$poll_s"
done
wait "$publisher_pid" || say "load_publisher failed"
pub=$(cat "$work/publisher.out")
first_ms=$(sed -n 's/.*first_publish_ms=\([0-9]*\).*/\1/p' <<<"$pub")
publish_rate=$(sed -n 's/.*publish_rate=\([0-9]*\).*/\1/p' <<<"$pub")

# The services' own figures, while they still run.
hwm_kb=0
utime=0
stime=0
for pid in "${service_pids[@]}"; do
  kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  ((kb > hwm_kb)) && hwm_kb=$kb
  read -r ut st < <(awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$pid/stat")
  utime=$((utime + ut))
  stime=$((stime + st))
done
ticks=$(getconf CLK_TCK)
kill -TERM "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""

distinct=$(sql "SELECT COUNT(*) FROM (SELECT DISTINCT meter, frame_counter FROM $history) AS d")
rows=$(sql "SELECT COUNT(*) FROM $history")
sql "SELECT id, meter, frame_counter, received_at FROM $history" >"$work/rows.txt" || true
dropped=$(grep -c "dropped" "$work/mosquitto/mosquitto.log" 2>/dev/null || true)

exit_status=0
stop_start=$(now_ms)
for pid in "${service_pids[@]}"; do kill -TERM "$pid"; done
for pid in "${service_pids[@]}"; do wait "$pid" || exit_status=$?; done
stop_ms=$(($(now_ms) - stop_start))
service_pids=()
# How the stream was split: telegrams each instance received (from its final stats line).
split=""
for i in $(seq 1 "$instances"); do
  got=$(sed -n 's/.*stopped: received \([0-9]*\),.*/\1/p' "$work/service-$i.log" | tail -1)
  split+="${split:+,}${got:-?}"
done

awk -v backend="$backend" -v n="$count" -v meters="$meters" -v first="$first_ms" \
  -v done_ms="$done_ms" -v rows="$rows" -v distinct="$distinct" -v hwm="$hwm_kb" \
  -v ut="$utime" -v st="$stime" -v ticks="$ticks" -v prate="$publish_rate" \
  -v status="$exit_status" -v stop_ms="$stop_ms" -v dropped="$dropped" \
  -v instances="$instances" -v parts="$split" -v rate="$rate" 'BEGIN {
  printf "backend            %s, %d service instance(s)\n", backend, instances
  printf "telegrams          %d from %d meters, publisher rate %s/s (0 = as fast as acked)\n",
         n, meters, rate
  sustained = 0
  if (done_ms > 0) {
    secs = (done_ms - first) / 1000.0
    sustained = n / secs
    printf "first publish -> last row stored   %.2f s\n", secs
    printf "sustained rate     %.0f telegrams/s\n", sustained
  } else {
    printf "sustained rate     n/a (not all rows stored)\n"
  }
  printf "publisher alone    %s telegrams/s (QoS 1, acknowledged by the broker)\n", prate
  printf "service peak RSS   %.1f MiB (VmHWM, largest instance)\n", hwm / 1024.0
  printf "service CPU time   %.2f s user + %.2f s system = %.2f s (%.1f us per telegram)\n",
         ut / ticks, st / ticks, (ut + st) / ticks, (ut + st) / ticks * 1e6 / n
  if (instances > 1) printf "received per instance  %s\n", parts
  printf "rows in history    %d, distinct (meter, frame_counter) %d\n", rows, distinct
  ok = (rows == n && distinct == n) ? "yes" : "NO"
  printf "COUNT == N         %s\n", ok
  printf "broker drop notes  %d\n", dropped
  printf "SIGTERM            exit %d after %d ms\n", status, stop_ms
  printf "e2e-result backend=%s n=%d meters=%d instances=%d rate=%s sustained=%.0f ", backend,
         n, meters, instances, rate, sustained
  printf "publisher=%s rss_mib=%.1f cpu_s=%.2f us_per_telegram=%.1f rows=%d distinct=%d ",
         prate, hwm / 1024.0, (ut + st) / ticks, (ut + st) / ticks * 1e6 / n, rows, distinct
  printf "ok=%s dropped=%d split=%s\n", ok, dropped, parts
}'
end_ms=$done_ms
((end_ms > 0)) || end_ms=$(now_ms)
"${stats[@]}" cpu --samples "$work/samples.txt" --from "$first_ms" --to "$end_ms" || true
if ((instances == 1)); then
  "${stats[@]}" latency --times "$work/times.txt" --meters "$meters" --rows "$work/rows.txt" \
    --polls "$work/polls.txt" || true
fi
