#!/usr/bin/env bash
# Builds the macOS release files, for arm64 and x86_64, on Linux (the release job's
# Debian 12 container): scripts/darwin/build.sh and build_cli.sh cross-compile the
# dylib and the command with Zig, Bazel builds the SBOM generator, and package.sh
# packs each architecture as it packs the Linux archive. Writes into OUT (default:
# release-macos/)
#   envseal-VERSION-macos-arm64.tar.gz, envseal-VERSION-macos-arm64.spdx.json,
#   envseal-VERSION-macos-x86_64.tar.gz, envseal-VERSION-macos-x86_64.spdx.json,
#   SHA256SUMS
# Reproducible as build.sh is: SOURCE_DATE_EPOCH is the commit time (unless set), the
# toolchain is the pinned Zig, not whatever Xcode a runner has, and package.sh
# normalises the archives. The release workflow tests these exact files on macOS
# runners (scripts/darwin/test.sh) before it signs them.
#
# usage: scripts/release/darwin.sh [--out DIR] [--version V]
set -euo pipefail
export LC_ALL=C

fail() { echo "release-macos: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
out=$src/release-macos version=
while (($#)); do
    (($# >= 2)) || fail "$1 needs a value"
    case $1 in
    --out) out=$2 ;;
    --version) version=$2 ;;
    *) fail "unknown argument $1 (see the header of $0)" ;;
    esac
    shift 2
done
cd "$src"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
tag=$(git describe --tags --exact-match HEAD 2>/dev/null || true)
version=${version:-${tag#v}}
version=${version:-0.0.0-dev.$(git rev-parse --short=12 HEAD)}
repo=${ENVSEAL_REPOSITORY:-${GITHUB_REPOSITORY:-envseal/envseal}}

flags=(-c opt --nostamp --symlink_prefix=/)
bazel build "${flags[@]}" //scripts/sbom:envseal-sbom >&2 || fail "bazel build failed"
sbom_tool=$(bazel info "${flags[@]}" bazel-bin 2>/dev/null)/scripts/sbom/envseal-sbom

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
bash scripts/darwin/build.sh "$stage/build" >&2 || fail "scripts/darwin/build.sh failed"
bash scripts/darwin/build_cli.sh "$stage/build" >&2 || fail "scripts/darwin/build_cli.sh failed"

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/envseal-*-macos-*.tar.gz "$out"/envseal-*-macos-*.spdx.json "$out/SHA256SUMS"
for arch in arm64 x86_64; do
    lib=$stage/build/$arch/libenvseal.dylib cli=$stage/build/$arch/envseal
    [[ -f $lib && -f $cli ]] || fail "the $arch build lacks libenvseal.dylib or envseal"
    "$here/package.sh" --os macos --arch "$arch" --lib "$lib" --cli "$cli" \
        --sbom-tool "$sbom_tool" --version "$version" --docs "$src" --out "$stage/$arch" \
        ${tag:+--tag "$tag"} --repo "$repo"
    cp "$stage/$arch"/envseal-*-macos-"$arch".* "$out/"
done
(cd "$out" && sha256sum envseal-*-macos-* >SHA256SUMS)
(cd "$out" && cat SHA256SUMS) >&2
