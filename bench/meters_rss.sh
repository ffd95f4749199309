#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What each meter costs a running `smartmeter run` in memory, and how long SIGTERM takes then:
#
#   bench/meters_rss.sh [N ...]          (default: 1 1000 10000 100000)
#
# For each N: a fresh mosquitto (tools/test-servers.sh) and a fresh service (SQLite, HTTP API on
# a free port, SMARTMETER_MAX_METERS=N, Home Assistant discovery on), its VmRSS once it is up
# (the baseline), then load_publisher sends PER_METER telegrams (default 2) from each of N system
# titles; when /api/status counts them all (or no more arrive for 10 s: the table gives what
# arrived), SETTLE_S seconds (default 5) pass and VmRSS is read again. Per meter = (after - baseline) / N. Then SIGTERM, timed to the
# exit. With JUNK=1 the titles' frames use a key the service does not have: none of them may
# become a meter, and the RSS shows what junk titles cost.
#
# Environment: BUILD_DIR (Release build with smartmeter and load_publisher; default
# build/bench-release, configured and built here when missing), PER_METER, SETTLE_S, JUNK,
# HA_DISCOVERY=0 (no Home Assistant discovery), KEEP=1 (keep the temporary directory). Prints one Markdown table.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build/bench-release}
servers=$repo/tools/test-servers.sh
per_meter=${PER_METER:-2}
settle_s=${SETTLE_S:-5}
junk=${JUNK:-0}
counts=("$@")
((${#counts[@]})) || counts=(1 1000 10000 100000)
readonly kKey=36C66639E48A8CA4D6BC8B282A793BBB
readonly kOtherKey=00112233445566778899AABBCCDDEEFF

say() { echo "meters_rss: $*" >&2; }
die() { say "$*"; exit 1; }
for n in "${counts[@]}"; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "not a meter count: $n"; done

if [[ ! -x "$build/smartmeter" || ! -x "$build/bench/load/load_publisher" ]]; then
  say "building smartmeter and load_publisher (Release) in $build"
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETER_BUILD_TESTS=OFF \
    -DMETER_WARNINGS_AS_ERRORS=OFF >/dev/null
  cmake --build "$build" --target smartmeter load_publisher -j "${JOBS:-2}" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/smartmeter-meters-XXXXXX")
service_pid=""
cleanup() {
  if [[ -n "$service_pid" ]] && kill -0 "$service_pid" 2>/dev/null; then
    kill -TERM "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  "$servers" stop mosquitto "$work/mosquitto" >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
status_json() { curl -sf --max-time 10 "http://127.0.0.1:$http_port/api/status"; }

# Waits until `jq -e FILTER` holds for /api/status (or 600 s pass).
wait_status() {
  local filter=$1 deadline=$((SECONDS + 600))
  until status_json | jq -e "$filter" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "the service did not get to: $filter"
    kill -0 "$service_pid" 2>/dev/null || die "the service exited (log: $work/service.log)"
    sleep 0.5
  done
}

echo "| titles | telegrams | frames decrypt | live meters | RSS at start | RSS after | per title | SIGTERM |"
echo "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
for n in "${counts[@]}"; do
  run=$work/run-$n
  mkdir -p "$run"
  "$servers" start mosquitto "$run/mosquitto" >"$run/servers.log" 2>&1 ||
    { cat "$run/servers.log" >&2; exit 1; }
  mqtt_port=$(cat "$run/mosquitto/port")
  topic=meters-rss/$$/$n
  cat >"$run/server.env" <<EOF
SMARTMETER_KEY=$kKey
MQTT_HOST=127.0.0.1
MQTT_PORT=$mqtt_port
MQTT_CLIENT_ID=smartmeter-meters-$$-$n
SMARTMETER_RAWDATA_MQTT_TOPIC=$topic
SMARTMETER_VALUES_MQTT_TOPIC=$topic/values
SMARTMETER_STATUS_MQTT_TOPIC=$topic/status
SMARTMETER_DATA_DIR=$run/data
SMARTMETER_HTTP_LISTEN=127.0.0.1:0
SMARTMETER_MAX_METERS=$n
SMARTMETER_HA_PREFIX=$topic/ha
SMARTMETER_HA_DISCOVERY=${HA_DISCOVERY:-1}
EOF
  chmod 600 "$run/server.env"
  "$build/smartmeter" run --env "$run/server.env" >"$run/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 100); do
    http_port=$(sed -n 's|.*http: dashboard at http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$run/service.log")
    [[ -n "$http_port" ]] && break
    sleep 0.1
  done
  [[ -n "$http_port" ]] || die "no HTTP port in $run/service.log"
  wait_status '.mqtt.connected == true'
  sleep 1
  before=$(rss_kb "$service_pid")

  key=$kKey
  ((junk)) && key=$kOtherKey
  total=$((n * per_meter))
  "$build/bench/load/load_publisher" --port "$mqtt_port" --topic "$topic" --count "$total" \
    --meters "$n" --key "$key" --client-id "meters-rss-pub-$$-$n" >"$run/publisher.log" 2>&1 ||
    { cat "$run/publisher.log" >&2; exit 1; }
  # Until all arrived, or nothing more for 10 s (a broker queue limit may have dropped some).
  received=-1 still=0 deadline=$((SECONDS + 900))
  while ((still < 20 && SECONDS < deadline)); do
    now=$(status_json | jq .telegrams.received) || now=$received
    ((now >= total)) && break
    if ((now == received)); then still=$((still + 1)); else still=0 received=$now; fi
    sleep 0.5
  done
  ((junk)) || wait_status ".meters.live >= 1"
  sleep "$settle_s"
  after=$(rss_kb "$service_pid")
  live=$(status_json | jq .meters.live)
  total=$(status_json | jq .telegrams.received)

  start_ms=$(date +%s%3N)
  kill -TERM "$service_pid"
  wait "$service_pid" || die "the service exited with status $? (log: $run/service.log)"
  stop_ms=$(( $(date +%s%3N) - start_ms ))
  service_pid=""
  "$servers" stop mosquitto "$run/mosquitto" >/dev/null 2>&1 || true

  awk -v n="$n" -v total="$total" -v decrypt="$( ((junk)) && echo no || echo yes)" \
    -v live="$live" -v a="$after" -v b="$before" -v ms="$stop_ms" 'BEGIN {
      printf "| %d | %d | %s | %d | %.1f MB | %.1f MB | %.2f KB | %.2f s |\n",
        n, total, decrypt, live, b / 1024, a / 1024, (a - b) / n, ms / 1000 }'
done
