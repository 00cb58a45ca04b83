#!/usr/bin/env bash
# Tests the macOS build on this Mac: libenvseal.dylib loaded with DYLD_INSERT_LIBRARIES
# into real programs (tests/darwin/probe.c, python3, node), each protection checked
# against a control run without envseal that finds the secret (so each case can fail).
# Secret names and values are random per run and never printed: programs print a
# digest (length and FNV-1a), and outputs are searched with grep -c -f PATTERN-FILE.
#
# usage: bash scripts/darwin/test.sh BUILD_DIR
#   BUILD_DIR/ARCH/libenvseal.dylib (ARCH: arm64 or x86_64, this Mac's) is required;
#   BUILD_DIR/ARCH/envseal is used when present (else its cases are skipped).
# Environment: ENVSEAL_TEST_PYTHON, ENVSEAL_TEST_NODE (default: python3 and node on
# PATH); ENVSEAL_TEST_REQUIRE=1 turns a missing interpreter or an unwritable /cores
# into a failure instead of a skip (CI sets it).
# Prints one line per case (PASS, FAIL, SKIP) and "N passed, N failed, N skipped";
# exit status 1 if any failed, 2 on a usage error.
# Runs with macOS's /bin/bash 3.2: no associative arrays, mapfile or ${x,,}.
set -o pipefail
LC_ALL=C
export LC_ALL

[ $# -eq 1 ] || { echo "usage: bash scripts/darwin/test.sh BUILD_DIR" >&2; exit 2; }
[ "$(uname -s)" = Darwin ] || { echo "test.sh: macOS only (this is $(uname -s))" >&2; exit 2; }
case $(uname -m) in
arm64 | aarch64) arch=arm64 ;;
x86_64) arch=x86_64 ;;
*) echo "test.sh: unknown architecture $(uname -m)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "$1" 2>/dev/null && pwd) || { echo "test.sh: no directory $1" >&2; exit 2; }
lib=$build/$arch/libenvseal.dylib
cli=$build/$arch/envseal
[ -f "$lib" ] || { echo "test.sh: $lib is missing" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/envseal-darwin.XXXXXX") || exit 2
waiting=
cleanup() {
    [ -n "$waiting" ] && kill "$waiting" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0 skipped=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; skipped=$((skipped + 1)); }
# A missing tool is a skip on a developer's Mac and a failure where it is required.
missing() {
    if [ "${ENVSEAL_TEST_REQUIRE:-0}" = 1 ]; then fail "$1" "$2"; else skip "$1" "$2"; fi
}

# --- tools -------------------------------------------------------------------------
probe=$work/probe
for tool in probe procargs; do
    if ! cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$work/$tool" "$src/tests/darwin/$tool.c"; then
        echo "test.sh: cannot compile tests/darwin/$tool.c with cc" >&2
        exit 2
    fi
done

# --- the secret: random name (matches *_TOKEN) and value, in pattern files ----------
rand() { head -c 96 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c "1-$1"; }
NAME=ESTEST_$(rand 12 | tr '[:lower:]' '[:upper:]')_TOKEN
VALUE=$(rand 48)
if [ ${#VALUE} -ne 48 ] || [ ${#NAME} -ne 25 ]; then
    echo "test.sh: no random bytes" >&2
    exit 2
fi
printf '%s\n' "$VALUE" >"$work/pat.value"
printf '%s\n' "$NAME" >"$work/pat.name"
chmod 600 "$work/pat.value" "$work/pat.name"
# hits PATTERN FILE: lines of FILE (binary or not) that hold the value or the name.
hits() {
    local n
    n=$(grep -c -a -F -f "$work/pat.$1" "$2" 2>/dev/null)
    echo "${n:-0}"
}

# plain CMD...: CMD with the secret in its environment, without envseal.
# sealed CMD...: the same with libenvseal.dylib inserted.
# shellcheck disable=SC2030,SC2031 # each run's variables belong to its subshell only
plain() { (export "$NAME=$VALUE"; exec "$@"); }
# shellcheck disable=SC2030
sealed() { (export "$NAME=$VALUE" DYLD_INSERT_LIBRARIES="$lib"; exec "$@"); }

expect=$(plain "$probe" "$NAME" get)
case $expect in
"len=48 fnv="*) ;;
*) echo "test.sh: the control probe does not read the secret ($expect)" >&2; exit 2 ;;
esac

# --- the value each program receives -------------------------------------------------
got=$(sealed "$probe" "$NAME" get 2>"$work/err")
if [ "$got" = "$expect" ] && [ ! -s "$work/err" ]; then
    pass "probe: getenv returns the exact value under envseal"
else
    fail "probe: getenv returns the exact value under envseal" "got '$got', stderr $(wc -l <"$work/err") line(s)"
fi

PY_FNV='import os, sys
v = os.environ.get(sys.argv[1])
if v is None:
    print("unset")
else:
    b = v.encode()
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    print("len=%d fnv=%016x" % (len(b), h))'
# shellcheck disable=SC2016 # JavaScript, not shell
NODE_FNV='const v = process.env[process.argv[1]];
if (v === undefined) { console.log("unset"); } else {
  const b = Buffer.from(v); let h = 0xcbf29ce484222325n;
  for (const c of b) h = ((h ^ BigInt(c)) * 0x100000001b3n) & 0xffffffffffffffffn;
  console.log(`len=${b.length} fnv=${h.toString(16).padStart(16, "0")}`); }'

# interpreter LABEL PROGRAM ARGS...: the value PROGRAM reads under envseal equals the
# control's, and dyld reports libenvseal.dylib loaded into it.
interpreter() {
    local label=$1 what="$1: receives the exact value under envseal (dylib loaded)"
    shift
    local ctl got loaded
    ctl=$(plain "$@" "$NAME" 2>/dev/null)
    got=$(DYLD_PRINT_LIBRARIES=1 sealed "$@" "$NAME" 2>"$work/err")
    loaded=$(grep -c 'libenvseal\.dylib' "$work/err")
    if [ "$ctl" != "$expect" ]; then
        fail "$what" "the control run does not read the value ('$ctl')"
    elif [ "$loaded" -eq 0 ]; then
        fail "$what" "dyld did not load libenvseal.dylib into $label (hardened runtime or SIP?)"
    elif [ "$got" != "$expect" ]; then
        fail "$what" "got '$got'"
    else
        pass "$what"
    fi
}
# find_tool VAR-VALUE NAME: the program's path, or "" (a SIP-protected system copy
# would have DYLD_* stripped, so it does not count).
find_tool() {
    local p=${1:-$(command -v "$2" 2>/dev/null)}
    case $p in
    "" | /usr/bin/* | /bin/* | /System/*) echo "" ;;
    *) echo "$p" ;;
    esac
}
py=$(find_tool "${ENVSEAL_TEST_PYTHON:-}" python3)
if [ -n "$py" ]; then
    interpreter python3 "$py" -c "$PY_FNV"
else
    missing "python3: receives the exact value under envseal" "no python3 outside /usr/bin (set ENVSEAL_TEST_PYTHON)"
fi
node=$(find_tool "${ENVSEAL_TEST_NODE:-}" node)
if [ -n "$node" ]; then
    interpreter node "$node" -e "$NODE_FNV"
else
    missing "node: receives the exact value under envseal" "no node on PATH (set ENVSEAL_TEST_NODE)"
fi

# --- ps eww and KERN_PROCARGS2 of a running probe -----------------------------------
# inspect plain|sealed: starts `probe NAME wait`, waits for its "ready" line, then
# writes WORK/KIND.ps (ps eww) and WORK/KIND.args (KERN_PROCARGS2) and lets it exit.
inspect() {
    local kind=$1 i=0 line pid
    rm -f "$work/fifo" "$work/$kind.out" "$work/$kind.ps" "$work/$kind.args"
    mkfifo "$work/fifo" || return 1
    # The name comes from a file: in the arguments, ps would show it.
    $kind "$probe" "@$work/pat.name" wait <"$work/fifo" >"$work/$kind.out" 2>"$work/$kind.err" &
    waiting=$!
    exec 3>"$work/fifo"
    while ! grep -q '^ready ' "$work/$kind.out" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    line=$(cat "$work/$kind.out")
    # The probe names its own PID (the job's may be a subshell's around it).
    pid=$(echo "$line" | cut -d' ' -f2)
    case $line in
    "ready "*)
        ps eww -p "$pid" >"$work/$kind.ps" 2>&1
        "$work/procargs" "$pid" >"$work/$kind.args"
        ;;
    esac
    exec 3>&-
    wait "$waiting"
    waiting=
    [ -s "$work/$kind.ps" ] && [ -s "$work/$kind.args" ] || return 1
    echo "$line" | cut -d' ' -f3- >"$work/$kind.digest"
}
if inspect plain && inspect sealed; then
    for view in ps args; do
        label="ps eww -p PID"
        [ $view = args ] && label="KERN_PROCARGS2"
        what="$label: neither the secret's value nor its name (control shows both)"
        c_v=$(hits value "$work/plain.$view") c_n=$(hits name "$work/plain.$view")
        s_v=$(hits value "$work/sealed.$view") s_n=$(hits name "$work/sealed.$view")
        if [ "$c_v" -eq 0 ] || [ "$c_n" -eq 0 ]; then
            fail "$what" "the control does not show them (value $c_v, name $c_n): the check cannot fail"
        elif [ "$s_v" -ne 0 ] || [ "$s_n" -ne 0 ]; then
            fail "$what" "under envseal: value found $s_v time(s), name $s_n time(s)"
        elif [ "$(cat "$work/sealed.digest")" != "$expect" ]; then
            fail "$what" "the running probe no longer reads the value"
        else
            pass "$what"
        fi
    done
else
    fail "ps eww / KERN_PROCARGS2: the running probe" "it printed no ready line, or ps/procargs read nothing"
fi

# --- fork: the child's exit keeps the parent's value -----------------------------------
out=$(sealed "$probe" "$NAME" fork)
if [ "$(echo "$out" | grep '^parent ')" = "parent $expect" ] &&
    [ "$(echo "$out" | grep '^child ')" = "child $expect" ]; then
    pass "fork: after the child's exit the parent still reads the exact value"
else
    fail "fork: after the child's exit the parent still reads the exact value" "got: $(echo "$out" | tr '\n' ';')"
fi

# --- exit status and signal deaths -------------------------------------------------------
plain "$probe" "$NAME" exit 7 >/dev/null
c=$?
sealed "$probe" "$NAME" exit 7 >/dev/null
s=$?
if [ $c -eq 7 ] && [ $s -eq 7 ]; then
    pass "exit 7: status 7 under envseal as without"
else
    fail "exit 7: status 7 under envseal as without" "control $c, envseal $s"
fi
for sig in TERM HUP USR1; do
    plain "$probe" "$NAME" signal $sig >/dev/null 2>&1
    c=$?
    sealed "$probe" "$NAME" signal $sig >/dev/null 2>&1
    s=$?
    if [ $c -gt 128 ] && [ $s -eq $c ]; then
        pass "SIG$sig: the same death under envseal as without (status $s)"
    else
        fail "SIG$sig: the same death under envseal as without" "control $c, envseal $s"
    fi
done

# --- crash: the core dump holds no copy of the value ------------------------------------
crash_case() {
    local what="SIGSEGV core dump: no copy of the value (the control core has one)"
    local pattern cores kind status core n pid
    if ! command -v codesign >/dev/null; then missing "$what" "no codesign"; return; fi
    pattern=$(sysctl -n kern.corefile 2>/dev/null)
    pattern=${pattern:-/cores/core.%P}
    cores=$(dirname "$pattern")
    if [ "$(sysctl -n kern.coredump 2>/dev/null)" != 1 ] || [ ! -w "$cores" ]; then
        missing "$what" "core dumps off or $cores not writable (sudo chmod 1777 $cores)"
        return
    fi
    # macOS 12+ dumps the core of a process only if it may be debugged.
    cp "$probe" "$work/probe-core"
    codesign -s - -f --entitlements "$src/tests/darwin/get-task-allow.plist" "$work/probe-core" \
        >/dev/null 2>&1 || { fail "$what" "codesign failed"; return; }
    for kind in plain sealed; do
        # One subshell, exec'd into the probe: $! is the probe's PID.
        # shellcheck disable=SC2031
        if [ $kind = plain ]; then
            (ulimit -c unlimited && export "$NAME=$VALUE" && exec "$work/probe-core" "$NAME" crash) >/dev/null 2>&1 &
        else
            (ulimit -c unlimited && export "$NAME=$VALUE" DYLD_INSERT_LIBRARIES="$lib" &&
                exec "$work/probe-core" "$NAME" crash) >/dev/null 2>&1 &
        fi
        pid=$!
        wait $pid
        status=$?
        core=${pattern//%P/$pid}
        if [ ! -f "$core" ]; then
            fail "$what" "no core $core from the $kind probe (status $status)"
            return
        fi
        n=$(hits value "$core")
        rm -f "$core"
        eval "${kind}_status=$status ${kind}_hits=$n"
    done
    # shellcheck disable=SC2154 # set by the eval above
    if [ "$plain_hits" -eq 0 ]; then
        fail "$what" "the control core holds no copy either: the check cannot fail"
    elif [ "$sealed_hits" -ne 0 ]; then
        fail "$what" "the core under envseal holds $sealed_hits line(s) with the value"
    elif [ "$sealed_status" -ne "$plain_status" ]; then
        fail "$what" "status $sealed_status under envseal, $plain_status without"
    else
        pass "$what"
    fi
}
crash_case

# --- a SIP-protected program: /bin/sh ----------------------------------------------------
if [ ! -x "$cli" ]; then
    for c in "envseal check /bin/sh: unprotectable" "envseal run -- /bin/sh: not silently unprotected" \
        "envseal run --on-failure refuse -- /bin/sh: refused"; do
        skip "$c" "$cli was not built"
    done
else
    "$cli" check /bin/sh >/dev/null 2>&1
    s=$?
    "$cli" check "$probe" >/dev/null 2>&1
    c=$?
    if [ $s -eq 2 ] && [ $c -eq 0 ]; then
        pass "envseal check /bin/sh: unprotectable (exit 2; the probe: protectable)"
    else
        fail "envseal check /bin/sh: unprotectable" "exit $s for /bin/sh, $c for the probe"
    fi
    rm -f "$work/ran"
    plain "$cli" run -- /bin/sh -c ": >'$work/ran'" >/dev/null 2>"$work/err"
    s=$?
    lines=$(wc -l <"$work/err" | tr -d ' ')
    if [ "$lines" -eq 1 ] && { { [ $s -eq 111 ] && [ ! -e "$work/ran" ]; } ||
        { [ $s -eq 0 ] && [ -e "$work/ran" ]; }; }; then
        pass "envseal run -- /bin/sh: one line (warning or refusal), never silent (exit $s)"
    else
        fail "envseal run -- /bin/sh: not silently unprotected" "exit $s, $lines line(s) on stderr"
    fi
    rm -f "$work/ran"
    plain "$cli" run --on-failure refuse -- /bin/sh -c ": >'$work/ran'" >/dev/null 2>&1
    s=$?
    if [ $s -eq 111 ] && [ ! -e "$work/ran" ]; then
        pass "envseal run --on-failure refuse -- /bin/sh: refused (111, not started)"
    else
        fail "envseal run --on-failure refuse -- /bin/sh: refused" "exit $s, started: $([ -e "$work/ran" ] && echo yes || echo no)"
    fi
    got=$(plain "$cli" run -- "$probe" "$NAME" get 2>"$work/err")
    if [ "$got" = "$expect" ] && [ ! -s "$work/err" ]; then
        pass "envseal run -- probe: exact value, no warning"
    else
        fail "envseal run -- probe: exact value, no warning" "got '$got', $(wc -l <"$work/err" | tr -d ' ') stderr line(s)"
    fi
fi

# --- no secret: the dylib loads and changes nothing -----------------------------------
# bare CMD...: CMD with only HOME, PATH, TMPDIR, LANG and a variable that is no secret.
bare() {
    (
        for v in $(compgen -e); do
            case $v in HOME | PATH | TMPDIR | LANG | DYLD_*) ;; *) unset "$v" 2>/dev/null ;; esac
        done
        export ESTEST_COLOUR=teal
        exec "$@"
    )
}
what="no secret: the dylib loads and output and status are identical"
c=$(bare "$probe" ESTEST_COLOUR env; bare "$probe" ESTEST_COLOUR exit 3; echo "status $?")
s=$(DYLD_INSERT_LIBRARIES=$lib bare "$probe" ESTEST_COLOUR env
    DYLD_INSERT_LIBRARIES=$lib bare "$probe" ESTEST_COLOUR exit 3; echo "status $?")
DYLD_PRINT_LIBRARIES=1 DYLD_INSERT_LIBRARIES=$lib bare "$probe" ESTEST_COLOUR get >/dev/null 2>"$work/err"
if ! grep -q 'libenvseal\.dylib' "$work/err"; then
    fail "$what" "dyld did not load libenvseal.dylib into the probe"
elif [ "$c" != "$s" ]; then
    fail "$what" "differs: '$(echo "$c" | tr '\n' ';')' vs '$(echo "$s" | tr '\n' ';')'"
else
    pass "$what"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
