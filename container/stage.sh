#!/usr/bin/env bash
# Prepares the build context of the envseal layer image for one architecture:
#   OUT/Containerfile, OUT/Containerfile.debian
#   OUT/rootfs-ARCH/usr/lib/envseal/libenvseal.so
#   OUT/rootfs-ARCH/usr/bin/envseal                (with --cli)
#   OUT/rootfs-ARCH/usr/share/doc/envseal/         (with --cli) LICENSE and licenses/
#   OUT/rootfs-ARCH/etc/ld.so.preload
# With --musl, the musl layer instead (Containerfile.musl, Containerfile.alpine):
#   OUT/rootfs-musl-ARCH/usr/lib/envseal/libenvseal-musl.so
#   OUT/rootfs-musl-ARCH/usr/lib/envseal/libenvseal-strict-musl.so   (with --lib-strict)
#   OUT/rootfs-musl-ARCH/usr/bin/envseal          (with --cli: must be static)
#   OUT/rootfs-musl-ARCH/usr/share/doc/envseal/   (with --cli) LICENSE and licenses/
# and no /etc/ld.so.preload (musl's loader reads none).
# The command has other projects' code linked in (libelf, zlib; musl's libc in the
# musl build): /usr/share/doc/envseal/ holds envseal's LICENSE and, in licenses/, the
# same notices the release archive carries in its licenses/ (the LGPL asks for them
# with each copy). --licenses DIR copies an archive's licenses/ as it is; without it,
# scripts/release/licenses.sh makes them from this machine's /usr/share/doc for the
# packages the release declares for the command (its --static bin/envseal=PACKAGE
# lines: scripts/release/build.sh, scripts/musl/release.sh with --musl).
# Run it once per architecture into the same OUT for a multi-platform build.
# Files are copied (never linked), owned by root where possible, with fixed modes,
# so the image does not depend on the builder's umask or on Bazel's symlinks.
# Before copying anything it refuses, with one line "stage: FILE: why" and exit
# status 1, a file that is not a 64-bit little-endian ELF file for ARCH, a --lib or
# --lib-strict that is not an envseal shim for the layer's C library (a shared
# library, no program interpreter, needing libc.so.6 for glibc or libc.so for musl,
# with the .note.envseal note; --lib-strict of the strict flavour), and a command
# that needs more than glibc's own libraries and program interpreter (with --musl,
# any dynamically linked one).
#
# Usage: container/stage.sh --out DIR --arch amd64|arm64 --lib FILE
#                           [--cli FILE [--licenses DIR]] [--musl [--lib-strict FILE]]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

out='' arch='' lib='' cli='' musl=0 lib_strict='' licenses=''
while (($#)); do
    case $1 in
    --musl) musl=1; shift ;;
    --lib-strict) lib_strict=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --lib) lib=$2; shift 2 ;;
    --cli) cli=$2; shift 2 ;;
    --licenses) licenses=$2; shift 2 ;;
    *) echo "stage: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n "$out" && -n "$arch" && -n "$lib" ]] || {
    echo "usage: stage.sh --out DIR --arch amd64|arm64 --lib FILE [--cli FILE [--licenses DIR]]" \
        "[--musl [--lib-strict FILE]]" >&2
    exit 2
}
[[ -z "$licenses" || -n "$cli" ]] ||
    { echo "stage: --licenses goes with --cli (they are the command's)" >&2; exit 2; }

[[ -z "$lib_strict" ]] || ((musl)) ||
    { echo "stage: --lib-strict goes with --musl (the glibc layer ships one library)" >&2; exit 2; }
case $arch in
amd64) want=62 ;;
arm64) want=183 ;;
*) echo "stage: unsupported architecture $arch (amd64, arm64)" >&2; exit 2 ;;
esac
command -v readelf >/dev/null || { echo "stage: readelf (binutils) is needed" >&2; exit 1; }

refuse() { echo "stage: $1: $2" >&2; exit 1; }
# hexat FILE OFFSET COUNT: COUNT bytes of FILE from OFFSET, as hex digits.
hexat() { od -An -v -t x1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
# le HEX: the little-endian number those hex digits spell.
le() { local h=$1 r=''; while [[ -n "$h" ]]; do r=${h:0:2}$r h=${h:2}; done; echo $((16#${r:-0})); }
machine_name() { case $1 in 62) echo amd64 ;; 183) echo arm64 ;; *) echo "machine $1" ;; esac; }

# Every file: an ELF file for the platform, 64-bit and little-endian like amd64 and
# arm64. A file of another architecture, word size or byte order in
# /etc/ld.so.preload makes the loader print an error line for every process of the
# container.
elf_header() {
    local f=$1 m
    [[ -f "$f" ]] || refuse "$f" "no such file"
    [[ $(hexat "$f" 0 4) == 7f454c46 ]] || refuse "$f" "not an ELF file"
    case $(hexat "$f" 4 1) in
    02) ;;
    01) refuse "$f" "a 32-bit ELF file (ELFCLASS32); $arch needs 64-bit" ;;
    *) refuse "$f" "an ELF file of unknown class (EI_CLASS $(hexat "$f" 4 1))" ;;
    esac
    case $(hexat "$f" 5 1) in
    01) ;;
    02) refuse "$f" "a big-endian ELF file (ELFDATA2MSB); $arch is little-endian" ;;
    *) refuse "$f" "an ELF file of unknown byte order (EI_DATA $(hexat "$f" 5 1))" ;;
    esac
    m=$(le "$(hexat "$f" 18 2)")
    ((m == want)) || refuse "$f" "built for $(machine_name "$m") (e_machine $m), not $arch"
}

# The names a file needs (DT_NEEDED), one a line; refuses a file readelf cannot read.
needed() {
    local d
    d=$(LC_ALL=C readelf -dW "$1" 2>/dev/null) || refuse "$1" "readelf cannot read its dynamic section"
    sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$d"
}
has_interp() {
    local l
    l=$(LC_ALL=C readelf -lW "$1" 2>/dev/null) || refuse "$1" "readelf cannot read its program headers"
    grep -q '^ *INTERP ' <<<"$l"
}

# shim FILE LIBC FLAVOURS: FILE must be a shared library (ET_DYN without a program
# interpreter) that needs LIBC (libc.so.6: glibc; libc.so: musl) and carries
# envseal's .note.envseal note (preload/core/marker_note.h: namesz 8, type 1, owner
# "envseal", then the ABI and the flavour, 1 relocate, 2 strict) with a flavour in
# FLAVOURS. Otherwise the loader would stop every program (a musl build in a glibc
# image), print an error line for each (an executable), or preload a library that
# protects nothing.
shim() {
    local f=$1 libc=$2 flavours=$3 cname=glibc t deps sec off size note flavour
    [[ $libc == libc.so ]] && cname=musl
    elf_header "$f"
    t=$(le "$(hexat "$f" 16 2)")
    case $t in
    3) ;;
    2) refuse "$f" "an executable (ET_EXEC), not a shared library" ;;
    *) refuse "$f" "ELF type $t, not a shared library (ET_DYN)" ;;
    esac
    ! has_interp "$f" ||
        refuse "$f" "has a program interpreter (PT_INTERP): an executable, not a shared library"
    deps=$(needed "$f") || exit 1
    if ! grep -qxF "$libc" <<<"$deps"; then
        if [[ $libc == libc.so.6 ]] && grep -qxF libc.so <<<"$deps"; then
            refuse "$f" "needs libc.so, not libc.so.6: a musl build, which stops every glibc program"
        elif [[ $libc == libc.so ]] && grep -qxF libc.so.6 <<<"$deps"; then
            refuse "$f" "needs libc.so.6, not libc.so: a glibc build, which musl programs cannot load"
        fi
        refuse "$f" "does not need $libc: not a build for $cname"
    fi
    sec=$(LC_ALL=C readelf -SW "$f" 2>/dev/null) || refuse "$f" "readelf cannot read its section headers"
    read -r off size < <(awk '{ for (i = 1; i <= NF; i++) if ($i == ".note.envseal" && $(i + 1) == "NOTE")
        { print $(i + 3), $(i + 4); exit } }' <<<"$sec") || true
    [[ -n "${off:-}" && -n "${size:-}" ]] ||
        refuse "$f" "no .note.envseal note section: not an envseal shim"
    (( 16#$size >= 28 )) || refuse "$f" "its .note.envseal note is too short"
    note=$(hexat "$f" $((16#$off)) 28)
    [[ ${note:0:8} == 08000000 && ${note:16:8} == 01000000 && ${note:24:16} == 656e767365616c00 ]] ||
        refuse "$f" "its .note.envseal section holds no envseal note"
    (($(le "${note:8:8}") >= 8)) || refuse "$f" "its .note.envseal note is too short"
    flavour=$(le "${note:48:8}")
    [[ " $flavours " == *" $flavour "* ]] || case $flavour in
    1) refuse "$f" "the relocate-only build (note flavour 1); this file must be the strict build" ;;
    *) refuse "$f" "an envseal shim of unknown flavour $flavour" ;;
    esac
}

if ((musl)); then
    shim "$lib" libc.so "1 2"
    [[ -z "$lib_strict" ]] || shim "$lib_strict" libc.so 2
else
    shim "$lib" libc.so.6 "1 2"
fi

# The command must run in images that have glibc and nothing else (Debian slim has
# no libelf1): //cli:envseal_dist, as the release archive ships it, needs only libc.
# A musl image has no glibc at all: its command must need no loader.
if [[ -n "$cli" ]]; then
    elf_header "$cli"
    if ((musl)); then
        ! has_interp "$cli" ||
            refuse "$cli" "dynamically linked; the musl layer needs a static command"
    else
        deps=$(needed "$cli") || exit 1
        # glibc's own sonames only (musl's libc.so is not one of them).
        extra=$(grep -Ev '^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$' <<<"$deps" ||
            true)
        [[ -z "$extra" ]] || refuse "$cli" "needs ${extra//$'\n'/ }, which slim images lack"
        interp=$(LC_ALL=C readelf -lW "$cli" 2>/dev/null |
            sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
        case $interp in
        '' | /lib64/ld-linux-x86-64.so.2 | /lib/ld-linux-aarch64.so.1) ;;
        *) refuse "$cli" "its program interpreter is $interp, not glibc's" ;;
        esac
    fi
fi

owner=()
[[ $(id -u) -eq 0 ]] && owner=(-o root -g root)

# The command's notices, gathered before anything is staged.
if [[ -n "$cli" ]]; then
    [[ -f "$top/LICENSE" ]] || refuse "$top/LICENSE" "no such file: envseal's license"
    if [[ -n "$licenses" ]]; then
        compgen -G "$licenses/*.copyright" >/dev/null ||
            refuse "$licenses" "holds no PACKAGE.copyright file: not a release archive's licenses/"
    else
        decl=$top/scripts/release/build.sh
        ((musl)) && decl=$top/scripts/musl/release.sh
        statics=$(grep -o -- '--static bin/envseal=[A-Za-z0-9.+-]*' "$decl" 2>/dev/null |
            sed 's/.*=//') || true
        [[ -n "$statics" ]] ||
            refuse "$decl" "no --static bin/envseal=PACKAGE: the command's licenses are unknown"
        licenses=$(mktemp -d "${TMPDIR:-/tmp}/envseal-licenses.XXXXXX")
        trap 'rm -rf "$licenses"' EXIT
        # shellcheck disable=SC2086 # one package name a word
        bash "$top/scripts/release/licenses.sh" "$licenses" $statics >&2 || exit 1
    fi
fi
# notices ROOT: ROOT/usr/share/doc/envseal/LICENSE and licenses/ (with --cli).
notices() {
    local d=$1/usr/share/doc/envseal f
    [[ -n "$cli" ]] || return 0
    install -d -m 0755 "${owner[@]}" "$1/usr/share" "$1/usr/share/doc" "$d" "$d/licenses"
    install -m 0644 "${owner[@]}" "$top/LICENSE" "$d/LICENSE"
    for f in "$licenses"/*; do
        [[ -f "$f" ]] && install -m 0644 "${owner[@]}" "$f" "$d/licenses/${f##*/}"
    done
    return 0
}
if ((musl)); then
    root=$out/rootfs-musl-$arch
    rm -rf "$root"
    install -d -m 0755 "${owner[@]}" "$out" "$root" "$root/usr" "$root/usr/lib" \
        "$root/usr/lib/envseal"
    install -m 0755 "${owner[@]}" "$lib" "$root/usr/lib/envseal/libenvseal-musl.so"
    [[ -z "$lib_strict" ]] ||
        install -m 0755 "${owner[@]}" "$lib_strict" "$root/usr/lib/envseal/libenvseal-strict-musl.so"
    if [[ -n "$cli" ]]; then
        install -d -m 0755 "${owner[@]}" "$root/usr/bin"
        install -m 0755 "${owner[@]}" "$cli" "$root/usr/bin/envseal"
    fi
    notices "$root"
    install -m 0644 "$here/Containerfile.musl" "$here/Containerfile.alpine" "$out/"
    exit 0
fi
root=$out/rootfs-$arch
rm -rf "$root"
install -d -m 0755 "${owner[@]}" "$out" "$root" "$root/etc" "$root/usr" "$root/usr/lib" \
    "$root/usr/lib/envseal"
install -m 0755 "${owner[@]}" "$lib" "$root/usr/lib/envseal/libenvseal.so"
if [[ -n "$cli" ]]; then
    # /usr/bin next to /usr/lib/envseal/: where the command looks for the shim.
    install -d -m 0755 "${owner[@]}" "$root/usr/bin"
    install -m 0755 "${owner[@]}" "$cli" "$root/usr/bin/envseal"
fi
notices "$root"
printf '/usr/lib/envseal/libenvseal.so\n' >"$root/etc/ld.so.preload"
chmod 0644 "$root/etc/ld.so.preload"
install -m 0644 "$here/Containerfile" "$here/Containerfile.debian" "$out/"
