#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes the base image debian:bookworm-slim from Debian's archive alone (no Docker Hub), for
# podman or docker. Does nothing when the image is already there (FORCE=1 makes it again).
#   bash tools/container-base.sh            # podman (default) or ENGINE=docker
# Needs root and debootstrap (apt-get install debootstrap podman).
set -euo pipefail
engine=${ENGINE:-podman}
image=debian:bookworm-slim
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [[ "${FORCE:-0}" != 1 ]] && "$engine" image exists "$image" 2>/dev/null; then
  echo "container-base: $image is already there"
  exit 0
fi
rootfs=$(mktemp -d /var/tmp/container-base.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "container-base: debootstrap --variant=minbase bookworm ($mirror)"
nice -n "${NICE:-15}" debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
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
tar -C "$rootfs" -c . | "$engine" import - "$image" >/dev/null
echo "container-base: made $image ($("$engine" image inspect --format '{{.Size}}' "$image" | numfmt --to=si)B)"
