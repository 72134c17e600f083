#!/usr/bin/env bash
# Installs what uplinkd needs, builds it, and runs every test: unit tests, lab tests (root, in
# network namespaces the tests create), contract tests against the real ModemManager, and then
# the unit tests again under AddressSanitizer + UBSan.
# Usage: scripts/test.sh [--unit-only] [--no-sanitizers]
set -euo pipefail
cd "$(dirname "$0")/.."

unit_only=0
sanitizers=1
for arg in "$@"; do
  case "$arg" in
    --unit-only) unit_only=1 ;;
    --no-sanitizers) sanitizers=0 ;;
    *) echo "usage: scripts/test.sh [--unit-only] [--no-sanitizers]" >&2; exit 2 ;;
  esac
done

jobs=$(nproc)
step() { printf '\n==> %s\n' "$*"; }

step "installing dependencies"
./scripts/install-deps.sh

step "building (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"

status=0
summary=$(mktemp)
asan_log=$(mktemp)
asan_pid=""
cleanup() {
  # The background sanitizer build is ours: stop it if we leave early.
  # It runs in a session of its own: its process group holds ninja and the compilers too.
  if [ -n "$asan_pid" ] && kill -0 "$asan_pid" 2>/dev/null; then kill -- "-$asan_pid" 2>/dev/null || true; fi
  rm -f "$summary" "$asan_log"
}
trap cleanup EXIT

configure_asan() {
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DUPLINKD_SANITIZE=ON \
        -DUPLINKD_UNIT_TESTS_ONLY=ON >/dev/null
}
# Runs ctest, keeps its closing counts for the summary, and records a failure without stopping.
run_ctest() {
  local out
  out=$(mktemp)
  if ctest "$@" --output-on-failure 2>&1 | tee "$out"; then :; fi
  if [ "${PIPESTATUS[0]}" -ne 0 ]; then status=1; fi
  grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" >>"$summary" || true
  rm -f "$out"
}

step "unit tests"
run_ctest --test-dir build -L '^unit$' -j "$jobs"

if [ "$unit_only" -eq 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "lab and realmm tests need root (network namespaces); run as root" >&2
    exit 1
  fi
  if [ "$sanitizers" -eq 1 ]; then
    # The lab tests mostly wait on events: the sanitizer build uses the idle CPU meanwhile, at
    # the lowest priority so the lab tests always get the CPU first.
    step "building the sanitizer tree (build-asan/) in the background, niced"
    configure_asan
    setsid nice -n 19 cmake --build build-asan -j "$jobs" >"$asan_log" 2>&1 &
    asan_pid=$!
  fi
  # Lab tests share the machine's cores and clock; one at a time keeps their timing honest.
  step "lab tests (root, network namespaces)"
  run_ctest --test-dir build -L '^lab$' -j 1
  step "contract tests against the real ModemManager"
  run_ctest --test-dir build -L '^realmm$' -j 1
fi

if [ "$sanitizers" -eq 1 ]; then
  step "unit tests under AddressSanitizer + UBSan (build-asan/)"
  if [ -n "$asan_pid" ]; then
    if ! wait "$asan_pid"; then
      asan_pid=""
      cat "$asan_log"
      echo "the sanitizer build failed" >&2
      exit 1
    fi
    asan_pid=""
    tail -n 1 "$asan_log"
  else
    configure_asan
    cmake --build build-asan -j "$jobs"
  fi
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_ctest --test-dir build-asan -L '^unit$' -j "$jobs"
fi

step "summary"
total=0; failed=0
while read -r line; do
  t=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  f=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  total=$((total + t)); failed=$((failed + f))
done <"$summary"
echo "tests: $((total - failed)) passed, $failed failed"
exit "$status"
