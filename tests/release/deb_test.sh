#!/usr/bin/env bash
# Runs deb_test.py with Debian's Python.
exec /usr/bin/python3 "$(dirname "$(readlink -f "$0")")/deb_test.py" "$@"
