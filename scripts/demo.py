#!/usr/bin/env python3
"""envseal's demonstration: the same real program (Debian's python3 running
scripts/demo_app.py) started twice, without and with libenvseal.so, and what a
reader of /proc/PID/environ and /proc/PID/maps sees each time. Secret values are
random and never printed: only names and lengths."""
import os
import secrets
import subprocess
import sys

SECRET_NAMES = ("DB_PASSWORD", "STRIPE_API_KEY")


def run(shim, values):
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "APP_REGION": "eu-west-1",
        **values,
    }
    if shim:
        env["LD_PRELOAD"] = shim
    app = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_app.py")
    p = subprocess.Popen(["/usr/bin/python3", app], env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in p.stdout:
        if line.strip() == "ready":
            break
        lines.append(line.rstrip())
    with open(f"/proc/{p.pid}/environ", "rb") as f:
        environ = f.read()
    with open(f"/proc/{p.pid}/smaps") as f:
        smaps = f.read()
    rest, err = p.communicate(input="", timeout=30)
    return lines, environ, smaps, p.returncode, err


def vault_line(smaps):
    """The vault as cli/vault_smaps.c tells it: /secretmem, [anon:envseal-vault], or an
    anonymous mapping with the VmFlags "dd" and "rr" (the shim's mark)."""
    blocks = smaps.split("\n")
    for i, line in enumerate(blocks):
        fields = line.split()
        if len(fields) < 5 or "-" not in fields[0]:
            continue
        path = " ".join(fields[5:])
        flags = next((b for b in blocks[i + 1:] if b.startswith("VmFlags:")), "").split()
        marked = path == "" and "dd" in flags and "rr" in flags
        if "/secretmem" in path or "envseal-vault" in path or marked:
            kind = "memfd_secret (outside the kernel's direct map)" if "secretmem" in path \
                else "private anonymous pages"
            locked = "lo" in flags
            dd = "dd" in flags
            return f"{kind}, {'locked in RAM' if locked else 'NOT locked'}, " \
                   f"{'excluded from core dumps' if dd else 'dumpable'}"
    return "none"


def report(title, shim, values):
    lines, environ, smaps, rc, err = run(shim, values)
    entries = [e.decode(errors="replace") for e in environ.split(b"\0") if e]
    visible = [e.split("=", 1)[0] for e in entries if e.split("=", 1)[0] in SECRET_NAMES]
    leaked = [n for n, v in values.items() if v.encode() in environ]
    print(f"\n== {title}")
    for line in lines:
        print(f"   {line}")
    print(f"   exit status:                   {rc}")
    print(f"   /proc/PID/environ entries:     {len(entries)}")
    print(f"   secret names visible there:    {', '.join(visible) or 'none'}")
    print(f"   secret values readable there:  {', '.join(leaked) or 'none'}")
    print(f"   envseal vault:                 {vault_line(smaps)}")
    if err.strip():
        print(f"   stderr: {err.strip()}")
    for v in values.values():  # belt and braces: the demo itself never shows a value
        assert v not in "\n".join(lines) + err
    return leaked


def main():
    shim = sys.argv[1] if len(sys.argv) > 1 else ""
    if not shim or not os.path.exists(shim):
        sys.exit("usage: demo.py /path/to/libenvseal.so")
    values = {n: secrets.token_urlsafe(18) for n in SECRET_NAMES}
    print("envseal demo: python3 reads DB_PASSWORD and STRIPE_API_KEY from its environment")
    print("(random values; this demo prints names and lengths, never values)", flush=True)
    before = report("without envseal", None, values)
    after = report(f"with envseal (LD_PRELOAD={shim})", shim, values)
    print("\nresult: the program got the same values both times; "
          f"with envseal, /proc/PID/environ exposes {len(after)} of {len(values)} secrets "
          f"(without: {len(before)}).")
    print("Copies a program makes itself (here: Python's os.environ) live in its own heap;"
          " see docs/threat-model.md for what envseal does and does not cover.")
    sys.exit(0 if not after and len(before) == len(values) else 1)


if __name__ == "__main__":
    main()
