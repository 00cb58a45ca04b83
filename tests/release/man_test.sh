#!/usr/bin/env bash
# Runs man_test.py with Debian's Python.
exec /usr/bin/python3 "$(dirname "$(readlink -f "$0")")/man_test.py" "$@"
