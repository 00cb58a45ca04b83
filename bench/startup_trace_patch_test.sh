#!/usr/bin/env bash
# bench/startup_trace.sh builds the shim with bench/startup_trace.patch applied; a
# patch that no longer applies, or no longer compiles, leaves that benchmark broken
# until someone runs it. Checks, on a copy of the sources:
#   - the patch applies exactly (git apply: no offset, no fuzz);
#   - the four files it changes still compile (-Wall -Wextra -Werror);
#   - control: with a line of its context removed, the same check rejects it.
# usage: startup_trace_patch_test.sh   (run by Bazel)
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/trace-patch.XXXXXX")
trap 'rm -rf "$work"' EXIT
patch=$repo/bench/startup_trace.patch
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }

# The files the patch changes, from its own headers.
mapfile -t files < <(sed -n 's|^+++ b/||p' "$patch")
((${#files[@]} > 0)) || bad "no file named in $patch"

copy() { # DIR: the preload sources (headers included) copied into DIR
    mkdir -p "$1" && (cd "$repo" && find preload -name '*.[ch]' -print0 |
        xargs -0 cp --parents -t "$1")
}
applies() { # DIR
    (cd "$1" && GIT_CEILING_DIRECTORIES=$work git apply --check "$patch" 2>&1)
}

copy "$work/tree"
if out=$(applies "$work/tree"); then
    ok "startup_trace.patch applies to the current sources"
else
    bad "startup_trace.patch no longer applies; update it (bench/startup_trace.sh): $out"
fi

(cd "$work/tree" && GIT_CEILING_DIRECTORIES=$work git apply "$patch" 2>/dev/null)
for f in "${files[@]}"; do
    if out=$(cd "$work/tree" && gcc -std=gnu11 -fsyntax-only -Wall -Wextra -Werror -I. "$f" 2>&1); then
        ok "$f compiles with the patch"
    else
        bad "$f does not compile with the patch: $out"
    fi
done

# Control: the check must be able to fail. One context line of the first hunk gone.
copy "$work/control"
first=${files[0]}
line=$(awk '/^@@/ { h = 1; next } h && /^ ./ { print substr($0, 2); exit }' "$patch")
grep -vxF -- "$line" "$work/control/$first" >"$work/control/$first.new" &&
    mv "$work/control/$first.new" "$work/control/$first"
if applies "$work/control" >/dev/null; then
    bad "control: a patch whose context is gone was accepted"
else
    ok "control: the same check rejects the patch when a line of its context is gone"
fi

echo "$passed passed, $failed failed"
((failed == 0))
