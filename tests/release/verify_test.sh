#!/usr/bin/env bash
# End-to-end release verification, offline: packs a release from Bazel's outputs,
# signs every file with the official sigstore-js signer against in-process mock
# Fulcio/Rekor (scripts/sigstore/mock-sign.mjs), then runs the user's verification
# script (scripts/release/verify.sh) with the mock's trusted root, as an air-gapped
# user would. One good release must pass; each forgery must fail with its own message.
#
# The release holds the archive, the Debian package, a macOS archive (its Mach-O files
# stand-ins: a header and zeroes), their SBOMs and SHA256SUMS.
#
# usage: verify_test.sh LIBENVSEAL SBOM_TOOL ENVSEAL   (run by Bazel)
set -uo pipefail

lib=$(readlink -f "$1") tool=$(readlink -f "$2") cli=$(readlink -f "$3")
repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
sign=$repo/scripts/sigstore/mock-sign.mjs
verify=$repo/scripts/release/verify.sh
tag=v1.2.3
identity=https://github.com/envseal/envseal/.github/workflows/release.yml@refs/tags/$tag
issuer=https://token.actions.githubusercontent.com
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/verify.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$repo/tests/release/report.sh"

if [[ ! -d $repo/scripts/sigstore/node_modules/@sigstore/mock ]]; then
    echo "scripts/sigstore/node_modules is missing: run scripts/setup.sh"
    echo "0 passed, 1 failed"
    exit 1
fi

SOURCE_DATE_EPOCH=1700000000 bash "$repo/scripts/release/package.sh" --lib "$lib" --cli "$cli" \
    --sbom-tool "$tool" --version 1.2.3 --docs "$repo" --out "$work/base" --tag "$tag" \
    >/dev/null 2>&1 || { echo "packing the release failed"; echo "0 passed, 1 failed"; exit 1; }
tarball=$(cd "$work/base" && ls ./*.tar.gz) tarball=${tarball#./}
sbom=${tarball%.tar.gz}.spdx.json
deb=$(cd "$work/base" && ls ./*.deb) deb=${deb#./}
debsbom=${deb%.deb}.spdx.json
# The macOS archive, packed as scripts/release/darwin.sh packs it, under the same
# SHA256SUMS.
# macho FILE TYPE: a 64-bit arm64 Mach-O header of file type TYPE (one hex digit).
macho() { printf '\xcf\xfa\xed\xfe\x0c\x00\x00\x01\x00\x00\x00\x00\x0'"$2"'\x00\x00\x00' >"$1"; }
macho "$work/dylib" 6 && macho "$work/macenvseal" 2
SOURCE_DATE_EPOCH=1700000000 bash "$repo/scripts/release/package.sh" --os macos --arch arm64 \
    --lib "$work/dylib" --cli "$work/macenvseal" --sbom-tool "$tool" --version 1.2.3 \
    --docs "$repo" --out "$work/mac" --tag "$tag" >/dev/null 2>&1 ||
    { echo "packing the macOS archive failed"; echo "0 passed, 1 failed"; exit 1; }
mac=envseal-1.2.3-macos-arm64.tar.gz macsbom=envseal-1.2.3-macos-arm64.spdx.json
cp "$work/mac/$mac" "$work/mac/$macsbom" "$work/base/"
(cd "$work/base" && sha256sum "$tarball" "$sbom" "$deb" "$debsbom" "$mac" "$macsbom" >SHA256SUMS)
nfiles=$(($(wc -l <"$work/base/SHA256SUMS") + 1))

# sign DIR [mock-sign options...]: signs SHA256SUMS and every file it lists.
sign() {
    local dir=$1
    shift
    (cd "$dir" && node "$sign" --trusted-root "$dir/trusted_root.json" \
        --other-ca-root "$dir/other_ca_root.json" "$@" SHA256SUMS "$tarball" "$sbom" "$deb" \
        "$debsbom" "$mac" "$macsbom") >/dev/null
}
# fresh NAME: a copy of the unsigned release.
fresh() { cp -r "$work/base" "$work/$1" && echo "$work/$1"; }
verify_in() { bash "$verify" --dir "$1" --tag "$tag" --verifier sigstore-js "${@:2}" 2>&1; }

# expect_failure NAME DIR PATTERN [verify options]: verify.sh must exit 1 and say PATTERN.
expect_failure() {
    local name=$1 dir=$2 pattern=$3 out rc
    out=$(verify_in "$dir" --trusted-root "$dir/trusted_root.json" "${@:4}")
    rc=$?
    grep -q -- "$pattern" <<<"$out" && ((rc == 1))
    report "$name" $? "exit $rc, expected 1 and \"$pattern\":"$'\n'"$out"
    grep -m1 'FAIL\|FAILED' <<<"$out" | sed 's/^/    /'
}

# 1. The real thing verifies, and quickly.
good=$(fresh good)
sign "$good" --identity "$identity" --issuer "$issuer"
t0=$(date +%s%N)
out=$(verify_in "$good" --trusted-root "$good/trusted_root.json")
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
grep -q '^verify: OK' <<<"$out" && ((rc == 0)) && ((nfiles == 7)) &&
    grep -q "^ok   $deb" <<<"$out" && grep -q "^ok   sbom: $debsbom: archive and all" <<<"$out" &&
    grep -q "^ok   $mac" <<<"$out" && grep -q "^ok   sbom: $macsbom: archive and all" <<<"$out"
report "signed release verifies (signatures, checksums, every SBOM; $nfiles files, the .deb and the macOS archive included)" $? "$out"
((ms < 120000))
report "full verification within the 2-minute ceiling (took $ms ms; goal 10000 ms: $( ((ms < 10000)) && echo met || echo missed))" $? ""

# 1b. A name in SHA256SUMS that would read as an option of the tools it is given to
#     (here the verifier's own --trusted-root, pointing at a file of the attacker's).
d=$(fresh option-name)
sign "$d" --identity "$identity" --issuer "$issuer"
cp "$good/trusted_root.json" "$d/evil.json"
printf '%s  --trusted-root\n%s  evil.json\n' "$(sha256sum <"$d/evil.json" | cut -d' ' -f1)" \
    "$(sha256sum <"$d/evil.json" | cut -d' ' -f1)" >>"$d/SHA256SUMS"
expect_failure "a file name starting with - is refused" "$d" "SHA256SUMS has a malformed line"

# 2. A file changed after signing.
d=$(fresh tampered)
sign "$d" --identity "$identity" --issuer "$issuer"
printf '\0' >>"$d/$tarball"
expect_failure "tampered artifact rejected" "$d" "$tarball: \[tampered\]"

# 3. Signed by the same workflow file in another repository (a fork).
d=$(fresh wrong-identity)
sign "$d" --identity "https://github.com/attacker/envseal/.github/workflows/release.yml@refs/tags/$tag" \
    --issuer "$issuer"
expect_failure "wrong identity rejected (fork's release workflow)" "$d" "\[wrong-identity\] signed by identity \"https://github.com/attacker/"
# ... and is what --repo names to verify that fork's own release (verify.md).
out=$(verify_in "$d" --trusted-root "$d/trusted_root.json" --repo attacker/envseal)
rc=$?
grep -q '^verify: OK' <<<"$out" && ((rc == 0)) &&
    grep -q "^verify: identity https://github.com/attacker/envseal/.github/workflows/release.yml@refs/tags/$tag\$" <<<"$out"
report "--repo OWNER/NAME verifies a fork's own release against that fork's identity" $? "exit $rc:"$'\n'"$out"

# 3b. The right workflow, but at another tag: the identity is exact, not a pattern.
expect_failure "wrong identity rejected (other tag)" "$good" "\[wrong-identity\]" --tag v1.2.4

# 3c. Tags that a pattern would take for the asked one: the identity is compared
#     whole, character for character (a release signed at v1.2.3-rc1 or v1.2.30 is
#     not v1.2.3; v1.2 is not v1.2.3; "." is no wildcard).
for signed in v1.2.3-rc1 v1.2.30 v1x2y3; do
    d=$(fresh "tag-$signed")
    sign "$d" --identity "${identity%"$tag"}$signed" --issuer "$issuer"
    expect_failure "wrong identity rejected (signed at $signed, asked for $tag)" "$d" \
        "SHA256SUMS: \[wrong-identity\] signed by identity \"${identity%"$tag"}$signed\""
done
expect_failure "wrong identity rejected (asked for v1.2, signed at $tag)" "$good" "\[wrong-identity\]" --tag v1.2

# 3d. Bundles that are valid, signed by the release identity, but not the file's
#     signature: another file's, and an attestation (DSSE: the workflow publishes its
#     build provenance under the very same identity), put in place of every bundle.
d=$(fresh other-files-bundle)
sign "$d" --identity "$identity" --issuer "$issuer"
cp "$d/$deb.sigstore.json" "$d/$tarball.sigstore.json"
expect_failure "another file's bundle rejected" "$d" "$tarball: \[tampered\]"
d=$(fresh attestation-as-signature)
sign "$d" --identity "$identity" --issuer "$issuer" --attestation "$work/attestation.json"
for f in "$d"/*.sigstore.json; do cp "$work/attestation.json" "$f"; done
out=$(verify_in "$d" --trusted-root "$d/trusted_root.json")
rc=$?
((rc == 1)) && (($(grep -c '^FAIL .*: \[not-a-signature\] .* holds a dsseEnvelope' <<<"$out") == nfiles))
report "attestation (DSSE) bundle in place of every signature rejected, for each of $nfiles files" $? "exit $rc:"$'\n'"$out"

# 4. Right identity string, but vouched for by another OIDC issuer.
d=$(fresh wrong-issuer)
sign "$d" --identity "$identity" --issuer https://accounts.google.com
expect_failure "wrong issuer rejected" "$d" "\[wrong-issuer\] certificate OIDC issuer is \"https://accounts.google.com\""

# 5. Certificates from a CA the trusted root does not vouch for.
expect_failure "untrusted CA rejected" "$good" "\[untrusted-ca\]" --trusted-root "$good/other_ca_root.json"

# 6. A bundle is missing.
d=$(fresh missing-bundle)
sign "$d" --identity "$identity" --issuer "$issuer"
rm "$d/$sbom.sigstore.json"
expect_failure "missing bundle rejected" "$d" "missing bundle: no $sbom.sigstore.json"

# 7. Validly signed, but SHA256SUMS does not match the archive.
d=$(fresh bad-checksums)
sed -i "s/^[0-9a-f]\{64\}  $tarball/$(printf '0%.0s' {1..64})  $tarball/" "$d/SHA256SUMS"
sign "$d" --identity "$identity" --issuer "$issuer"
expect_failure "signed SHA256SUMS that does not match rejected" "$d" "SHA-256 differs from SHA256SUMS for: $tarball"

# 8. Validly signed, but the SBOM's checksums do not match the archive.
d=$(fresh bad-sbom)
python3 - "$d/$sbom" <<'PY'
import json, sys
p = sys.argv[1]
doc = json.load(open(p))
f = next(f for f in doc["files"] if f["fileName"].endswith("/lib/libenvseal.so"))
f["checksums"][1]["checksumValue"] = "0" * 64
json.dump(doc, open(p, "w"), indent=2)
PY
(cd "$d" && sha256sum "$tarball" "$sbom" >SHA256SUMS)
sign "$d" --identity "$identity" --issuer "$issuer"
expect_failure "signed SBOM that does not match the archive rejected" "$d" "SBOM $sbom does not match the release archive"

# 8b. The same for the Debian package's SBOM.
d=$(fresh bad-deb-sbom)
python3 - "$d/$debsbom" <<'PY'
import json, sys
p = sys.argv[1]
doc = json.load(open(p))
f = next(f for f in doc["files"] if f["fileName"] == "./usr/bin/envseal")
f["checksums"][1]["checksumValue"] = "0" * 64
json.dump(doc, open(p, "w"), indent=2)
PY
(cd "$d" && sha256sum "$tarball" "$sbom" "$deb" "$debsbom" >SHA256SUMS)
sign "$d" --identity "$identity" --issuer "$issuer"
expect_failure "signed .deb SBOM that does not match the package rejected" "$d" "SBOM $debsbom does not match the release archive"

# 8c. A tampered Debian package.
d=$(fresh tampered-deb)
sign "$d" --identity "$identity" --issuer "$issuer"
printf '\0' >>"$d/$deb"
expect_failure "tampered Debian package rejected" "$d" "$deb: \[tampered\]"

# 9. The cosign branch (cosign itself is not installable here): a stand-in records
#    its arguments; verify.sh must pass the exact identity, issuer and trust root for
#    every file, and turn a cosign failure into a failed verification.
stub=$work/stub
mkdir -p "$stub"
cat >"$stub/cosign" <<'STUB'
#!/usr/bin/env bash
[[ $1 == verify-blob && $2 == --help ]] && { echo "  --new-bundle-format"; exit 0; }
echo "$*" >>"$COSIGN_LOG"
[[ -n ${COSIGN_FAIL:-} && " $* " == *" $COSIGN_FAIL "* ]] && { echo "Error: none of the expected identities matched"; exit 1; }
echo "Verified OK"
STUB
chmod +x "$stub/cosign"
export COSIGN_LOG=$work/cosign.log
out=$(PATH=$stub:$PATH bash "$verify" --dir "$good" --tag "$tag" --trusted-root "$good/trusted_root.json" 2>&1)
rc=$?
calls=$(grep -c -- "--new-bundle-format --bundle .*\.sigstore\.json --certificate-identity $identity --certificate-oidc-issuer $issuer --trusted-root $good/trusted_root.json" "$COSIGN_LOG")
((rc == 0 && calls == nfiles)) && grep -q '(cosign)' <<<"$out"
report "cosign branch: exact identity, issuer and trust root for each of $nfiles files" $? "exit $rc, $calls matching calls:"$'\n'"$out"$'\n'"$(cat "$COSIGN_LOG")"
out=$(PATH=$stub:$PATH COSIGN_FAIL=$tarball bash "$verify" --dir "$good" --tag "$tag" 2>&1)
rc=$?
((rc == 1)) && grep -q "FAIL $tarball: Error: none of the expected identities matched" <<<"$out"
report "cosign branch: a cosign failure fails the verification" $? "exit $rc:"$'\n'"$out"

# 10. A partial download: SHA256SUMS and the one package a user needs, with their
#     bundles. Without --only it fails as before; with --only it verifies that
#     package (and its SBOM when downloaded) and says what it did not check.
# partial NAME FILE...: SHA256SUMS, the trust roots and FILE... from the good release,
# with their bundles.
partial() {
    local d=$work/$1 f
    mkdir "$d"
    cp "$good/trusted_root.json" "$good/other_ca_root.json" "$d/"
    for f in SHA256SUMS "${@:2}"; do cp "$good/$f" "$good/$f.sigstore.json" "$d/"; done
    echo "$d"
}
d=$(partial partial "$deb")
expect_failure "partial download without --only still fails (every listed file required)" "$d" \
    "cannot check signatures: $tarball (file missing)"
out=$(verify_in "$d" --trusted-root "$d/trusted_root.json" --only "$deb")
rc=$?
((rc == 0)) && grep -q "^ok   SHA256SUMS: signature by $identity" <<<"$out" &&
    grep -q "^ok   $deb: signature by $identity" <<<"$out" &&
    grep -q "^ok   checksums: 1 file(s) match SHA256SUMS" <<<"$out" &&
    grep -q "^verify: not checked: $debsbom (the SBOM of $deb: not in " <<<"$out" &&
    grep -q "^verify: not checked: $tarball (not named by --only)" <<<"$out" &&
    (($(grep -c '^verify: not checked: .* (not named by --only)' <<<"$out") == nfiles - 3)) &&
    grep -q "^verify: OK: 2 of $nfiles files (--only) .* no SBOM checked; $((nfiles - 2)) listed file(s) not checked" <<<"$out"
report "partial download (SHA256SUMS, the .deb) verifies with --only, naming what it did not check" $? "exit $rc:"$'\n'"$out"
d=$(partial partial-sbom "$deb" "$debsbom")
out=$(verify_in "$d" --trusted-root "$d/trusted_root.json" --only "$deb")
rc=$?
((rc == 0)) && grep -q "^ok   $debsbom: signature by $identity" <<<"$out" &&
    grep -q "^ok   sbom: $debsbom: archive and all" <<<"$out" &&
    grep -q "^verify: OK: 3 of $nfiles files (--only) .* checksums and SBOM match" <<<"$out"
report "--only a package: its SBOM, when downloaded, is verified with it" $? "exit $rc:"$'\n'"$out"
expect_failure "--only an SBOM brings its package along (here missing)" "$(partial partial-sbom-only "$debsbom")" \
    "cannot check signatures: $deb (file missing)" --only "$debsbom"
d=$(partial partial-unlisted "$deb")
cp "$d/$deb" "$d/envseal_1.2.3_i386.deb" && cp "$d/$deb.sigstore.json" "$d/envseal_1.2.3_i386.deb.sigstore.json"
expect_failure "--only a file not in SHA256SUMS rejected" "$d" \
    "--only envseal_1.2.3_i386.deb: not listed in SHA256SUMS" --only envseal_1.2.3_i386.deb
d=$(partial partial-tampered "$deb")
printf '\0' >>"$d/$deb"
expect_failure "--only a tampered file rejected" "$d" "$deb: \[tampered\]" --only "$deb"
d=$(partial partial-tampered-sums "$deb")
sed -i "s/^[0-9a-f]\{64\}  $deb/$(printf '0%.0s' {1..64})  $deb/" "$d/SHA256SUMS"
expect_failure "--only: SHA256SUMS's own signature is always checked" "$d" "SHA256SUMS: \[tampered\]" --only "$deb"
d=$(partial partial-no-bundle "$deb")
rm "$d/$deb.sigstore.json"
expect_failure "--only a file whose bundle is missing rejected" "$d" "missing bundle: no $deb.sigstore.json" --only "$deb"
expect_failure "--only a package: a downloaded SBOM that does not match it fails" "$work/bad-deb-sbom" \
    "SBOM $debsbom does not match the release archive" --only "$deb"

echo "verification time: $ms ms for ${tarball%%.tar.gz} and $deb ($nfiles files, sigstore-js verifier, local trusted root)"
summary
