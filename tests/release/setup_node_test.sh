#!/usr/bin/env bash
# scripts/setup-node.sh, as verify.md describes it: it installs Node.js 20.20.2 from
# the npm registry's package into a prefix, checked against the pinned digest, and
# the installed node runs; --check then finds it; a copy of the script whose pinned
# digest differs refuses the same download and installs nothing. Needs npm and the
# npm registry (as scripts/setup.sh does).
#
# usage: setup_node_test.sh   (run by Bazel)
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/setup-node.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$repo/tests/release/report.sh"
export HOME=$work npm_config_cache=$work/npm-cache

out=$(bash "$repo/scripts/setup-node.sh" --check --prefix "$work/good" 2>&1)
rc=$?
((rc == 1))
report "--check: no node in an empty prefix" $? "exit $rc: $out"

out=$(bash "$repo/scripts/setup-node.sh" --prefix "$work/good" 2>&1)
rc=$?
version=$("$work/good/bin/node" --version 2>&1)
((rc == 0)) && [[ $version == v20.20.2 && -f $work/good/lib/envseal-node/LICENSE ]]
report "installs Node.js 20.20.2 from the npm registry, checked against the pin" $? \
    "exit $rc, node $version: $out"

bash "$repo/scripts/setup-node.sh" --check --prefix "$work/good" >/dev/null 2>&1
report "--check: the installed node is new enough" $? ""

# The same script with one character of the pinned digest changed.
sed 's/integrity=sha512-\(.\)/integrity=sha512-X\1/' "$repo/scripts/setup-node.sh" >"$work/tampered.sh"
out=$(bash "$work/tampered.sh" --prefix "$work/bad" 2>&1)
rc=$?
((rc == 1)) && grep -q "digest differs from the pinned one" <<<"$out" && [[ ! -e $work/bad/bin/node ]]
report "a download that does not match the pin is refused, nothing installed" $? "exit $rc: $out"
summary
