#!/usr/bin/env bash
# Builds the real, flashable ESP8266 image (firmware.bin for the Wemos D1 mini) from this
# checkout with the build kit in ../shared/esp8266-kit: the ESP8266 Arduino core 3.1.2 and
# 256dpi/MQTT 2.5.2, the versions firmware/esp8266/platformio.ini pins, compiled with Debian's
# xtensa-lx106 GCC. Prints the kit's size table. A warning in the firmware's own sources fails
# the build (warnings in the Arduino core's headers are the core's, and are only shown).
#
#   tools/firmware-image.sh [OUTDIR]     default OUTDIR: build/firmware-image
#
# Environment: ESP8266_KIT (default ../shared/esp8266-kit beside the checkout). Without the kit
# the build is skipped with a message and exit status 0: users build the image with PlatformIO.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kit=${ESP8266_KIT:-$root/../shared/esp8266-kit}
out=${1:-$root/build/firmware-image}

if [[ ! -f "$kit/build.sh" ]]; then
  echo "firmware-image: skipped: no ESP8266 build kit at $kit (set ESP8266_KIT, or build the"
  echo "firmware-image: image with PlatformIO as docs/firmware.md says)"
  exit 0
fi

mkdir -p "$out"
log=$out/build.log
if ! bash "$kit/build.sh" "$root" "$out" >"$log" 2>&1; then
  cat "$log" >&2
  echo "firmware-image: error: the firmware did not build with the kit (messages above)" >&2
  exit 1
fi
# Warnings located in the checkout's own files (not in the kit's unpacked core).
own_warnings=$(grep -E "^$root/[^:]+:[0-9]+:[0-9]+: warning:" "$log" || true)
if [[ -n "$own_warnings" ]]; then
  printf '%s\n' "$own_warnings" >&2
  echo "firmware-image: error: the firmware's own sources have warnings (above)" >&2
  exit 1
fi
core_warnings=$(grep -c "warning:" "$log" || true)
sed -n '/firmware.bin (board/,/^== done/p' "$log"
echo "firmware-image: $out/firmware.bin built; $core_warnings warning(s) inside the Arduino core's" \
  "own headers (see $log)"
