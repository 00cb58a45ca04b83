#!/usr/bin/env bash
# Where a sealing process's start-up time goes, step by step: builds libenvseal.so
# from HEAD with bench/startup_trace.patch applied (a CLOCK_MONOTONIC timestamp
# after each step of the constructor, printed as one line on stderr; never part of
# a release build), runs /bin/true under it with the 6 secrets of the other
# benchmarks, and prints each step's median in microseconds. Each run is a fresh
# process, so the figures are cold-process costs: caches, page tables and the
# kernel's slab caches as a short command meets them. Reports, never fails.
# See docs/performance.md ("Where a sealing process's start-up goes").
# Usage: bench/startup_trace.sh [RUNS]   (default 400)
# Bazel output base: $ENVSEAL_BENCH_OUTPUT_BASE-trace (default /tmp/bzo-bench-trace).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
case ${1:-} in
-h | --help)
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
runs=${1:-400}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "startup_trace: RUNS must be a positive number" >&2; exit 2; }
# shellcheck source=bench/bench_common.sh
source bench/bench_common.sh # secrets
work=$(mktemp -d /tmp/envseal-trace.XXXXXX)
trap 'git -C "$top" worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach -q "$work/src" HEAD
if ! git -C "$work/src" apply "$top/bench/startup_trace.patch"; then
    echo "startup_trace: bench/startup_trace.patch no longer applies to HEAD; update it" >&2
    exit 1
fi
ob=${ENVSEAL_BENCH_OUTPUT_BASE:-/tmp/bzo-bench}-trace # another workspace: its own output base
if ! log=$(cd "$work/src" && bazel --output_base="$ob" build --symlink_prefix=/ \
    //preload:libenvseal.so 2>&1); then
    printf '%s\n' "$log" >&2
    exit 1
fi
lib=$(cd "$work/src" && bazel --output_base="$ob" info bazel-bin 2>/dev/null)/preload/libenvseal.so
cp "$lib" "$work/libenvseal-trace.so"
(cd "$work/src" && bazel --output_base="$ob" shutdown 2>/dev/null) # not while timing
for ((i = 0; i < runs; i++)); do
    env -i PATH=/usr/bin:/bin LD_PRELOAD="$work/libenvseal-trace.so" "${secrets[@]}" /bin/true
done 2>"$work/trace" </dev/null
echo "start-up steps of /bin/true with 6 secrets, $runs runs, load $(cut -d' ' -f1 /proc/loadavg)"
tr ' ' '\n' <"$work/trace" | awk -F= 'NF == 2 {
        if (!($1 in n)) order[++k] = $1
        v[$1, ++n[$1]] = $2
    }
    END {
        total = 0
        for (i = 1; i <= k; i++) {
            s = order[i]; m = n[s]
            for (a = 1; a <= m; a++) x[a] = v[s, a]
            for (a = 2; a <= m; a++) { t = x[a]; for (b = a - 1; b >= 1 && x[b] > t; b--) x[b + 1] = x[b]; x[b + 1] = t }
            med = (m % 2) ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
            total += med
            printf "%-26s %8.2f us\n", s, med / 1000
        }
        printf "%-26s %8.2f us\n", "sum of medians", total / 1000
    }'
