#!/usr/bin/env bash
# Verifies a downloaded envseal release: every file's Sigstore signature (cosign when
# installed, else the sigstore-js verifier in scripts/sigstore), against the exact
# identity of the release workflow at the release tag and GitHub's OIDC issuer; then
# the SHA-256 checksums; then the SBOM against the archive it describes.
#
# usage: scripts/release/verify.sh --tag vX.Y.Z [--dir DIR] [--repo OWNER/NAME]
#            [--identity URI] [--issuer URL] [--trusted-root FILE]
#            [--verifier auto|cosign|sigstore-js]
#   --dir           the downloaded release files (default: .)
#   --repo          GitHub repository of the release (default: envseal/envseal)
#   --identity      certificate identity to require; default
#                   https://github.com/REPO/.github/workflows/release.yml@refs/tags/TAG
#   --issuer        default https://token.actions.githubusercontent.com
#   --trusted-root  Sigstore trusted root (JSON) for air-gapped verification; without
#                   it the verifier fetches Sigstore's public trust root (TUF)
# DIR must hold SHA256SUMS and, for it and every file it lists, FILE.sigstore.json.
# Exit status: 0 all verified, 1 a check failed, 2 usage or missing tools.
# Runs on Linux and on macOS (its bash 3.2; shasum where there is no sha256sum).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=. tag= repo=envseal/envseal identity= issuer=https://token.actions.githubusercontent.com
trusted_root= verifier=auto

usage() { sed -n '/^# usage:/,/^# Exit status/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
fail() { echo "verify: FAILED: $*" >&2; exit 1; }

while (($#)); do
    (($# >= 2)) || usage
    case $1 in
    --dir) dir=$2 ;;
    --tag) tag=$2 ;;
    --repo) repo=$2 ;;
    --identity) identity=$2 ;;
    --issuer) issuer=$2 ;;
    --trusted-root) trusted_root=$2 ;;
    --verifier) verifier=$2 ;;
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
start=$(now_ms)

# --- which files -----------------------------------------------------------------------
[[ -f SHA256SUMS ]] || fail "SHA256SUMS is missing from $dir"
files=(SHA256SUMS)
while read -r sum name; do
    [[ -z ${sum:-} ]] && continue
    name=${name#\*}
    [[ $sum =~ ^[0-9a-f]{64}$ && $name =~ ^[A-Za-z0-9._+-]+$ ]] ||
        fail "SHA256SUMS has a malformed line"
    files+=("$name")
done <SHA256SUMS
((${#files[@]} > 1)) || fail "SHA256SUMS lists no files"

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
((sboms)) || fail "no SBOM (*.spdx.json) listed in SHA256SUMS"

ms=$(($(now_ms) - start))
echo "verify: OK: ${#files[@]} files signed by the release workflow, checksums and SBOM match (${ms} ms)"
