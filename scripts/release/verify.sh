#!/usr/bin/env bash
# Verifies a downloaded envseal release: every file's Sigstore signature (cosign when
# installed, else the sigstore-js verifier in scripts/sigstore), against the exact
# identity of the release workflow at the release tag and GitHub's OIDC issuer; then
# the SHA-256 checksums; then the SBOM against the archive it describes.
#
# usage: scripts/release/verify.sh --tag vX.Y.Z [--dir DIR] [--repo OWNER/NAME]
#            [--identity URI] [--issuer URL] [--trusted-root FILE]
#            [--verifier auto|cosign|sigstore-js] [--only FILE[,FILE...]]...
#   --dir           the downloaded release files (default: .)
#   --only          check only these files (names as SHA256SUMS lists them; repeat
#                   the option or separate names with commas), for a partial
#                   download: see below
#   --repo          GitHub repository of the release (default: envseal/envseal)
#   --identity      certificate identity to require; default
#                   https://github.com/REPO/.github/workflows/release.yml@refs/tags/TAG
#   --issuer        default https://token.actions.githubusercontent.com
#   --trusted-root  Sigstore trusted root (JSON) for air-gapped verification; without
#                   it the verifier fetches Sigstore's public trust root (TUF)
# DIR must hold SHA256SUMS and, for it and every file it lists, FILE.sigstore.json.
# With --only, SHA256SUMS and its bundle, and each FILE named, which must be listed
# in SHA256SUMS, with FILE.sigstore.json; the SBOM of a named archive or package is
# checked too when it is in DIR (with its bundle), and a named SBOM brings its
# archive along. What is listed but not checked is printed.
# Exit status: 0 all verified, 1 a check failed, 2 usage or missing tools.
# Runs on Linux and on macOS (its bash 3.2; shasum where there is no sha256sum).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=. tag= repo=envseal/envseal identity= issuer=https://token.actions.githubusercontent.com
trusted_root= verifier=auto only=()

usage() {
    local text
    text=$(sed -n '/^# usage:/,/^# Exit status/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//')
    [[ -n ${usage_out:-} ]] && { echo "$text"; exit 0; }
    echo "$text" >&2
    exit 2
}
fail() { echo "verify: FAILED: $*" >&2; exit 1; }

while (($#)); do
    case $1 in -h | --help) usage_out=1 usage ;; esac
    (($# >= 2)) || usage
    case $1 in
    --dir) dir=$2 ;;
    --tag) tag=$2 ;;
    --repo) repo=$2 ;;
    --identity) identity=$2 ;;
    --issuer) issuer=$2 ;;
    --trusted-root) trusted_root=$2 ;;
    --verifier) verifier=$2 ;;
    --only)
        IFS=, read -r -a names <<<"$2"
        ((${#names[@]})) || usage
        only+=("${names[@]}")
        ;;
    *) usage ;;
    esac
    shift 2
done
if [[ -z $identity ]]; then
    [[ -n $tag ]] || { echo "verify: --tag is required (the release tag, e.g. v1.2.3)" >&2; exit 2; }
    identity=https://github.com/$repo/.github/workflows/release.yml@refs/tags/$tag
fi
[[ -z $trusted_root || -f $trusted_root ]] ||
    { echo "verify: trusted root $trusted_root not found" >&2; exit 2; }
[[ -n $trusted_root ]] && trusted_root=$(cd "$(dirname "$trusted_root")" && pwd)/$(basename "$trusted_root")
cd "$dir" 2>/dev/null || { echo "verify: no directory $dir" >&2; exit 2; }
# Milliseconds since the epoch (BSD date has no %N: whole seconds there).
now_ms() { local t; t=$(date +%s%N); [[ $t =~ ^[0-9]+$ ]] && echo $((t / 1000000)) || echo $(($(date +%s) * 1000)); }
sha256() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }
# in_list WORD LIST...: whether WORD is one of LIST.
in_list() { local x=$1 y; shift; for y in "$@"; do [[ $y == "$x" ]] && return 0; done; return 1; }
start=$(now_ms)

# --- which files -----------------------------------------------------------------------
[[ -f SHA256SUMS ]] || fail "SHA256SUMS is missing from $dir"
listed=()
while read -r sum name; do
    [[ -z ${sum:-} ]] && continue
    name=${name#\*}
    [[ $sum =~ ^[0-9a-f]{64}$ && $name =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] ||
        fail "SHA256SUMS has a malformed line"
    listed+=("$name")
done <SHA256SUMS
((${#listed[@]})) || fail "SHA256SUMS lists no files"
# files: what is checked (SHA256SUMS first); skipped: what is listed but not checked,
# and why.
files=(SHA256SUMS) skipped=()
if ((${#only[@]} == 0)); then
    files+=("${listed[@]}")
else
    # add NAME: NAME is checked, once.
    add() { in_list "$1" "${files[@]}" || files+=("$1"); }
    for f in "${only[@]}"; do
        [[ $f =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] ||
            fail "--only $f: give file names as SHA256SUMS lists them (in $dir), not paths"
        [[ $f == SHA256SUMS ]] && continue
        in_list "$f" "${listed[@]}" || fail "--only $f: not listed in SHA256SUMS"
        add "$f"
        base=${f%.tar.gz} base=${base%.deb} base=${base%.spdx.json}
        if [[ $f == *.spdx.json ]]; then
            # An SBOM is checked against its archive or package: that one too.
            archive=
            for a in "$base.tar.gz" "$base.deb"; do in_list "$a" "${listed[@]}" && archive=$a; done
            [[ -n $archive ]] || fail "--only $f: SHA256SUMS lists no archive or package it describes"
            add "$archive"
        elif in_list "$base.spdx.json" "${listed[@]}"; then
            # An archive's SBOM, when it was downloaded, is checked with it.
            if [[ -e $base.spdx.json ]]; then
                add "$base.spdx.json"
            else
                skipped+=("$base.spdx.json (the SBOM of $f: not in $dir)")
            fi
        fi
    done
    for f in "${listed[@]}"; do
        in_list "$f" "${files[@]}" || in_list "$f" ${skipped[@]+"${skipped[@]%% *}"} ||
            skipped+=("$f (not named by --only)")
    done
    echo "verify: --only: checking ${files[*]}"
fi

# --- signatures ------------------------------------------------------------------------
if [[ $verifier == auto ]]; then
    if command -v cosign >/dev/null; then
        verifier=cosign
    elif command -v node >/dev/null && [[ -d $here/../sigstore/node_modules/@sigstore/verify ]]; then
        verifier=sigstore-js
    else
        echo "verify: neither cosign nor the sigstore-js verifier is available: install cosign," \
            "or run 'npm ci' in scripts/sigstore (Node 20)" >&2
        exit 2
    fi
fi
# scripts/sigstore's lockfile needs Node.js 20.17 (Debian 12's nodejs is 18).
if [[ $verifier == sigstore-js ]] && ! bash "$here/../setup-node.sh" --check; then
    echo "verify: the sigstore-js verifier needs Node.js 20.17 or newer, node is" \
        "$(node --version 2>/dev/null || echo missing): run scripts/setup-node.sh, or install cosign" >&2
    exit 2
fi
echo "verify: identity $identity"
echo "verify: issuer   $issuer"
echo "verify: trust    ${trusted_root:-Sigstore public-good instance (TUF)} ($verifier)"

bad=()
for f in "${files[@]}"; do
    [[ -f $f ]] || bad+=("$f (file missing)")
    [[ -f $f.sigstore.json ]] || bad+=("$f (missing bundle: no $f.sigstore.json)")
done
((${#bad[@]})) && fail "cannot check signatures: ${bad[*]}"

case $verifier in
cosign)
    # Sigstore protobuf bundles need --new-bundle-format in cosign 2.x; cosign 3
    # reads them by default and only deprecates the flag.
    newfmt=()
    cosign verify-blob --help 2>&1 | grep -q -- --new-bundle-format && newfmt=(--new-bundle-format)
    for f in "${files[@]}"; do
        if out=$(cosign verify-blob ${newfmt[@]+"${newfmt[@]}"} --bundle "$f.sigstore.json" \
            --certificate-identity "$identity" --certificate-oidc-issuer "$issuer" \
            ${trusted_root:+--trusted-root "$trusted_root"} "$f" 2>&1); then
            echo "ok   $f: signature by $identity"
        else
            echo "FAIL $f: $(tail -n 1 <<<"$out")"
            bad+=("$f")
        fi
    done
    ;;
sigstore-js)
    out=$(node "$here/../sigstore/verify.mjs" --identity "$identity" --issuer "$issuer" \
        ${trusted_root:+--trusted-root "$trusted_root"} "${files[@]}")
    rc=$?
    [[ -n $out ]] && echo "$out"
    if ((rc)); then
        while IFS= read -r line; do bad+=("$line"); done < <(sed -n 's/^FAIL \([^:]*\): \[\([a-z-]*\)\].*/\1 (\2)/p' <<<"$out")
        ((${#bad[@]})) || bad=("verifier error")
    fi
    ;;
*) echo "verify: unknown verifier $verifier" >&2; exit 2 ;;
esac
((${#bad[@]})) && fail "signature check failed for ${#bad[@]} file(s): ${bad[*]}"

# --- checksums -------------------------------------------------------------------------
while read -r sum name; do
    [[ -z ${sum:-} ]] && continue
    name=${name#\*}
    in_list "$name" "${files[@]}" || continue
    actual=$(sha256 "$name")
    [[ $actual == "$sum" ]] || bad+=("$name")
done <SHA256SUMS
((${#bad[@]})) && fail "SHA-256 differs from SHA256SUMS for: ${bad[*]}"
echo "ok   checksums: $((${#files[@]} - 1)) file(s) match SHA256SUMS"

# --- SBOM ------------------------------------------------------------------------------
sboms=0
for f in "${files[@]}"; do
    [[ $f == *.spdx.json ]] || continue
    sboms=$((sboms + 1))
    out=$(python3 "$here/check_sbom.py" "$f") || { echo "$out"; fail "SBOM $f does not match the release archive"; }
    echo "ok   $out"
done
((sboms || ${#only[@]})) || fail "no SBOM (*.spdx.json) listed in SHA256SUMS"

ms=$(($(now_ms) - start))
if ((${#only[@]} == 0)); then
    echo "verify: OK: ${#files[@]} files signed by the release workflow, checksums and SBOM match (${ms} ms)"
else
    for s in ${skipped[@]+"${skipped[@]}"}; do echo "verify: not checked: $s"; done
    ((sboms)) || echo "verify: not checked: any SBOM (none among the files checked)"
    what="checksums and SBOM match"
    ((sboms)) || what="checksums match, no SBOM checked"
    echo "verify: OK: ${#files[@]} of $((${#listed[@]} + 1)) files (--only) signed by the release" \
        "workflow, $what; ${#skipped[@]} listed file(s) not checked (${ms} ms)"
fi
