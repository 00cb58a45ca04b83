# The test's application: for every name on the command line, checks that the
# environment holds exactly the bytes of /run/envseal-expect/<name> (read into a
# buffer that is zeroed right after), reports whether LD_PRELOAD is set, prints
# "ready", waits for EOF on stdin and exits 0. Prints names only, never values.
import os
import sys

ok = True
for name in sys.argv[1:]:
    path = os.path.join("/run/envseal-expect", name)
    want = bytearray(os.stat(path).st_size)
    with open(path, "rb", buffering=0) as f:
        got = f.readinto(want)
    if got != len(want) or os.environb.get(name.encode()) != want:
        print("mismatch", name, flush=True)
        ok = False
    want[:] = bytes(len(want))
print("values-ok" if ok else "values-mismatch", flush=True)
print("LD_PRELOAD " + ("set" if "LD_PRELOAD" in os.environ else "unset"), flush=True)
print("ready", flush=True)
sys.stdin.read()
sys.exit(0 if ok else 3)
