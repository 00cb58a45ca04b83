#!/usr/bin/env python3
"""Counts individual test cases in Bazel's test logs.

Every test target prints either cmocka's summary ("[  PASSED  ] N test(s).",
"[  FAILED  ] N test(s)", "[  SKIPPED ] N test(s)") or a plain line
"N passed, N failed[, N skipped]". A target that failed without a summary (crash,
timeout, build failure) counts as one failed case. Exit status: non-zero when any
case failed or Bazel failed.

Usage: count_tests.py TESTLOGS RC [--bazel LABEL TESTLOGS RC]... [--log LABEL FILE RC]...
The first pair is the default configuration's `bazel test`; each --bazel adds the test
logs of another one (a sanitizer configuration), each --log one runner's own log
(the fuzzers: its "N passed, N failed" line), with that command's exit status.
"""
import os
import re
import sys

CMOCKA = re.compile(r"^\[  (PASSED|FAILED|SKIPPED) *\] (\d+) test")
PLAIN = re.compile(r"^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")


def count(log):
    passed = failed = skipped = 0
    seen = False
    with open(log, errors="replace") as f:
        for line in f:
            m = CMOCKA.match(line)
            if m:
                seen = True
                n = int(m.group(2))
                if m.group(1) == "PASSED":
                    passed += n
                elif m.group(1) == "FAILED":
                    failed += n
                else:
                    skipped += n
                continue
            m = PLAIN.match(line.strip())
            if m:
                seen = True
                passed += int(m.group(1))
                failed += int(m.group(2))
                skipped += int(m.group(3) or 0)
    return seen, passed, failed, skipped


def count_testlogs(label, root, rc):
    total = [0, 0, 0]
    for dirpath, _, files in os.walk(root):
        if "test.log" not in files:
            continue
        log = os.path.join(dirpath, "test.log")
        target = label + os.path.relpath(dirpath, root)
        seen, p, f, s = count(log)
        xml = os.path.join(dirpath, "test.xml")
        crashed = os.path.exists(xml) and 'failures="1"' in open(xml, errors="replace").read()
        if not seen or (crashed and f == 0):
            f += 1
            print(f"count: {target}: no complete summary, counted as a failure")
        print(f"count: {target}: {p} passed, {f} failed, {s} skipped")
        total = [total[0] + p, total[1] + f, total[2] + s]
    if rc not in (0, 3) and total[1] == 0:
        total[1] += 1  # build failure or a target that never ran
        print(f"count: {label}bazel exited {rc} without a failing case; counted as a failure")
    return total


def count_log(label, log, rc):
    seen, p, f, s = count(log) if os.path.exists(log) else (False, 0, 0, 0)
    if not seen or (rc != 0 and f == 0):
        f += 1
        print(f"count: {label}: exited {rc} without a failing case; counted as a failure")
    print(f"count: {label}: {p} passed, {f} failed, {s} skipped")
    return [p, f, s]


def main():
    args = sys.argv[1:]
    runs = [("", args[0], int(args[1]))]
    logs = []
    rest = args[2:]
    while rest:
        kind, label, path, rc = rest[:4]
        if kind == "--bazel":
            runs.append((label + ": ", path, int(rc)))
        else:
            logs.append((label, path, int(rc)))
        rest = rest[4:]
    total = [0, 0, 0]
    failed_rc = False
    for label, root, rc in runs:
        t = count_testlogs(label, root, rc)
        total = [a + b for a, b in zip(total, t)]
        failed_rc |= rc != 0
    for label, path, rc in logs:
        t = count_log(label, path, rc)
        total = [a + b for a, b in zip(total, t)]
        failed_rc |= rc != 0
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    sys.exit(1 if total[1] or failed_rc else 0)


if __name__ == "__main__":
    main()
