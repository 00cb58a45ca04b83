#!/usr/bin/env bash
# Runs docs_test.py with Debian's Python.
exec /usr/bin/python3 "$(dirname "$(readlink -f "$0")")/docs_test.py" "$@"
