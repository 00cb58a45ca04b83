#!/usr/bin/env bash
# Builds a reproducible envseal release for the host platform, from a git checkout:
# Bazel builds libenvseal.so, libenvseal-strict.so and the envseal command (each of
# these two when the tree has its target) and the SBOM generator, then package.sh
# writes into OUT (default: release/)
#   envseal-VERSION-linux-ARCH.tar.gz, envseal-VERSION-linux-ARCH.spdx.json,
#   envseal_VERSION_DEBARCH.deb, envseal_VERSION_DEBARCH.spdx.json (with the command),
#   SHA256SUMS
# The same commit gives the same bytes in any directory: SOURCE_DATE_EPOCH is the
# commit time (unless already set), Bazel compiles by relative path with -c opt
# and no stamping, and package.sh normalises the archive.
#
# usage: scripts/release/build.sh [--out DIR] [--version V] [--source DIR]
#                                 [--output-base DIR]
#   --version      default: the tag at HEAD without its "v", else 0.0.0-dev.<commit>
#   --source       checkout to build (default: this script's repository)
#   --output-base  Bazel output base (default: Bazel's own)
# ENVSEAL_REPOSITORY, else GITHUB_REPOSITORY, else envseal/envseal: the GitHub
# repository that the SBOM's download location names.
set -euo pipefail

fail() { echo "release: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
out= version= output_base=
while (($#)); do
    (($# >= 2)) || fail "$1 needs a value"
    case $1 in
    --out) out=$2 ;;
    --version) version=$2 ;;
    --source) src=$(cd "$2" && pwd) ;;
    --output-base) output_base=$2 ;;
    *) fail "unknown argument $1 (see the header of $0)" ;;
    esac
    shift 2
done
out=${out:-$src/release}
cd "$src"

git rev-parse --git-dir >/dev/null 2>&1 || fail "$src is not a git checkout"
commit=$(git rev-parse HEAD)
[[ -z $(git status --porcelain --untracked-files=no) ]] ||
    echo "release: warning: $src has uncommitted changes; the release will not match $commit" >&2
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
tag=$(git describe --tags --exact-match HEAD 2>/dev/null || true)
if [[ -z $version ]]; then
    version=${tag#v}
    [[ -n $version ]] || version=0.0.0-dev.${commit:0:12}
fi
repo=${ENVSEAL_REPOSITORY:-${GITHUB_REPOSITORY:-envseal/envseal}}

bazel=(bazel)
[[ -n $output_base ]] && bazel+=(--output_base="$output_base")
flags=(-c opt --nostamp --symlink_prefix=/)
execroot=$("${bazel[@]}" info "${flags[@]}" execution_root 2>/dev/null) || fail "bazel info failed"
# Sources are compiled by relative path; the map guards anything that would still
# see the execroot, whose path differs between checkouts.
flags+=(--copt=-ffile-prefix-map="$execroot"=.)
# `envseal --version` reports the release's version.
flags+=("--copt=-DENVSEAL_VERSION=\"$version\"")
targets=(//preload:libenvseal.so //scripts/sbom:envseal-sbom)
optional=() # package.sh options for the optional targets that exist
has() { "${bazel[@]}" query "$1" >/dev/null 2>&1; }
if has //preload:libenvseal-strict.so; then
    targets+=(//preload:libenvseal-strict.so)
    optional+=(--lib-strict "preload/libenvseal-strict.so")
fi
statics=()
# The command as releases and container images ship it: libelf and zlib linked in
# (cli/BUILD), so it needs nothing but libc. The SBOM is told which Debian packages
# those static libraries come from; keep this list in step with the target's linkopts.
if [[ -f cli/BUILD || -f cli/BUILD.bazel ]] && has //cli:envseal_dist; then
    targets+=(//cli:envseal_dist)
    optional+=(--cli "cli/envseal_dist")
    statics+=(--static bin/envseal=libelf-dev --static bin/envseal=zlib1g-dev)
fi
"${bazel[@]}" build "${flags[@]}" "${targets[@]}" >&2 || fail "bazel build failed"
bin=$("${bazel[@]}" info "${flags[@]}" bazel-bin 2>/dev/null)
if ((${#statics[@]})); then
    # Self-contained means: the loader needs nothing beyond glibc's own libraries.
    others=$(LC_ALL=C readelf -dW "$bin/cli/envseal_dist" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
        grep -Ev '^(libc|libm|libdl|libpthread|librt|ld-linux[-.a-z0-9_]*)\.so' || true)
    [[ -z $others ]] || fail "bin/envseal needs more than glibc: ${others//$'\n'/ }"
fi
for ((i = 1; i < ${#optional[@]}; i += 2)); do optional[i]=$bin/${optional[i]}; done

"$here/package.sh" --lib "$bin/preload/libenvseal.so" "${optional[@]}" \
    --sbom-tool "$bin/scripts/sbom/envseal-sbom" --version "$version" --docs "$src" \
    --out "$out" ${tag:+--tag "$tag"} --repo "$repo" "${statics[@]}"

echo "release: commit ${commit:0:12}, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, shipped:" \
    "libenvseal.so ${targets[*]:2}" >&2
(cd "$out" && cat SHA256SUMS && sha256sum SHA256SUMS) >&2
