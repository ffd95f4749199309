# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034,SC2154
# Shared by the container scripts (source it): how podman runs and builds in a sandbox like CI's
# (runc, chroot isolation, explicit ulimits; crun and the default limits are refused there), and
# free loopback ports.
podman_run=(podman --runtime runc run --network host --ulimit nofile=20000:20000
  --ulimit nproc=4096:4096)
export BUILDAH_ISOLATION=chroot BUILDAH_FORMAT=docker
# The same for podman-compose, which calls podman itself.
CONTAINERS_CONF="${TMPDIR:-/tmp}/evn-smartmeter-containers.conf"
cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF

# Builds one of the project's images, context the repository root $root ($1 Dockerfile, $2 tag).
build_image() {
  nice -n "${NICE:-15}" podman build --isolation chroot --format docker -f "$1" -t "$2" "$root"
}

# Prints N free TCP ports on 127.0.0.1.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Waits up to $2 seconds for http://127.0.0.1:$1$3 to answer 200.
wait_http() {
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "http://127.0.0.1:$1$3" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}
