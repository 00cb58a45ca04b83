# The shell tests' lines, as cases.py prints them for the Python ones: "ok - NAME",
# or "not ok - NAME" with the output indented below it, "skip - NAME: why", and at
# the end "N passed, N failed[, N skipped]" (scripts/count_tests.py reads it).
# Sourced by a test script.
passed=0 failed=0 skipped=0

report() { # NAME CONDITION-STATUS OUTPUT
    if (($2 == 0)); then
        echo "ok - $1"
        passed=$((passed + 1))
    else
        echo "not ok - $1"
        sed 's/^/    /' <<<"$3"
        failed=$((failed + 1))
    fi
}

skip() { # NAME WHY
    echo "skip - $1: $2"
    skipped=$((skipped + 1))
}

# The last line; status 1 when a case failed.
summary() {
    echo "$passed passed, $failed failed$( ((skipped)) && echo ", $skipped skipped")"
    ((failed == 0))
}
