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
# Usage: bench/shell_workload.sh [ROUNDS [NAME=LIBRARY...]]   (default 15 rounds)
#   NAME=LIBRARY adds a configuration with the 6 secrets and that preload, in the same
#   rounds: a build of another commit, say, compared in one interleaved run.
# Bazel output base: $ENVSEAL_BENCH_OUTPUT_BASE (default /tmp/bzo-bench).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
rounds=${1:-15}
shift $(($# > 0 ? 1 : 0))
# shellcheck source=bench/bench_common.sh
source bench/bench_common.sh # extra_preloads, secrets
extra_preloads shell_workload \
    "simplest empty peer envseal empty-nosecret envseal-nosecret envseal-secretmem" "$@"
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

names=(simplest empty peer envseal empty-nosecret envseal-nosecret envseal-secretmem
    "${extra_names[@]}")
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
run simplest >/dev/null # warm-up
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
ws=$(col simplest 1 | median) we=$(col empty 1 | median) ce=$(col empty 2 | median)
printf '%-18s %10s %10s %8s %10s %10s %8s %10s\n' config "wall ms" "x simplest" "x empty" \
    "per round" "CPU ms" "x empty" "per round"
for n in "${names[@]}"; do
    awk -v n="$n" -v w="$(col "$n" 1 | median)" -v c="$(col "$n" 2 | median)" \
        -v s="$ws" -v e="$we" -v ce="$ce" -v rw="$(per_round "$n" empty 1)" \
        -v rc="$(per_round "$n" empty 2)" \
        'BEGIN { printf "%-18s %10.1f %10.3f %8.3f %10.3f %10.1f %8.3f %10.3f\n",
                 n, w / 1e6, w / s, w / e, rw, c / 1e3, c / ce, rc }'
done
# No secret is held to the empty preload with no secret either: the same environment.
for c in 1 2; do
    what=$([[ $c == 1 ]] && echo wall || echo CPU)
    awk -v what="$what" -v a="$(col envseal "$c" | median)" -v e="$(col empty "$c" | median)" \
        -v ra="$(per_round envseal empty "$c")" -v b="$(col envseal-nosecret "$c" | median)" \
        -v f="$(col empty-nosecret "$c" | median)" \
        -v rb="$(per_round envseal-nosecret empty-nosecret "$c")" \
        -v ia="$(interval envseal empty "$c")" -v ib="$(interval envseal-nosecret empty-nosecret "$c")" \
        'BEGIN { split(ia, x, " "); split(ib, y, " ")
                 printf "target (%s): 6 secrets %.3fx empty, %.3fx per round (95%% interval %.3f-%.3f; budget 1.02x)\n", what, a / e, ra, x[1], x[2]
                 printf "target (%s): no secret %.3fx empty with no secret, %.3fx per round (95%% interval %.3f-%.3f; budget 1.01x)\n", what, b / f, rb, y[1], y[2] }'
done
