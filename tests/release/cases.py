"""The release tests' runner: calls every test_* function of a module, one
"ok"/"not ok"/"skip" line per case, then "N passed, N failed[, N skipped]"."""


class Skip(Exception):
    """Raised by a case that cannot run here; the message says why."""


def run_cases(namespace, *args):
    passed = failed = skipped = 0
    for name, fn in list(namespace.items()):
        if not name.startswith("test_") or not callable(fn):
            continue
        try:
            fn(*args)
            print(f"ok - {name}")
            passed += 1
        except Skip as e:
            print(f"skip - {name}: {e}")
            skipped += 1
        except Exception as e:  # report and go on: one line per case
            print(f"not ok - {name}: {type(e).__name__}: {e}")
            failed += 1
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0
