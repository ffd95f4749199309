#!/usr/bin/env bash
# Installs every build, test and run dependency of evn-smartmeter from
# Debian 12's package archive. Safe to run again: does nothing when all
# packages are already installed. Needs root, or sudo when not root.
set -euo pipefail

#
# INSTALL_DEPS_PROFILE selects how much (default: all):
#   build  what building build/smartmeter needs (the Dockerfile's build stage)
#   run    build + the local broker, its clients and sqlite3 (tools/quickstart.sh)
#   all    run + tests, benchmarks, browser test, ESP8266 cross compiler, Raspberry Pi cross
#          compilers and qemu-user (tools/test-all.sh, tools/arm-build.sh)
#   package  build + the .deb and container tools (tools/build-deb.sh, test-deb.sh, test-compose.sh)
profile=${INSTALL_DEPS_PROFILE:-all}
if [[ ! "$profile" =~ ^(build|run|all|package)$ ]]; then
  echo "install-deps: INSTALL_DEPS_PROFILE must be build, run, all or package, not '$profile'" >&2
  exit 2
fi

# The libraries the build links; tools/arm-build.sh takes the same list (LIST_LIBRARIES=1 prints
# it) for the Raspberry Pi's sysroot.
libraries=(
  libssl-dev libcli11-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  libtomlplusplus-dev  # the tariff file (adapters/tariff)
  libsqlite3-dev libmariadb-dev libmicrohttpd-dev zlib1g-dev
  libsodium-dev  # the dashboard's password hash (argon2id) and API token
  libcpp-httplib-dev  # the price sources' HTTP(S) client (adapters/prices) and the tests' client
  libpaho-mqttpp-dev libpaho-mqtt-dev libmosquitto-dev
)
if [[ "${LIST_LIBRARIES:-0}" == 1 ]]; then
  printf '%s\n' "${libraries[@]}"
  exit 0
fi
packages=(
  # toolchain and build tools
  build-essential cmake ninja-build pkg-config git python3 ca-certificates
  "${libraries[@]}"
)
if [[ "$profile" == run || "$profile" == all ]]; then
  packages+=(sqlite3 mosquitto mosquitto-clients)
fi
if [[ "$profile" == package ]]; then
  # help2man: the man page; podman with runc and CNI's dnsname (compose service names); debootstrap:
  # the base image from Debian's archive.
  packages+=(help2man lintian curl podman podman-compose runc debootstrap uidmap
    golang-github-containernetworking-plugin-dnsname)
fi
if [[ "$profile" == all ]]; then
  packages+=(
  # clang for sanitizer/fuzz builds, plus formatting and static analysis
  clang clang-14 libclang-rt-14-dev clang-format clang-tidy
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3-cryptography
  # Europe/Vienna from the time zone database: the oracle of the civil-time test
  tzdata
  # databases and MQTT broker/clients used by integration tests and at run time
  sqlite3 mariadb-server mariadb-client mosquitto mosquitto-clients
  # headless browser for the dashboard test (driven by playwright-core from web/package.json)
  chromium
  # ESP8266 cross compiler for the firmware size check
  gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf
  # Raspberry Pi cross builds, their tests run under qemu-user (tools/arm-build.sh)
  crossbuild-essential-arm64 crossbuild-essential-armhf qemu-user-static
  )
fi

# tools/arm-build.sh lets apt resolve and download the Pi's libraries into a sysroot under
# build/: apt must know the architectures. Nothing of them is installed into the host.
new_architectures=()
if [[ "$profile" == all ]]; then
  for arch in arm64 armhf; do
    grep -qx "$arch" <<<"$(dpkg --print-foreign-architectures)" || new_architectures+=("$arch")
  done
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

# Node.js and npm for the dashboard's browser test, from Debian unless the machine has its own.
if [[ "$profile" == all ]] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

# The browser test's npm packages, exactly as web/package-lock.json pins them (npm registry).
install_web_packages() {
  [[ "$profile" == all ]] || return 0
  local web
  web="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/web"
  if [[ "$web/node_modules/.package-lock.json" -nt "$web/package-lock.json" ]]; then
    echo "install-deps: web/node_modules is up to date."
    return
  fi
  echo "install-deps: npm ci --prefix web ..."
  npm ci --prefix "$web" --no-audit --no-fund --loglevel=error
}

if [[ ${#missing[@]} -eq 0 && ${#new_architectures[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages are already installed; nothing to do."
  install_web_packages
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  # Without a terminal sudo cannot ask for a password: fail instead of hanging.
  if [[ -t 0 ]]; then as_root=(sudo); else as_root=(sudo -n); fi
else
  echo "install-deps: error: not root and sudo is not available; run this script as root." >&2
  echo "install-deps: missing packages: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# apt prints thousands of lines on a fresh machine: keep them in a log file and
# show only its end when something goes wrong.
log=$(mktemp /tmp/install-deps.XXXXXX.log)
apt_step() {
  local what=$1
  shift
  echo "install-deps: $what ..."
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "$@" </dev/null >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "install-deps: error: $what failed; full output in $log" >&2
    exit 1
  fi
}

for arch in "${new_architectures[@]}"; do
  apt_step "adding the package architecture $arch" dpkg --add-architecture "$arch"
done
apt_step "running apt-get update" apt-get update
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: missing ${#missing[@]} package(s): ${missing[*]}"
  apt_step "installing the missing packages" \
    apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "install-deps: done; apt output is in $log"
install_web_packages
