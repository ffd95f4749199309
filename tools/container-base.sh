#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes the base image debian:bookworm-slim from Debian's archive alone (no Docker Hub), for
# podman or docker. Does nothing when the image is already there (FORCE=1 makes it again).
#   bash tools/container-base.sh                # podman (default) or ENGINE=docker
#   bash tools/container-base.sh --arch arm64   # or ARCH=arm64: localhost/debian-arm64:bookworm-slim
# Another architecture (arm64, armhf) gets its own name, so it does not replace the host's image;
# its packages' scripts run under qemu-user (binfmt_misc, registered here if missing), no ARM CPU.
# Needs root and debootstrap (apt-get install debootstrap podman; qemu-user-static for ARM).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/container-lib.sh
source "$root/tools/container-lib.sh"
arch=${ARCH:-$host_arch}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch) arch=${2:?--arch needs an architecture (arm64, armhf)}; shift 2 ;;
    *) echo "container-base: unknown argument '$1' (--arch ARCH)" >&2; exit 2 ;;
  esac
done
engine=${ENGINE:-podman}
image=$(base_image "$arch")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
set_platform "$arch"
if [[ "${FORCE:-0}" != 1 ]] && "$engine" image exists "$image" 2>/dev/null; then
  echo "container-base: $image is already there"
  exit 0
fi
bootstrap=(--variant=minbase)
import=()
if [[ "$arch" != "$host_arch" ]]; then
  # debootstrap's second stage runs the target's shell and dpkg in the chroot.
  ensure_binfmt "$arch"
  bootstrap+=(--arch "$arch")
  if [[ "$engine" == docker ]]; then
    import=(--platform "$oci_platform")
  else
    import=("${platform[@]}")
  fi
fi
rootfs=$(mktemp -d /var/tmp/container-base.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "container-base: debootstrap ${bootstrap[*]} bookworm ($mirror)"
nice -n "${NICE:-15}" debootstrap "${bootstrap[@]}" bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
  { tail -n 20 "$rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"
# The point releases and security fixes too, as in Debian's own images; no downloaded lists or
# packages in the image.
cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
tar -C "$rootfs" -c . | "$engine" import "${import[@]}" - "$image" >/dev/null
echo "container-base: made $image ($("$engine" image inspect --format '{{.Size}}' "$image" | numfmt --to=si)B)"
