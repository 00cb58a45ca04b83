#!/usr/bin/env bash
# The README's first command: builds libenvseal.so and shows it protecting a real
# program (Debian's python3) next to the same program unprotected.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh
bazel build //preload:libenvseal.so >/dev/null 2>&1 || bazel build //preload:libenvseal.so
so="$(bazel info bazel-bin 2>/dev/null)/preload/libenvseal.so"
exec /usr/bin/python3 scripts/demo.py "$so"
