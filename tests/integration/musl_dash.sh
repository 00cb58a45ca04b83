#!/usr/bin/env bash
# Builds dash, a real third-party shell, with musl-gcc from Debian's own source
# package (`apt-get source dash`, Debian's patches applied) and prints the path of
# the musl-linked program. Its interpreter is /lib/ld-musl-<arch>.so.1, so it runs
# only with musl's libc: it is what a musl program under envseal looks like.
#
# Built once and cached like the Debian root filesystem (debian_rootfs.sh): in
# $ENVSEAL_ROOTFS_CACHE (default /var/cache/envseal-test), keyed on the recipe and
# the versions that go into it, reused only while its recorded SHA-256 matches.
# The deb-src entry this needs is added once (scripts/musl/deb_src.sh).
# Progress goes to stderr.
#
# Usage: musl_dash.sh      (root only)
set -euo pipefail

cache=${ENVSEAL_ROOTFS_CACHE:-/var/cache/envseal-test}
arch=$(dpkg --print-architecture)
# Bump when the recipe below changes: old builds then stop matching.
recipe=1

[[ $(id -u) -eq 0 ]] || { echo "musl_dash: needs root (apt-get update)" >&2; exit 2; }
command -v musl-gcc >/dev/null || { echo "musl_dash: musl-gcc (musl-tools) missing" >&2; exit 2; }
for tool in dpkg-source autoreconf; do
    command -v "$tool" >/dev/null || { echo "musl_dash: $tool missing (setup.sh)" >&2; exit 2; }
done

# Source packages come from the same archive as the binary ones (Debian 12).
# shellcheck source=../../scripts/musl/deb_src.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/musl/deb_src.sh"
deb_src_enable dash
# The key holds the source version: a changed dash source means a new build.
version=$(deb_src_version dash)
[[ -n "$version" ]] || { echo "musl_dash: no dash source package" >&2; exit 1; }
# musl, autoconf and automake take part: their versions are in the key too.
key=$(printf 'recipe=%s arch=%s dash=%s %s\n' "$recipe" "$arch" "$version" \
    "$(dpkg-query -W -f='${Package}=${Version} ' musl-dev autoconf automake)" |
    sha256sum | cut -c1-16)
out=$cache/musl-dash-$arch-$key
prog=$out/dash
sumfile=$out/dash.sha256

install -d -m 0700 -o root -g root "$cache"
exec 9>"$cache/.lock-musl-dash"
flock 9

if [[ -f "$prog" && -f "$sumfile" ]]; then
    if (cd "$out" && sha256sum --quiet -c "$sumfile" >/dev/null 2>&1); then
        echo "musl_dash: cached $(basename "$out")/dash" >&2
        echo "$prog"
        exit 0
    fi
    echo "musl_dash: cached build fails its checksum, rebuilding" >&2
    rm -rf "$out"
fi

work=$(mktemp -d "$cache/build-dash.XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT
echo "musl_dash: apt-get source dash=$version, musl-gcc build (about a minute)" >&2
start=$SECONDS
(cd "$work" && apt-get source -qq "dash=$version" >"$work/source.log" 2>&1) || {
    tail -n 20 "$work/source.log" >&2
    echo "musl_dash: apt-get source failed" >&2
    exit 1
}
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'dash-*' | head -n1)
# Debian's patches change configure.ac and src/Makefile.am: regenerate as Debian's
# own build does. dash's helper generators (mksyntax, mknodes...) run at build
# time: musl programs run here, so one compiler serves both.
if ! (cd "$srcdir" && autoreconf -fi >"$work/build.log" 2>&1 &&
    ./configure CC=musl-gcc CFLAGS='-O2 -fstack-protector-strong' \
    LDFLAGS='-Wl,-z,relro -Wl,-z,now' >>"$work/build.log" 2>&1 &&
    make -j2 >>"$work/build.log" 2>&1); then
    tail -n 20 "$work/build.log" >&2
    echo "musl_dash: build failed" >&2
    exit 1
fi
built=$srcdir/src/dash
interp=$(LC_ALL=C readelf -lW "$built" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
[[ "$interp" == /lib/ld-musl-* ]] ||
    { echo "musl_dash: built dash's interpreter is '$interp', not musl's" >&2; exit 1; }

install -d -m 0755 "$out"
install -m 0755 "$built" "$prog"
(cd "$out" && sha256sum dash >"$sumfile.tmp" && mv "$sumfile.tmp" "$sumfile")
echo "musl_dash: built $(basename "$out")/dash ($version) in $((SECONDS - start)) s" >&2
echo "$prog"
