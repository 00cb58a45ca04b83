#!/usr/bin/env bash
# Runs sbom_test.py with Debian's Python (python3-jsonschema).
exec /usr/bin/python3 "$(dirname "$(readlink -f "$0")")/sbom_test.py" "$@"
