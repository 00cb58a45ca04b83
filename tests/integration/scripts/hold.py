# Checks that every variable named in $HOLD_NAMES holds exactly the value in
# $HOLD_DIR/<name> (os.environ and os.getenv), sets each name in $HOLD_SET from its
# file through os.environ (putenv), checks that a child process sees all of them,
# prints "ready", waits for EOF on stdin and exits with $HOLD_EXIT. Names only.
import os
import subprocess
import sys

d = os.environ["HOLD_DIR"]
for name in os.environ["HOLD_NAMES"].split():
    with open(os.path.join(d, name), encoding="utf-8") as f:
        want = f.read()
    if os.environ.get(name) != want or os.getenv(name) != want:
        print("mismatch", name, flush=True)
        sys.exit(3)
print("values-ok", flush=True)
for name in os.environ.get("HOLD_SET", "").split():
    with open(os.path.join(d, name), encoding="utf-8") as f:
        os.environ[name] = f.read()
child = subprocess.run(["/bin/sh", os.environ["HOLD_CHILD"]], check=False)
print("child-ok" if child.returncode == 0 else "child-failed", flush=True)
print("ready", flush=True)
sys.stdin.read()
sys.exit(int(os.environ["HOLD_EXIT"]))
