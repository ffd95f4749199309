#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the three images of deploy/docker-compose.yml (service from the .deb, mosquitto and
# MariaDB from Debian's packages) and tests the all-in-one with podman-compose: a simulated meter
# publishes 5 telegrams, 5 rows appear in MariaDB, the dashboard, /api and /healthz answer, the
# health check passes, the service runs as a non-root user; after `down` and `up` the 5 rows are
# still there and 5 more telegrams give 10. Prints the image sizes and the times.
#   bash tools/test-compose.sh [PACKAGE.deb]    # default: builds it with tools/build-deb.sh
# The compose network as users get it (container names resolve: CNI's dnsname plugin); the ports
# are published on free loopback ports, so it runs beside anything else.
# Needs root, podman, podman-compose, debootstrap and Debian's archive.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/container-lib.sh
source "$root/tools/container-lib.sh"
INSTALL_DEPS_PROFILE=package bash "$root/tools/install-deps.sh"
started=$SECONDS
fail() { echo "test-compose: FAILED: $*" >&2; exit 1; }
check() { local what=$1; shift; if "$@"; then echo "ok   $what"; else fail "$what"; fi; }

arch=$(dpkg --print-architecture)
if [[ -n "${1:-}" && "$(realpath "$1")" != "$root/build/deb/$(basename "$1")" ]]; then
  install -D -m 644 "$1" "$root/build/deb/$(basename "$1")"
elif [[ -z "${1:-}" ]] && ! ls "$root"/build/deb/evn-smartmeter_*_"$arch".deb >/dev/null 2>&1; then
  bash "$root/tools/build-deb.sh"
fi
bash "$root/tools/container-base.sh"

t=$SECONDS
build_image "$root/deploy/Dockerfile" localhost/evn-smartmeter >/tmp/test-compose-build.log 2>&1 ||
  { tail -n 30 /tmp/test-compose-build.log; fail "building deploy/Dockerfile"; }
image_build_s=$((SECONDS - t))
for db in mosquitto mariadb; do
  build_image "$root/deploy/Dockerfile.$db" "localhost/evn-smartmeter-$db" >>/tmp/test-compose-build.log 2>&1 ||
    { tail -n 30 /tmp/test-compose-build.log; fail "building deploy/Dockerfile.$db"; }
done
echo "test-compose: images built in $((SECONDS - t))s (the service's image: ${image_build_s}s)"
for image in evn-smartmeter evn-smartmeter-mosquitto evn-smartmeter-mariadb; do
  printf 'image %-26s %s\n' "$image" "$(podman image inspect --format '{{.Size}}' "localhost/$image" | numfmt --to=si)B"
done
check "the image runs as the user smartmeter" \
  test "$(podman image inspect --format '{{.Config.User}}' localhost/evn-smartmeter)" = smartmeter
check "the image has a health check on /healthz" bash -c \
  "podman image inspect --format '{{json .Config.Healthcheck}}' localhost/evn-smartmeter | grep -q /healthz"

work=$(mktemp -d /tmp/test-compose.XXXXXX)
project="smtest$$"
compose=(podman-compose -p "$project" -f "$root/deploy/docker-compose.yml")
cleanup() {
  "${compose[@]}" down -v >/dev/null 2>&1 || true
  podman volume rm -f "${project}_mosquitto-data" "${project}_mariadb-data" "${project}_smartmeter-data" \
    >/dev/null 2>&1 || true
  podman network rm -f "${project}_default" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# The compose file as a user runs it, on free loopback ports instead of 1883 and 8080.
read -r mqtt_port http_port < <(free_ports 2)
export SMARTMETER_MQTT_PORT=$mqtt_port SMARTMETER_HTTP_PORT=$http_port
# The simulated meter's key as the user's server.env.
"${podman_run[@]}" --rm localhost/evn-smartmeter simulate --seed 7 --host 127.0.0.1 --port 1 2>/dev/null |
  grep '^SMARTMETER_KEYS=' >"$work/server.env" || true
[[ -s "$work/server.env" ]] || fail "simulate printed no SMARTMETER_KEYS line"
export SMARTMETER_SETTINGS="$work/server.env"

rows() {
  podman exec "${project}_mariadb_1" mariadb -usmartmeter -pchange-me -h127.0.0.1 smartmeter -Nse 'select count(*) from history' 2>/dev/null || echo 0
}
wait_rows() {
  local n=0
  for _ in $(seq 60); do
    n=$(rows)
    [[ "$n" -ge "$1" ]] && break
    sleep 1
  done
  echo "$n"
}
# 5 telegrams of meter time $1 (epoch seconds): their frame counters follow from it, and a reading
# with a frame counter already stored is updated, not added.
simulate() {
  "${podman_run[@]}" --rm localhost/evn-smartmeter simulate --host 127.0.0.1 --port "$mqtt_port" \
    --seed 7 --count 5 --interval 0.2 --start "@$1" --quiet >/dev/null
}
up() {
  # podman-compose 1.0.3 exits 0 when a container fails to start: look at the log too.
  if ! "${compose[@]}" up -d >"$work/up.log" 2>&1 || grep -q '^exit code: [1-9]' "$work/up.log"; then
    cat "$work/up.log"
    fail "podman-compose up"
  fi
  wait_http "$http_port" 90 / || { podman logs "${project}_smartmeter_1" | tail -n 20; fail "no dashboard"; }
}

t=$SECONDS
up
echo "test-compose: up and the dashboard answering in $((SECONDS - t))s"
check "the service runs as a non-root user" \
  test "$(podman exec "${project}_smartmeter_1" id -u)" != 0
now=$(date +%s)
simulate "$now"
n=$(wait_rows 5)
check "5 rows in MariaDB (got $n)" test "$n" -eq 5
check "the dashboard answers" bash -c "curl -fsS -o '$work/index.html' http://127.0.0.1:$http_port/ &&
  grep -qi '<html' '$work/index.html'"
check "the API answers" curl -fsS -o /dev/null "http://127.0.0.1:$http_port/api/meters"
check "/healthz answers 200" curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthz"
check "the image's health check passes" podman healthcheck run "${project}_smartmeter_1"

"${compose[@]}" down >"$work/down.log" 2>&1 || { cat "$work/down.log"; fail "podman-compose down"; }
check "down stops the service" bash -c "! curl -fs -o /dev/null http://127.0.0.1:$http_port/"
up
n=$(wait_rows 5)
check "after down and up the 5 rows are still there (got $n)" test "$n" -eq 5
simulate $((now + 3600))
n=$(wait_rows 10)
check "after up again 5 more telegrams give 10 rows (got $n)" test "$n" -eq 10
echo "test-compose: passed in $((SECONDS - started))s"
