#!/usr/bin/env bash
# Quick start: install what is needed, build, and run the decoder service on the embedded
# defaults (SQLite in ./data, a local mosquitto on 127.0.0.1:1883 when none is configured), with
# the dashboard on http://127.0.0.1:8080/. Ctrl-C stops everything this script started.
#
# With ./server.env present its settings are used (your key, broker, database) and your meter
# feeds the service. Without it a simulated meter (`smartmeter simulate`) feeds it: on the first
# start (no database yet) the last 48 hours first, fast (one telegram per minute of meter time),
# so that the charts, the statistics and the peak have something to show, then a telegram every
# 5 seconds; the service gets the meter's key.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Installing dependencies (Debian packages)"
INSTALL_DEPS_PROFILE=run bash tools/install-deps.sh

echo "==> Building build/smartmeter"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETER_WARNINGS_AS_ERRORS=OFF -DMETER_BUILD_TESTS=OFF \
  -DMETER_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target smartmeter

mkdir -p data
# A first start: no database yet, so the simulated meter backfills the last 48 hours.
first_start=0
[[ -s data/smartmeter.db ]] || first_start=1
demo=0
env_file=server.env
if [[ ! -f server.env ]]; then
  demo=1
  env_file=data/quickstart.env
  echo "==> No server.env: a simulated meter will feed the service ($env_file)"
fi

pids=()
# Stops what was started, newest first: the service drains before its broker goes away.
cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

mqtt_host=$(grep -E '^MQTT_HOST=' "$env_file" 2>/dev/null | tail -n1 | cut -d= -f2- | tr -d '"' || true)
mqtt_port=$(grep -E '^MQTT_PORT=' "$env_file" 2>/dev/null | tail -n1 | cut -d= -f2- | tr -d '"' || true)
mqtt_host=${MQTT_HOST:-${mqtt_host:-localhost}}
mqtt_port=${MQTT_PORT:-${mqtt_port:-1883}}
if [[ "$mqtt_host" == localhost || "$mqtt_host" == 127.0.0.1 ]] &&
  ! mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t '$SYS/#' -C 1 -W 1 >/dev/null 2>&1; then
  echo "==> Starting a local mosquitto on 127.0.0.1:${mqtt_port} (data in data/mosquitto)"
  mkdir -p data/mosquitto
  cat >data/mosquitto/mosquitto.conf <<CONF
listener ${mqtt_port} 127.0.0.1
allow_anonymous true
max_queued_messages 100000
persistence true
persistence_location $(pwd)/data/mosquitto/
CONF
  mosquitto -c data/mosquitto/mosquitto.conf >data/mosquitto/mosquitto.log 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do
    mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t '$SYS/#' -C 1 -W 1 >/dev/null 2>&1 && break
    sleep 0.2
  done
fi

if [[ $demo == 1 ]]; then
  # The simulated meter's key (the same seed gives the same meter); the service is started with it.
  rm -f data/simulate.log
  keys=$(build/smartmeter simulate --print-keys | grep -m1 '^SMARTMETER_KEYS=' || true)
  if [[ -z "$keys" ]]; then
    echo "quickstart: smartmeter simulate --print-keys printed no key" >&2
    exit 1
  fi
  umask 077
  cat >"$env_file" <<ENV
# Written by tools/quickstart.sh for the simulated meter (smartmeter simulate, seed 1).
# Copy deploy/server.env.example to ./server.env with your own key to read your meter.
SMARTMETER_KEY=000102030405060708090A0B0C0D0E0F
${keys}
MQTT_HOST=127.0.0.1
MQTT_PORT=${mqtt_port}
ENV
  echo "==> Simulated meter: $(build/smartmeter simulate --print-keys | head -n1)"
fi

http_listen=$(grep -E '^SMARTMETER_HTTP_LISTEN=' "$env_file" 2>/dev/null | tail -n1 | cut -d= -f2- |
  tr -d '"' || true)
http_listen=${SMARTMETER_HTTP_LISTEN:-${http_listen:-127.0.0.1:8080}}
if [[ "$http_listen" != off ]]; then
  (
    for _ in $(seq 100); do
      # Any HTTP answer (200 healthy, 503 while the first telegram is awaited) will do.
      if python3 - "http://${http_listen}/healthz" 2>/dev/null <<'PY'; then
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass
PY
        if [[ $demo == 1 && $first_start == 1 ]]; then
          # The dashboard is worth opening once the two days are in.
          for _ in $(seq 1200); do
            grep -q '^backfilled' data/simulate.log 2>/dev/null && break
            sleep 0.1
          done
        fi
        echo
        echo "==> Dashboard: http://${http_listen}/   (API: /api/status, metrics: /metrics)"
        echo "==> Data: data/smartmeter.db (sqlite3 data/smartmeter.db 'SELECT * FROM history')"
        echo "==> Ctrl-C stops everything this script started."
        exit 0
      fi
      sleep 0.2
    done
  ) &
  pids+=($!)
fi

echo "==> Starting the service: build/smartmeter run --env $env_file"
status_topic=sensors/smartmeter/status
if [[ $demo == 1 ]]; then
  # A stale retained "online" of an earlier run must not pass for this one's subscription.
  mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t "$status_topic" -r -n 2>/dev/null || true
fi
build/smartmeter run --env "$env_file" &
service=$!
pids+=("$service")

if [[ $demo == 1 ]]; then
  # The simulator starts once the service is subscribed (its retained "online"): a telegram
  # published before that would be lost.
  online=""
  for _ in $(seq 150); do
    online=$(mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t "$status_topic" -C 1 -W 1 2>/dev/null || true)
    [[ "$online" == online ]] && break
    kill -0 "$service" 2>/dev/null || break
    sleep 0.2
  done
  if [[ "$online" != online ]]; then
    echo "quickstart: the service did not come online (its log is above)" >&2
    exit 1
  fi
  simulate=(build/smartmeter simulate --host 127.0.0.1 --port "$mqtt_port")
  if [[ $first_start == 1 ]]; then
    echo "==> First start: backfilling the last 48 hours of simulated telegrams (one per minute, 2880)"
    echo "    so that the charts, the statistics and the peak have two days of history; then live"
    echo "    telegrams every 5 s"
    simulate+=(--backfill 48)
  fi
  "${simulate[@]}" >data/simulate.log 2>&1 &
  pids+=($!)
  if [[ $first_start == 1 ]]; then
    for _ in $(seq 1200); do
      grep -q '^backfilled' data/simulate.log 2>/dev/null && break
      kill -0 "${pids[-1]}" 2>/dev/null || break
      sleep 0.1
    done
    if line=$(grep -m1 '^backfilled' data/simulate.log); then
      echo "==> Simulator: $line"
    else
      cat data/simulate.log >&2
      echo "quickstart: the backfill did not finish (simulator log above)" >&2
      exit 1
    fi
  fi
fi
wait "$service"
