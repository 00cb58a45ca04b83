#!/usr/bin/env bash
# What envseal costs when every process is preloaded (a container with
# /etc/ld.so.preload): a bash script that runs 300 short commands (date, echo | sed,
# basename; 100 times) with LD_PRELOAD in its environment, so every command loads
# the preload: two baselines (the simplest preload, the shim-like empty one), the
# peer (gh-aw-firewall's one-shot-token, bench/peers), envseal with 6 secrets, with
# none (against the empty preload with none), and with 6 secrets in a memfd_secret
# vault (ENVSEAL_VAULT=secretmem). Configurations, one run of each per round, the order rotated each
# round, medians reported as ratios over the empty preloads, and the median of the
# per-round ratios over the shim-like empty one. Never fails on a
# target: it reports. See docs/performance.md.
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
    //bench:libempty_preload.so //bench:simplest_preload //bench:one_shot_token 2>&1); then
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
run() { # config -> prints elapsed ns
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
    local t0 t1
    t0=$(date +%s%N)
    env -i "${env[@]}" /bin/bash "$work/workload.sh"
    t1=$(date +%s%N)
    echo $((t1 - t0))
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
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
base_simplest=$(median "$work/simplest")
base_empty=$(median "$work/empty")
printf '%-18s %12s %10s %10s\n' config "median ms" "x simplest" "x empty"
for n in "${names[@]}"; do
    m=$(median "$work/$n")
    awk -v n="$n" -v m="$m" -v s="$base_simplest" -v e="$base_empty" \
        'BEGIN { printf "%-18s %12.1f %10.3f %10.3f\n", n, m / 1e6, m / s, m / e }'
done
# Within each round every configuration ran once, back to back: the ratio of two of
# them in the same round is the figure least moved by the machine's drifting load.
per_round() { # config baseline -> median over rounds of config / baseline
    paste "$work/$1" "$work/$2" | awk '{ print $1 / $2 }' >"$work/ratio.$1"
    median "$work/ratio.$1"
}
printf '%-18s %10s\n' config "x empty, median of per-round ratios"
for n in "${names[@]}"; do
    printf '%-18s %10.3f\n' "$n" "$(per_round "$n" empty)"
done
# No secret is held to the empty preload with no secret either: the same environment.
awk -v a="$(median "$work/envseal")" -v e="$base_empty" -v ra="$(per_round envseal empty)" \
    -v b="$(median "$work/envseal-nosecret")" -v f="$(median "$work/empty-nosecret")" \
    -v rb="$(per_round envseal-nosecret empty-nosecret)" \
    'BEGIN { printf "target: 6 secrets %.3fx empty, %.3fx per round (budget 1.02x)\n", a / e, ra
             printf "target: no secret %.3fx empty with no secret, %.3fx per round (budget 1.01x)\n", b / f, rb }'
