#!/usr/bin/env bash
# Start-up time of /bin/true with 1,000, 20,000 and 50,000 secret variables, without
# envseal, with libenvseal.so and with libenvseal-strict.so (strict mode), the runs
# interleaved. Builds the libraries and the driver (bench/startup_secrets.c) first.
# Reports, never fails on a figure. See docs/performance.md.
# Usage: bench/startup_secrets.sh [startup_secrets options, e.g. -n 20 -c 50000]
# Bazel output base: $ENVSEAL_BENCH_OUTPUT_BASE (default /tmp/bzo-bench).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

ob=${ENVSEAL_BENCH_OUTPUT_BASE:-/tmp/bzo-bench}
if ! log=$(bazel --output_base="$ob" build --symlink_prefix=/ \
    //preload:libenvseal.so //preload:libenvseal-strict.so //bench:startup_secrets 2>&1); then
    printf '%s\n' "$log" >&2
    exit 1
fi
bin=$(bazel --output_base="$ob" info bazel-bin 2>/dev/null)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin/bench/startup_secrets" "$@" none= \
    relocate="$bin/preload/libenvseal.so" strict="$bin/preload/libenvseal-strict.so"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
