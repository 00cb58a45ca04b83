#!/usr/bin/env bash
# What envseal costs when every process is preloaded (a container with
# /etc/ld.so.preload): a bash script that runs 300 short commands (date, echo | sed,
# basename; 100 times) with LD_PRELOAD in its environment, so every command loads
# the preload: two baselines (the simplest preload, the shim-like empty one), the
# peer (gh-aw-firewall's one-shot-token, bench/peers), envseal with 6 secrets, with
# none (against the empty preload with none), and with 6 secrets in a memfd_secret
# vault (ENVSEAL_VAULT=secretmem). Configurations, one run of each per round, the order rotated each
# round, medians reported as ratios over the empty preloads, and the median of the
# per-round ratios over the shim-like empty one, for the wall time and for the CPU
# time the script and its commands spent (bench/timed_run.c: less moved by other
# load on the machine than the wall time). Never fails on a target: it reports.
# See docs/performance.md.
# Usage: bench/shell_workload.sh [--only NAME,...] [ROUNDS [NAME=LIBRARY...]]
#   ROUNDS defaults to 15. NAME=LIBRARY adds a configuration with the 6 secrets and
#   that preload, in the same rounds: a build of another commit, say, compared in one
#   interleaved run. --only runs only the named built-in configurations (and the
#   added ones): more rounds in the same time for one target, e.g.
#   --only empty-nosecret,envseal-nosecret. A target is reported when both of its
#   configurations ran; the ratios are over "empty" when it ran.
# Bazel output base: $ENVSEAL_BENCH_OUTPUT_BASE (default /tmp/bzo-bench).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
builtin="simplest empty peer envseal empty-nosecret envseal-nosecret envseal-secretmem"
only=$builtin
case ${1:-} in
-h | --help)
    sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
--only)
    only=${2:-}
    shift 2 || { echo "shell_workload: --only needs a list of names" >&2; exit 2; }
    for n in ${only//,/ }; do
        [[ " $builtin " == *" $n "* ]] ||
            { echo "shell_workload: --only: no configuration named '$n' ($builtin)" >&2; exit 2; }
    done
    only=${only//,/ }
    ;;
esac
rounds=${1:-15}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "shell_workload: ROUNDS must be a positive number" >&2; exit 2; }
shift $(($# > 0 ? 1 : 0))
# shellcheck source=bench/bench_common.sh
source bench/bench_common.sh # extra_preloads, secrets
extra_preloads shell_workload "$builtin" "$@"
ob=${ENVSEAL_BENCH_OUTPUT_BASE:-/tmp/bzo-bench}
if ! log=$(bazel --output_base="$ob" build --symlink_prefix=/ //preload:libenvseal.so \
    //bench:libempty_preload.so //bench:simplest_preload //bench:one_shot_token //bench:timed_run 2>&1); then
    printf '%s\n' "$log" >&2
    exit 1
fi
bin=$(bazel --output_base="$ob" info bazel-bin 2>/dev/null)
bazel --output_base="$ob" shutdown 2>/dev/null # an idle server still wakes: not while timing

work=$(mktemp -d /tmp/envseal-shell.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/workload.sh" <<'SCRIPT'
for i in $(seq 100); do
    date +%s >/dev/null
    echo "line $i" | sed 's/line/row/' >/dev/null
    basename /usr/lib/x86_64-linux-gnu/libc.so.6 >/dev/null
done
SCRIPT

read -ra names <<<"$only"
names+=("${extra_names[@]}")
ran() { [[ " ${names[*]} " == *" $1 "* ]]; }
run() { # config -> prints "wall_ns cpu_us"
    local env=(PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8)
    case $1 in
    simplest) env+=(LD_PRELOAD="$bin/bench/libsimplest_preload.so" "${secrets[@]}") ;;
    empty) env+=(LD_PRELOAD="$bin/bench/libempty_preload.so" "${secrets[@]}") ;;
    peer) env+=(LD_PRELOAD="$bin/bench/libone_shot_token.so" "${secrets[@]}") ;;
    envseal) env+=(LD_PRELOAD="$bin/preload/libenvseal.so" "${secrets[@]}") ;;
    empty-nosecret) env+=(LD_PRELOAD="$bin/bench/libempty_preload.so") ;;
    envseal-nosecret) env+=(LD_PRELOAD="$bin/preload/libenvseal.so") ;;
    envseal-secretmem) env+=(LD_PRELOAD="$bin/preload/libenvseal.so" ENVSEAL_VAULT=secretmem "${secrets[@]}") ;;
    *)
        local i
        for i in "${!extra_names[@]}"; do
            [[ ${extra_names[$i]} == "$1" ]] && env+=(LD_PRELOAD="${extra_libs[$i]}" "${secrets[@]}")
        done
        ;;
    esac
    "$bin/bench/timed_run" env -i "${env[@]}" /bin/bash "$work/workload.sh"
}

for n in "${names[@]}"; do : >"$work/$n"; done
run "${names[0]}" >/dev/null # warm-up
for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < ${#names[@]}; k++)); do
        n=${names[$(((r + k) % ${#names[@]}))]}
        run "$n" >>"$work/$n"
    done
done

echo "shell workload: 300 short commands per run, $rounds rounds, load $(cut -d' ' -f1 /proc/loadavg)"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { cut -d' ' -f"$2" "$work/$1"; } # config column(1 wall, 2 cpu)
# Within each round every configuration ran once, back to back: the ratio of two of
# them in the same round is the figure least moved by the machine's drifting load.
ratios() { paste -d' ' <(col "$1" "$3") <(col "$2" "$3") | awk '{ print $1 / $2 }' | sort -n; }
per_round() { # config baseline column -> median over rounds of config / baseline
    ratios "$@" | median
}
# The 95% confidence interval of that median, from order statistics (ranks
# n/2 -+ 0.98 sqrt(n)): a target is met only if the interval's top is under it.
interval() { # config baseline column -> "low high"
    ratios "$@" | awk '{a[NR]=$1} END {h=0.98*sqrt(NR); lo=int(NR/2-h); hi=int(NR/2+h+1)
        if (lo < 1) lo=1; if (hi > NR) hi=NR; printf "%.3f %.3f", a[lo], a[hi]}'
}
# The reference for the ratio columns: the shim-like empty preload, or with --only
# without it, the first configuration that ran.
ref=empty
ran empty || ref=${names[0]}
ws=$(ran simplest && col simplest 1 | median || echo 0)
we=$(col "$ref" 1 | median) ce=$(col "$ref" 2 | median)
echo "ratios over $ref (x ref; per round: the median of the per-round ratios)"
printf '%-18s %10s %10s %8s %10s %10s %8s %10s\n' config "wall ms" "x simplest" "x ref" \
    "per round" "CPU ms" "x ref" "per round"
for n in "${names[@]}"; do
    awk -v n="$n" -v w="$(col "$n" 1 | median)" -v c="$(col "$n" 2 | median)" \
        -v s="$ws" -v e="$we" -v ce="$ce" -v rw="$(per_round "$n" "$ref" 1)" \
        -v rc="$(per_round "$n" "$ref" 2)" \
        'BEGIN { xs = s > 0 ? sprintf("%10.3f", w / s) : sprintf("%10s", "-")
                 printf "%-18s %10.1f %s %8.3f %10.3f %10.1f %8.3f %10.3f\n",
                 n, w / 1e6, xs, w / e, rw, c / 1e3, c / ce, rc }'
done
# target CONFIG BASELINE WHAT BUDGET, for the wall and the CPU time, when both ran.
# No secret is held to the empty preload with no secret: the same environment.
target() {
    ran "$1" && ran "$2" || return 0
    local c
    for c in 1 2; do
        awk -v what="$([[ $c == 1 ]] && echo wall || echo CPU)" -v t="$3" -v b="$4" \
            -v base="$2" -v a="$(col "$1" "$c" | median)" -v e="$(col "$2" "$c" | median)" \
            -v r="$(per_round "$1" "$2" "$c")" -v i="$(interval "$1" "$2" "$c")" \
            'BEGIN { split(i, x, " ")
                     printf "target (%s): %s %.3fx %s, %.3fx per round (95%% interval %.3f-%.3f; budget %s)\n", what, t, a / e, base, r, x[1], x[2], b }'
    done
}
target envseal empty "6 secrets" 1.02x
target envseal-nosecret empty-nosecret "no secret" 1.01x
