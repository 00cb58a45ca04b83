#!/usr/bin/env bash
# Builds libenvseal.dylib for macOS: OUTDIR/arm64/libenvseal.dylib and
# OUTDIR/x86_64/libenvseal.dylib. On Linux it cross-compiles with Zig
# (scripts/darwin/zig.sh, installed by scripts/setup.sh); on macOS it uses the
# system clang. The sources: preload/core, preload/interposers/envops.c,
# preload/crash and preload/platform/darwin (strict mode is Linux-only).
# Each file is compiled with -c and the objects linked in a separate step: a
# one-step `zig cc -shared x.c` dead-strips the __interpose section. On Linux the
# link is LLVM's ld64.lld against Zig's libSystem stubs: Zig 0.11's own Mach-O
# linker exports every hidden symbol and its compiler runtime; ld64.lld exports
# nothing that is not default-visible (none here) and signs arm64 ad hoc, as
# Apple silicon requires.
# Usage: scripts/darwin/build.sh OUTDIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
case ${1:-} in
-h | --help)
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
"") echo "usage: build.sh OUTDIR" >&2; exit 2 ;;
esac
out=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mkdir -p "$out"


srcs=(
    preload/core/config.c preload/core/early_env.c preload/core/log.c preload/core/marker_note.c
    preload/core/mode.c preload/core/patterns.c preload/core/relocate.c preload/core/secrets_held.c
    preload/core/shim.c preload/core/vault.c
    preload/interposers/envops.c
    preload/crash/altstack.c preload/crash/masks.c preload/crash/signals.c preload/crash/sweep.c
    preload/crash/threads.c
)
srcs+=(preload/platform/errname.c preload/platform/vector_registers.c)
for f in "$top/preload/platform/darwin/"*.c; do srcs+=("${f#"$top"/}"); done

if [[ $(uname -s) == Darwin ]]; then
    host_cc=(cc)
    cc_for() { echo "clang -arch $1 -mmacosx-version-min=11.0"; }
    link() { # arch output objects...
        local arch=$1 o=$2
        shift 2
        clang -arch "$arch" -mmacosx-version-min=11.0 -dynamiclib \
            -install_name @rpath/libenvseal.dylib -o "$o" "$@"
    }
else
    zig=$(bash "$here/zig.sh")
    export ZIG_GLOBAL_CACHE_DIR=${ZIG_GLOBAL_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/zig}
    export ZIG_LOCAL_CACHE_DIR=${ZIG_LOCAL_CACHE_DIR:-$ZIG_GLOBAL_CACHE_DIR}
    host_cc=(cc)
    cc_for() {
        case $1 in
        arm64) echo "$zig cc -target aarch64-macos.11.0" ;;
        x86_64) echo "$zig cc -target x86_64-macos.11.0" ;;
        esac
    }
    lld=$(command -v ld64.lld-14 || command -v ld64.lld) ||
        { echo "build.sh: ld64.lld not found (run scripts/setup.sh)" >&2; exit 1; }
    stubs="$(dirname "$zig")/lib/libc/darwin/libSystem.11.tbd"
    link() { # arch output objects...
        local arch=$1 o=$2
        shift 2
        "$lld" -dylib -arch "$arch" -platform_version macos 11.0 11.0 \
            -install_name @rpath/libenvseal.dylib -o "$o" "$@" "$stubs"
    }
fi

# The built-in patterns, compiled into an automaton by a host program (as Bazel's
# //preload:default_patterns_compiled does).
gen="$out/gen"
mkdir -p "$gen"
(cd "$top" && "${host_cc[@]}" -std=gnu11 -O2 -I. -o "$gen/gen_defaults" \
    preload/core/default_patterns.c preload/core/gen_automaton.c preload/core/gen_defaults.c preload/core/patterns.c)
"$gen/gen_defaults" >"$gen/default_patterns_compiled.c"
srcs+=("$gen/default_patterns_compiled.c")

# .bazelrc's hardening where Mach-O has it; nothing exported (ENVSEAL_EXPORT
# empty under -fvisibility=hidden): the __interpose section is the interface.
flags=(-std=gnu11 -O2 -Wall -Wextra -Werror -fvisibility=hidden -fstack-protector-strong
    -fPIC -I"$top" -include "$top/preload/platform/darwin/compat.h" -DENVSEAL_EXPORT=)

for arch in arm64 x86_64; do
    obj="$out/obj/$arch"
    rm -rf "$obj"
    mkdir -p "$obj" "$out/$arch"
    objs=()
    for src in "${srcs[@]}"; do
        o="$obj/$(echo "${src#"$top"/}" | tr '/' '_').o"
        # shellcheck disable=SC2046
        (cd "$top" && $(cc_for "$arch") "${flags[@]}" -c "$src" -o "$o")
        objs+=("$o")
    done
    link "$arch" "$out/$arch/libenvseal.dylib" "${objs[@]}"
done
echo "build: $out/arm64/libenvseal.dylib $out/x86_64/libenvseal.dylib"
