#!/usr/bin/env bash
# Start-up cost of preloading envseal: builds the shim, the two baseline preloads
# (the simplest one and the shim-like empty one), the memfd_secret floor, the peer
# (gh-aw-firewall's one-shot-token, bench/peers) and the driver, then times
# fork+execve of /bin/true and counts its instructions with callgrind in six
# configurations (none, simplest, empty, secretmem floor, peer, libenvseal.so),
# and shows where envseal's extra instructions go (over the shim-like empty preload). Reports the targets, never fails on them. See
# docs/performance.md.
# Usage: bench/exec_cost.sh [-k] [exec_cost options, e.g. -n 2000 -w 100 -e VAR=VALUE]
#   -k  keep the callgrind profiles (their directory is printed)
# Bazel output base: $ENVSEAL_BENCH_OUTPUT_BASE (default /tmp/bzo-bench).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

keep=0
if [[ ${1-} == -k ]]; then
    keep=1
    shift
fi
ob=${ENVSEAL_BENCH_OUTPUT_BASE:-/tmp/bzo-bench}
if ! log=$(bazel --output_base="$ob" build --symlink_prefix=/ \
    //preload:libenvseal.so //bench:libempty_preload.so //bench:libsecretmem_floor.so \
    //bench:simplest_preload //bench:one_shot_token //bench:exec_cost 2>&1); then
    printf '%s\n' "$log" >&2
    exit 1
fi
bin=$(bazel --output_base="$ob" info bazel-bin 2>/dev/null)
bazel --output_base="$ob" shutdown 2>/dev/null # an idle server still wakes: not while timing
shim=$bin/preload/libenvseal.so
empty=$bin/bench/libempty_preload.so
floor=$bin/bench/libsecretmem_floor.so
simplest=$bin/bench/libsimplest_preload.so
peer=$bin/bench/libone_shot_token.so

out=$(mktemp -d /tmp/envseal-bench.XXXXXX)
if ((keep)); then
    trap 'echo "callgrind profiles: $out"' EXIT
else
    trap 'rm -rf "$out"' EXIT
fi

# valgrind.bin is Debian's real launcher: the "valgrind" wrapper script would add
# LD_LIBRARY_PATH and two more variables to the measured environment.
count=()
if vg=$(command -v valgrind.bin || command -v valgrind); then
    count=(-o "$out" -V "$vg")
else
    echo "valgrind not found: instruction counts skipped (apt-get install valgrind)"
fi

"$bin/bench/exec_cost" "${count[@]}" -b secretmem -P peer "$@" none= simplest="$simplest" \
    empty="$empty" secretmem="$floor" peer="$peer" envseal="$shim"

[[ -f $out/callgrind.envseal.out ]] || exit 0
echo
echo "where envseal's extra instructions go (self instructions, envseal minus empty):"
awk -f bench/callgrind_self.awk "$out/callgrind.empty.out" >"$out/empty.tsv"
awk -f bench/callgrind_self.awk "$out/callgrind.envseal.out" >"$out/envseal.tsv"
awk -F'\t' -v shim="$shim" '
    function short(o) { if (o == shim) return "libenvseal.so"; sub(/.*\//, "", o); return o }
    NR == FNR { base[$2 "\t" $3] = $1; next }
    { k = $2 "\t" $3; d = $1 - base[k]; delete base[k]; add(d, $2, $3) }
    END { for (k in base) { split(k, p, "\t"); add(-base[k], p[1], p[2]) }
          for (o in obj) if (obj[o]) printf "O\t%d\t%s\n", obj[o], short(o)
          for (f in fn) if (fn[f]) { split(f, p, "\t"); printf "F\t%d\t%s\t%s\n", fn[f], short(p[1]), p[2] } }
    function add(d, o, f) { obj[o] += d; fn[o "\t" f] += d }
' "$out/empty.tsv" "$out/envseal.tsv" >"$out/delta.tsv"
echo "  per object:"
awk -F'\t' '$1 == "O" { printf "  %12d  %s\n", $2, $3 }' "$out/delta.tsv" | sort -k1,1nr
echo "  top functions:"
awk -F'\t' '$1 == "F" { printf "  %12d  %-22s %s\n", $2, $3, $4 }' "$out/delta.tsv" |
    sort -k1,1nr | head -n 15
ctor=$(callgrind_annotate --inclusive=yes --threshold=100 "$out/callgrind.envseal.out" |
    awk '/:envseal_init / && !done { gsub(/,/, "", $1); print $1; done = 1 }')
echo "  envseal's constructor, inclusive of the libc calls it makes: ${ctor:-?}"
if grep -q 'unhandled amd64-linux syscall: 447' "$out/callgrind.envseal.log"; then
    echo "note: valgrind does not emulate memfd_secret (syscall 447): under callgrind the"
    echo "      vault falls back to a private memfd mapping, as ENVSEAL_VAULT=anon would."
fi
