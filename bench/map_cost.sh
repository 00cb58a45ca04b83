#!/usr/bin/env bash
# The cost of one vault-like page in a new process, by the way it is had, and of
# the kernel keyring as the other place secrets could be held (bench/map_cost.c):
# each variant run RUNS times, each time in a new process,
# interleaved; prints each variant's median in microseconds. Reports, never fails.
# See docs/performance.md ("Where a sealing process's start-up goes").
# Usage: bench/map_cost.sh [RUNS]   (default 300)
# Bazel output base: $ENVSEAL_BENCH_OUTPUT_BASE (default /tmp/bzo-bench).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
runs=${1:-300}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "map_cost: RUNS must be a positive number" >&2; exit 2; }
ob=${ENVSEAL_BENCH_OUTPUT_BASE:-/tmp/bzo-bench}
if ! log=$(bazel --output_base="$ob" build --symlink_prefix=/ //bench:map_cost 2>&1); then
    printf '%s\n' "$log" >&2
    exit 1
fi
bin=$(bazel --output_base="$ob" info bazel-bin 2>/dev/null)/bench/map_cost
bazel --output_base="$ob" shutdown 2>/dev/null # an idle server still wakes: not while timing
work=$(mktemp -d /tmp/envseal-mapcost.XXXXXX)
trap 'rm -rf "$work"' EXIT
variants=(locked touch mlock onfault populate map keyring)
for ((i = 0; i < runs; i++)); do
    for v in "${variants[@]}"; do "$bin" "$v" >>"$work/$v"; done
done
echo "one page in a new process, $runs runs each, load $(cut -d' ' -f1 /proc/loadavg)"
for v in "${variants[@]}"; do
    sort -n "$work/$v" | awk -v v="$v" '{a[NR]=$1} END {
        m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%-9s %7.2f us\n", v, m/1000 }'
done
