#!/usr/bin/env bash
# Cross-compiles the freestanding parts of the ESP8266 firmware (the core's
# frame assembler and hex encoder, and the firmware's own logic: telegram
# forwarding, status JSON, backoff, config parsing, portal page) for the
# ESP8266 (Xtensa LX106) with Debian's xtensa-lx106-elf-g++ and picolibc,
# checks that they only include headers that exist on a bare microcontroller and
# also compile as gnu++17 (the ESP8266 Arduino core's default), and prints
# their size.
#
# Environment:
#   FREESTANDING_SOURCES  sources to compile (space separated, relative to the
#                         repository root or absolute); default: the list in
#                         firmware/esp8266/freestanding_sources.txt plus
#                         tools/firmware/firmware_instance.cpp
#   EXTRA_INCLUDE         extra include directories (space separated), searched
#                         after core/include
#   PICOLIBC_SPECS        picolibc specs file for the cross compiler
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SOURCE_LIST=firmware/esp8266/freestanding_sources.txt
if [[ -z "${FREESTANDING_SOURCES:-}" ]]; then
  [[ -f "$SOURCE_LIST" ]] || { echo "firmware-size: error: $SOURCE_LIST not found" >&2; exit 1; }
  FREESTANDING_SOURCES="$(grep -vE '^[[:space:]]*(#|$)' "$SOURCE_LIST" | tr '\n' ' ')tools/firmware/firmware_instance.cpp"
fi
EXTRA_INCLUDE=${EXTRA_INCLUDE:-}
PICOLIBC_SPECS=${PICOLIBC_SPECS:-/usr/lib/xtensa-lx106-elf/picolibc.specs}
CXX=xtensa-lx106-elf-g++
SIZE=xtensa-lx106-elf-size
# The only library headers the freestanding code may use.
ALLOWED_SYSTEM_HEADERS=" stdint.h stddef.h string.h "

fail() {
  echo "firmware-size: error: $*" >&2
  exit 1
}

read -r -a sources <<<"$FREESTANDING_SOURCES"
read -r -a extra_dirs <<<"$EXTRA_INCLUDE"
# The firmware's own headers (telegram_forwarder.h, ...) for firmware_instance.cpp.
FIRMWARE_SRC=firmware/esp8266/smartmeter/src
include_dirs=(core/include "$FIRMWARE_SRC" "${extra_dirs[@]}")

[[ ${#sources[@]} -gt 0 ]] || fail "FREESTANDING_SOURCES is empty"
for tool in "$CXX" "$SIZE"; do
  command -v "$tool" >/dev/null 2>&1 ||
    fail "$tool not found; install it with: bash tools/install-deps.sh (package gcc-xtensa-lx106)"
done
[[ -f "$PICOLIBC_SPECS" ]] ||
  fail "$PICOLIBC_SPECS not found; install it with: bash tools/install-deps.sh (package picolibc-xtensa-lx106-elf)"
for src in "${sources[@]}"; do
  [[ -f "$src" ]] || fail "freestanding source '$src' does not exist (set FREESTANDING_SOURCES to the right files)"
done

# --- include check ----------------------------------------------------------
# Every #include in the sources, and recursively in the project headers they
# pull in, must be one of ALLOWED_SYSTEM_HEADERS, a header under
# <include dir>/meter/core/, or a "quoted" header next to the including file
# or in $FIRMWARE_SRC (the firmware's own headers); those follow the same rule.
echo "== firmware-size: checking #include lines of ${#sources[@]} freestanding source(s)"

# Finds meter/core/NAME in the include directories; prints the path.
resolve_project_header() {
  local name=$1 dir
  [[ "$name" == meter/core/* && "$name" != *..* ]] || return 1
  for dir in "${include_dirs[@]}"; do
    if [[ -f "$dir/$name" ]]; then
      echo "$dir/$name"
      return 0
    fi
  done
  return 1
}

declare -A seen=()
queue=("${sources[@]}")
include_errors=0
while [[ ${#queue[@]} -gt 0 ]]; do
  file=${queue[0]}
  queue=("${queue[@]:1}")
  [[ -z "${seen[$file]:-}" ]] || continue
  seen[$file]=1
  # "lineno:text" of every preprocessor include directive
  while IFS= read -r line; do
    lineno=${line%%:*}
    directive=${line#*:}
    if [[ "$directive" =~ include[[:space:]]*[\<\"]([^\>\"]+)[\>\"] ]]; then
      name=${BASH_REMATCH[1]}
    else
      echo "  $file:$lineno: unsupported include form: ${directive}" >&2
      include_errors=$((include_errors + 1))
      continue
    fi
    if [[ "$ALLOWED_SYSTEM_HEADERS" == *" $name "* ]]; then
      continue
    fi
    # A host-only SIMD header directly under an x86 feature guard never reaches
    # the microcontroller build (the guard is false there).
    previous=$(sed -n "$((lineno - 1))p" "$file")
    if [[ "$name" == *intrin.h && "$previous" =~ ^[[:space:]]*#[[:space:]]*if[[:space:]]+defined\(__SSE2__\) ]]; then
      echo "  $file:$lineno: <$name> is host-only (under #if defined(__SSE2__)), not part of the firmware"
      continue
    fi
    if header=$(resolve_project_header "$name"); then
      queue+=("$header")
    elif [[ "$directive" == *\"* && "$name" != */* && -f "$(dirname "$file")/$name" ]]; then
      queue+=("$(dirname "$file")/$name")
    elif [[ "$directive" == *\"* && "$name" != */* && -f "$FIRMWARE_SRC/$name" ]]; then
      queue+=("$FIRMWARE_SRC/$name")
    elif [[ "$name" == meter/core/* ]]; then
      echo "  $file:$lineno: includes \"$name\", which was not found in: ${include_dirs[*]}" >&2
      include_errors=$((include_errors + 1))
    else
      echo "  $file:$lineno: includes <$name>, which is not allowed in freestanding code" >&2
      include_errors=$((include_errors + 1))
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$file" || true)
done
if [[ $include_errors -gt 0 ]]; then
  fail "$include_errors forbidden include(s). Freestanding code may include only" \
    "<stdint.h>, <stddef.h>, <string.h> and headers under core/include/meter/core/" \
    "that follow the same rule."
fi
echo "   ok: ${#seen[@]} file(s) checked, only allowed headers are included"

# --- cross-compile ------------------------------------------------------------
tmpdir=$(mktemp -d)
trap 'rm -rf "$tmpdir"' EXIT

flags=(-std=gnu++20 -Os -fno-exceptions -fno-rtti -ffunction-sections -fdata-sections
  -mlongcalls -Wall -Wextra -Werror "-specs=$PICOLIBC_SPECS")
for dir in "${include_dirs[@]}"; do
  flags+=(-I "$dir")
done

echo "== firmware-size: compiling for ESP8266 with $CXX $("$CXX" -dumpversion)"
objects=()
for i in "${!sources[@]}"; do
  src=${sources[$i]}
  obj="$tmpdir/$i-$(basename "${src%.*}").o"
  echo "   $src"
  "$CXX" "${flags[@]}" -c "$src" -o "$obj" || fail "cross-compiling $src failed (see the compiler messages above)"
  # The ESP8266 Arduino core builds sketches and libraries as gnu++17 (Arduino IDE and
  # PlatformIO alike), so the firmware's sources must compile that way too.
  "$CXX" "${flags[@]/-std=gnu++20/-std=gnu++17}" -fsyntax-only "$src" ||
    fail "$src does not compile as gnu++17, the ESP8266 Arduino core's default (see above)"
  objects+=("$obj")
done

# --- size table -------------------------------------------------------------
# Berkeley format: text (code + read-only data, in flash), data, bss.
echo "== firmware-size: static size per object (code = text, RAM = data + bss)"
printf '   %-28s %8s %8s %8s %8s\n' object code data bss RAM
total_code=0
total_ram=0
while read -r text data bss _dec _hex path; do
  name=$(basename "$path")
  name=${name#*-}
  printf '   %-28s %8d %8d %8d %8d\n' "$name" "$text" "$data" "$bss" $((data + bss))
  total_code=$((total_code + text))
  total_ram=$((total_ram + data + bss))
done < <("$SIZE" -B "${objects[@]}" | tail -n +2)
printf '   %-28s %8d %17s %8d\n' total "$total_code" "" "$total_ram"
echo "freestanding firmware parts for ESP8266: code $total_code bytes, RAM $total_ram bytes (static)"
