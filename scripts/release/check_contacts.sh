#!/usr/bin/env bash
# Refuses to release while a contact address that users are told to write to is in
# a domain no mail can reach: the names RFC 2606 and RFC 6761 reserve (.invalid,
# .example, .test, .localhost, example.com/.net/.org) or .local. A report sent to
# SECURITY.md's address must arrive; the Debian package's Maintainer must be
# someone. The release workflow runs this before it builds anything.
#
# usage: scripts/release/check_contacts.sh [SOURCE_DIR]     (default: this checkout)
set -euo pipefail
src=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
files=(SECURITY.md packaging/deb/control.in packaging/deb/copyright packaging/deb/changelog.in)

bad=0 seen=0
for f in "${files[@]}"; do
    [[ -f $src/$f ]] || continue
    while read -r addr; do
        seen=$((seen + 1))
        domain=$(printf '%s' "${addr##*@}" | tr '[:upper:]' '[:lower:]')
        case $domain in
        *.*) ;;
        *) echo "contacts: $f: $addr has no domain that mail can reach" >&2; bad=1; continue ;;
        esac
        case $domain in
        *.invalid | *.example | *.test | *.localhost | *.local | example.com | example.net | \
            example.org | *.example.com | *.example.net | *.example.org)
            echo "contacts: $f: $addr is in a reserved domain: no mail reaches it" >&2
            bad=1
            ;;
        esac
    done < <(grep -oE '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*' "$src/$f" | sort -u)
done
((seen)) || { echo "contacts: no contact address found in ${files[*]}" >&2; exit 1; }
if ((bad)); then
    echo "contacts: set real addresses before releasing" >&2
    exit 1
fi
echo "contacts: $seen address(es), all deliverable domains"
