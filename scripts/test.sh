#!/usr/bin/env bash
# Runs every test (unit and integration) and prints one closing line
# "N passed, N failed[, N skipped]" counting individual test cases.
# Usage: scripts/test.sh [bazel test target patterns...]   (default //...)
# The full run (no targets) also runs the sanitizer configurations and the fuzzers
# (docs/testing.md); outside CI, ENVSEAL_SANITIZERS=0 and ENVSEAL_FUZZ=0 skip them
# and ENVSEAL_FUZZ_SECONDS shortens the fuzzing (60 s per target).
# Output: per-target results, failing tests' logs and the closing count; with
# ENVSEAL_TEST_VERBOSE=1, every test's log and Bazel's sandbox and progress detail.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

# Test logs of one configuration, emptied: only this run may be counted.
fresh_testlogs() {
    local logs
    logs=$(bazel info "$@" bazel-testlogs 2>/dev/null)
    [[ -n "$logs" && -d "$logs" ]] && rm -rf "${logs:?}"/*
    echo "$logs"
}

# Quiet by default: no progress lines; verbose adds every test's log and the
# sandbox's own detail.
output=(--noshow_progress)
[[ ${ENVSEAL_TEST_VERBOSE:-0} != 0 ]] &&
    output=(--test_output=all --spawn_strategy=linux-sandbox --show_progress)
targets=("$@")
full=$((${#targets[@]} == 0))
((full)) && targets=(//...)
logs=$(fresh_testlogs)
bazel test "${output[@]}" "${targets[@]}"
rc=$?
extra=()

# ASan+UBSan and TSan builds of the tests they apply to (docs/testing.md says which
# and why the others do not): the unit tests but vault_test, the masker, and (ASan)
# `envseal check` on real and malformed files.
SANITIZED=(//tests/unit/... -//tests/unit:vault_test -//tests/unit:libc_local_test //tests/cli:masker_test)
in_ci=$([[ ${CI:-} == true ]] && echo 1 || echo 0)
if ((full)) && { ((in_ci)) || [[ ${ENVSEAL_SANITIZERS:-1} != 0 ]]; }; then
    for cfg in asan tsan; do
        more=()
        [[ $cfg == asan ]] && more=(//tests/cli:check_test //tests/cli:vault_smaps_test)
        cfg_logs=$(fresh_testlogs --config=$cfg)
        bazel test "${output[@]}" --config=$cfg -- "${SANITIZED[@]}" "${more[@]}"
        extra+=(--bazel "$cfg" "$cfg_logs" $?)
    done
elif ((full)); then
    echo "test.sh: sanitizer configurations skipped (ENVSEAL_SANITIZERS=0)"
fi

# The libFuzzer targets, each for a bounded time, and their regression inputs.
if ((full)) && { ((in_ci)) || [[ ${ENVSEAL_FUZZ:-1} != 0 ]]; }; then
    fuzz_log=$(mktemp)
    bash tests/fuzz/run.sh | tee "$fuzz_log"
    extra+=(--log fuzz "$fuzz_log" "${PIPESTATUS[0]}")
elif ((full)); then
    echo "test.sh: fuzzers skipped (ENVSEAL_FUZZ=0)"
fi

python3 "$top/scripts/count_tests.py" "$logs" "$rc" "${extra[@]}"
status=$?
[[ -n ${fuzz_log:-} ]] && rm -f "$fuzz_log"
exit $status
