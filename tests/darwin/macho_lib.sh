# shellcheck shell=bash
# Shared by the tests/darwin scripts (sourced): counters and the libSystem check.
# Bash, sourced after `set -uo pipefail`.
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }

# only_libsystem FILE: every undefined symbol bound to libSystem, and some exist.
only_libsystem() {
    local undef
    undef=$(llvm-nm -m -u "$1" 2>/dev/null) || return 1
    [[ -n "$undef" ]] && ! grep -v '(from libSystem)$' <<<"$undef" | grep -q .
}

# build SCRIPT OUTDIR LOG: runs a scripts/darwin build; on failure prints its log
# and the closing count, and exits.
build_or_exit() {
    if ! bash "$1" "$2" >"$3" 2>&1; then
        cat "$3"
        echo "0 passed, 1 failed"
        exit 1
    fi
}
