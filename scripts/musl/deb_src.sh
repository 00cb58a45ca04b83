#!/usr/bin/env bash
# Makes `apt-get source` work: adds a deb-src entry for Debian 12's main archive
# (envseal-deb-src.sources) when no deb-src entry exists, and reads its index.
# Idempotent; root only. Sourced by the scripts that rebuild Debian source
# packages with musl-gcc.
deb_src_enable() {
    local list=/etc/apt/sources.list.d/envseal-deb-src.sources pkg=$1
    if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
        ! grep -qs '^deb-src ' /etc/apt/sources.list; then
        echo "deb-src: adding $list" >&2
        cat >"$list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    fi
    apt-cache showsrc "$pkg" >/dev/null 2>&1 || apt-get update -qq >&2
}

# The newest source version of a package the archive offers.
deb_src_version() {
    apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n1
}
