"""Independent answers to "what does this ELF file load, and which Debian package
provides it", from binutils (readelf), the loader cache (ldconfig -p) and dpkg:
the SBOM tests compare envseal-sbom's output against these, never against itself."""
import os
import re
import subprocess

_CACHE = None


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True,
                          env={**os.environ, "LC_ALL": "C"}).stdout


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def needed(path):
    """DT_NEEDED names and DT_RUNPATH/RPATH of an ELF file, per readelf."""
    out = run("readelf", "-dW", path)
    names = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    runpath = re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[([^\]]+)\]", out)
    return names, runpath


def interpreter(path):
    out = run("readelf", "-lW", path)
    m = re.search(r"\[Requesting program interpreter: ([^\]]+)\]", out)
    return m.group(1) if m else None


def build_id(path):
    m = re.search(r"Build ID: ([0-9a-f]+)", run("readelf", "-nW", path))
    return m.group(1) if m else None


def _ldcache():
    global _CACHE
    if _CACHE is None:
        _CACHE = []
        ldconfig = "/sbin/ldconfig" if os.path.exists("/sbin/ldconfig") else "ldconfig"
        for line in run(ldconfig, "-p").splitlines():
            m = re.match(r"\s+(\S+) \(([^)]*)\) => (\S+)", line)
            if m:
                _CACHE.append(m.groups())
    return _CACHE


def resolve(soname, requester):
    """Path the loader would use for soname (64-bit x86-64 host)."""
    _, runpath = needed(requester)
    for rp in runpath:
        for d in rp.split(":"):
            cand = os.path.join(d.replace("$ORIGIN", os.path.dirname(requester)), soname)
            if os.path.exists(cand):
                return cand
    for name, flags, path in _ldcache():
        if name == soname and ("x86-64" in flags or "AArch64" in flags):
            return path
    return None


def debian_package(path):
    """(name, version, arch) of the package that ships path, via dpkg -S / dpkg-query."""
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        candidates.append(p[4:] if p.startswith("/usr/") else "/usr" + p)
    for p in candidates:
        r = subprocess.run(["dpkg-query", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            line = next(l for l in r.stdout.splitlines() if not l.startswith("diversion"))
            spec = line.split(": ")[0].split(", ")[0]
            out = run("dpkg-query", "-W", "-f=${Package}\t${Version}\t${Architecture}", spec)
            return tuple(out.split("\t"))
    return None


def defined_symbols(path):
    """Global symbols an ELF file or a static archive defines, per nm (symbol
    table, so not for stripped files)."""
    out = subprocess.run(["nm", "-g", "--defined-only", path], capture_output=True, text=True,
                         env={**os.environ, "LC_ALL": "C"}).stdout
    return {line.split()[-1] for line in out.splitlines()
            if len(line.split()) == 3 and line.split()[1] in "TDRB"}


def static_archives(package):
    """The *.a files a Debian package installs, via dpkg-query -L."""
    r = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True)
    return [l for l in r.stdout.splitlines() if l.endswith(".a")] if r.returncode == 0 else []


def package_version(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True,
                       text=True)
    return r.stdout if r.returncode == 0 else None
