#!/usr/bin/env bash
# Builds the libFuzzer targets (bazel --config=fuzz, clang) and runs each: first
# every input of tests/fuzz/regressions/<target>/ once, as a plain test case, then
# the fuzzer for a bounded time from its seed corpus (tests/fuzz/corpus/<target>/)
# plus the regression inputs. Prints one line per target (executions, exec/s, time,
# result) and closes with "fuzz: N passed, N failed": each target's fuzz run and
# each regression input is one case.
# Usage: tests/fuzz/run.sh [target...]        (default: every *_fuzz target)
# Environment: ENVSEAL_FUZZ_SECONDS  fuzzing time per target (default 60)
#              ENVSEAL_FUZZ_OUT      findings and working corpora (default bazel-fuzz/)
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
seconds=${ENVSEAL_FUZZ_SECONDS:-60}
out=${ENVSEAL_FUZZ_OUT:-$top/bazel-fuzz}
here=tests/fuzz
mkdir -p "$out"
# Open leak findings, each kept as a regression input (see the file).
export LSAN_OPTIONS="suppressions=$top/$here/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

targets=("$@")
if ((${#targets[@]} == 0)); then
    for f in "$here"/*_fuzz.c; do
        t=$(basename "$f" .c)
        targets+=("${t%_fuzz}")
    done
fi

passed=0 failed=0
if ! bazel build --config=fuzz //tests/fuzz:fuzzers >"$out/build.log" 2>&1; then
    grep -v '^[0-9.]*: src/main/tools/' "$out/build.log" | grep -E 'error|ERROR' | head -20
    echo "fuzz: build failed (log: $out/build.log)"
    echo "fuzz: 0 passed, ${#targets[@]} failed"
    exit 1
fi
bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)/tests/fuzz

# Value of one of libFuzzer's final "stat::" lines in a log.
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

for t in "${targets[@]}"; do
    exe=$bin/${t}_fuzz
    mkdir -p "$out/$t/corpus"
    regressions=()
    [[ -d $here/regressions/$t ]] && regressions=("$here/regressions/$t")
    for input in "$here/regressions/$t"/*; do
        [[ -f $input ]] || continue
        if "$exe" -runs=1 "$input" >"$out/$t/regression.log" 2>&1; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            grep -E 'fuzz check failed|ERROR:|SUMMARY:' "$out/$t/regression.log" | head -5
            echo "fuzz: $t: regression input ${input#"$here"/} FAILED (log: $out/$t/regression.log)"
        fi
    done

    dict=()
    [[ -f $here/corpus/$t.dict ]] && dict=("-dict=$here/corpus/$t.dict")
    start=$SECONDS
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/$t/" "${dict[@]}" \
        "$out/$t/corpus" "$here/corpus/$t" "${regressions[@]}" >"$out/$t/fuzz.log" 2>&1
    rc=$?
    elapsed=$((SECONDS - start))
    execs=$(final_stat number_of_executed_units "$out/$t/fuzz.log")
    rate=$(final_stat average_exec_per_sec "$out/$t/fuzz.log")
    if ((rc == 0)); then
        result=ok
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$out/$t/fuzz.log" | tail -1)
        grep -E 'fuzz check failed|ERROR:|SUMMARY:' "$out/$t/fuzz.log" | head -5
        result="FAILED (exit $rc); input: ${crash:-none saved}; log: $out/$t/fuzz.log"
        result+="; once fixed, add the input to $here/regressions/$t/"
    fi
    echo "fuzz: $t: ${execs:-0} executions, ${rate:-0} exec/s, ${elapsed} s, $result"
    # CI keeps no files: the input goes into the log, to be decoded with base64 -d.
    if [[ -n ${crash:-} && -f $crash && ${CI:-} == true ]] && (($(stat -c %s "$crash") <= 65536)); then
        echo "fuzz: $t: crash input, base64: $(base64 -w0 "$crash")"
    fi
    crash=
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
