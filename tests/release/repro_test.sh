#!/usr/bin/env bash
# Reproducible release: two fresh clones of the same commit, in directories of
# different names and depths, each built by scripts/release/build.sh with its own
# Bazel output base, must give bit-identical files (same SHA-256 for the archive,
# the Debian package, their SBOMs and SHA256SUMS). The commit is HEAD when the work tree is clean (as in
# CI); otherwise a snapshot commit of the work tree made in a scratch clone, so
# that uncommitted changes are what gets tested. Then the release itself must pass
# the user's SBOM check and the SBOM tests.
set -uo pipefail

repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/repro.XXXXXX")
bases=()
cleanup() {
    for b in "${bases[@]}"; do bazel --output_base="$b" shutdown >/dev/null 2>&1; done
    chmod -R u+w "$work" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; ((failed == 0)); exit; }
export HOME=${HOME:-$work/home}

# --- the commit to build ------------------------------------------------------------
origin=$repo
if [[ -n $(git -C "$repo" status --porcelain) ]]; then
    origin=$work/snapshot
    git clone -q "$repo" "$origin" || { not_ok "clone $repo"; finish; }
    # Bring the work tree's files (tracked and untracked, not ignored) over as they are.
    git -C "$repo" ls-files -z -c -o --exclude-standard |
        (cd "$repo" && xargs -0 tar -cf - --ignore-failed-read 2>/dev/null) | tar -xf - -C "$origin"
    git -C "$repo" ls-files -z -d | (cd "$origin" && xargs -0 rm -f --)
    git -C "$origin" add -A
    GIT_AUTHOR_DATE=@$(git -C "$repo" log -1 --format=%ct) GIT_COMMITTER_DATE=@$(git -C "$repo" log -1 --format=%ct) \
        git -C "$origin" -c user.name=envseal-test -c user.email=test@envseal.invalid \
        commit -q --allow-empty -m "work tree snapshot" || { not_ok "snapshot commit"; finish; }
    echo "work tree differs from HEAD: building a snapshot commit of it"
fi
commit=$(git -C "$origin" rev-parse HEAD)
echo "commit ${commit:0:12}"

# --- two clones, two builds -----------------------------------------------------------
dirs=("$work/a/envseal" "$work/second-checkout/deeper/path/src")
for i in 0 1; do
    d=${dirs[$i]}
    bases+=("$work/output-base-$i")
    mkdir -p "$(dirname "$d")"
    git clone -q "$origin" "$d" || { not_ok "clone into $d"; finish; }
    t0=$(date +%s)
    if ! bash "$d/scripts/release/build.sh" --source "$d" --out "$d/release" \
        --output-base "${bases[$i]}" >"$work/build-$i.log" 2>&1; then
        tail -n 30 "$work/build-$i.log"
        not_ok "release build in $d"
        finish
    fi
    echo "build $((i + 1)): $d in $(($(date +%s) - t0)) s"
    bazel --output_base="${bases[$i]}" shutdown >/dev/null 2>&1
done

a=${dirs[0]}/release b=${dirs[1]}/release
list_a=$(cd "$a" && sha256sum -- * | sort -k2)
list_b=$(cd "$b" && sha256sum -- * | sort -k2)
echo "$list_a" | sed 's/^/  /'
if [[ -n $list_a && $list_a == "$list_b" ]]; then
    ok "two builds from clones in different directories are bit-identical ($(wc -l <<<"$list_a") files)"
else
    diff <(echo "$list_a") <(echo "$list_b") | sed 's/^/  /'
    not_ok "two builds from clones in different directories are bit-identical"
fi

# --- the release itself ---------------------------------------------------------------
tarball=$(ls "$a"/*.tar.gz)
for sbom in "$a"/*.spdx.json; do
    if out=$(/usr/bin/python3 "$repo/scripts/release/check_sbom.py" "$sbom"); then
        ok "release SBOM matches its archive ($out)"
    else
        echo "$out" | sed 's/^/  /'
        not_ok "release SBOM $(basename "$sbom") matches its archive"
    fi
done
# Optional parts ship exactly when their Bazel target exists in the tree (the
# Debian package comes with the command).
members=$(tar -tzf "$tarball"; ls "$a" | sed -n 's/^envseal_.*\.deb$/\/envseal.deb/p')
for part in "cli/BUILD envseal_dist /bin/envseal" "preload/BUILD libenvseal-strict.so /lib/libenvseal-strict.so" \
    "cli/BUILD envseal_dist /envseal.deb"; do
    read -r build target path <<<"$part"
    want=false got=false
    grep -qs "name = \"$target\"" "${dirs[0]}/$build" && want=true
    grep -q -- "$path\$" <<<"$members" && got=true
    if [[ $want == "$got" ]]; then
        ok "$path shipped exactly when its target exists ($got)"
    else
        not_ok "$path shipped exactly when its target exists (target: $want, shipped: $got)"
    fi
done
# The SBOM tests, on the real release (sub-summary rewritten so it is not counted twice).
if out=$(/usr/bin/python3 "$repo/tests/release/sbom_test.py" --release-dir "$a" 2>&1); then
    ok "release SBOM: schema, every DT_NEEDED with its Debian package, checksums"
else
    not_ok "release SBOM: schema, every DT_NEEDED with its Debian package, checksums"
fi
sed -e 's/^/  /' -e 's/\([0-9]*\) passed, \([0-9]*\) failed/[sbom checks: \1 passed, \2 failed]/' <<<"$out"
finish
