#!/usr/bin/env bash
# Builds the Debian package of a release from the same binaries as the archive
# (scripts/release/package.sh calls it):
#   OUT/envseal_VERSION_ARCH.deb
#     /usr/bin/envseal
#     /usr/lib/TRIPLET/envseal/libenvseal.so, libenvseal-strict.so (with --lib-strict)
#     /usr/share/man/man1/envseal.1.gz, /usr/share/man/man7/libenvseal.7.gz
#     /usr/share/bash-completion/completions/envseal
#     /usr/share/doc/envseal/{copyright,changelog.gz,README.md,SECURITY.md,docs/,examples/}
#     /usr/share/lintian/overrides/envseal
# The ELF files are the archive's, stripped as Debian's dh_strip strips them.
# The package's version is VERSION with "-" turned into "~" (0.0.0-dev.X sorts before 0.0.0);
# ARCH and TRIPLET are dpkg's for this machine. Depends comes from dpkg-shlibdeps:
# the libc6 version that the symbols the binaries use need. One maintainer script,
# prerm: removing the package is refused while /etc/ld.so.preload still names one of
# its libraries (without them every program would print a loader error and run
# unprotected); installing never touches /etc/ld.so.preload. Reproducible: every mtime is
# SOURCE_DATE_EPOCH (dpkg-deb also uses it for the ar members), owner root, modes
# set here, files sorted by dpkg-deb, single-threaded xz.
#
# usage: deb.sh --lib FILE [--lib-strict FILE] --cli FILE --version V --docs DIR
#               --stage DIR --out DIR
#   --docs   the source tree (README.md, SECURITY.md, docs/, packaging/)
#   --stage  an empty directory; the package's tree is left in STAGE/debian/envseal
#            (for the SBOM)
# Prints the .deb's path. SOURCE_DATE_EPOCH must be set.
set -euo pipefail

fail() { echo "deb: $*" >&2; exit 1; }

lib= lib_strict= cli= version= docs= stage= out=
while (($#)); do
    (($# >= 2)) || fail "$1 needs a value"
    case $1 in
    --lib) lib=$2 ;;
    --lib-strict) lib_strict=$2 ;;
    --cli) cli=$2 ;;
    --version) version=$2 ;;
    --docs) docs=$2 ;;
    --stage) stage=$2 ;;
    --out) out=$2 ;;
    *) fail "unknown argument $1" ;;
    esac
    shift 2
done
[[ -n $lib && -n $cli && -n $version && -n $docs && -n $stage && -n $out ]] ||
    fail "usage: deb.sh --lib FILE [--lib-strict FILE] --cli FILE --version V --docs DIR --stage DIR --out DIR"
[[ ${SOURCE_DATE_EPOCH:-} =~ ^[0-9]+$ ]] || fail "SOURCE_DATE_EPOCH must be set"
for tool in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
    command -v $tool >/dev/null || fail "$tool is missing (Debian package dpkg-dev)"
done
pkg=$docs/packaging
debversion=${version//-/\~}
dpkg --validate-version "$debversion" 2>/dev/null || fail "'$debversion' is not a Debian version"
arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)

root=$stage/debian/envseal
doc=$root/usr/share/doc/envseal
private=$root/usr/lib/$triplet/envseal
umask 022
install -d "$root/DEBIAN" "$root/usr/bin" "$private" "$doc/docs" "$doc/examples" \
    "$root/usr/share/man/man1" "$root/usr/share/man/man7" \
    "$root/usr/share/bash-completion/completions"
# Stripped as dh_strip strips; the archive keeps the unstripped files, with the same
# GNU build-id, so it serves as their debug symbols (tests/release/deb_test.sh
# checks that these are those files, stripped).
install -m 0755 "$cli" "$root/usr/bin/envseal"
install -m 0644 "$lib" "$private/libenvseal.so"
[[ -n $lib_strict ]] && install -m 0644 "$lib_strict" "$private/libenvseal-strict.so"
strip --remove-section=.comment --remove-section=.note "$root/usr/bin/envseal"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$private"/*.so
install -d "$root/usr/share/lintian/overrides"
install -m 0644 "$pkg/deb/lintian-overrides" "$root/usr/share/lintian/overrides/envseal"
install -m 0644 "$pkg/bash-completion/envseal" "$root/usr/share/bash-completion/completions/envseal"
install -m 0644 "$pkg/deb/copyright" "$doc/copyright"
for f in README.md SECURITY.md; do install -m 0644 "$docs/$f" "$doc/$f"; done
install -m 0644 "$docs"/docs/*.md "$doc/docs/"
install -m 0644 "$pkg"/systemd/*.service "$doc/examples/"
gz() { gzip -9 -n -c "$1" >"$2" && chmod 0644 "$2"; }
gz "$pkg/man/envseal.1" "$root/usr/share/man/man1/envseal.1.gz"
gz "$pkg/man/libenvseal.7" "$root/usr/share/man/man7/libenvseal.7.gz"
date=$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")
sed -e "s/@VERSION@/$debversion/" -e "s/@DATE@/$date/" "$pkg/deb/changelog.in" >"$stage/changelog"
gz "$stage/changelog" "$doc/changelog.gz"

# Depends: what the ELF files' symbols need (dpkg's symbols files), nothing else.
: >"$stage/debian/control"
depends=$(cd "$stage" && dpkg-shlibdeps -O -Tdebian/substvars "${root#"$stage/"}/usr/bin/envseal" \
    "${root#"$stage/"}"/usr/lib/"$triplet"/envseal/*.so 2>"$stage/shlibdeps.log" |
    sed -n 's/^shlibs:Depends=//p') || { cat "$stage/shlibdeps.log" >&2; fail "dpkg-shlibdeps failed"; }
[[ -n $depends ]] || fail "dpkg-shlibdeps found no dependency"

# Installed-Size as dpkg-gencontrol counts it: KiB per file, rounded up, 1 per directory.
size=$(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%s\n' |
    awk '{ n += int(($1 + 1023) / 1024) } END { print n }')
size=$((size + $(cd "$root" && find . -path ./DEBIAN -prune -o -type d -print | wc -l)))
sed -e "s/@VERSION@/$debversion/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
    -e "s/@DEPENDS@/$depends/" "$pkg/deb/control.in" >"$root/DEBIAN/control"
(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
sed -e "s|@TRIPLET@|$triplet|g" "$pkg/deb/prerm.in" >"$root/DEBIAN/prerm"
chmod 0755 "$root/DEBIAN/prerm"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out"
# Named with the release's version: GitHub renames "~" in release files.
deb=$out/envseal_${version}_$arch.deb
dpkg-deb --root-owner-group --threads-max=1 -Zxz -z9 --build "$root" "$deb" >/dev/null ||
    fail "dpkg-deb failed"
echo "$deb"
