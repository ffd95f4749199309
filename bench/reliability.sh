#!/usr/bin/env bash
# The long reliability run: every fault and bad-input test of the suite (broker restart, database
# restart, kill -9, SIGTERM, read-only database, locked table, bad-input corpus, replayed frame
# counters), ROUNDS times each, against real mosquitto and MariaDB. CI runs each once (label
# `integration`); this repeats them to catch what only fails now and then.
#
#   bench/reliability.sh [ROUNDS]        default 5; BUILD_DIR (default build/preset-dev), JOBS (2)
#
# Builds the dev preset's tests when BUILD_DIR is the default, then prints one line per test:
# rounds passed / rounds run, and the total time. Exit status 1 when any round failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rounds=${1:-5}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [ROUNDS]" >&2; exit 2; }
build=${BUILD_DIR:-build/preset-dev}
jobs=${JOBS:-2}
# The tests whose subject is a fault or bad input (names as CTest lists them).
pattern='Fault|Restart|Killed|Sigterm|ReadOnly|Lock|Corpus|BadInput|Replay|Swap|Unreachable'

if [[ "$build" == build/preset-dev ]]; then
  cmake --preset dev >/dev/null
  cmake --build --preset dev -j"$jobs" >/dev/null
fi

log=$(mktemp -t reliability.XXXXXX.log)
started=$SECONDS
declare -A passed=() run=()
for ((round = 1; round <= rounds; round++)); do
  echo "reliability: round $round of $rounds"
  ctest --test-dir "$build" -L integration -R "$pattern" -j"$jobs" --output-on-failure \
    >"$log.round" 2>&1 || true
  cat "$log.round" >>"$log"
  while IFS= read -r line; do
    if [[ "$line" =~ Test\ +#[0-9]+:\ ([^ ]+)\ .*(Passed|Failed|Timeout|Exception) ]]; then
      name=${BASH_REMATCH[1]}
      run[$name]=$((${run[$name]:-0} + 1))
      [[ "${BASH_REMATCH[2]}" == Passed ]] && passed[$name]=$((${passed[$name]:-0} + 1))
    fi
  done <"$log.round"
done
rm -f "$log.round"

failures=0
echo
echo "| test | passed / run |"
echo "|---|---|"
for name in $(printf '%s\n' "${!run[@]}" | sort); do
  ok=${passed[$name]:-0}
  echo "| $name | $ok / ${run[$name]} |"
  [[ $ok -eq ${run[$name]} ]] || failures=$((failures + 1))
done
echo
echo "reliability: ${#run[@]} tests x $rounds rounds in $((SECONDS - started)) s;" \
  "$failures test(s) failed at least once; full output in $log"
((failures == 0))
