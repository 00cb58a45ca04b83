#!/usr/bin/env bash
# libenvseal.dylib, cross-built here (scripts/darwin/build.sh, -Wall -Wextra -Werror)
# for both architectures, checked with Debian's LLVM tools:
#   - a Mach-O dynamic library for its CPU (arm64 with a code signature, which
#     Apple silicon requires of every library it loads);
#   - its __DATA,__interpose section pairs exactly the expected libSystem functions
#     with the shim's envseal_* functions of the same name;
#   - it exports nothing (the interpose section is its whole interface);
#   - every undefined symbol comes from libSystem.
# Controls: the same objects linked by Zig's one-step `zig cc -shared x.c` lose the
# __interpose section, and linked by Zig's own linker export hidden symbols: the
# checks must reject both (so they can fail).
# usage: dylib_build_test.sh   (run by Bazel)
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/darwin-dylib.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ZIG_GLOBAL_CACHE_DIR=$work/zig-cache ZIG_LOCAL_CACHE_DIR=$work/zig-cache
# shellcheck source=tests/darwin/macho_lib.sh
. "$repo/tests/darwin/macho_lib.sh"

expected="pthread_create pthread_sigmask putenv setenv sigaction sigaltstack siginterrupt signal sigprocmask sigset unsetenv"

is_macho_dylib() { # FILE CPU
    llvm-objdump --macho --private-header "$1" 2>/dev/null |
        awk -v cpu="$2" '$1 == "MH_MAGIC_64" && $2 == cpu && $5 == "DYLIB" { f = 1 } END { exit !f }'
}

# The libSystem functions bound in __interpose, sorted, one line.
interposed() {
    llvm-objdump --macho --bind "$1" 2>/dev/null |
        awk '$2 == "__interpose" && $6 == "libSystem" { sub(/^_/, "", $7); print $7 }' | sort | xargs
}

# Each __interpose entry's replacement is the shim's envseal_<name>: pairs
# "name=symbol" from the section's words and the symbol table, sorted.
pairs() {
    local f=$1 base
    base=$(llvm-objdump --macho --section-headers "$f" | awk '$2 == "__interpose" { print $4 }')
    [[ -n "$base" ]] || return 1
    declare -A at
    while read -r addr name; do at[$((16#$addr))]=${name#_}; done < <(llvm-nm -m --defined-only "$f" |
        awk '$2 == "(__TEXT,__text)" { print $1, $NF }')
    declare -A bound
    while read -r addr name; do bound[$addr]=$name; done < <(llvm-objdump --macho --bind "$f" |
        awk '$2 == "__interpose" { sub(/^_/, "", $7); print $3, $7 }')
    # The section's bytes in file order: llvm-objdump shows x86_64's as bytes and
    # arm64's as little-endian 32-bit words.
    local bytes
    bytes=$(llvm-objdump --macho --section=__DATA,__interpose --full-contents "$f" | tail -n +3 |
        awk '{ for (i = 2; i <= NF; i++) { t = $i
                 if (length(t) == 8) t = substr(t, 7, 2) substr(t, 5, 2) substr(t, 3, 2) substr(t, 1, 2)
                 printf "%s", t } }')
    local n=$((${#bytes} / 32)) i
    for ((i = 0; i < n; i++)); do
        local w=${bytes:i*32:16} le="" j
        for ((j = 14; j >= 0; j -= 2)); do le+=${w:j:2}; done
        local slot
        slot=$(printf '0x%08X' $((16#$base + i * 16 + 8)))
        echo "${bound[$slot]:-?}=${at[$((16#$le))]:-?}"
    done | sort | xargs
}

exports() { llvm-objdump --macho --exports-trie "$1" 2>/dev/null | awk '/^0x/ { print $2 }'; }


build_or_exit "$repo/scripts/darwin/build.sh" "$work/out" "$work/build.log"
ok "build.sh built both architectures with -Wall -Wextra -Werror"

want_pairs=$(for n in $expected; do echo "$n=envseal_$n"; done | sort | xargs)
declare -A cpu=([arm64]=ARM64 [x86_64]=X86_64)
for arch in arm64 x86_64; do
    f=$work/out/$arch/libenvseal.dylib
    if is_macho_dylib "$f" "${cpu[$arch]}"; then ok "$arch: Mach-O dynamic library for ${cpu[$arch]}"
    else bad "$arch: not a Mach-O ${cpu[$arch]} dylib: $(file -b "$f" 2>&1)"; fi
    got=$(interposed "$f")
    if [[ "$got" == "$expected" ]]; then ok "$arch: __interpose replaces exactly: $got"
    else bad "$arch: __interpose replaces [$got], expected [$expected]"; fi
    got=$(pairs "$f")
    if [[ "$got" == "$want_pairs" ]]; then ok "$arch: each entry's replacement is the shim's envseal_<name>"
    else bad "$arch: interpose pairs [$got], expected [$want_pairs]"; fi
    got=$(exports "$f" | xargs)
    if [[ -z "$got" ]]; then ok "$arch: exports nothing"
    else bad "$arch: exports $(wc -w <<<"$got") symbols: ${got:0:200}"; fi
    if only_libsystem "$f"; then ok "$arch: $(llvm-nm -u "$f" | wc -l) undefined symbols, all from libSystem"
    else bad "$arch: imports from elsewhere: $(llvm-nm -m -u "$f" | grep -v '(from libSystem)$' | head -3)"; fi
done
if llvm-objdump --macho --all-headers "$work/out/arm64/libenvseal.dylib" | grep -q 'cmd LC_CODE_SIGNATURE'; then
    ok "arm64: signed (LC_CODE_SIGNATURE)"
else bad "arm64: no code signature: Apple silicon would refuse to load it"; fi

# Controls: the pitfalls the build avoids must fail the checks above.
zig=$(bash "$repo/scripts/darwin/zig.sh")
objs=("$work/out/obj/arm64/"*.o)
if "$zig" cc -target aarch64-macos.11.0 -shared -o "$work/zigld.dylib" "${objs[@]}" 2>"$work/zig.log"; then
    n=$(exports "$work/zigld.dylib" | wc -l)
    if ((n > 0)); then ok "control: Zig's linker exports $n symbols, and the check sees them"
    else bad "control: Zig's linker exported nothing: the export check cannot fail"; fi
else bad "control: zig cc -shared failed: $(head -3 "$work/zig.log")"; fi
printf '#include <stdlib.h>\nint my_setenv(const char *n, const char *v, int o) { return setenv(n, v, o); }\n__attribute__((used, section("__DATA,__interpose"))) static const struct { const void *r, *o; } e = { (const void *)&my_setenv, (const void *)&setenv };\n' >"$work/one.c"
if "$zig" cc -target aarch64-macos.11.0 -O2 -shared -o "$work/onestep.dylib" "$work/one.c" 2>"$work/zig.log"; then
    got=$(interposed "$work/onestep.dylib")
    if [[ "$got" != "$expected" ]]; then ok "control: a one-step zig cc -shared build is rejected (interposes [$got])"
    else bad "control: the one-step build passed the interpose check"; fi
else bad "control: one-step build failed: $(head -3 "$work/zig.log")"; fi

echo "$passed passed, $failed failed"
((failed == 0))
