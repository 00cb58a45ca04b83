#!/usr/bin/env bash
# Runs workflows_test.py with Debian's Python (python3-yaml).
exec /usr/bin/python3 "$(dirname "$(readlink -f "$0")")/workflows_test.py" "$@"
