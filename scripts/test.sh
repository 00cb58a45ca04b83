#!/usr/bin/env bash
# Runs every test (unit and integration) and prints one closing line
# "N passed, N failed[, N skipped]" counting individual test cases.
# Usage: scripts/test.sh [bazel test target patterns...]   (default //...)
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

targets=("$@")
((${#targets[@]})) || targets=(//...)
logs=$(bazel info bazel-testlogs 2>/dev/null)
# Count only this run: logs of earlier runs (or of removed targets) must not linger.
[[ -n "$logs" && -d "$logs" ]] && rm -rf "${logs:?}"/*
bazel test "${targets[@]}"
rc=$?
python3 "$top/scripts/count_tests.py" "$logs" "$rc"
