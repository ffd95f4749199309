#!/usr/bin/env bash
# Quick start: install what is needed, build, and run the decoder service on the embedded
# defaults (SQLite in ./data, a local mosquitto on 127.0.0.1:1883 when none is configured).
# Ctrl-C stops everything this script started.
#
# With ./server.env present its settings are used (your key, broker, database). Without it the
# service runs with a demo key and a simulated telegram is published once so you see it work.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Installing dependencies (Debian packages)"
bash tools/install-deps.sh

echo "==> Building build/smartmeter"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETER_BUILD_TESTS=OFF \
  -DMETER_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target smartmeter

mkdir -p data
demo=0
env_file=server.env
if [[ ! -f server.env ]]; then
  demo=1
  env_file=data/quickstart.env
  cat >"$env_file" <<'ENV'
# Written by tools/quickstart.sh: the demo key of examples/sample-telegram.hex.
# Copy deploy/server.env.example to ./server.env with your own key to read your meter.
SMARTMETER_KEY=000102030405060708090A0B0C0D0E0F
ENV
  chmod 600 "$env_file"
  echo "==> No server.env: using the demo key ($env_file)"
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
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
  (
    sleep 3
    echo "==> Publishing examples/sample-telegram.hex to sensors/smartmeter; values:"
    mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t sensors/smartmeter/values -C 1 -W 10 &
    sub=$!
    sleep 0.5
    mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -q 1 -t sensors/smartmeter \
      -f examples/sample-telegram.hex
    wait "$sub" || true
    sleep 1
    echo "==> Stored in data/smartmeter.db:"
    sqlite3 -header -column data/smartmeter.db \
      'SELECT timestamp, meter, WIn, PIn, U1, I1, PF FROM history ORDER BY id DESC LIMIT 1' || true
    echo "==> The service keeps running; Ctrl-C stops it."
  ) &
  pids+=($!)
fi

echo "==> Starting the service: build/smartmeter run --env $env_file"
build/smartmeter run --env "$env_file" &
service=$!
pids+=("$service")
wait "$service"
