#!/usr/bin/env bash
# Prepares the build context of the envseal layer image for one architecture:
#   OUT/Containerfile, OUT/Containerfile.debian
#   OUT/rootfs-ARCH/usr/lib/envseal/libenvseal.so
#   OUT/rootfs-ARCH/usr/bin/envseal                (with --cli)
#   OUT/rootfs-ARCH/etc/ld.so.preload
# With --musl, the musl layer instead (Containerfile.musl, Containerfile.alpine):
#   OUT/rootfs-musl-ARCH/usr/lib/envseal/libenvseal-musl.so
#   OUT/rootfs-musl-ARCH/usr/lib/envseal/libenvseal-strict-musl.so   (with --lib-strict)
#   OUT/rootfs-musl-ARCH/usr/bin/envseal          (with --cli: must be static)
# and no /etc/ld.so.preload (musl's loader reads none).
# Run it once per architecture into the same OUT for a multi-platform build.
# Files are copied (never linked), owned by root where possible, with fixed modes,
# so the image does not depend on the builder's umask or on Bazel's symlinks.
#
# Usage: container/stage.sh --out DIR --arch amd64|arm64 --lib FILE [--cli FILE]
#                           [--musl [--lib-strict FILE]]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

out='' arch='' lib='' cli='' musl=0 lib_strict=''
while (($#)); do
    case $1 in
    --musl) musl=1; shift ;;
    --lib-strict) lib_strict=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --lib) lib=$2; shift 2 ;;
    --cli) cli=$2; shift 2 ;;
    *) echo "stage: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n "$out" && -n "$arch" && -n "$lib" ]] || {
    echo "usage: stage.sh --out DIR --arch amd64|arm64 --lib FILE [--cli FILE] [--musl [--lib-strict FILE]]" >&2
    exit 2
}

# ELF e_machine (2 bytes, little-endian, at offset 18) must match the platform:
# a library of the wrong architecture would make the loader print an error line
# for every process of the container.
elf_machine() { od -An -t u2 -j 18 -N 2 "$1" | tr -d ' '; }
case $arch in
amd64) want=62 ;;
arm64) want=183 ;;
*) echo "stage: unsupported architecture $arch (amd64, arm64)" >&2; exit 2 ;;
esac
for f in "$lib" ${lib_strict:+"$lib_strict"} ${cli:+"$cli"}; do
    [[ -f "$f" ]] || { echo "stage: $f: no such file" >&2; exit 1; }
    [[ $(head -c 4 "$f" | od -An -t x1 | tr -d ' ') == 7f454c46 ]] ||
        { echo "stage: $f is not an ELF file" >&2; exit 1; }
    [[ $(elf_machine "$f") == "$want" ]] ||
        { echo "stage: $f is not built for $arch" >&2; exit 1; }
done

# The command must run in images that have glibc and nothing else (Debian slim has
# no libelf1): //cli:envseal_dist, as the release archive ships it, needs only libc.
# A musl image has no glibc at all: its command must need no loader.
if [[ -n "$cli" ]] && ((musl)); then
    command -v readelf >/dev/null || { echo "stage: readelf (binutils) is needed" >&2; exit 1; }
    ! LC_ALL=C readelf -lW "$cli" | grep -q 'INTERP' ||
        { echo "stage: $cli is dynamically linked; the musl layer needs a static command" >&2; exit 1; }
elif [[ -n "$cli" ]]; then
    command -v readelf >/dev/null || { echo "stage: readelf (binutils) is needed" >&2; exit 1; }
    extra=$(LC_ALL=C readelf -dW "$cli" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
        grep -Ev '^(libc|libm|libdl|libpthread|librt|ld-linux[-.a-z0-9_]*)\.so' || true)
    [[ -z "$extra" ]] ||
        { echo "stage: $cli needs ${extra//$'\n'/ }, which slim images lack" >&2; exit 1; }
fi

owner=()
[[ $(id -u) -eq 0 ]] && owner=(-o root -g root)
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
printf '/usr/lib/envseal/libenvseal.so\n' >"$root/etc/ld.so.preload"
chmod 0644 "$root/etc/ld.so.preload"
install -m 0644 "$here/Containerfile" "$here/Containerfile.debian" "$out/"
