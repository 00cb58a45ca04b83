#!/usr/bin/env bash
# Installs everything envseal needs from Debian's archive (and, where a part of the
# project needs it, the npm registry). Idempotent: silent when all is present.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)

missing=()
while read -r pkg; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$pkg")
done <"$here/debian-packages.txt"

# Node.js: the machine's own build (it bundles npm) when present, else Debian's,
# then Node.js 20 beside it if that is older than scripts/sigstore needs (below).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian 12's nodejs is 18; the lockfiles want 20.17 or newer.
bash "$here/setup-node.sh" --check || "${sudo_cmd[@]}" bash "$here/setup-node.sh"

# Project parts with npm dependencies install them from their lockfiles.
for lock in "$here"/../*/package-lock.json "$here"/../*/*/package-lock.json; do
    [[ -f "$lock" ]] || continue
    dir=$(dirname "$lock")
    if [[ ! -d "$dir/node_modules" || "$lock" -nt "$dir/node_modules/.package-lock.json" ]]; then
        echo "setup: npm ci in ${dir#"$here/../"}"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
done

# Rebuilt with musl-gcc from Debian's source packages once and cached (needs root;
# the tests build them too when missing): dash, a real musl program for the tests,
# and libelf and zlib, which the static musl envseal command links.
if [[ $(id -u) -eq 0 ]]; then
    for step in "tests/integration/musl_dash.sh" "scripts/musl/envseal.sh --deps-only"; do
        # shellcheck disable=SC2086
        log=$(bash "$here/../"$step 2>&1 >/dev/null) || { echo "$log" >&2; exit 1; }
        grep -v ': cached \|libelf and zlib for musl in' <<<"$log" || true
    done
fi
