#!/usr/bin/env bash
# Builds smartmeter and its tests for a Raspberry Pi and runs the tests under qemu-user.
#
#   bash tools/arm-build.sh arm64|armhf [ctest arguments...]
#
#   arm64   Pi 3, 4, 5 with a 64-bit OS      (cmake/toolchains/arm64.cmake)
#   armhf   Pi 2, 3, 4 with a 32-bit OS      (cmake/toolchains/armhf.cmake, ARMv7)
#
# 1. sysroot: the target's libraries as Debian packages, resolved by apt against an empty
#    package database, downloaded and unpacked (dpkg -x) into build/sysroot/<arch>-<key>/.
#    Nothing is installed into the host. The key is a hash of the package list, so a second
#    run reuses the folder; delete it to fetch the newest versions again.
# 2. build: cross-compiled with Debian's crossbuild-essential-<arch> into build/<arch>/
#    (Release at -O2 as Debian builds its packages, warnings are errors, no benchmarks).
# 3. test: ctest runs each test program through qemu-<arch>-static -L <sysroot>; tests that
#    start smartmeter run it through build/<arch>/smartmeter-emulated. MQTT and MariaDB are
#    the host's own mosquitto and mariadbd, started by the tests as in the native build.
#    Without ctest arguments it runs the labels unit, golden, cli, storage, mariadb,
#    integration (security included) and fuzz-replay: every test but the ESP8266 firmware's
#    (they test the ESP's sketch against a host shim, not the Pi) and the browser test.
#    `none` builds only. Example: ... arm64 -L '^(unit|golden)$'
#    `package` builds only smartmeter, for the Debian package (tools/build-deb.sh --arch):
#    into build/<arch>-package/, with Debian's hardening flags, no tests.
#
# Needs (tools/install-deps.sh): crossbuild-essential-arm64/-armhf, qemu-user-static, and the
# architecture known to apt (dpkg --add-architecture arm64 && apt-get update).
# Environment: JOBS (default 2), ARM_TEST_DIRS and ARM_TEST_PROGRAMS (see step 2).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root_dir=$PWD

arch=${1:-}
case "$arch" in
  arm64) triple=aarch64-linux-gnu qemu=qemu-aarch64-static ;;
  armhf) triple=arm-linux-gnueabihf qemu=qemu-arm-static ;;
  *)
    echo "usage: bash tools/arm-build.sh arm64|armhf [ctest arguments... | none | package]" >&2
    exit 2
    ;;
esac
shift
jobs=${JOBS:-2}
if [[ $# -eq 0 ]]; then
  ctest_args=(-L '^(unit|golden|cli|storage|mariadb|integration|fuzz-replay)$')
else
  ctest_args=("$@")
fi

say() { echo "arm-build[$arch]: $*"; }
fail() {
  echo "arm-build[$arch]: error: $*" >&2
  exit 1
}

for tool in "$triple-g++" "$qemu" apt-get dpkg cmake ninja; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool not found; run tools/install-deps.sh"
done
if [[ "$(dpkg --print-architecture)" != "$arch" ]] &&
  ! grep -qx "$arch" <<<"$(dpkg --print-foreign-architectures)"; then
  fail "apt does not know $arch; run tools/install-deps.sh (dpkg --add-architecture $arch)"
fi

# The libraries the build links (tools/install-deps.sh's list) and the tests use;
# apt adds their dependencies.
mapfile -t packages < <(LIST_LIBRARIES=1 bash tools/install-deps.sh)
packages+=(libgtest-dev libgmock-dev)

# 1. sysroot ----------------------------------------------------------------------------
started=$SECONDS
key=$(printf '%s\n' "$arch" "${packages[@]}" | sha256sum | cut -c1-12)
sysroot_dir="$root_dir/build/sysroot/$arch-$key"
sysroot="$sysroot_dir/root"
if [[ -f "$sysroot_dir/complete" ]]; then
  say "sysroot: reusing $sysroot"
else
  say "sysroot: resolving and downloading ${#packages[@]} packages and their dependencies"
  rm -rf "$sysroot_dir"
  mkdir -p "$sysroot_dir/debs/partial" "$sysroot_dir/apt"
  : >"$sysroot_dir/apt/status"
  # An empty package database and the target as apt's own architecture: apt resolves the
  # whole dependency closure for the target and only downloads it, into our folder.
  apt-get -q -y --no-install-recommends --download-only \
    -o Dir::State::status="$sysroot_dir/apt/status" \
    -o APT::Architecture="$arch" \
    -o Dir::Cache::archives="$sysroot_dir/debs" \
    install "${packages[@]}" >"$sysroot_dir/apt/download.log" 2>&1 ||
    {
      tail -n 20 "$sysroot_dir/apt/download.log" >&2
      fail "apt-get could not download the $arch packages (log: $sysroot_dir/apt/download.log)"
    }
  mkdir -p "$sysroot.tmp"
  for deb in "$sysroot_dir"/debs/*.deb; do
    dpkg -x "$deb" "$sysroot.tmp"
  done
  # Absolute symbolic links point into the host: make them relative inside the sysroot.
  while IFS= read -r link; do
    target=$(readlink "$link")
    ln -sfn --relative "$sysroot.tmp$target" "$link"
  done < <(find "$sysroot.tmp" -type l -lname '/*')
  mv "$sysroot.tmp" "$sysroot"
  (cd "$sysroot_dir/debs" && ls -- *.deb) >"$sysroot_dir/packages.txt"
  touch "$sysroot_dir/complete"
fi
sysroot_seconds=$((SECONDS - started))
say "sysroot: $(wc -l <"$sysroot_dir/packages.txt") packages in ${sysroot_seconds}s"

# 2. build ------------------------------------------------------------------------------
started=$SECONDS
build_dir="$root_dir/build/$arch"
if [[ "${ctest_args[*]}" == package ]]; then build_dir="$root_dir/build/$arch-package"; fi
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# A new sysroot (other packages) leaves the cache's found libraries pointing into the old one.
if [[ -f "$build_dir/CMakeCache.txt" ]] &&
  ! grep -qxF "METER_SYSROOT:PATH=$sysroot" "$build_dir/CMakeCache.txt"; then
  say "build: the sysroot changed; configuring $build_dir afresh"
  rm -f "$build_dir/CMakeCache.txt"
fi
if [[ "${ctest_args[*]}" == package ]]; then
  # As tools/build-deb.sh builds the host's package: Debian's hardening flags for the target
  # (fortify, stack protector, full RELRO, PIE), warnings not errors, no tests.
  export DEB_BUILD_MAINT_OPTIONS=hardening=+all
  buildflag() { dpkg-architecture -a"$arch" -c dpkg-buildflags --get "$1" 2>/dev/null; }
  settings=(-DMETER_BUILD_TESTS=OFF -DMETER_WARNINGS_AS_ERRORS=OFF
    -DCMAKE_C_FLAGS="$(buildflag CPPFLAGS) $(buildflag CFLAGS)"
    -DCMAKE_CXX_FLAGS="$(buildflag CPPFLAGS) $(buildflag CXXFLAGS)"
    -DCMAKE_EXE_LINKER_FLAGS="$(buildflag LDFLAGS)")
else
  settings=(-DMETER_WARNINGS_AS_ERRORS=ON)
fi
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$root_dir/cmake/toolchains/$arch.cmake" \
  -DMETER_SYSROOT="$sysroot" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  "${settings[@]}" \
  -DMETER_BUILD_BENCH=OFF \
  "${launcher[@]}" >"$build_dir.configure.log" 2>&1 ||
  {
    cat "$build_dir.configure.log" >&2
    fail "configure failed"
  }
# smartmeter, the tests of the service (tests/firmware is the ESP's; tests/browser has no
# programs) and the fuzz corpus replays. ARM_TEST_DIRS narrows the test folders built and
# ARM_TEST_PROGRAMS adds single programs (CI builds only what its selection runs).
targets=(smartmeter)
if [[ "${ctest_args[*]}" != package ]]; then
  read -ra test_dirs <<<"${ARM_TEST_DIRS:-core crypto json app cost prices golden cli storage http integration security}"
  read -ra test_programs <<<"${ARM_TEST_PROGRAMS:-}"
  targets+=("${test_programs[@]}")
  for dir in "${test_dirs[@]}"; do
    targets+=("tests/$dir/all")
  done
  mapfile -t -O ${#targets[@]} targets < <(ninja -C "$build_dir" -t targets all |
    grep -E '^fuzz_[a-z0-9_]+_replay: phony' | cut -d: -f1)
fi
cmake --build "$build_dir" -j"$jobs" --target "${targets[@]}"
build_seconds=$((SECONDS - started))
machine=$("$triple-readelf" -h "$build_dir/smartmeter" | sed -n 's/^ *Machine: *//p')
say "build: $build_dir/smartmeter ($machine) in ${build_seconds}s"

# 3. test -------------------------------------------------------------------------------
test_seconds=0
if [[ "${ctest_args[*]}" != none && "${ctest_args[*]}" != package ]]; then
  started=$SECONDS
  # The integration fixture starts smartmeter from this variable (tests/integration/support).
  export METER_SMARTMETER_BIN="$build_dir/smartmeter-emulated"
  say "test: ctest ${ctest_args[*]} (programs run under $qemu)"
  ctest --test-dir "$build_dir" -j"$jobs" --output-on-failure "${ctest_args[@]}"
  test_seconds=$((SECONDS - started))
fi
say "times: sysroot ${sysroot_seconds}s, build ${build_seconds}s, tests ${test_seconds}s"
