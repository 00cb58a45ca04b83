#!/usr/bin/env bash
# Builds the envseal command for macOS: OUTDIR/arm64/envseal and OUTDIR/x86_64/envseal.
# On Linux it cross-compiles with Zig (scripts/darwin/zig.sh, installed by
# scripts/setup.sh); on macOS it uses the system clang. The macOS command is the
# platform-neutral part of cli/ (options, messages, JSON, PATH lookup, the Mach-O
# reader) plus cli/platform/darwin/ (check, run, status); the ELF reader, the memfd
# hand-off and the --redact supervisor are Linux-only and not compiled here.
# Usage: scripts/darwin/build_cli.sh OUTDIR [VERSION]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
(($# >= 1)) || { echo "usage: build_cli.sh OUTDIR [VERSION]" >&2; exit 2; }
out=$(realpath -m "$1")
version=${2:-}

common=(main msg opts json jsonargs progpath macho machoinfo machocheck)
srcs=()
for f in "${common[@]}"; do srcs+=("$top/cli/$f.c"); done
for f in "$top"/cli/platform/darwin/*.c; do srcs+=("$f"); done

flags=(-std=gnu11 -O2 -Wall -Wextra -Werror -fstack-protector-strong -D_FORTIFY_SOURCE=2
    -I"$top" -I"$top/cli" -include "$top/cli/platform/darwin/compat.h")
[[ -z "$version" ]] || flags+=("-DENVSEAL_VERSION=\"$version\"")

if [[ $(uname -s) == Darwin ]]; then
    cc_for() { echo "clang -arch $1 -mmacosx-version-min=11.0"; }
else
    zig=$(bash "$here/zig.sh")
    # Zig caches under $HOME by default; a throwaway or sandboxed HOME is fine too.
    export ZIG_GLOBAL_CACHE_DIR=${ZIG_GLOBAL_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/zig}
    export ZIG_LOCAL_CACHE_DIR=${ZIG_LOCAL_CACHE_DIR:-$ZIG_GLOBAL_CACHE_DIR}
    cc_for() {
        case $1 in
        arm64) echo "$zig cc -target aarch64-macos.11.0" ;;
        x86_64) echo "$zig cc -target x86_64-macos.11.0" ;;
        esac
    }
fi

for arch in arm64 x86_64; do
    mkdir -p "$out/$arch"
    # shellcheck disable=SC2046
    $(cc_for "$arch") "${flags[@]}" -o "$out/$arch/envseal" "${srcs[@]}"
done
echo "build_cli: $out/arm64/envseal $out/x86_64/envseal"
