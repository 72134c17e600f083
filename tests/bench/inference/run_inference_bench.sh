#!/usr/bin/env bash
# Inference benchmark (not a test): 3 channels at 12 kHz, 1024-sample windows, 50% hop, pinned to
# one core. Runs the real uplinkd-infer binary's `bench` command, which pushes wire-format frames
# (one hop each) through decode -> windowing -> features -> model -> alerts and times each one.
# Usage: tests/bench/inference/run_inference_bench.sh [BUILD_DIR] [SECONDS]
# Last line: inference windows_per_s=<n> p99_us=<n> rss_kb=<n>
set -euo pipefail
build_dir="${1:-$(dirname "$0")/../../../build}"
seconds="${2:-120}"
binary="$build_dir/inference/uplinkd-infer"
if [ ! -x "$binary" ]; then
  echo "run_inference_bench: $binary not built (cmake --build $build_dir --target uplinkd-infer)" >&2
  exit 1
fi
core="$(( $(nproc) - 1 ))"
exec taskset -c "$core" "$binary" bench --seconds "$seconds" --channels 3 --rate 12000 2>/dev/null
