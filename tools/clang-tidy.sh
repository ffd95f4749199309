#!/usr/bin/env bash
# clang-tidy 14 (checks in .clang-tidy, per-folder exceptions in tests/ and bench/) over the
# project's own sources, using the compile database of a build that already exists:
#
#   tools/clang-tidy.sh [BUILD_DIR]     (default build/preset-dev; JOBS=2 parallel files)
#   TIDY_TESTS=1 tools/clang-tidy.sh    also the test sources (tests/: about 80 more files, twice
#                                       the time; tests/.clang-tidy holds their exceptions)
#   TIDY_ANALYZER=shallow ...           the clang-analyzer checks in Clang's shallow mode (less
#                                       inlining across calls): half the time; the test command
#                                       uses it, the default is the deep mode
#
# No second compile: run-clang-tidy only parses each file of BUILD_DIR/compile_commands.json whose
# path lies in one of the rooms (generated files in build/ and vendored code are left out). The
# headers of every room are checked through HeaderFilterRegex. Any finding is an error
# (WarningsAsErrors) and fails the run; the full output is kept in BUILD_DIR/clang-tidy.log.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
build_dir=${1:-$root/build/preset-dev}
# The product's rooms; every room's headers are checked through the sources that include them.
rooms='app|adapters|bench|cli|core|crypto|firmware|fuzz'
if [[ "${TIDY_TESTS:-0}" == 1 ]]; then rooms="$rooms|tests"; fi

if [[ ! -f "$build_dir/compile_commands.json" ]]; then
  echo "clang-tidy.sh: no $build_dir/compile_commands.json; configure and build first" \
    "(cmake --preset dev && cmake --build --preset dev)" >&2
  exit 2
fi
log=$build_dir/clang-tidy.log
files=$(grep -cE "\"file\": \"$root/($rooms)/" "$build_dir/compile_commands.json" || true)
echo "clang-tidy: $files file(s) from $build_dir/compile_commands.json, $(clang-tidy --version |
  grep -o 'version [0-9.]*')"

# -Wno-unknown-warning-option: the database holds GCC's flags (e.g. -Wno-restrict), unknown to Clang.
extra_args=(-extra-arg=-Wno-unknown-warning-option)
case "${TIDY_ANALYZER:-deep}" in
  deep) ;;
  # Measured on app/service/src/service.cpp: 28 s deep, 13 s shallow, 10 s without the analyzer.
  shallow) extra_args+=(-extra-arg=-Xclang -extra-arg=-analyzer-config -extra-arg=-Xclang
    -extra-arg=mode=shallow) ;;
  *)
    echo "clang-tidy.sh: TIDY_ANALYZER must be deep or shallow, not '$TIDY_ANALYZER'" >&2
    exit 2
    ;;
esac
echo "clang-tidy: analyzer mode ${TIDY_ANALYZER:-deep}"

status=0
# run-clang-tidy always asks for colour; the log is plain text.
run-clang-tidy -p "$build_dir" -j"${JOBS:-2}" -quiet "${extra_args[@]}" \
  "^$root/($rooms)/" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' >"$log" || status=$?

findings=$(grep -E '^/.*:[0-9]+:[0-9]+: (warning|error): ' "$log" | sort -u || true)
if grep -q '^Error parsing' "$log"; then
  grep -B3 '^Error parsing' "$log" | head -n 20 >&2
  echo "clang-tidy: a .clang-tidy file does not parse; nothing was checked" >&2
  exit 1
fi
if [[ $status -ne 0 || -n "$findings" ]]; then
  # The findings with their source lines, without the command lines and "N warnings generated".
  grep -vE '^(clang-tidy(-14)? |[0-9]+ warnings? (and [0-9]+ errors? )?generated)' "$log" |
    head -n 200 >&2
  echo >&2
  echo "clang-tidy: $(printf '%s\n' "$findings" | grep -c . || true) finding(s), by check:" >&2
  printf '%s\n' "$findings" | grep -oE '\[[a-z0-9.,-]+\]$' | sed 's/,-warnings-as-errors//' |
    sort | uniq -c | sort -rn >&2 || true
  echo "clang-tidy: fix them, or where a check does not fit, disable it in .clang-tidy with a" \
    "reason; whole output: $log; one file: clang-tidy -p $build_dir FILE.cpp" >&2
  exit 1
fi
echo "clang-tidy: no findings"
