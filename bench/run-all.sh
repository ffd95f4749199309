#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the benchmarks and writes a Markdown report (default build/bench-report.md):
#
#   bench/run-all.sh [--quick] [--repeat N] [--out FILE] [decode] [python] [e2e] [latency]
#                    [scaleout] [memory]
#
#   decode    bench_decode micro-benchmarks (Google Benchmark), N repetitions
#   python    the original decoder's approach (bench/python/original_approach.py) against the C++
#             decoder on the same telegram file in the same run: speed ratio and value check
#   e2e       run-e2e.sh through mosquitto into MariaDB and SQLite: sustained rate with the
#             publisher unthrottled, CPU and RSS per process, where the bottleneck is
#   latency   publish -> stored row latency at fixed rates: LATENCY_RATES (default 1000, plus
#             half the median sustained MariaDB rate when e2e ran before in the same run)
#   scaleout  one against two service instances on one MQTT shared subscription into MariaDB
#   memory    service RSS with 1, 1,000 and 10,000 meters
#
# No section named: all of them. --quick runs smaller counts (a smoke test, not for figures).
# Each measurement runs N times (--repeat, default 3; 1 with --quick), interleaved, and the
# report gives the range. Builds what it needs in BUILD_DIR (default build/bench-release,
# Release, warnings not fatal) with at most JOBS=2 parallel jobs. The servers are throw-away
# instances from tools/test-servers.sh on free loopback ports. The Python side runs on PYTHON
# (default Debian's /usr/bin/python3 with python3-cryptography).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build/bench-release}
out=$repo/build/bench-report.md
python=${PYTHON:-/usr/bin/python3}
[[ -x "$python" ]] || python=python3
quick=0
repeat=""
sections=()
command_line="bench/run-all.sh${*:+ $*}"
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --repeat) repeat=$2; shift ;;
    --out) out=$2; shift ;;
    decode | python | e2e | latency | scaleout | memory) sections+=("$1") ;;
    -h | --help) sed -n '3,23p' "$0"; exit 0 ;;
    *) echo "run-all: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
((${#sections[@]})) || sections=(decode python e2e latency scaleout memory)
[[ -n "$repeat" ]] || repeat=$((quick ? 1 : 3))
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "run-all: --repeat needs a positive number" >&2; exit 2; }
wants() { [[ " ${sections[*]} " == *" $1 "* ]]; }
say() { echo "run-all: $*" >&2; }

# Sizes: full / quick.
if ((quick)); then
  bench_min_time=0.2 python_count=500 cpp_passes=5 python_passes=1
  e2e_n=10000 latency_s=3 scale_n=10000 memory_n=10000
else
  bench_min_time=2 python_count=5000 cpp_passes=40 python_passes=3
  e2e_n=100000 latency_s=10 scale_n=100000 memory_n=100000
fi

results=$(mktemp -d "${TMPDIR:-/tmp}/smartmeter-bench-XXXXXX")
trap 'rm -rf "$results"' EXIT
mkdir -p "$results/python" "$results/e2e"

targets=()
wants decode && targets+=(bench_decode)
wants python && targets+=(hex_file_decode)
if wants e2e || wants latency || wants scaleout || wants memory; then targets+=(smartmeter load_publisher); fi
if [[ ! -f "$build/build.ninja" ]]; then
  say "configuring $build (Release)"
  # Warnings stay warnings: GCC 12 at -O3 reports a false -Wrestrict inside std::string.
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETER_BUILD_TESTS=OFF \
    -DMETER_WARNINGS_AS_ERRORS=OFF >"$results/configure.log" ||
    { cat "$results/configure.log" >&2; exit 1; }
fi
say "building ${targets[*]}"
cmake --build "$build" --target "${targets[@]}" -j "${JOBS:-2}" >"$results/build.log" 2>&1 ||
  { tail -n 40 "$results/build.log" >&2; exit 1; }

# What the figures were measured on.
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
dirty=""
[[ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]] &&
  dirty=" (working tree with uncommitted changes)"
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty"
  echo "command=$command_line"
  echo "quick=$quick"
  echo "repeat=$repeat"
  echo "nproc=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "mhz=$(sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "memory=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "compiler=$("${compiler:-c++}" --version | head -1) ($build_type)"
  echo "openssl=$(openssl version 2>/dev/null | cut -d' ' -f1-2)"
  echo "python=$("$python" -c 'import sys, cryptography; print(sys.version.split()[0], "with cryptography", cryptography.__version__)') ($python)"
  echo "mosquitto=$(mosquitto -h 2>/dev/null | sed -n 's/^mosquitto version /mosquitto /p' | head -1)"
  echo "mariadb=$(mariadbd --version 2>/dev/null | sed 's/^.*Ver //; s/ for .*//' | head -1)"
  echo "sqlite=$(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$results/meta.txt"

if wants decode; then
  say "decode micro-benchmarks ($repeat repetitions, min time ${bench_min_time}s)"
  "$build/bench/bench_decode" --benchmark_min_time="$bench_min_time" \
    --benchmark_repetitions="$repeat" --benchmark_out="$results/decode.json" \
    --benchmark_out_format=json >"$results/decode.txt" 2>&1 ||
    { cat "$results/decode.txt" >&2; exit 1; }
fi

if wants python; then
  dir=$results/python
  "$build/bench/hex_file_decode" generate --count "$python_count" --out "$dir/telegrams.hex"
  say "original approach (Python) vs C++ on $python_count telegrams, $repeat rounds"
  # Hex -> values JSON (the comparison), then hex -> values alone (what the JSON costs).
  for k in $(seq 1 "$repeat"); do
    "$build/bench/hex_file_decode" decode "$dir/telegrams.hex" --passes "$cpp_passes" \
      --json-out "$dir/cpp.jsonl" >"$dir/cpp-$k.txt"
    "$python" "$repo/bench/python/original_approach.py" decode "$dir/telegrams.hex" \
      --passes "$python_passes" --json-out "$dir/python.jsonl" >"$dir/python-$k.txt"
    "$build/bench/hex_file_decode" decode "$dir/telegrams.hex" --passes "$cpp_passes" \
      --values-only >"$dir/values-cpp-$k.txt"
    "$python" "$repo/bench/python/original_approach.py" decode "$dir/telegrams.hex" \
      --passes "$python_passes" --values-only >"$dir/values-python-$k.txt"
  done
  "$python" "$repo/bench/python/original_approach.py" compare "$dir/python.jsonl" \
    "$dir/cpp.jsonl" >"$dir/compare.txt"
  vectors=$repo/../shared/vectors/public.json
  if [[ -f "$vectors" ]]; then
    "$python" "$repo/bench/python/original_approach.py" vectors "$vectors" >"$dir/vectors.txt"
  else
    echo "vectors skipped: $vectors not found" >"$dir/vectors.txt"
  fi
fi

# run-e2e.sh with environment settings; output kept as e2e/<label>.txt.
e2e() {
  local label=$1 backend=$2 n=$3
  shift 3
  say "e2e $label: $backend, $n telegrams${*:+, $*}"
  if ! env BUILD_DIR="$build" "$@" "$repo/bench/load/run-e2e.sh" "$backend" "$n" \
    >"$results/e2e/$label.txt" 2>&1; then
    say "e2e $label failed:"
    tail -n 20 "$results/e2e/$label.txt" >&2
  fi
}

if wants e2e; then
  for k in $(seq 1 "$repeat"); do
    for backend in mariadb sqlite; do
      e2e "throughput-$backend-$k" "$backend" "$e2e_n" METERS=10
    done
  done
fi

if wants latency; then
  # Latency below saturation: each rate for about latency_s seconds.
  read -r -a rates <<<"${LATENCY_RATES:-1000}"
  if [[ -z "${LATENCY_RATES:-}" ]]; then
    half=$({ grep -h '^e2e-result backend=mariadb' "$results"/e2e/throughput-mariadb-*.txt \
      2>/dev/null || true; } | sed -n 's/.* sustained=\([0-9]*\).*/\1/p' | sort -n |
      awk '{ v[NR] = $1 } END { if (NR) print int(v[int((NR + 1) / 2)] / 2); else print 0 }')
    ((half > 1000)) && rates+=("$half")
  fi
  for k in $(seq 1 "$repeat"); do
    for r in "${rates[@]}"; do
      for backend in mariadb sqlite; do
        e2e "latency-$backend-$r-$k" "$backend" $((r * latency_s)) METERS=100 RATE="$r"
      done
    done
  done
fi

if wants scaleout; then
  for k in $(seq 1 "$repeat"); do
    for instances in 1 2; do
      e2e "scaleout-$instances-$k" mariadb "$scale_n" METERS=100 INSTANCES="$instances"
    done
  done
fi

if wants memory; then
  for k in $(seq 1 "$repeat"); do
    for meters in 1 1000 10000; do
      e2e "memory-$meters-$k" mariadb "$memory_n" METERS="$meters"
    done
  done
fi

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/meta.txt"
mkdir -p "$(dirname "$out")"
if ! python3 "$repo/bench/report.py" "$results" >"$out"; then
  trap - EXIT
  say "writing the report failed; the raw results stay in $results"
  exit 1
fi
say "report written to $out"
echo "$out"
