#!/usr/bin/env bash
# Builds the musl release files for the host platform (what the envseal-alpine image
# is made of), from a git checkout, reproducibly like scripts/release/build.sh:
#   OUT/envseal-musl-VERSION-linux-ARCH.tar.gz   lib/libenvseal-musl.so,
#        lib/libenvseal-strict-musl.so, bin/envseal (static, musl), the docs
#   OUT/envseal-musl-VERSION-linux-ARCH.spdx.json, OUT/SHA256SUMS
# The SBOM declares what bin/envseal links statically: musl's libc.a (musl-dev),
# and libelf and zlib, rebuilt with musl-gcc from the Debian sources of libelf-dev
# and zlib1g-dev at the same versions (checked here), under those package names.
#
# usage: scripts/musl/release.sh [--out DIR] [--version V]      (root on a cold cache)
set -euo pipefail
fail() { echo "musl-release: $*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=deb_src.sh
source "$here/deb_src.sh"
out=$src/release-musl version=
while (($#)); do
    (($# >= 2)) || fail "$1 needs a value"
    case $1 in
    --out) out=$2 ;;
    --version) version=$2 ;;
    *) fail "unknown argument $1" ;;
    esac
    shift 2
done
cd "$src"
commit=$(git rev-parse HEAD)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
tag=$(git describe --tags --exact-match HEAD 2>/dev/null || true)
[[ -n $version ]] || version=${tag#v}
[[ -n $version ]] || version=0.0.0-dev.${commit:0:12}
repo=${ENVSEAL_REPOSITORY:-${GITHUB_REPOSITORY:-envseal/envseal}}

# The SBOM names libelf-dev and zlib1g-dev: their sources must be what was rebuilt.
[[ $(id -u) -ne 0 ]] || { deb_src_enable elfutils; deb_src_enable zlib; }
for pair in elfutils=libelf-dev zlib=zlib1g-dev; do
    have=$(dpkg-query -W -f='${Version}' "${pair#*=}")
    [[ $(deb_src_version "${pair%=*}") == "$have" ]] ||
        fail "${pair%=*}'s source is not at ${pair#*=}'s version $have"
done

flags=(-c opt --nostamp --symlink_prefix=/)
execroot=$(bazel info "${flags[@]}" execution_root 2>/dev/null) || fail "bazel info failed"
flags+=(--copt=-ffile-prefix-map="$execroot"=.)
bazel build "${flags[@]}" //preload:libenvseal-musl.so //preload:libenvseal-strict-musl.so \
    //preload:default_patterns_compiled //scripts/sbom:envseal-sbom >&2 ||
    fail "bazel build failed"
bin=$(bazel info "${flags[@]}" bazel-bin 2>/dev/null)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/envseal.sh" --out "$work/envseal" --version "$version" \
    --patterns "$bin/preload/default_patterns_compiled.c"
"$src/scripts/release/package.sh" --libc musl --lib "$bin/preload/libenvseal-musl.so" \
    --lib-strict "$bin/preload/libenvseal-strict-musl.so" --cli "$work/envseal" \
    --sbom-tool "$bin/scripts/sbom/envseal-sbom" --version "$version" --docs "$src" \
    --out "$out" ${tag:+--tag "$tag"} --repo "$repo" \
    --static bin/envseal=musl-dev --static bin/envseal=libelf-dev \
    --static bin/envseal=zlib1g-dev
(cd "$out" && sha256sum ./*.tar.gz ./*.spdx.json SHA256SUMS) >&2
