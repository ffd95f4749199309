#!/usr/bin/env bash
# The project's test command: installs dependencies, checks formatting, builds
# and tests with GCC (preset dev), runs clang-tidy over that build's sources and
# the headers of every room, builds and tests with Clang + ASan/UBSan (preset
# asan), fuzzes each libFuzzer target for half a minute (preset fuzz), cross-builds
# for the Raspberry Pi (arm64) and runs tests under qemu-user, checks the ESP8266
# firmware size and builds the real firmware image (with ../shared/esp8266-kit
# where present), builds the Debian package and tests it and the container
# images with podman. Stops at the first failure.
#
# Environment:
#   SKIP_ASAN=1      skip the sanitizer build for a quicker local run
#   SKIP_TIDY=1      skip clang-tidy
#   TEST_JOBS=N      tests run at once in the native builds (default 4; see below)
#   FUZZ_SECONDS=N   fuzz each target N seconds (default 30; 0 skips the step)
#   SKIP_ARM=1       skip the Raspberry Pi (arm64) cross build and its emulated tests
#   SKIP_PACKAGES=0  also build the .deb and run the package and container tests
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SKIP_ASAN=${SKIP_ASAN:-0}
SKIP_TIDY=${SKIP_TIDY:-0}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
SKIP_ARM=${SKIP_ARM:-0}
# The package and container tests (tools/test-deb.sh, tools/test-compose.sh) need podman and
# about 15 minutes more; they are opt-in.
SKIP_PACKAGES=${SKIP_PACKAGES:-1}
# Compiles are CPU-bound: one per core. Most tests wait on a server, a socket or a child process
# (measured on 2 cores, preset dev: 394 s at -j2, 219 s at -j4, using under one core throughout).
JOBS=2
TEST_JOBS=${TEST_JOBS:-4}
total_steps=$(grep -c '^begin_step "' "${BASH_SOURCE[0]}")

current_step=""
step_number=0
step_started=0
summary=()

begin_step() {
  step_number=$((step_number + 1))
  current_step=$1
  step_started=$SECONDS
  echo
  echo "=================================================================="
  echo "=== test-all [$step_number/$total_steps] $current_step"
  echo "=================================================================="
}

end_step() {
  local result=${1:-passed}
  summary+=("$(printf '%-8s %-50s %5ds' "$result" "$current_step" $((SECONDS - step_started)))")
  current_step=""
}

on_exit() {
  local rc=$?
  if [[ $rc -ne 0 && -n "$current_step" ]]; then
    echo >&2
    echo "test-all: FAILED in step [$step_number/$total_steps] '$current_step' (exit code $rc)." >&2
    echo "test-all: see the messages above; later steps were not run." >&2
  fi
}
trap on_exit EXIT

# Configures, builds and tests one CMake preset.
build_and_test() {
  local preset=$1
  echo "--- configure (cmake --preset $preset)"
  cmake --preset "$preset"
  echo "--- build (cmake --build --preset $preset -j$JOBS)"
  cmake --build --preset "$preset" -j"$JOBS"
  echo "--- test (ctest --preset $preset -j$TEST_JOBS)"
  ctest --preset "$preset" -j"$TEST_JOBS"
}

# a. dependencies -------------------------------------------------------------
begin_step "install dependencies"
bash tools/install-deps.sh
end_step

# b. formatting -----------------------------------------------------------------
begin_step "format check (clang-format)"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked files plus new files not yet added (but not ignored ones).
  mapfile -t cxx_files < <(git ls-files --cached --others --exclude-standard \
    '*.cpp' '*.h' '*.hpp' '*.cc' | sort -u | while IFS= read -r f; do
    [[ -f "$f" ]] && echo "$f"
  done)
  if [[ ${#cxx_files[@]} -eq 0 ]]; then
    echo "no C++ files found; nothing to check"
  else
    echo "checking ${#cxx_files[@]} file(s) with $(clang-format --version)"
    if ! format_log=$(clang-format --dry-run -Werror "${cxx_files[@]}" 2>&1); then
      # Show the first complaints only; a badly formatted file gives thousands.
      printf '%s\n' "$format_log" | head -n 30 >&2
      echo "..." >&2
      echo "test-all: these files are not formatted:" >&2
      printf '%s\n' "$format_log" | grep -oE '^[^:]+:[0-9]+:[0-9]+: error' | cut -d: -f1 |
        sort -u | sed 's/^/  /' >&2
      echo "test-all: fix them with: clang-format -i FILE..." >&2
      exit 1
    fi
    echo "all files are formatted"
  fi
  end_step
else
  echo "not a git checkout; skipping the format check"
  end_step skipped
fi

# c. GCC debug build -------------------------------------------------------------
begin_step "build and test: preset dev (GCC, Debug)"
build_and_test dev
end_step

# c2. clang-tidy ----------------------------------------------------------------
# Over the dev build's compile database (no second compile), the project's files only; the
# headers of every room through .clang-tidy's HeaderFilterRegex; any finding fails.
# The product's sources (tests/ too with TIDY_TESTS=1: about 20 min on two cores, so not in CI).
begin_step "clang-tidy 14 (dev build's compile database)"
if [[ "$SKIP_TIDY" == 1 ]]; then
  echo "SKIP_TIDY=1: skipping clang-tidy"
  end_step skipped
else
  # Shallow analyzer: half the step's time (12 of the run's minutes deep); tools/clang-tidy.sh alone
  # runs the deep one.
  JOBS=$JOBS TIDY_ANALYZER=shallow bash tools/clang-tidy.sh build/preset-dev
  end_step
fi

# d. sanitizers -----------------------------------------------------------------
begin_step "build and test: preset asan (Clang, ASan+UBSan)"
if [[ "$SKIP_ASAN" == 1 ]]; then
  echo "SKIP_ASAN=1: skipping the sanitizer build"
  end_step skipped
else
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  build_and_test asan
  end_step
fi

# d2. short fuzz runs ------------------------------------------------------------
# Each libFuzzer target FUZZ_SECONDS long, seeded from fuzz/corpus (besides the corpus replay,
# label fuzz-replay, in steps c and d). A crash or a sanitizer report fails the step; the input
# stays in fuzz/corpus-work/<target>-artifacts/ and the message says how to replay it.
# Measured on this 2-core machine (`time bash fuzz/run-campaign.sh all 60`): 5 min 28 s, i.e. 5 x 60 s
# plus relinking; the first build of the fuzz preset's targets adds about 3 min (3 min 7 s here).
begin_step "fuzz: each target ${FUZZ_SECONDS}s (preset fuzz, libFuzzer, ASan+UBSan)"
if [[ "$FUZZ_SECONDS" == 0 ]]; then
  echo "FUZZ_SECONDS=0: skipping the fuzz runs"
  end_step skipped
else
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 JOBS=$JOBS \
    bash fuzz/run-campaign.sh all "$FUZZ_SECONDS"
  end_step
fi

# e. Raspberry Pi ------------------------------------------------------------------
# Cross build for arm64 and, under qemu-user, the labels unit, golden, cli, storage,
# mariadb and fuzz-replay plus one end-to-end test: the arm64 service between the host's
# mosquitto and MariaDB/SQLite (Storage/Pipeline.StoresEveryTelegram...). The rest of the
# integration label (about 6 minutes more under emulation, same code as the native run) and
# all of armhf are left to `bash tools/arm-build.sh arm64|armhf`.
begin_step "Raspberry Pi arm64 (cross build, qemu-user tests)"
if [[ "$SKIP_ARM" == 1 ]]; then
  echo "SKIP_ARM=1: skipping the Raspberry Pi build (alone: bash tools/arm-build.sh arm64)"
  end_step skipped
else
  # Only the programs these tests are in: the integration and security folders' other
  # programs (built by the script's default run) are left out.
  export ARM_TEST_DIRS="core crypto json app cost prices golden cli storage http"
  export ARM_TEST_PROGRAMS=test_integration_service
  JOBS=$JOBS bash tools/arm-build.sh arm64 -L '^(unit|golden|cli|storage|mariadb|fuzz-replay)$'
  JOBS=$JOBS bash tools/arm-build.sh arm64 -L '^integration$' \
    -R '^Storage/Pipeline\.StoresEveryTelegram'
  unset ARM_TEST_DIRS ARM_TEST_PROGRAMS
  end_step
fi

# f. firmware size --------------------------------------------------------------
begin_step "ESP8266 firmware size (freestanding core)"
bash tools/firmware-size.sh
end_step

# g. the real firmware image ---------------------------------------------------
begin_step "ESP8266 firmware image (Arduino core 3.1.2, ../shared/esp8266-kit)"
bash tools/firmware-image.sh
end_step

# h. the Debian package and the containers ------------------------------------
begin_step "Debian package and containers (tools/test-deb.sh, tools/test-compose.sh)"
if [[ "$SKIP_PACKAGES" == 1 ]]; then
  echo "skipped (SKIP_PACKAGES=0 runs it: tools/test-deb.sh, tools/test-compose.sh)"
  end_step skipped
else
  bash tools/build-deb.sh
  bash tools/test-deb.sh build/deb/evn-smartmeter_*_"$(dpkg --print-architecture)".deb
  bash tools/test-compose.sh build/deb/evn-smartmeter_*_"$(dpkg --print-architecture)".deb
  end_step
fi

# i. summary --------------------------------------------------------------------
echo
echo "=================================================================="
echo "=== test-all summary"
echo "=================================================================="
printf '%s\n' "${summary[@]}"
echo "test-all: all steps finished without errors in ${SECONDS}s."
