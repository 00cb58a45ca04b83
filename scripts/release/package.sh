#!/usr/bin/env bash
# Packs built binaries into the release files (scripts/release/build.sh builds them
# first; tests call this directly with Bazel's outputs):
#   OUT/envseal-VERSION-linux-ARCH.tar.gz      lib/libenvseal.so, lib/libenvseal-strict.so
#                                             (with --lib-strict), bin/envseal (with
#                                             --cli), LICENSE, README.md, SECURITY.md,
#                                             docs/*.md, licenses/ (with --static)
#   OUT/envseal-VERSION-linux-ARCH.spdx.json   its SPDX 2.3 SBOM
#   OUT/envseal_VERSION_ARCH.deb               (with --cli) the Debian package of the
#                                             same binaries (scripts/release/deb.sh)
#   OUT/envseal_VERSION_ARCH.spdx.json         its SPDX 2.3 SBOM
#   OUT/SHA256SUMS                             SHA-256 of them all
# With --libc musl: envseal-musl-VERSION-linux-ARCH.* holding lib/libenvseal-musl.so,
# lib/libenvseal-strict-musl.so and the static musl bin/envseal (scripts/musl/release.sh),
# its SBOM and SHA256SUMS; no Debian package.
# With --os macos --arch arm64|x86_64: envseal-VERSION-macos-ARCH.tar.gz holding
# lib/libenvseal.dylib and bin/envseal (Mach-O, scripts/release/darwin.sh), its SBOM and
# SHA256SUMS; no Debian package.
# Reproducible: names sorted, owner 0:0, modes normalised, every mtime
# SOURCE_DATE_EPOCH, gzip without name or time, SBOM time SOURCE_DATE_EPOCH.
#
# usage: package.sh --lib FILE [--lib-strict FILE] [--cli FILE] --sbom-tool FILE --version V --docs DIR
#                   --out DIR [--tag TAG] [--repo OWNER/NAME] [--static PATH=PACKAGE]...
#                   [--libc glibc|musl] [--os linux|macos] [--arch ARCH]
#   --docs   the source tree holding LICENSE, README.md, SECURITY.md and docs/
#   --tag    the release tag, for the SBOM's download location (else NOASSERTION)
#   --static the Debian package PACKAGE's static library is linked into PATH (relative
#            to the archive's top directory, e.g. bin/envseal=libelf-dev); the SBOM
#            lists it with a STATIC_LINK relationship (nothing in the ELF file says so)
#            and its license in the file's; licenses/ holds its copyright file and the
#            license texts that names
#   --arch   the binaries' architecture in the file name (default: uname -m; required
#            with --os macos, whose binaries are cross-built)
# SOURCE_DATE_EPOCH must be set.
set -euo pipefail

fail() { echo "package: $*" >&2; exit 1; }
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }

lib= lib_strict= cli= sbom_tool= version= docs= out= tag= repo=envseal/envseal libc=glibc
os=linux arch=
statics=()
while (($#)); do
    (($# >= 2)) || fail "$1 needs a value"
    case $1 in
    --lib) lib=$(abs "$2") ;;
    --lib-strict) lib_strict=$(abs "$2") ;;
    --cli) cli=$(abs "$2") ;;
    --sbom-tool) sbom_tool=$(abs "$2") ;;
    --version) version=$2 ;;
    --docs) docs=$(cd "$2" && pwd) ;;
    --out) out=$2 ;;
    --tag) tag=$2 ;;
    --repo) repo=$2 ;;
    --static) statics+=("$2") ;;
    --libc) libc=$2 ;;
    --os) os=$2 ;;
    --arch) arch=$2 ;;
    *) fail "unknown argument $1" ;;
    esac
    shift 2
done
[[ -n $lib && -n $sbom_tool && -n $version && -n $docs && -n $out ]] ||
    fail "usage: package.sh --lib FILE [--cli FILE] --sbom-tool FILE --version V --docs DIR --out DIR [--tag TAG]"
[[ ${SOURCE_DATE_EPOCH:-} =~ ^[0-9]+$ ]] || fail "SOURCE_DATE_EPOCH must be set"
[[ $version =~ ^[0-9A-Za-z.+-]+$ ]] || fail "bad version '$version'"
[[ -f $docs/LICENSE ]] || fail "$docs/LICENSE is missing"

case $libc in
glibc) flavour='' suffix='' ;;
musl) flavour=-musl suffix=-musl ;;
*) fail "--libc is glibc or musl, not '$libc'" ;;
esac
libname=libenvseal$suffix.so
case $os in
linux) arch=${arch:-$(uname -m)} ;;
macos)
    [[ $arch == arm64 || $arch == x86_64 ]] || fail "--os macos needs --arch arm64 or x86_64"
    [[ $libc == glibc && -z $lib_strict && ${#statics[@]} -eq 0 ]] ||
        fail "--os macos takes no --libc, --lib-strict or --static"
    libname=libenvseal.dylib
    ;;
*) fail "--os is linux or macos, not '$os'" ;;
esac
name=envseal$flavour-$version-$os-$arch
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
top=$stage/$name
install -d -m 0755 "$top/lib"
install -m 0755 "$lib" "$top/lib/$libname"
[[ -n $lib_strict ]] && install -m 0755 "$lib_strict" "$top/lib/libenvseal-strict$suffix.so"
if [[ -n $cli ]]; then
    install -d -m 0755 "$top/bin"
    install -m 0755 "$cli" "$top/bin/envseal"
fi
# bin/envseal has other projects' code linked in (--static): their Debian copyright
# files, and the license texts those name, go with it (the LGPL asks for both).
if ((${#statics[@]})); then
    bash "$(dirname "${BASH_SOURCE[0]}")/licenses.sh" "$top/licenses" "${statics[@]#*=}" ||
        fail "the licenses of the --static packages could not be copied"
fi
for doc in LICENSE README.md SECURITY.md; do
    [[ -f $docs/$doc ]] && install -m 0644 "$docs/$doc" "$top/$doc"
done
for doc in "$docs"/docs/*.md; do
    [[ -f $doc ]] || continue
    install -d -m 0755 "$top/docs"
    install -m 0644 "$doc" "$top/docs/$(basename "$doc")"
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
tarball=$name.tar.gz
# A previous release in OUT would otherwise end up in nobody's checksums.
rm -f "$out"/envseal-*.tar.gz "$out"/envseal-*.spdx.json "$out"/envseal_*.deb \
    "$out"/envseal_*.spdx.json "$out/SHA256SUMS" "$out"/*.sigstore.json
(cd "$stage" && LC_ALL=C tar --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
    --mtime="@$SOURCE_DATE_EPOCH" --mode='u+rw,go+r,go-w' -cf - "$name") |
    gzip -9 -n >"$out/$tarball"

# sbom ARCHIVE ROOT PREFIX: writes OUT/BASE.spdx.json for OUT/ARCHIVE (BASE: ARCHIVE
# without .tar.gz or .deb), whose files are those under ROOT (a package's control
# files, ROOT/DEBIAN, are not among them); PREFIX maps the
# --static paths (bin/envseal) to the archive's (PREFIXbin/envseal).
sbom() {
    local archive=$1 root=$2 prefix=$3 base=${1%.tar.gz} decl static_args=() members sha
    base=${base%.deb}
    mapfile -t members < <(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print |
        sed 's|^\./||' | LC_ALL=C sort)
    sha=$(sha256sum "$out/$archive" | cut -d' ' -f1)
    for decl in "${statics[@]}"; do
        [[ $decl == ?*=?* ]] || fail "--static wants PATH=PACKAGE, not '$decl'"
        static_args+=(--static "$prefix${decl#bin/}")
    done
    # purl: "+" is percent-encoded, "~" and ":" are not.
    local download=NOASSERTION purl=pkg:generic/envseal@${version//+/%2B}?file_name=${archive//+/%2B}
    [[ -n $tag ]] && download=https://github.com/$repo/releases/download/$tag/$archive
    if [[ $archive == *.deb ]]; then
        local v
        v=$(dpkg-deb -f "$out/$archive" Version)
        purl=pkg:deb/envseal/envseal@${v//+/%2B}?arch=$(dpkg-deb -f "$out/$archive" Architecture)
    fi
    "$sbom_tool" --name envseal --version "$version" --license Apache-2.0 \
        --supplier "Organization: envseal" --archive "$out/$archive" --root "$root" \
        --namespace "https://github.com/$repo/spdx/$base-$sha" \
        --download-location "$download" --purl "$purl" --output "$out/$base.spdx.json" "${static_args[@]}" \
        "${members[@]}" ||
        fail "SBOM generation failed for $archive"
    sums+=("$archive" "$base.spdx.json")
    echo "package: $out/$archive (${#members[@]} files)" >&2
}
sums=()
sbom "$tarball" "$stage" "$name/bin/"

# The Debian package: the same binaries, laid out as Debian lays them out (glibc only:
# Debian's programs are glibc programs).
if [[ -n $cli && $libc == glibc && $os == linux ]]; then
    deb=$(bash "$(dirname "${BASH_SOURCE[0]}")/deb.sh" --lib "$lib" \
        ${lib_strict:+--lib-strict "$lib_strict"} --cli "$cli" --version "$version" \
        --docs "$docs" --stage "$stage/deb" --out "$out") || fail "the Debian package failed"
    sbom "$(basename "$deb")" "$stage/deb/debian/envseal" "usr/bin/"
fi

(cd "$out" && sha256sum "${sums[@]}" >SHA256SUMS)
