#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the service's image (deploy/Dockerfile) for another architecture from that
# architecture's package, on an x86-64 host, and tests it: apt and the package's maintainer
# scripts in the RUN step and the service itself run under qemu-user (binfmt_misc), no ARM CPU.
# Checks the image's architecture, `smartmeter --version`, `uname -m` inside, then runs the
# service against a mosquitto on the host's loopback (host networking): the dashboard answers,
# 5 simulated telegrams are stored, /healthz and the image's health check answer, the service runs
# as the user smartmeter, and it stops with status 0. Prints the image's size.
#   bash tools/test-image-arch.sh [arm64|armhf]     # default arm64
# The package is build/deb/evn-smartmeter_<version>_<arch>.deb (the Dockerfile's COPY takes it
# from there): bash tools/build-deb.sh --arch arm64. The base image comes from
# tools/container-base.sh --arch (Debian's archive, no Docker Hub). The image is
# localhost/evn-smartmeter:<arch>; a second run reuses the build cache.
# Needs root, podman, debootstrap, qemu-user-static, mosquitto and curl on the host.
# Environment: WAIT_FACTOR (default 4) stretches the waits for the emulated service.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/container-lib.sh
source "$root/tools/container-lib.sh"
started=$SECONDS
fail() { echo "test-image-arch: FAILED: $*" >&2; exit 1; }
check() { local what=$1; shift; if "$@"; then echo "ok   $what"; else fail "$what"; fi; }

arch=${1:-arm64}
case "$arch" in
  arm64) machine=aarch64 ;;
  armhf) machine=armv7l ;;
  *) echo "test-image-arch: usage: bash tools/test-image-arch.sh [arm64|armhf]" >&2; exit 2 ;;
esac
[[ "$arch" != "$host_arch" ]] || fail "$arch is this machine's architecture; test-compose.sh tests that image"
for tool in podman mosquitto curl; do
  command -v "$tool" >/dev/null || fail "$tool not found; apt-get install podman mosquitto curl"
done
# The Dockerfile installs every build/deb/evn-smartmeter_*_<arch>.deb: exactly one must be there.
mapfile -t debs < <(compgen -G "$root/build/deb/evn-smartmeter_*_$arch.deb" || true)
((${#debs[@]} > 0)) || fail "no build/deb/evn-smartmeter_*_$arch.deb; bash tools/build-deb.sh --build-dir build/$arch"
((${#debs[@]} == 1)) || fail "several $arch packages in build/deb (${debs[*]##*/}); keep one"
[[ "$(dpkg-deb -f "${debs[0]}" Architecture)" == "$arch" ]] || fail "${debs[0]} is not an $arch package"
ensure_binfmt "$arch"
set_platform "$arch"
base=$(base_image "$arch")
bash "$root/tools/container-base.sh" --arch "$arch"
wait_factor=${WAIT_FACTOR:-4}
tag=localhost/evn-smartmeter:$arch

echo "test-image-arch: building $tag from ${debs[0]##*/} on $base"
t=$SECONDS
log=$(mktemp "${TMPDIR:-/tmp}/test-image-arch.XXXXXX")
box="smartmeter-image-test-$arch-$$"
mosquitto_pid=""
cleanup() {
  podman rm -f "$box" >/dev/null 2>&1 || true
  [[ -z "$mosquitto_pid" ]] || kill "$mosquitto_pid" 2>/dev/null || true
  rm -f "$log" "$log.conf"
}
trap cleanup EXIT
nice -n "${NICE:-15}" podman build --isolation chroot --format docker --platform "$oci_platform" \
  --build-arg TARGETARCH="$arch" --build-arg BASE="$base" -f "$root/deploy/Dockerfile" -t "$tag" \
  "$root" >"$log" 2>&1 || { tail -n 30 "$log" >&2; fail "podman build"; }
echo "test-image-arch: built in $((SECONDS - t))s"

check "image architecture $arch" \
  test "$(podman image inspect --format '{{.Architecture}}' "$tag")" = "${platform[1]}"
check "the image has a health check on /healthz" bash -c \
  "podman image inspect --format '{{json .Config.Healthcheck}}' '$tag' | grep -q /healthz"
# One-off runs without the health check (podman would try to start a systemd timer for it).
once=("${podman_run[@]}" "${platform[@]}" --rm --no-healthcheck)
version=$("${once[@]}" "$tag" --version)
check "smartmeter --version ($version)" grep -q '^smartmeter [0-9]' <<<"$version"
check "uname -m is $machine inside" \
  test "$("${once[@]}" --entrypoint uname "$tag" -m)" = "$machine"

# The service: its settings from the environment as with compose, the broker on the host's
# loopback. Listening on loopback, it needs no password. Without systemd on the host podman
# cannot run the health check on a timer (it says so on stderr); `podman healthcheck run` below
# runs it.
read -r mqtt_port http_port < <(free_ports 2)
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$mqtt_port" >"$log.conf"
mosquitto -c "$log.conf" >/dev/null 2>&1 &
mosquitto_pid=$!
keys=$("${once[@]}" "$tag" simulate --seed 7 --host 127.0.0.1 --port 1 2>/dev/null |
  grep '^SMARTMETER_KEYS=' || true)
[[ -n "$keys" ]] || fail "simulate printed no SMARTMETER_KEYS line"
t=$SECONDS
"${podman_run[@]}" "${platform[@]}" -d --name "$box" -e "$keys" -e MQTT_HOST=127.0.0.1 \
  -e MQTT_PORT="$mqtt_port" -e SMARTMETER_HTTP_LISTEN="127.0.0.1:$http_port" "$tag" >/dev/null \
  2>"$log" || { cat "$log" >&2; fail "podman run"; }
wait_http "$http_port" $((30 * wait_factor)) / || { podman logs "$box" | tail -n 20; fail "no dashboard"; }
echo "test-image-arch: the emulated service answered after $((SECONDS - t))s"
check "the service runs as the user smartmeter" \
  test "$(podman exec "$box" stat -c %U /proc/1)" = smartmeter
check "not as root" test "$(podman exec "$box" id -u)" != 0
podman exec "$box" smartmeter simulate --seed 7 --host 127.0.0.1 --port "$mqtt_port" --count 5 \
  --interval 0.2 --quiet >/dev/null
stored() {
  curl -fsS "http://127.0.0.1:$http_port/api/status" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["database"]["stored_readings"])' 2>/dev/null ||
    echo 0
}
rows=0
for _ in $(seq $((30 * wait_factor))); do
  rows=$(stored)
  [[ "$rows" -ge 5 ]] && break
  sleep 1
done
check "5 readings stored (got $rows)" test "$rows" -eq 5
check "/healthz 200" curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthz"
check "the image's health check passes" podman healthcheck run "$box"
podman stop -t $((10 * wait_factor)) "$box" >/dev/null 2>"$log" || { cat "$log" >&2; fail "podman stop"; }
check "stops with status 0" test "$(podman inspect --format '{{.State.ExitCode}}' "$box")" = 0
size=$(podman image inspect --format '{{.Size}}' "$tag")
base_size=$(podman image inspect --format '{{.Size}}' "$base")
echo "test-image-arch: $tag is $(numfmt --to=si "$size")B (its base $base $(numfmt --to=si "$base_size")B)"
echo "test-image-arch: passed in $((SECONDS - started))s"
