#!/usr/bin/env bash
# Copies into DEST the license notice of each Debian package PACKAGE whose static
# library is linked into the envseal command: /usr/share/doc/PACKAGE/copyright as
# DEST/PACKAGE.copyright, and every /usr/share/common-licenses/X text it names as
# DEST/X (the LGPL asks for both with each copy). Files are copied with mode 0644,
# DEST created with mode 0755. Exits 1 with "licenses: FILE is missing: why" when a
# file is missing.
#
# usage: scripts/release/licenses.sh DEST PACKAGE...
# Used by scripts/release/package.sh (the archive's licenses/) and container/stage.sh
# (the layer's /usr/share/doc/envseal/licenses/).
set -euo pipefail

fail() { echo "licenses: $*" >&2; exit 1; }
(($# >= 2)) || fail "usage: licenses.sh DEST PACKAGE..."
dest=$1
shift
install -d -m 0755 "$dest"
for pkg in "$@"; do
    copyright=/usr/share/doc/$pkg/copyright
    [[ -f $copyright ]] || fail "$copyright is missing: the license of $pkg"
    install -m 0644 "$copyright" "$dest/$pkg.copyright"
    for text in $(grep -oE '/usr/share/common-licenses/[A-Za-z0-9+-]+(\.[A-Za-z0-9+-]+)*' "$copyright" | sort -u); do
        [[ -f $text ]] || fail "$text is missing: named by $copyright"
        install -m 0644 "$text" "$dest/${text##*/}"
    done
done
