#!/usr/bin/env bash
# Makes a Debian bookworm root filesystem like the debian:bookworm-slim image
# (debootstrap --variant=minbase, documentation and apt caches removed) plus the
# packages named on the command line, as a tar archive, and prints its path.
#
# No container registry is reachable where the tests run, so this stands in for
# `FROM debian:bookworm-slim`. The archive is cached in $ENVSEAL_ROOTFS_CACHE
# (default /var/cache/envseal-test), keyed on everything that goes into it, and
# reused only when its recorded SHA-256 still matches. Progress goes to stderr.
#
# Usage: debian_rootfs.sh [package...]      (root only)
set -euo pipefail

suite=bookworm
mirror=${ENVSEAL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${ENVSEAL_ROOTFS_CACHE:-/var/cache/envseal-test}
arch=$(dpkg --print-architecture)
# Bump when the recipe below changes: old archives then stop matching.
recipe=2

[[ $(id -u) -eq 0 ]] || { echo "debian_rootfs: needs root (debootstrap)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "debian_rootfs: debootstrap missing" >&2; exit 2; }

pkgs=$(printf '%s\n' "$@" | LC_ALL=C sort -u | paste -sd, -)
key=$(printf 'recipe=%s suite=%s arch=%s mirror=%s debootstrap=%s include=%s\n' \
    "$recipe" "$suite" "$arch" "$mirror" \
    "$(dpkg-query -W -f='${Version}' debootstrap)" "$pkgs" | sha256sum | cut -c1-16)
tarball=$cache/debian-$suite-$arch-$key.tar
sumfile=$tarball.sha256

# Only root may write where the archive lives: it becomes every test image's base.
install -d -m 0700 -o root -g root "$cache"
exec 9>"$cache/.lock"
flock 9

if [[ -f "$tarball" && -f "$sumfile" ]]; then
    if (cd "$cache" && sha256sum --quiet -c "$sumfile" >/dev/null 2>&1); then
        echo "debian_rootfs: cached $(basename "$tarball")" >&2
        echo "$tarball"
        exit 0
    fi
    echo "debian_rootfs: cached archive fails its checksum, rebuilding" >&2
    rm -f "$tarball" "$sumfile"
fi

work=$(mktemp -d "$cache/build.XXXXXX")
# debootstrap mounts /proc and /sys in the target; never descend into a mount.
cleanup() {
    findmnt -rn -o TARGET | grep -F "$work/" | sort -r | xargs -r umount -l || true
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root=$work/rootfs
echo "debian_rootfs: debootstrap $suite minbase + ${pkgs:-nothing} (a few minutes)" >&2
start=$SECONDS
include=()
[[ -n "$pkgs" ]] && include=(--include="$pkgs")
if ! debootstrap --variant=minbase "${include[@]}" "$suite" "$root" "$mirror" \
    >"$work/debootstrap.log" 2>&1; then
    tail -n 20 "$work/debootstrap.log" >&2
    echo "debian_rootfs: debootstrap failed" >&2
    exit 1
fi

# Slim it the way the debian:*-slim images are: no docs, man pages, apt lists or
# downloaded packages; machine-specific files emptied.
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/usr/share/locale/* "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/debootstrap
: >"$root/etc/machine-id" 2>/dev/null || true
rm -f "$root/etc/hostname" "$root/etc/resolv.conf"
echo "nameserver 127.0.0.1" >"$root/etc/resolv.conf"

# Device nodes, /proc and /sys are the runtime's business, not the image's.
tar -C "$root" --numeric-owner --xattrs --exclude=./dev/* --exclude=./proc/* \
    --exclude=./sys/* -cf "$work/rootfs.tar" .
mv "$work/rootfs.tar" "$tarball"
(cd "$cache" && sha256sum "$(basename "$tarball")" >"$sumfile.tmp" && mv "$sumfile.tmp" "$sumfile")
# Older archives of other keys are left alone: another checkout may use them.
echo "debian_rootfs: built $(basename "$tarball") in $((SECONDS - start)) s," \
    "$(du -m "$tarball" | cut -f1) MB" >&2
echo "$tarball"
