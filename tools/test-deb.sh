#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests the Debian package in a clean Debian 12 container: `dpkg -i`, then `apt-get -f install`
# from the archive; the user, the conffile's and the data directory's owners and modes, the man
# page, `smartmeter run --print-config`; a short end-to-end run (mosquitto from the archive,
# `smartmeter simulate` publishing 5 telegrams, 5 readings in SQLite, the dashboard answering);
# purge keeping the data, and purge with SMARTMETER_PURGE_DATA=yes removing it. Then the same
# package under systemd (in a container whose init is systemd): the hardened unit is enabled at
# install, not started without a key, runs as its user once the key is set, stores readings and
# stops with status 0.
#   bash tools/test-deb.sh [PACKAGE.deb]      # default: builds it with tools/build-deb.sh
# A package of another architecture (arm64, armhf: tools/build-deb.sh --arch arm64) is
# tested the same way in a container of its architecture (tools/container-base.sh --arch), where
# apt, the maintainer scripts and the service run under qemu-user (binfmt_misc); the waits are
# longer there (WAIT_FACTOR, default 4). systemd runs as init under qemu-user too, so the systemd
# part is the same; it boots "degraded" there (systemd-sysusers and systemd-tmpfiles-setup cannot
# set up their credentials under qemu-user), which the service does not need.
# Needs root, podman, debootstrap and Debian's archive (the base image: tools/container-base.sh);
# qemu-user-static for another architecture.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/container-lib.sh
source "$root/tools/container-lib.sh"
INSTALL_DEPS_PROFILE=package bash "$root/tools/install-deps.sh"
started=$SECONDS

deb=${1:-}
if [[ -z "$deb" ]]; then
  bash "$root/tools/build-deb.sh"
  deb=$(ls -t "$root"/build/deb/evn-smartmeter_*_"$(dpkg --print-architecture)".deb | head -n 1)
fi
deb=$(realpath "$deb")
arch=$(dpkg-deb -f "$deb" Architecture)
set_platform "$arch"
image=$(base_image "$arch")
wait_factor=1 systemd_tag=localhost/evn-smartmeter-systemd-test run_platform=()
if [[ "$arch" != "$host_arch" ]]; then
  ensure_binfmt "$arch"
  # Emulated, the service and apt are several times slower.
  wait_factor=${WAIT_FACTOR:-4} systemd_tag+="-$arch" run_platform=("${platform[@]}")
fi
bash "$root/tools/container-base.sh" --arch "$arch"
read -r mqtt_port http_port < <(free_ports 2)

echo "test-deb: installing $(basename "$deb") into a clean $image"
# The checks run inside the container (stdin, -i); its last line tells that all of them ran.
result=$("${podman_run[@]}" "${run_platform[@]}" --rm -i -v "$deb:/tmp/$(basename "$deb"):ro" \
  -e DEB="/tmp/$(basename "$deb")" -e TEST_MQTT_PORT="$mqtt_port" -e TEST_HTTP_PORT="$http_port" \
  -e TEST_ARCH="$arch" -e WAIT_FACTOR="$wait_factor" \
  "$image" bash -euo pipefail -s <<'IN_CONTAINER'
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }
check() { local what=$1; shift; if "$@"; then echo "ok   $what"; else fail "$what"; fi; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# dpkg -i alone fails on the missing libraries; apt-get -f install brings them from the archive.
dpkg -i "$DEB" >/tmp/dpkg.log 2>&1 || grep -q 'dependency problems' /tmp/dpkg.log ||
  { cat /tmp/dpkg.log; fail "dpkg -i"; }
apt-get -f install -y -qq --no-install-recommends >/tmp/apt.log 2>&1 || { tail /tmp/apt.log; fail "apt-get -f install"; }
check "package installed" test "$(dpkg-query -W -f='${db:Status-Status}' evn-smartmeter)" = installed
check "system user smartmeter" bash -c 'getent passwd smartmeter >/dev/null'
check "user smartmeter has no login shell" \
  test "$(getent passwd smartmeter | cut -d: -f7)" = /usr/sbin/nologin
check "server.env: root:smartmeter 640" test "$(stat -c '%U:%G %a' /etc/smartmeter/server.env)" = "root:smartmeter 640"
check "server.env is a conffile" grep -qx /etc/smartmeter/server.env /var/lib/dpkg/info/evn-smartmeter.conffiles
check "data dir: smartmeter:smartmeter 750" test "$(stat -c '%U:%G %a' /var/lib/smartmeter)" = "smartmeter:smartmeter 750"
check "systemd unit" grep -q '^ExecStart=/usr/bin/smartmeter run --env /etc/smartmeter/server.env' \
  /lib/systemd/system/smartmeter.service
check "man page lists every command" bash -c 'for c in decode run replay simulate stats; do
  zcat /usr/share/man/man1/smartmeter.1.gz | grep -q "^\.SS \"smartmeter $c\"" || exit 1; done'
check "version" bash -c 'smartmeter --version | grep -q "^smartmeter [0-9]"'
check "container architecture $TEST_ARCH" test "$(dpkg --print-architecture)" = "$TEST_ARCH"

# The settings as the service sees them: the simulated meter's key in the package's server.env.
keys=$(smartmeter simulate --seed 7 --host 127.0.0.1 --port 1 2>/dev/null | grep '^SMARTMETER_KEYS=' || true)
[[ -n "$keys" ]] || fail "simulate printed no SMARTMETER_KEYS line"
sed -i "s/^SMARTMETER_KEY=.*/${keys//\//\\/}/; s/^MQTT_PORT=.*/MQTT_PORT=$TEST_MQTT_PORT/" /etc/smartmeter/server.env
# As the service runs: its user and groups, its data directory (setpriv and env exec, so that
# $! is the service itself and SIGTERM reaches it).
as_service=(setpriv --reuid smartmeter --regid smartmeter --init-groups env
  SMARTMETER_DATA_DIR=/var/lib/smartmeter SMARTMETER_HTTP_LISTEN="127.0.0.1:$TEST_HTTP_PORT")
cd /var/lib/smartmeter
"${as_service[@]}" smartmeter run --env /etc/smartmeter/server.env --print-config >/tmp/config.txt
check "--print-config: the port from server.env" grep -q "^MQTT_PORT=$TEST_MQTT_PORT  # .*server.env line" /tmp/config.txt
check "--print-config: the data directory" grep -q '^SMARTMETER_DATA_DIR=/var/lib/smartmeter' /tmp/config.txt
check "--print-config: no key" bash -c "! grep -qi '${keys#*=}' /tmp/config.txt"

# End to end: broker from the archive, the service as its user, 5 simulated telegrams.
apt-get install -y -qq --no-install-recommends mosquitto sqlite3 curl >/tmp/apt2.log 2>&1 ||
  { tail /tmp/apt2.log; fail "installing mosquitto"; }
mosquitto -p "$TEST_MQTT_PORT" >/tmp/mosquitto.log 2>&1 &
"${as_service[@]}" smartmeter run --env /etc/smartmeter/server.env >/tmp/run.log 2>&1 &
run_pid=$!
for _ in $(seq $((30 * WAIT_FACTOR))); do curl -fs -o /dev/null "http://127.0.0.1:$TEST_HTTP_PORT/" && break; sleep 1; done
check "dashboard answers" curl -fsS -o /dev/null "http://127.0.0.1:$TEST_HTTP_PORT/"
"${as_service[@]}" smartmeter simulate --env /etc/smartmeter/server.env --seed 7 --count 5 --interval 0.2 \
  --quiet >/dev/null
rows=0
for _ in $(seq $((30 * WAIT_FACTOR))); do
  rows=$(sqlite3 /var/lib/smartmeter/smartmeter.db 'select count(*) from history' 2>/dev/null || echo 0)
  [[ "$rows" -ge 5 ]] && break
  sleep 1
done
check "5 readings in /var/lib/smartmeter/smartmeter.db (got $rows)" test "$rows" -eq 5
check "/healthz 200" curl -fsS -o /dev/null "http://127.0.0.1:$TEST_HTTP_PORT/healthz"
kill -TERM "$run_pid"
check "service stops with status 0 on SIGTERM" wait "$run_pid"
kill %1

apt-get purge -y -qq evn-smartmeter >/tmp/purge.log 2>&1 || { cat /tmp/purge.log; fail "purge"; }
check "purge removes /etc/smartmeter" test ! -e /etc/smartmeter
check "purge keeps the readings" test -s /var/lib/smartmeter/smartmeter.db
check "purge says where the readings are" grep -q 'kept the readings in /var/lib/smartmeter' /tmp/purge.log
dpkg -i "$DEB" >/dev/null
check "reinstall keeps the readings" test "$(stat -c %U /var/lib/smartmeter/smartmeter.db)" = smartmeter
SMARTMETER_PURGE_DATA=yes apt-get purge -y -qq evn-smartmeter >/dev/null 2>&1
check "SMARTMETER_PURGE_DATA=yes purge removes the data" test ! -e /var/lib/smartmeter
echo "all checks ran"
IN_CONTAINER
) || { printf '%s\n' "$result"; echo "test-deb: FAILED" >&2; exit 1; }
printf '%s\n' "$result"
[[ "$(tail -n 1 <<<"$result")" == "all checks ran" ]] || { echo "test-deb: FAILED: not all checks ran" >&2; exit 1; }

echo "test-deb: the unit under systemd"
printf 'FROM %s\nRUN apt-get update && apt-get install -y --no-install-recommends systemd systemd-sysv mosquitto sqlite3 curl\n' "$image" |
  nice -n "${NICE:-15}" podman build --isolation chroot "${run_platform[@]}" -t "$systemd_tag" -f - "$root/deploy" \
    >/tmp/test-deb-systemd-build.log 2>&1 || { tail -n 20 /tmp/test-deb-systemd-build.log; exit 1; }
box="smartmeter-systemd-test-$$"
"${podman_run[@]}" "${run_platform[@]}" -d --name "$box" --systemd=always -v "$deb:/tmp/$(basename "$deb"):ro" \
  "$systemd_tag" /sbin/init >/dev/null
trap 'podman rm -f "$box" >/dev/null 2>&1 || true' EXIT
result=$(podman exec -i -e DEB="/tmp/$(basename "$deb")" -e TEST_MQTT_PORT="$mqtt_port" \
  -e TEST_HTTP_PORT="$http_port" -e WAIT_FACTOR="$wait_factor" "$box" bash -euo pipefail -s <<'IN_CONTAINER'
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }
check() { local what=$1; shift; if "$@"; then echo "ok   $what"; else fail "$what"; fi; }
# Booted: running, or degraded (some unit failed; said below, the checks tell whether it matters).
for _ in $(seq $((30 * WAIT_FACTOR))); do
  state=$(systemctl is-system-running 2>/dev/null || true)
  [[ "$state" == running || "$state" == degraded ]] && break
  sleep 1
done
[[ "$state" != degraded ]] ||
  echo "note systemd is degraded, failed: $(systemctl list-units --state=failed --plain --no-legend | cut -d' ' -f1 | paste -sd' ')"
systemctl stop mosquitto
mosquitto -p "$TEST_MQTT_PORT" -d
apt-get install -y -qq "$DEB" >/tmp/apt.log 2>&1 || { tail /tmp/apt.log; fail "apt-get install"; }
check "enabled at install" systemctl -q is-enabled smartmeter
check "not started without a key" bash -c '! systemctl -q is-active smartmeter'
check "install says to set the key" grep -q 'put your meter key into /etc/smartmeter/server.env' /tmp/apt.log
keys=$(smartmeter simulate --seed 7 --port 1 2>/dev/null | grep '^SMARTMETER_KEYS=' || true)
sed -i "s|^SMARTMETER_KEY=.*|$keys|; s|^MQTT_PORT=.*|MQTT_PORT=$TEST_MQTT_PORT|" /etc/smartmeter/server.env
echo "SMARTMETER_HTTP_LISTEN=127.0.0.1:$TEST_HTTP_PORT" >>/etc/smartmeter/server.env
systemctl restart smartmeter
for _ in $(seq $((30 * WAIT_FACTOR))); do curl -fs -o /dev/null "http://127.0.0.1:$TEST_HTTP_PORT/" && break; sleep 1; done
check "active with the key" systemctl -q is-active smartmeter
check "runs as the user smartmeter" test "$(stat -c %U "/proc/$(systemctl show -P MainPID smartmeter)")" = smartmeter
smartmeter simulate --seed 7 --port "$TEST_MQTT_PORT" --count 3 --interval 0.2 --quiet >/dev/null
rows=0
for _ in $(seq $((30 * WAIT_FACTOR))); do
  rows=$(sqlite3 /var/lib/smartmeter/smartmeter.db 'select count(*) from history' 2>/dev/null || echo 0)
  [[ "$rows" -ge 3 ]] && break
  sleep 1
done
check "3 readings stored by the service (got $rows)" test "$rows" -eq 3
check "/healthz 200" curl -fsS -o /dev/null "http://127.0.0.1:$TEST_HTTP_PORT/healthz"
systemctl stop smartmeter
check "stops with status 0" test "$(systemctl show -P ExecMainStatus smartmeter)" = 0
echo "all checks ran"
IN_CONTAINER
) || { printf '%s\n' "$result"; echo "test-deb: FAILED (systemd)" >&2; exit 1; }
printf '%s\n' "$result"
[[ "$(tail -n 1 <<<"$result")" == "all checks ran" ]] || { echo "test-deb: FAILED: not all systemd checks ran" >&2; exit 1; }
echo "test-deb: passed in $((SECONDS - started))s"
