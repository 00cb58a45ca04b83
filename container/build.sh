#!/usr/bin/env bash
# Builds the envseal layer image (FROM scratch: the shim, the envseal command and its
# license notices when built, /etc/ld.so.preload) and the ready base image (Debian
# slim with the layer applied), for this machine's architecture or the one --arch names. Neither
# recipe runs a command inside the image, so building for another architecture
# needs no emulator: only the binaries of that architecture.
#
# Usage: container/build.sh [options]
#   --lib FILE         libenvseal.so to ship (default: bazel build //preload:libenvseal.so)
#   --cli FILE         envseal command to ship (default: bazel build //cli:envseal_dist,
#                      the release archive's bin/envseal: libelf and zlib linked in,
#                      when that target exists)
#   --no-cli           ship no command
#   --licenses DIR     the licenses/ of the release archive the command comes from, for
#                      /usr/share/doc/envseal/licenses/ (default: container/stage.sh makes
#                      them from this machine's /usr/share/doc, as package.sh does)
#   --layer-tag NAME   default envseal-layer:latest
#   --base-tag NAME    default envseal-debian:bookworm-slim
#   --base-from IMAGE  the Debian slim image (default docker.io/library/debian:bookworm-slim)
#   --no-base          build only the layer
#   --version V        image label (default dev)
#   --arch ARCH        amd64 or arm64 (default: this machine's); --lib and --cli must
#                      then be given, built for ARCH
#   --musl             the musl layer (Containerfile.musl: libenvseal-musl.so, a static
#                      envseal) and the Alpine base (Containerfile.alpine) instead;
#                      defaults then: --lib //preload:libenvseal-musl.so, --lib-strict
#                      //preload:libenvseal-strict-musl.so, --cli scripts/musl/envseal.sh's
#                      build, tags envseal-layer-musl:latest and envseal-alpine:latest,
#                      --base-from docker.io/library/alpine:3 (releases pin a digest)
#   --lib-strict FILE  with --musl: libenvseal-strict-musl.so to ship
# Environment: ENGINE=buildah|podman|docker (default: the first one installed);
# BAZEL (default bazel) for the default --lib/--cli builds; BUILD_FLAGS, more
# words for the engine's build command (e.g. --pull=never). buildah honours
# BUILDAH_ISOLATION and CONTAINERS_STORAGE_CONF as usual.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

lib='' cli='' licenses='' want_cli=auto layer_tag='' base_tag='' base_from='' build_base=1 version=dev arch=
musl=0 lib_strict=''

while (($#)); do
    case $1 in
    --lib) lib=$2; shift 2 ;;
    --cli) cli=$2; want_cli=yes; shift 2 ;;
    --no-cli) want_cli=no; shift ;;
    --licenses) licenses=$2; shift 2 ;;
    --layer-tag) layer_tag=$2; shift 2 ;;
    --base-tag) base_tag=$2; shift 2 ;;
    --base-from) base_from=$2; shift 2 ;;
    --no-base) build_base=0; shift ;;
    --version) version=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --musl) musl=1; shift ;;
    --lib-strict) lib_strict=$2; shift 2 ;;
    -h | --help) sed -n '2,34p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

if ((musl)); then
    layer_tag=${layer_tag:-envseal-layer-musl:latest} base_tag=${base_tag:-envseal-alpine:latest}
    base_from=${base_from:-docker.io/library/alpine:3}
else
    layer_tag=${layer_tag:-envseal-layer:latest} base_tag=${base_tag:-envseal-debian:bookworm-slim}
    base_from=${base_from:-docker.io/library/debian:bookworm-slim}
fi

engine=${ENGINE:-}
if [[ -z "$engine" ]]; then
    for e in buildah podman docker; do
        command -v "$e" >/dev/null && { engine=$e; break; }
    done
fi
case $engine in
buildah) build=(buildah bud) ;;
podman) build=(podman build) ;;
docker) build=(docker build) ;;
*) echo "build: no container engine (buildah, podman or docker) found" >&2; exit 1 ;;
esac
read -r -a extra <<<"${BUILD_FLAGS:-}"
build+=("${extra[@]}")

platform=()
if [[ -n "$arch" ]]; then
    [[ -n "$lib" && "$want_cli" != auto ]] ||
        { echo "build: --arch needs --lib and --cli (or --no-cli)" >&2; exit 2; }
    platform=(--platform "linux/$arch")
else
    case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "build: unsupported machine $(uname -m)" >&2; exit 1 ;;
    esac
fi

ctx=$(mktemp -d "${TMPDIR:-/tmp}/envseal-image.XXXXXX")
trap 'rm -rf "$ctx"' EXIT

# musl: the libraries from Bazel, the static command from scripts/musl/envseal.sh.
if ((musl)); then
    read -r -a bazel <<<"${BAZEL:-bazel}"
    if [[ -z "$lib" ]]; then
        (cd "$top" && "${bazel[@]}" build //preload:libenvseal-musl.so \
            //preload:libenvseal-strict-musl.so)
        bin=$(cd "$top" && "${bazel[@]}" info bazel-bin 2>/dev/null)
        lib=$bin/preload/libenvseal-musl.so
        lib_strict=${lib_strict:-$bin/preload/libenvseal-strict-musl.so}
    fi
    if [[ "$want_cli" == auto ]]; then
        "$top/scripts/musl/envseal.sh" --out "$ctx/envseal-musl" --version "$version"
        cli=$ctx/envseal-musl
    fi
    [[ "$want_cli" == no ]] && cli=
    "$here/stage.sh" --musl --out "$ctx" --arch "$arch" --lib "$lib" \
        ${lib_strict:+--lib-strict "$lib_strict"} ${cli:+--cli "$cli"} \
        ${cli:+${licenses:+--licenses "$licenses"}}
    "${build[@]}" "${platform[@]}" -f "$ctx/Containerfile.musl" --build-arg TARGETARCH="$arch" \
        --build-arg VERSION="$version" -t "$layer_tag" "$ctx"
    echo "build: musl layer image $layer_tag${cli:+ (with the static envseal command)}"
    if ((build_base)); then
        "${build[@]}" "${platform[@]}" -f "$ctx/Containerfile.alpine" \
            --build-arg BASE_IMAGE="$base_from" --build-arg LAYER_IMAGE="$layer_tag" \
            --build-arg VERSION="$version" -t "$base_tag" "$ctx"
        echo "build: Alpine base image $base_tag (from $base_from)"
    fi
    exit 0
fi

# Default artefacts come from Bazel; the command only when its target exists.
if [[ -z "$lib" || "$want_cli" == auto ]]; then
    read -r -a bazel <<<"${BAZEL:-bazel}"
    targets=()
    [[ -z "$lib" ]] && targets+=(//preload:libenvseal.so)
    if [[ "$want_cli" == auto ]]; then
        if (cd "$top" && "${bazel[@]}" query //cli:envseal_dist >/dev/null 2>&1); then
            targets+=(//cli:envseal_dist)
        else
            want_cli=no
        fi
    fi
    if ((${#targets[@]})); then
        (cd "$top" && "${bazel[@]}" build "${targets[@]}")
        bin=$(cd "$top" && "${bazel[@]}" info bazel-bin 2>/dev/null)
        [[ -z "$lib" ]] && lib=$bin/preload/libenvseal.so
        [[ "$want_cli" == auto ]] && cli=$bin/cli/envseal_dist
    fi
fi
[[ "$want_cli" == no ]] && cli=

"$here/stage.sh" --out "$ctx" --arch "$arch" --lib "$lib" ${cli:+--cli "$cli"} \
    ${cli:+${licenses:+--licenses "$licenses"}}

"${build[@]}" "${platform[@]}" -f "$ctx/Containerfile" --build-arg TARGETARCH="$arch" \
    --build-arg VERSION="$version" -t "$layer_tag" "$ctx"
if [[ -n "$cli" ]]; then
    echo "build: layer image $layer_tag (with the envseal command)"
else
    echo "build: layer image $layer_tag (without the envseal command)"
fi
if ((build_base)); then
    "${build[@]}" "${platform[@]}" -f "$ctx/Containerfile.debian" \
        --build-arg BASE_IMAGE="$base_from" --build-arg LAYER_IMAGE="$layer_tag" \
        --build-arg VERSION="$version" -t "$base_tag" "$ctx"
    echo "build: ready base image $base_tag (from $base_from)"
fi
