#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from its seed corpus (read only: new inputs go to
# a scratch corpus in the build tree) and prints its executions and findings. A crash, leak,
# sanitizer report or timeout fails the test and leaves the input as crash-* / leak-* /
# timeout-* in the scratch directory.
# Usage: run-fuzzer.sh FUZZER SEED_DIR SCRATCH_DIR SECONDS RUNS
set -euo pipefail
fuzzer=$1 seeds=$2 scratch=$3 seconds=$4 runs=$5
mkdir -p "$scratch"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"$fuzzer" -max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
          -print_final_stats=1 -artifact_prefix="$scratch/" "$scratch" "$seeds" >"$log" 2>&1
rc=$?
set -e
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
seconds_used=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
corpus=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n 1 || true)
if [ "$rc" -ne 0 ]; then
  tail -n 60 "$log"
  echo "$(basename "$fuzzer"): FINDING (exit $rc) after ${execs:-?} executions; inputs: $(ls "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-* 2>/dev/null | tr '\n' ' ')"
  exit 1
fi
echo "$(basename "$fuzzer"): ${execs:-?} executions in ${seconds_used:-?} s, ${corpus:-corp: ?}, 0 findings"
