#!/usr/bin/env bash
# What preloading costs a process that forks, as a shell does for every command:
# bench/fork_cost.c's cycles (an action put back, fork, the child resets two and
# exits) under the shim-like empty preload and libenvseal.so with 6 secrets, run
# interleaved. Prints per configuration the median microseconds per cycle, its
# ratio to the empty preload, and the page faults per cycle of the parent and of
# the child (a page either side writes after fork is copied first). Reports, never
# fails. See docs/performance.md ("Fork").
# Usage: bench/fork_cost.sh [ROUNDS [NAME=LIBRARY...]]   (default 25 rounds of 150 cycles)
#   NAME=LIBRARY adds another preload with the same secrets (a build of another commit).
# Bazel output base: $ENVSEAL_BENCH_OUTPUT_BASE (default /tmp/bzo-bench).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

rounds=${1:-25}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "fork_cost: ROUNDS must be a positive number" >&2; exit 2; }
shift $(($# > 0 ? 1 : 0))
# shellcheck source=bench/bench_common.sh
source bench/bench_common.sh # extra_preloads, secrets
extra_preloads fork_cost "empty envseal" "$@"
names=(empty envseal "${extra_names[@]}")
ob=${ENVSEAL_BENCH_OUTPUT_BASE:-/tmp/bzo-bench}
if ! log=$(bazel --output_base="$ob" build --symlink_prefix=/ //preload:libenvseal.so \
    //bench:libempty_preload.so //bench:fork_cost 2>&1); then
    printf '%s\n' "$log" >&2
    exit 1
fi
bin=$(bazel --output_base="$ob" info bazel-bin 2>/dev/null)
bazel --output_base="$ob" shutdown 2>/dev/null # an idle server still wakes: not while timing
libs=("$bin/bench/libempty_preload.so" "$bin/preload/libenvseal.so" "${extra_libs[@]}")

work=$(mktemp -d /tmp/envseal-fork.XXXXXX)
trap 'rm -rf "$work"' EXIT
run() { # index -> "us parent_faults child_faults"
    env -i PATH=/usr/bin:/bin LD_PRELOAD="${libs[$1]}" "${secrets[@]}" "$bin/bench/fork_cost" 150
}
run 0 >/dev/null # warm-up
for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < ${#names[@]}; k++)); do
        i=$(((r + k) % ${#names[@]}))
        run "$i" >>"$work/${names[$i]}"
    done
done

echo "fork cycles: 150 per run, $rounds rounds, load $(cut -d' ' -f1 /proc/loadavg)"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
base=$(cut -d' ' -f1 "$work/empty" | median)
printf '%-12s %12s %9s %15s %14s\n' config "us per cycle" "x empty" "parent faults" "child faults"
for n in "${names[@]}"; do
    m=$(cut -d' ' -f1 "$work/$n" | median)
    awk -v n="$n" -v m="$m" -v b="$base" -v p="$(cut -d' ' -f2 "$work/$n" | median)" \
        -v c="$(cut -d' ' -f3 "$work/$n" | median)" \
        'BEGIN { printf "%-12s %12.1f %9.3f %15.2f %14.2f\n", n, m, m / b, p, c }'
done
