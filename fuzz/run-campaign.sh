#!/usr/bin/env bash
# Runs one fuzz target for a while, as the CI fuzz job does (HOUSE_STYLE 4.7 item 4).
#
#   fuzz/run-campaign.sh TARGET SECONDS
#   fuzz/run-campaign.sh all SECONDS      every target in turn (tools/test-all.sh runs this)
#
# Builds TARGET with the fuzz preset (Clang, libFuzzer, ASan+UBSan) into build/preset-fuzz, seeds the
# work corpus fuzz/corpus-work/TARGET (git-ignored) from fuzz/corpus/TARGET, runs libFuzzer in one
# process for SECONDS and prints its final stats. Crash inputs land in
# fuzz/corpus-work/TARGET-artifacts/; the exit status is 1 when there are any (also ones left from
# an earlier run: delete them once the bug is fixed). Replay one with: build/preset-fuzz/fuzz/TARGET
# CRASH_FILE; minimise it with: build/preset-fuzz/fuzz/TARGET -minimize_crash=1 -runs=10000 CRASH_FILE
#
# Environment: METER_FUZZ_BUILD_DIR (default build/preset-fuzz, configured with the fuzz preset; any
# other directory is configured with the same settings), JOBS (build parallelism, default 2).
set -euo pipefail

targets=(fuzz_frame_assembler fuzz_mbus_frame fuzz_hdlc fuzz_apdu fuzz_axdr fuzz_gbt fuzz_p1_text fuzz_telegram)
if [[ $# -ne 2 || ! " ${targets[*]} all " =~ " $1 " || ! $2 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 TARGET|all SECONDS   (TARGET: ${targets[*]})" >&2
  exit 2
fi
target=$1
seconds=$2

if [[ "$target" == all ]]; then
  failed=()
  for one in "${targets[@]}"; do
    bash "${BASH_SOURCE[0]}" "$one" "$seconds" || failed+=("$one")
  done
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "run-campaign: crashes in ${failed[*]} (inputs and how to replay them above)" >&2
    exit 1
  fi
  exit 0
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${METER_FUZZ_BUILD_DIR:-$root/build/preset-fuzz}
cd "$root"

# Configure once; afterwards the build re-runs CMake itself when a CMakeLists.txt changed.
if [[ ! -f "$build_dir/build.ninja" ]]; then
  if [[ "$build_dir" == "$root/build/preset-fuzz" ]]; then
    cmake --preset fuzz >/dev/null
  else
    cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMETER_FUZZ=ON \
      -DMETER_SANITIZE=ON >/dev/null
  fi
fi
cmake --build "$build_dir" --target "$target" -j"${JOBS:-2}"

work=$root/fuzz/corpus-work/$target
artifacts=$root/fuzz/corpus-work/$target-artifacts
mkdir -p "$work" "$artifacts"
cp -n "$root/fuzz/corpus/$target"/* "$work"/

# -jobs=1 -workers=1: one fuzzing process; libFuzzer writes its output to fuzz-0.log in the
# working directory, kept here as fuzz/corpus-work/TARGET.log.
log=$root/fuzz/corpus-work/$target.log
run_dir=$(mktemp -d)
trap 'rm -rf "$run_dir"' EXIT
status=0
# The parent process repeats the job's log on stderr when the job ends; keep only the job's log.
(cd "$run_dir" &&
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$build_dir/fuzz/$target" -jobs=1 -workers=1 -max_total_time="$seconds" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" >"$run_dir/parent.log" 2>&1) ||
  status=$?
if [[ -f "$run_dir/fuzz-0.log" ]]; then
  mv "$run_dir/fuzz-0.log" "$log"
else
  mv "$run_dir/parent.log" "$log"
fi

echo "--- $target: last lines of $log"
grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true
grep -E '^stat::' "$log" || true
echo "work corpus: $(find "$work" -type f | wc -l) inputs in $work"
crashes=$(find "$artifacts" -type f | wc -l)
if [[ $status -ne 0 || $crashes -gt 0 ]]; then
  echo "$target: $crashes crash input(s) in $artifacts (libFuzzer exit status $status)" >&2
  grep -E 'ERROR: |SUMMARY: |fuzz invariant violated' "$log" | head -n 5 >&2 || true
  echo "$target: replay (whole log: $log):" >&2
  find "$artifacts" -type f | head -n 5 | sed "s|^|  $build_dir/fuzz/$target |" >&2
  echo "$target: once fixed, add the input to fuzz/corpus/$target/ (see fuzz/README.md) and delete" \
    "$artifacts" >&2
  exit 1
fi
