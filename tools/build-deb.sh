#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian package evn-smartmeter_<version>_<arch>.deb from a build directory that holds
# a `smartmeter` binary, and checks it with lintian.
#
#   bash tools/build-deb.sh                       # Release build for this machine, then the .deb
#   bash tools/build-deb.sh --build-dir DIR       # package DIR/smartmeter (any architecture)
#   bash tools/build-deb.sh --out DIR             # where the .deb goes (default: build/deb)
#   bash tools/build-deb.sh --arch all            # amd64, arm64 and armhf (or one of them): the
#                                                 # Pi's through tools/arm-build.sh ARCH package
#
# The architecture is read from the binary itself (amd64, arm64 or armhf), so an ARM cross build
# directory gives the ARM package with the same script. The package is assembled from the
# binary and deploy/ with dpkg-deb rather than built from source with debhelper: a debhelper
# cross build would need the -dev packages of the target architecture installed into the host,
# and some of them (libmariadb-dev) cannot be installed beside the host's own.
#
# Environment: DEB_MAINTAINER ("Name <address>") for the control file; NICE (default 15).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir=""
out_dir="$root/build/deb"
archs=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch)
      case "$2" in
        all) archs=(amd64 arm64 armhf) ;;
        amd64 | arm64 | armhf) archs=("$2") ;;
        *) echo "build-deb: --arch takes amd64, arm64, armhf or all, not '$2'" >&2; exit 2 ;;
      esac
      shift 2
      ;;
    --build-dir) build_dir=$(realpath "$2"); shift 2 ;;
    --out) out_dir=$(realpath -m "$2"); shift 2 ;;
    -h | --help) sed -n '3,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-deb: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# One package per architecture: the host's built here, the others cross-built for the Pi.
if [[ ${#archs[@]} -gt 0 ]]; then
  for arch in "${archs[@]}"; do
    if [[ "$arch" == "$(dpkg --print-architecture)" ]]; then
      bash "${BASH_SOURCE[0]}" --out "$out_dir"
    else
      bash "$root/tools/arm-build.sh" "$arch" package
      bash "${BASH_SOURCE[0]}" --build-dir "$root/build/$arch-package" --out "$out_dir"
    fi
  done
  exit 0
fi

nice_cmd=(nice -n "${NICE:-15}")
# All of Debian's hardening, bindnow (full RELRO) included.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
if [[ -z "$build_dir" ]]; then
  build_dir="$root/build/pkg-$(dpkg --print-architecture)"
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  # Debian's hardening flags (fortify, stack protector, full RELRO, PIE), as packages use them.
  # Warnings are not errors here: a release build must not fail on a new compiler's warning.
  echo "build-deb: building smartmeter (Release, dpkg-buildflags) in $build_dir"
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETER_BUILD_TESTS=OFF \
    -DMETER_BUILD_BENCH=OFF -DMETER_WARNINGS_AS_ERRORS=OFF "${launcher[@]}" \
    -DCMAKE_C_FLAGS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)" \
    -DCMAKE_CXX_FLAGS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)" \
    -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
  "${nice_cmd[@]}" cmake --build "$build_dir" -j2 --target smartmeter
fi
binary="$build_dir/smartmeter"
[[ -x "$binary" ]] || { echo "build-deb: no executable $binary; build it first" >&2; exit 1; }

# The package's architecture and the matching binutils, from the ELF header.
machine=$(readelf -h "$binary" | sed -n 's/^ *Machine: *//p')
case "$machine" in
  *X86-64*) arch=amd64 triplet=x86_64-linux-gnu ;;
  *AArch64*) arch=arm64 triplet=aarch64-linux-gnu ;;
  ARM) arch=armhf triplet=arm-linux-gnueabihf ;;
  *) echo "build-deb: unsupported machine '$machine' in $binary" >&2; exit 1 ;;
esac
strip_cmd="strip"
if [[ "$arch" != "$(dpkg --print-architecture)" ]]; then strip_cmd="$triplet-strip"; fi

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")
[[ -n "$version" ]] || { echo "build-deb: no project version in $build_dir/CMakeCache.txt" >&2; exit 1; }
package=evn-smartmeter
maintainer=${DEB_MAINTAINER:-"evn-smartmeter maintainers <maintainers@users.noreply.r-seed-dd74f16f.example>"}

stage=$(mktemp -d "${TMPDIR:-/tmp}/build-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
tree="$stage/tree"
doc="$tree/usr/share/doc/$package"
install -d "$tree/DEBIAN" "$tree/usr/bin" "$tree/lib/systemd/system" "$tree/etc/smartmeter" \
  "$doc" "$tree/usr/share/man/man1" "$tree/usr/share/lintian/overrides"

install -m 755 "$binary" "$tree/usr/bin/smartmeter"
"$strip_cmd" --strip-unneeded --remove-section=.comment --remove-section=.note "$tree/usr/bin/smartmeter"
install -m 644 "$root/deploy/smartmeter.service" "$tree/lib/systemd/system/smartmeter.service"
# 0600 in the archive; postinst gives the service's group read access (dpkg-statoverride).
install -m 600 "$root/deploy/server.env.example" "$tree/etc/smartmeter/server.env"
install -m 644 "$root/deploy/debian/lintian-overrides" "$tree/usr/share/lintian/overrides/$package"

# Documentation: the README and its docs/ pages, the copyright, a changelog, and the man page
# made from --help.
gzip -9n <"$root/README.md" >"$doc/README.md.gz"
install -d -m 755 "$doc/docs"
for page in "$root"/docs/*.md; do
  gzip -9n <"$page" >"$doc/docs/$(basename "$page").gz"
done
install -m 644 "$root/deploy/debian/copyright" "$doc/copyright"
# The mDNS announcement of the local meter feed, for /etc/avahi/services/ (docs/local-feed.md).
install -D -m 644 "$root/deploy/avahi/smartmeter-ecotracker.service" \
  "$doc/examples/smartmeter-ecotracker.service"
{
  echo "$package ($version) stable; urgency=medium"
  echo
  echo "  * Release $version. See README.md for what changed."
  echo
  echo " -- $maintainer  $(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$doc/changelog.gz"
# A binary of another architecture prints its --help through qemu-user, with the target's
# libraries from the cross build's sysroot.
help_binary=$binary
if [[ "$arch" != "$(dpkg --print-architecture)" ]]; then
  sysroot=$(sed -n 's/^METER_SYSROOT:PATH=//p' "$build_dir/CMakeCache.txt")
  qemu=$(sed -n 's/^METER_QEMU_PROGRAM:FILEPATH=//p' "$build_dir/CMakeCache.txt")
  [[ -d "$sysroot" && -x "$qemu" ]] ||
    { echo "build-deb: $build_dir names no sysroot and qemu; build it with tools/arm-build.sh" >&2; exit 1; }
  help_binary="$stage/smartmeter-emulated"
  printf '#!/bin/sh\nexec "%s" -L "%s" "%s" "$@"\n' "$qemu" "$sysroot" "$binary" >"$help_binary"
  chmod 755 "$help_binary"
fi
bash "$root/tools/make-manpage.sh" "$help_binary" "$version" |
  gzip -9n >"$tree/usr/share/man/man1/smartmeter.1.gz"

for script in postinst prerm postrm; do
  install -m 755 "$root/deploy/debian/$script" "$tree/DEBIAN/$script"
done
echo /etc/smartmeter/server.env >"$tree/DEBIAN/conffiles"

# Depends: from the binary's shared libraries. dpkg-shlibdeps knows the host's packages; for
# another architecture the same sonames come from the same package names in Debian 12.
if [[ "$arch" == "$(dpkg --print-architecture)" ]]; then
  mkdir -p "$stage/debian" && touch "$stage/debian/control"
  depends=$(cd "$stage" && dpkg-shlibdeps -O "$tree/usr/bin/smartmeter" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')
else
  depends=$(readelf -d "$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | while read -r so; do
    # One of the two paths holds the library: dpkg -S fails on the other.
    { dpkg -S "/usr/lib/x86_64-linux-gnu/$so" "/lib/x86_64-linux-gnu/$so" 2>/dev/null || true; } |
      head -n 1 | cut -d: -f1
  done | sort -u | paste -sd, | sed 's/,/, /g')
fi
[[ -n "$depends" ]] || { echo "build-deb: could not work out the library dependencies" >&2; exit 1; }

(cd "$tree" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) \
  >"$tree/DEBIAN/md5sums"
installed_size=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
cat >"$tree/DEBIAN/control" <<EOF
Package: $package
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $depends, adduser
Recommends: mosquitto
Suggests: mariadb-server, avahi-daemon
Section: utils
Priority: optional
Description: decoder service for Austrian smart meters (EVN, Netz NOE)
 Reads the encrypted DLMS/COSEM telegrams that a Sagemcom T210-D/S210 or
 Kaifa MA309/M110 meter sends on its customer interface, decrypts them with
 the key from the grid operator, publishes the values on MQTT and stores
 every reading in SQLite or MariaDB/MySQL. A dashboard, a REST API and
 Prometheus metrics are served on 127.0.0.1:8080.
 .
 The package runs the service as the system user smartmeter with its data
 in /var/lib/smartmeter; put the meter key into /etc/smartmeter/server.env.
EOF

mkdir -p "$out_dir"
deb="$out_dir/${package}_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$tree" "$deb" >/dev/null
echo "build-deb: $deb ($(du -h "$deb" | cut -f1))"
if command -v lintian >/dev/null; then
  echo "build-deb: lintian (remaining tags are explained in deploy/debian/lintian-overrides)"
  lintian --display-info --fail-on error,warning "$deb"
  echo "build-deb: lintian passed"
else
  echo "build-deb: lintian is not installed; skipping the package check"
fi
