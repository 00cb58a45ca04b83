#!/usr/bin/env bash
# Builds the envseal command for musl systems (Alpine): the sources of //cli:envseal
# compiled with musl-gcc and linked statically against musl's libc and against
# libelf and zlib, themselves rebuilt with musl-gcc from Debian's source packages
# (`apt-get source elfutils zlib`: Debian packages no musl build of either). The
# result needs no loader or library at all, so it runs on Alpine and in any image.
#
# libelf.a and libz.a are built once and cached like the test root filesystems, in
# $ENVSEAL_ROOTFS_CACHE (default /var/cache/envseal-test), keyed on the recipe and
# the package versions, and reused while their recorded SHA-256 matches.
# Only libelf's own sources are compiled (elfutils' tools need glibc's argp, fts
# and obstack); musl has err.h instead of glibc's error.h, which elfutils supports.
#
# Usage: scripts/musl/envseal.sh --out FILE [--version V] [--source DIR]
#                                 [--patterns FILE]          (root on a cold cache)
#   --source    the tree holding cli/ and preload/ (default: this repository)
#   --patterns  the generated //preload:default_patterns_compiled.c (default: built
#               with BAZEL, default bazel)
#        scripts/musl/envseal.sh --deps-only   only fills the cache (scripts/setup.sh)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=deb_src.sh
source "$here/deb_src.sh"

out='' version='' patterns='' deps_only=0
while (($#)); do
    case $1 in
    --deps-only) deps_only=1; shift ;;
    --source) top=$(cd "$2" && pwd); shift 2 ;;
    --patterns) patterns=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    *) echo "musl-envseal: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n "$out" ]] || ((deps_only)) ||
    { echo "usage: envseal.sh --out FILE [--version V]" >&2; exit 2; }
[[ -z "$out" ]] || out=$(realpath -m "$out")
command -v musl-gcc >/dev/null || { echo "musl-envseal: musl-gcc (musl-tools) missing" >&2; exit 2; }

cache=${ENVSEAL_ROOTFS_CACHE:-/var/cache/envseal-test}
arch=$(dpkg --print-architecture)
triplet=$(gcc -dumpmachine | sed 's/-gnu$/-musl/')
recipe=1

# libelf.a and libz.a for musl, from the cache or built now.
deps_dir() {
    local zv ev key
    zv=$(deb_src_version zlib) ev=$(deb_src_version elfutils)
    [[ -n "$zv" && -n "$ev" ]] || { echo "musl-envseal: no zlib/elfutils source" >&2; return 1; }
    key=$(printf 'recipe=%s arch=%s zlib=%s elfutils=%s musl=%s\n' "$recipe" "$arch" "$zv" "$ev" \
        "$(dpkg-query -W -f='${Version}' musl-dev)" | sha256sum | cut -c1-16)
    echo "$cache/musl-libelf-$arch-$key $zv $ev"
}

build_deps() {
    local dir=$1 zv=$2 ev=$3 work src f
    work=$(mktemp -d "$cache/build-libelf.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf --one-file-system '$work'" RETURN
    echo "musl-envseal: apt-get source zlib=$zv elfutils=$ev, musl-gcc builds" >&2
    (cd "$work" && apt-get source -qq "zlib=$zv" "elfutils=$ev" >"$work/source.log" 2>&1) ||
        { tail -n 20 "$work/source.log" >&2; return 1; }
    src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'zlib-*')
    (cd "$src" && CC=musl-gcc CFLAGS='-O2 -fPIC -fstack-protector-strong' ./configure --static &&
        make -j2 libz.a) >"$work/zlib.log" 2>&1 || { tail -n 20 "$work/zlib.log" >&2; return 1; }
    install -d -m 0755 "$dir.tmp/include" "$dir.tmp/obj"
    cp "$src/libz.a" "$src/zlib.h" "$src/zconf.h" "$dir.tmp/"
    src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'elfutils-*')
    cp "$here/libelf_config.h" "$dir.tmp/config.h"
    local srcs
    srcs=$(sed -n '/^libelf_a_SOURCES/,/^$/p' "$src/libelf/Makefile.am" |
        sed 's/libelf_a_SOURCES =//; s/\\//g')
    for f in $srcs; do
        musl-gcc -std=gnu11 -O2 -fPIC -fstack-protector-strong -DHAVE_CONFIG_H \
            -I"$dir.tmp" -I"$src/lib" -I"$src/libelf" -c "$src/libelf/$f" \
            -o "$dir.tmp/obj/${f%.c}.o" 2>>"$work/libelf.log" ||
            { tail -n 20 "$work/libelf.log" >&2; return 1; }
    done
    for f in error next_prime; do
        musl-gcc -std=gnu11 -O2 -fPIC -DHAVE_CONFIG_H -I"$dir.tmp" -I"$src/lib" \
            -I"$src/libelf" -c "$src/lib/$f.c" -o "$dir.tmp/obj/lib_$f.o" ||
            return 1
    done
    ar rcs "$dir.tmp/libelf.a" "$dir.tmp"/obj/*.o
    cp "$src/libelf/libelf.h" "$src/libelf/gelf.h" "$src/libelf/nlist.h" "$dir.tmp/include/"
    rm -rf "$dir.tmp/obj"
    (cd "$dir.tmp" && find . -type f ! -name SHA256SUMS -print0 | sort -z |
        xargs -0 sha256sum >SHA256SUMS)
    mv "$dir.tmp" "$dir"
}

if [[ $(id -u) -eq 0 ]]; then
    deb_src_enable elfutils
    deb_src_enable zlib
fi
deps=$(deps_dir) || exit 1
read -r dir zv ev <<<"$deps"
install -d -m 0700 "$cache"
exec 9>"$cache/.lock-musl-libelf"
flock 9
if [[ -d "$dir" ]] && ! (cd "$dir" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1); then
    echo "musl-envseal: cached libelf fails its checksums, rebuilding" >&2
    rm -rf "$dir"
fi
if [[ ! -d "$dir" ]]; then
    [[ $(id -u) -eq 0 ]] || { echo "musl-envseal: needs root to build libelf" >&2; exit 2; }
    rm -rf "$dir.tmp"
    build_deps "$dir" "$zv" "$ev"
fi
exec 9>&-
((deps_only)) && { echo "musl-envseal: libelf and zlib for musl in $dir" >&2; exit 0; }

# The Linux UAPI headers (linux/, asm/) are not libc's: musl-gcc leaves
# /usr/include out, so only those directories are given back to it.
kh=$(mktemp -d)
trap 'rm -rf "$kh"' EXIT
ln -s /usr/include/linux "$kh/linux"
ln -s /usr/include/asm-generic "$kh/asm-generic"
ln -s "/usr/include/$(gcc -dumpmachine)/asm" "$kh/asm"

if [[ -z "$patterns" ]]; then
    read -r -a bazel <<<"${BAZEL:-bazel}"
    (cd "$top" && "${bazel[@]}" build //preload:default_patterns_compiled >&2)
    patterns=$(cd "$top" && "${bazel[@]}" info bazel-bin 2>/dev/null)/preload/default_patterns_compiled.c
fi
patterns=$(realpath "$patterns")
verflag=()
[[ -n "$version" ]] && verflag=("-DENVSEAL_VERSION=\"$version\"")
# The same sources as //cli:envseal (cli/*.c and its preload dependencies).
# Static, not static-pie: Debian's musl-gcc specs turn -static-pie into a
# dynamically linked program (checked below).
(cd "$top" && musl-gcc -static -o "$out.tmp" -std=gnu11 -O2 -Wall -Wextra -Werror \
    -fstack-protector-strong -ffile-prefix-map="$top"=. "${verflag[@]}" \
    -I. -I"$dir/include" -idirafter "$kh" -include "$here/cli_compat.h" \
    cli/*.c preload/platform/linux/memory.c preload/core/config.c preload/core/default_patterns.c \
    preload/core/patterns.c "$patterns" \
    "$dir/libelf.a" "$dir/libz.a" -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
interp=$(LC_ALL=C readelf -lW "$out.tmp" | grep -c 'INTERP' || true)
[[ "$interp" == 0 ]] || { echo "musl-envseal: $out is not static" >&2; exit 1; }
mv "$out.tmp" "$out"
echo "musl-envseal: $out (static, musl $(dpkg-query -W -f='${Version}' musl-dev)," \
    "libelf $ev, zlib $zv; $triplet)" >&2
