#!/usr/bin/env bash
# Quick start: install what is needed, build, and decode a sample telegram.
# Usage: bash tools/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Installing build dependencies (Debian packages)"
bash tools/install-deps.sh

echo "==> Building (build/smartmeter)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETER_BUILD_TESTS=OFF \
  -DMETER_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target smartmeter

sample=examples/sample-telegram.hex
key=000102030405060708090A0B0C0D0E0F
echo "==> Decoding ${sample} (a simulated EVN telegram, demo key ${key})"
echo "    build/smartmeter decode --key ${key} ${sample}"
build/smartmeter decode --key "${key}" "${sample}"
echo
build/smartmeter decode --format text --key "${key}" "${sample}"
echo
echo "Next: decode your own meter's telegram with the key from your grid operator:"
echo "  build/smartmeter decode --key <32 hex digits> <file with the hex telegram>"
