#!/usr/bin/env bash
# `envseal run --redact` throughput on a log-like stream holding 16 secrets,
# against sed doing the same 16 substitutions, and the masker alone on ordinary
# and on adversarial input (docs/performance.md).
#
#   bazel --output_base=/tmp/bzo-NAME run --symlink_prefix=/ //bench:redact_bench -- [MIB [RUNS]]
#
# MIB: stream size in MiB (default 1024); RUNS: rounds per measurement (default 5).
# For each measurement: the median wall-clock throughput with the range of the
# rounds, and the throughput per CPU second of the measured process alone (its own
# user+system time, without the generator's; median), which other load on a shared
# machine distorts less.
set -euo pipefail

mib=${1:-1024}
runs=${2:-5}
bytes=$((mib * 1024 * 1024))
runfiles=${RUNFILES_DIR:-$0.runfiles}/envseal
[[ -d "$runfiles" ]] || runfiles=$PWD
tool=$runfiles/bench/redact_bench_tool
envseal=$runfiles/cli/envseal
shim=$(readlink -f "$runfiles/preload/libenvseal.so")
export LC_ALL=C

# 16 random 32-hex-digit secrets, in variables the default patterns cover.
sed_args=()
for i in $(seq -w 1 16); do
    value=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    export "BENCH_SECRET_$i=$value"
    sed_args+=(-e "s/$value/[REDACTED]/g")
done

# measure LABEL PIPELINE: the pipeline's last stage reports through `tool cpu`.
# Prints the median of the runs (wall clock and own CPU time) and the wall range.
med_wall=0
med_cpu=0
measure() {
    local label=$1 pipeline=$2 out walls=() cpus=() r
    for ((r = 0; r < runs; r++)); do
        out=$(bash -c "$pipeline" 2>&1 >/dev/null | grep '^wall ')
        walls+=("$(awk '{print $2}' <<<"$out")")
        cpus+=("$(awk '{print $4}' <<<"$out")")
    done
    med_wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    med_cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    local lo hi
    lo=$(printf '%s\n' "${walls[@]}" | sort -g | tail -1)
    hi=$(printf '%s\n' "${walls[@]}" | sort -g | head -1)
    awk -v l="$label" -v b="$bytes" -v w="$med_wall" -v c="$med_cpu" -v lo="$lo" -v hi="$hi" 'BEGIN {
        printf "%-32s %7.3f GB/s (%5.2f-%5.2f)   per CPU second %6.3f GB/s\n", l, b / w / 1e9,
            b / lo / 1e9, b / hi / 1e9, (c > 0 ? b / c / 1e9 : 0) }'
}

echo "stream: $mib MiB, 16 secrets of 32 bytes, one per ~5 KB of log lines"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); median of $runs rounds"

"$tool" memory "$bytes"
# Adversarial inputs for the masker alone (its worst case must stay linear).
"$tool" worst "$bytes"

g="'$tool' gen $bytes 2>/dev/null"
measure "pipe only: gen | sink" "$g | '$tool' cpu '$tool' sink"
measure "copy only: gen | cat | sink" "$g | '$tool' cpu cat | '$tool' sink"
measure "envseal --redact > /dev/null" \
    "'$tool' cpu '$envseal' run --redact --library '$shim' -- '$tool' gen $bytes"
envseal_wall=$med_wall envseal_cpu=$med_cpu
measure "envseal --redact | sink" \
    "'$tool' cpu '$envseal' run --redact --library '$shim' -- '$tool' gen $bytes | '$tool' sink"
sed_expr=$(printf "%q " "${sed_args[@]}")
measure "sed, 16 expressions > /dev/null" "$g | '$tool' cpu sed $sed_expr"
sed_wall=$med_wall sed_cpu=$med_cpu
awk -v ew="$envseal_wall" -v sw="$sed_wall" -v ec="$envseal_cpu" -v sc="$sed_cpu" 'BEGIN {
    printf "envseal --redact > /dev/null vs sed: %.1fx (wall), %.1fx (per CPU second)\n",
        sw / ew, sc / ec }'

# Correctness of what was measured: every planted secret masked, none left.
check=$((bytes < 268435456 ? bytes : 268435456))
planted=$("$envseal" run --redact --library "$shim" -- "$tool" gen "$check" 2>&1 >/dev/null |
    sed -n 's/^planted //p')
result=$("$envseal" run --redact --library "$shim" -- "$tool" gen "$check" 2>/dev/null |
    "$tool" verify 2>&1 || true)
echo "verify ($((check >> 20)) MiB): planted $planted, $result"
