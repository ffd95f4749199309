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

# Other architectures (arm64, armhf) run under qemu-user through binfmt_misc, no ARM CPU needed.
host_arch=$(dpkg --print-architecture)

# The base image for Debian architecture $1: the host's is debian:bookworm-slim (Docker Hub's
# name, which deploy/Dockerfile starts from by default); another one has its own local name, so
# that it does not replace the host's.
base_image() {
  if [[ "$1" == "$host_arch" ]]; then echo debian:bookworm-slim; else echo "localhost/debian-$1:bookworm-slim"; fi
}

# Sets the array platform to podman's --arch/--variant for Debian architecture $1 (import, run,
# build), and oci_platform to the same as one OCI platform name (--platform, docker import).
set_platform() {
  case "$1" in
    amd64 | arm64) platform=(--arch "$1") oci_platform=linux/$1 ;;
    armhf) platform=(--arch arm --variant v7) oci_platform=linux/arm/v7 ;;
    *) echo "container-lib: architecture '$1' is not supported (amd64, arm64, armhf)" >&2; return 1 ;;
  esac
}

# Makes sure binaries of Debian architecture $1 run on this machine, in containers too: qemu-user's
# binfmt_misc entry, registered from qemu-user-static's file if it is missing. Its F flag opens the
# interpreter at registration, so it works inside containers that do not have it.
ensure_binfmt() {
  local cpu dir=/proc/sys/fs/binfmt_misc
  [[ "$1" != "$host_arch" ]] || return 0
  case "$1" in
    arm64) cpu=aarch64 ;;
    armhf) cpu=arm ;;
    *) echo "container-lib: no qemu-user emulation known for '$1'" >&2; return 1 ;;
  esac
  local conf=/usr/lib/binfmt.d/qemu-$cpu.conf
  [[ -r "$conf" ]] || { echo "container-lib: no $conf; apt-get install qemu-user-static" >&2; return 1; }
  if [[ ! -e "$dir/register" ]]; then
    mount -t binfmt_misc binfmt_misc "$dir" 2>/dev/null || {
      echo "container-lib: cannot mount binfmt_misc on $dir (needs root, and a container needs" \
        "--privileged); run: mount -t binfmt_misc binfmt_misc $dir" >&2
      return 1
    }
  fi
  if [[ ! -e "$dir/qemu-$cpu" ]]; then
    cat "$conf" >"$dir/register" 2>/dev/null || {
      echo "container-lib: cannot register $conf in $dir/register (needs root)" >&2
      return 1
    }
  fi
  [[ "$(head -n 1 "$dir/qemu-$cpu")" == enabled ]] ||
    { echo "container-lib: binfmt entry qemu-$cpu is disabled; echo 1 >$dir/qemu-$cpu" >&2; return 1; }
  grep -q '^flags: .*F' "$dir/qemu-$cpu" || {
    echo "container-lib: binfmt entry qemu-$cpu lacks the F flag, so containers cannot run $1;" \
      "echo -1 >$dir/qemu-$cpu, then register $conf again" >&2
    return 1
  }
}
