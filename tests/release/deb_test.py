#!/usr/bin/env python3
"""Debian package tests: packs a release with scripts/release/package.sh (which
builds the .deb with scripts/release/deb.sh) and checks the package: its layout,
Depends against the symbols its ELF files use, that its ELF files are the archive's
(stripped), two builds bit-identical, its SBOM, lintian; then installs it with
dpkg into the cached debootstrap bookworm root (chroot), runs a protected program
through `envseal run` and through LD_PRELOAD, verifies the systemd examples with
systemd-analyze and runs their ExecStart lines as systemd would, reads the man
pages with man, and removes and purges it: nothing may be left behind.

usage: deb_test.py LIBENVSEAL LIBENVSEAL_STRICT ENVSEAL SBOM_TOOL SVCAPP
(run by Bazel through deb_test.sh; the chroot cases need root)
"""
import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from cases import Skip, run_cases  # noqa: E402

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EPOCH = "1700000000"
VERSION = "1.2.3-rc.1"
DEBVERSION = "1.2.3~rc.1"
# The packages the container test's root filesystem has: the same cache entry.
ROOTFS_PACKAGES = ["python3", "postgresql-client"]
ARCH = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
TRIPLET = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"], capture_output=True,
                         text=True).stdout.strip()
PRIVATE = f"usr/lib/{TRIPLET}/envseal"


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, **kw)


def fnv(value):
    h = 2166136261
    for b in value.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return f"{len(value.encode())}:{h:08x}"


def pack(out, args):
    lib, strict, cli, tool = args
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    run(["bash", os.path.join(REPO, "scripts/release/package.sh"), "--lib", lib, "--lib-strict",
         strict, "--cli", cli, "--sbom-tool", tool, "--version", VERSION, "--docs", REPO,
         "--out", out, "--tag", f"v{VERSION}", "--static", "bin/envseal=libelf-dev",
         "--static", "bin/envseal=zlib1g-dev"], check=True, env=env)
    debs = glob.glob(os.path.join(out, "envseal_*.deb"))
    assert len(debs) == 1, os.listdir(out)
    return debs[0]


class Ctx:
    def __init__(self, out, args, svcapp):
        self.out, self.args, self.svcapp = out, args, svcapp
        self.deb = pack(out, args)
        self.tarball = glob.glob(os.path.join(out, "envseal-*.tar.gz"))[0]
        self.tree = os.path.join(out, "tree")
        run(["dpkg-deb", "-x", self.deb, self.tree], check=True)
        self.control = dict(re.findall(r"^([\w-]+): (.*)$",
                                       run(["dpkg-deb", "-f", self.deb]).stdout, re.M))


# --- the package itself ---------------------------------------------------------

def test_layout(c):
    files = sorted(os.path.relpath(os.path.join(d, f), c.tree)
                   for d, _, fs in os.walk(c.tree) for f in fs)
    want = {"usr/bin/envseal", f"{PRIVATE}/libenvseal.so", f"{PRIVATE}/libenvseal-strict.so",
            "usr/share/man/man1/envseal.1.gz", "usr/share/man/man7/libenvseal.7.gz",
            "usr/share/bash-completion/completions/envseal", "usr/share/doc/envseal/copyright",
            "usr/share/doc/envseal/changelog.gz", "usr/share/doc/envseal/README.md",
            "usr/share/doc/envseal/docs/verify.md", "usr/share/lintian/overrides/envseal",
            "usr/share/doc/envseal/examples/envseal-credentials-example.service",
            "usr/share/doc/envseal/examples/envseal-preload-example.service"}
    missing = want - set(files)
    assert not missing, f"missing: {sorted(missing)}"
    assert all(f.startswith("usr/") for f in files), [f for f in files if not f.startswith("usr/")]
    assert c.control["Package"] == "envseal" and c.control["Architecture"] == ARCH, c.control
    assert c.control["Version"] == DEBVERSION, c.control["Version"]
    assert os.path.basename(c.deb) == f"envseal_{VERSION}_{ARCH}.deb", c.deb
    # One maintainer script, prerm (it only refuses a removal): installing never edits
    # /etc/ld.so.preload (or anything), so no preinst, postinst or postrm.
    with tempfile.TemporaryDirectory() as d:
        run(["dpkg-deb", "-e", c.deb, d], check=True)
        assert sorted(os.listdir(d)) == ["control", "md5sums", "prerm"], os.listdir(d)
        prerm = os.path.join(d, "prerm")
        assert os.stat(prerm).st_mode & 0o7777 == 0o755, oct(os.stat(prerm).st_mode)
        assert "@TRIPLET@" not in open(prerm).read() and f"/{PRIVATE}/" in open(prerm).read()
        res = run(["sh", "-n", prerm])
        assert res.returncode == 0, res.stderr
    modes = {f: oct(os.stat(os.path.join(c.tree, f)).st_mode & 0o7777) for f in files}
    assert modes["usr/bin/envseal"] == "0o755" and modes[f"{PRIVATE}/libenvseal.so"] == "0o644", modes
    print(f"  {len(files)} files, all under /usr; one maintainer script, prerm")


def libc_symbol_versions(paths):
    """{symbol@VERSION: minimal libc6 version} for the undefined dynamic symbols of
    paths, from dpkg's libc6 symbols file."""
    symfile = glob.glob("/var/lib/dpkg/info/libc6:*.symbols") + glob.glob("/var/lib/dpkg/info/libc6.symbols")
    table = {}
    for line in open(symfile[0]):
        m = re.match(r"^ (\S+) (\S+)", line)
        if m:
            table[m.group(1)] = m.group(2)
    used = {}
    for p in paths:
        out = run(["readelf", "--dyn-syms", "-W", p], check=True).stdout
        for m in re.finditer(r"\bUND (\S+@\S+?)(?: \(\d+\))?$", out, re.M):
            sym = m.group(1).replace("@@", "@")
            if sym in table:
                used[sym] = table[sym]
    return used


def highest(versions):
    best = "0"
    for v in versions:
        if run(["dpkg", "--compare-versions", v, "gt", best]).returncode == 0:
            best = v
    return best


def test_depends_from_the_symbols_used(c):
    elves = [os.path.join(c.tree, "usr/bin/envseal")] + glob.glob(os.path.join(c.tree, PRIVATE, "*.so"))
    used = libc_symbol_versions(elves)
    assert len(used) > 20, f"only {len(used)} libc symbols found: the table was not read"
    want = highest(used.values())
    assert c.control["Depends"] == f"libc6 (>= {want})", (c.control["Depends"], want)
    # Control: the bound comes from the symbols that need it; without them it drops.
    drivers = sorted(s for s, v in used.items() if v == want)
    rest = highest(v for s, v in used.items() if s not in drivers)
    assert run(["dpkg", "--compare-versions", rest, "lt", want]).returncode == 0, (rest, want)
    print(f"  Depends: {c.control['Depends']} ({len(used)} libc symbols; the bound from "
          f"{', '.join(drivers)}; {rest} without them)")


def test_same_binaries_as_the_archive(c):
    top = os.path.basename(c.tarball)[: -len(".tar.gz")]
    pairs = {"usr/bin/envseal": "bin/envseal", f"{PRIVATE}/libenvseal.so": "lib/libenvseal.so",
             f"{PRIVATE}/libenvseal-strict.so": "lib/libenvseal-strict.so"}
    with tarfile.open(c.tarball) as t, tempfile.TemporaryDirectory() as d:
        for deb_path, arc in pairs.items():
            orig = os.path.join(d, os.path.basename(arc))
            with open(orig, "wb") as f:
                f.write(t.extractfile(f"{top}/{arc}").read())
            strip = ["strip", "--remove-section=.comment", "--remove-section=.note"]
            if arc.endswith(".so"):
                strip.append("--strip-unneeded")
            run(strip + [orig], check=True)
            with open(orig, "rb") as a, open(os.path.join(c.tree, deb_path), "rb") as b:
                assert a.read() == b.read(), f"{deb_path} is not the archive's {arc}, stripped"
            sym = run(["readelf", "-S", "-W", os.path.join(c.tree, deb_path)]).stdout
            assert ".symtab" not in sym and ".note.gnu.build-id" in sym, deb_path


def test_two_builds_bit_identical(c):
    with tempfile.TemporaryDirectory() as d:
        again = pack(os.path.join(d, "elsewhere", "out"), c.args)
        for name in (os.path.basename(c.deb), os.path.basename(c.deb)[:-4] + ".spdx.json",
                     "SHA256SUMS"):
            with open(os.path.join(c.out, name), "rb") as a, \
                    open(os.path.join(os.path.dirname(again), name), "rb") as b:
                assert a.read() == b.read(), f"{name} differs between two builds"


def test_sbom_and_checksums(c):
    script = os.path.join(REPO, "scripts/release/check_sbom.py")
    sbom = c.deb[:-4] + ".spdx.json"
    ok = run([sys.executable, script, sbom])
    assert ok.returncode == 0, ok.stdout
    sums = open(os.path.join(c.out, "SHA256SUMS")).read()
    with open(c.deb, "rb") as f:
        assert f"{hashlib.sha256(f.read()).hexdigest()}  {os.path.basename(c.deb)}" in sums
    assert os.path.basename(sbom) in sums
    doc = json.load(open(sbom))
    main = doc["packages"][0]
    purl = f"pkg:deb/envseal/envseal@{DEBVERSION}?arch={ARCH}"  # "~" unencoded (RFC 3986)
    assert main["externalRefs"][0]["referenceLocator"] == purl, main["externalRefs"]
    cli = [f for f in doc["files"] if f["fileName"] == "./usr/bin/envseal"][0]
    want = "Apache-2.0 AND (LGPL-3.0-or-later OR GPL-2.0-or-later) AND Zlib"
    assert cli["licenseConcluded"] == want == main["licenseConcluded"], cli["licenseConcluded"]
    # Control: a package whose man page changed is caught.
    with tempfile.TemporaryDirectory() as d:
        tree = os.path.join(d, "t")
        shutil.copytree(c.tree, tree)
        run(["dpkg-deb", "-e", c.deb, os.path.join(tree, "DEBIAN")], check=True)
        with open(os.path.join(tree, "usr/share/doc/envseal/copyright"), "ab") as f:
            f.write(b" ")
        bad = os.path.join(d, os.path.basename(c.deb))
        run(["dpkg-deb", "--root-owner-group", "-b", tree, bad], check=True)
        res = run([sys.executable, script, sbom, bad])
        assert res.returncode == 1 and "copyright: SHA1 differs" in res.stdout, res.stdout
    print(f"  {ok.stdout.strip()}")


def lintian(deb):
    res = run(["lintian", "--display-level", ">=pedantic", "--show-overrides", deb])
    return [l for l in res.stdout.splitlines() if re.match(r"^[EWIPO]: ", l)]


def test_lintian(c):
    if not shutil.which("lintian"):
        raise AssertionError("lintian is missing (Debian package lintian; scripts/setup.sh)")
    tags = lintian(c.deb)
    errors = [t for t in tags if t.startswith("E:")]
    assert not errors, errors
    # Every other finding is listed, with its reason, in docs/install.md.
    doc = open(os.path.join(REPO, "docs/install.md")).read()
    for t in tags:
        tag = t.split()[2]
        assert f"`{tag}`" in doc, f"docs/install.md does not explain {t}"
    print("  lintian: " + ("; ".join(tags) or "no finding"))
    # Control: the same package with unstripped binaries and no copyright file fails.
    with tempfile.TemporaryDirectory() as d:
        tree = os.path.join(d, "t")
        shutil.copytree(c.tree, tree)
        run(["dpkg-deb", "-e", c.deb, os.path.join(tree, "DEBIAN")], check=True)
        os.unlink(os.path.join(tree, "usr/share/doc/envseal/copyright"))
        shutil.copy(c.args[0], os.path.join(tree, PRIVATE, "libenvseal.so"))
        bad = os.path.join(d, "bad.deb")
        run(["dpkg-deb", "--root-owner-group", "-b", tree, bad], check=True)
        bad_tags = " ".join(lintian(bad))
        assert "E: envseal: no-copyright-file" in bad_tags, bad_tags
        assert "E: envseal: unstripped-binary-or-object" in bad_tags, bad_tags


# --- installed in a Debian bookworm root ------------------------------------------

class Chroot:
    """The cached debootstrap bookworm root, unpacked, with /proc mounted."""

    def __init__(self, work):
        res = run(["bash", os.path.join(REPO, "tests/container/debian_rootfs.sh"),
                   *ROOTFS_PACKAGES], timeout=1500)
        if res.returncode != 0:
            raise RuntimeError("debian_rootfs.sh failed: " + res.stderr[-2000:])
        self.root = os.path.join(work, "root")
        os.makedirs(self.root)
        run(["tar", "-C", self.root, "--numeric-owner", "-xf", res.stdout.strip()], check=True)
        # The few device nodes programs open; /dev itself is not bound in.
        for name, major, minor in (("null", 1, 3), ("zero", 1, 5), ("random", 1, 8),
                                   ("urandom", 1, 9)):
            os.mknod(self.path(f"/dev/{name}"), 0o666 | stat.S_IFCHR, os.makedev(major, minor))
            os.chmod(self.path(f"/dev/{name}"), 0o666)
        self.mounts = []
        os.makedirs(self.path("/proc"), exist_ok=True)
        run(["mount", "-t", "proc", "proc", self.path("/proc")], check=True)
        self.mounts.append(self.path("/proc"))

    def close(self):
        for m in reversed(self.mounts):
            run(["umount", "-l", m])

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    def sh(self, *cmd, **kw):
        return run(["chroot", self.root, *cmd], **kw)

    def files(self):
        """Every path of the root but the ones dpkg, apt and the test itself keep changing."""
        skip = ("proc/", "dev/", "tmp/", "run/", "var/lib/dpkg/", "var/lib/apt/", "var/log/",
                "var/cache/")
        out = set()
        for d, dirs, fs in os.walk(self.root):
            rel = os.path.relpath(d, self.root)
            if any((rel + "/").startswith(s) for s in skip):
                dirs[:] = []
                continue
            out.update(os.path.join(rel, f) for f in fs + dirs)
        return out


def watch(cmd, env, secret):
    """Starts cmd (a chroot command line), waits for "ready", reads the process's
    /proc/PID/environ, lets it finish. Returns (output lines, environ holds the
    secret value, environ holds the name)."""
    cmd = [shutil.which(cmd[0]), *cmd[1:]]  # chroot is in /usr/sbin, maybe not in env's PATH
    p = subprocess.Popen(["env", "-i", *[f"{k}={v}" for k, v in env.items()], *cmd],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    lines = []
    try:
        for line in p.stdout:
            lines.append(line.strip())
            if line.strip() == "ready":
                break
        try:
            with open(f"/proc/{p.pid}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            environ = b""
        try:
            p.stdin.write("\n")
            p.stdin.close()
        except BrokenPipeError:
            pass
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    err = p.stderr.read()
    assert "ready" in lines, f"the program did not start (exit {p.returncode}): {err[-500:]}"
    name = secret[0].encode() + b"="
    return lines, secret[1].encode() in environ, name in environ


def check_protected(cmd, env, secret, control_cmd=None, control_env=None):
    lines, value_seen, name_seen = watch(cmd, env, secret)
    assert f"{secret[0]} {fnv(secret[1])}" in lines, \
        f"{secret[0]} did not reach the program intact: {[l.split()[0:2] for l in lines]}"
    assert not value_seen and not name_seen, f"{secret[0]} is readable in /proc/PID/environ"
    if control_cmd:
        _, value_seen, _ = watch(control_cmd, control_env or env, secret)
        assert value_seen, "control: without envseal the value should be in /proc/PID/environ"


def unit_service(path):
    """The [Service] section of a unit file: (key, value) in order."""
    items, section = [], None
    for line in open(path):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            k, v = line.split("=", 1)
            items.append((k.strip(), v.strip()))
    return items


def expand(argv, env):
    """systemd's ExecStart expansion: ${VAR} within a word, $VAR as whole words."""
    out = []
    for word in argv:
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if m:
            out.extend(env.get(m.group(1), "").split())
            continue
        out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda x: env.get(x.group(1), ""), word))
    return out


def service_command(ch, unit, secrets, uid=61234):
    """What systemd would run for unit's ExecStart, inside the chroot: the
    environment (Environment=, EnvironmentFile=, CREDENTIALS_DIRECTORY with the
    LoadCredential= files copied, owned by the service's user), and the command
    line expanded, run as a dynamic user with no new privileges and systemd's
    default memory-lock limit. secrets: what the test writes to the credential and
    environment files."""
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    name = os.path.basename(unit)
    creds = f"/run/credentials/{name}"
    argv = None
    for k, v in unit_service(unit):
        if k == "Environment":
            for a in shlex.split(v):
                key, val = a.split("=", 1)
                env[key] = val
        elif k == "EnvironmentFile":
            path = ch.path(v.lstrip("-"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("".join(f"{n}={val}\n" for n, val in secrets.items()))
            os.chmod(path, 0o600)
            for line in open(path):
                key, val = line.rstrip("\n").split("=", 1)
                env[key] = val
        elif k == "LoadCredential":
            cid, src = v.split(":", 1)
            os.makedirs(os.path.dirname(ch.path(src)), exist_ok=True)
            with open(ch.path(src), "w") as f:
                f.write(secrets[cid] + "\n")
            os.chmod(ch.path(src), 0o600)
            os.makedirs(ch.path(creds), mode=0o500, exist_ok=True)
            shutil.copy(ch.path(src), ch.path(f"{creds}/{cid}"))
            os.chmod(ch.path(f"{creds}/{cid}"), 0o400)
            os.chown(ch.path(f"{creds}/{cid}"), uid, uid)
            os.chown(ch.path(creds), uid, uid)
            env["CREDENTIALS_DIRECTORY"] = creds
        elif k == "ExecStart":
            argv = shlex.split(v)
    assert argv, f"{name}: no ExecStart"
    argv = expand(argv, env)
    cmd = ["chroot", ch.root, "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
           "--no-new-privs", "prlimit", "--memlock=8388608", "--", *argv]
    return cmd, env


def chroot_cases(c):
    """Everything that needs the package installed, in order; one result per step."""
    results = []

    def step(name, fn):
        try:
            fn()
            results.append((name, None))
        except Exception as e:  # noqa: BLE001
            results.append((name, f"{type(e).__name__}: {e}"))

    if os.geteuid() != 0 or not shutil.which("debootstrap"):
        raise Skip("needs root and debootstrap (the chroot install)")
    work = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    ch = Chroot(work)
    try:
        before = ch.files()
        shutil.copy(c.deb, ch.path("/tmp/envseal.deb"))

        def install():
            # As install.md says: apt installs the file and what it depends on.
            res = ch.sh("apt-get", "install", "-y", "-q", "--no-install-recommends",
                        "/tmp/envseal.deb", env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            assert res.returncode == 0, res.stdout + res.stderr
            st = ch.sh("dpkg-query", "-W", "-f=${Status} ${Version}", "envseal").stdout
            assert st == f"install ok installed {DEBVERSION}", st
            assert not os.path.exists(ch.path("/etc/ld.so.preload")), "/etc/ld.so.preload appeared"
            shutil.copy(c.svcapp, ch.path("/usr/bin/app"))
        step("apt-get install ./envseal.deb installs it in Debian bookworm", install)

        secret = ("DB_PASSWORD", "s3cr" + os.urandom(8).hex())
        base = {"PATH": "/usr/bin:/bin", secret[0]: secret[1]}

        step("envseal run: the program gets the value, /proc/PID/environ is clean", lambda: check_protected(
            ["chroot", ch.root, "envseal", "run", "--on-failure", "refuse", "--", "/usr/bin/app"], base,
            secret, ["chroot", ch.root, "/usr/bin/app"]))
        lib = f"/{PRIVATE}/libenvseal.so"
        step("LD_PRELOAD: the program gets the value, /proc/PID/environ is clean", lambda: check_protected(
            ["chroot", ch.root, "/usr/bin/app"], {**base, "LD_PRELOAD": lib, "ENVSEAL_ON_FAILURE": "refuse"},
            secret, ["chroot", ch.root, "/usr/bin/app"], base))

        def status_and_check():
            res = ch.sh("envseal", "check", "/usr/bin/app")
            assert res.returncode == 0 and "protectable" in res.stdout, res.stdout + res.stderr
            res = ch.sh("envseal", "run", "--mode", "strict", "--", "/usr/bin/env")
            assert res.returncode == 0, res.stderr
        step("envseal check and --mode strict find their files", status_and_check)

        def man_pages():
            for page, want in (("envseal", "envseal run"), ("libenvseal", "ENVSEAL_SECRETS")):
                res = run(["man", "--warnings", "-M", ch.path("/usr/share/man"), page],
                          env={**os.environ, "MANPAGER": "cat", "MANWIDTH": "80"})
                assert res.returncode == 0 and want in res.stdout, res.stderr
                assert not res.stderr.strip(), f"man {page}: {res.stderr.strip()}"
        step("man envseal and man libenvseal render without warnings", man_pages)

        examples = sorted(glob.glob(ch.path("/usr/share/doc/envseal/examples/*.service")))

        added = []  # files this test puts into the root, removed before the final check

        def verify_units():
            assert len(examples) == 2, examples
            # systemd-analyze wants the units a service depends on (sysinit.target, ...):
            # the host's, since the root has no systemd.
            for f in sorted(glob.glob("/usr/lib/systemd/system/*")):
                dest = ch.path(f)
                if not os.path.lexists(dest) and not os.path.isdir(f):
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    shutil.copy(f, dest, follow_symlinks=False)
                    added.append(dest)
            os.makedirs(ch.path("/etc/systemd/system"), exist_ok=True)
            for u in examples:
                shutil.copy(u, ch.path("/etc/systemd/system"))
                added.append(ch.path("/etc/systemd/system/" + os.path.basename(u)))
            names = [ch.path("/etc/systemd/system/" + os.path.basename(u)) for u in examples]
            res = run(["systemd-analyze", "verify", f"--root={ch.root}", *names])
            assert res.returncode == 0 and not res.stderr.strip(), res.stderr
            # Control: without the program the same check fails.
            os.rename(ch.path("/usr/bin/app"), ch.path("/usr/bin/app.off"))
            res = run(["systemd-analyze", "verify", f"--root={ch.root}", *names])
            os.rename(ch.path("/usr/bin/app.off"), ch.path("/usr/bin/app"))
            assert res.returncode != 0 and "/usr/bin/app" in res.stderr, res.stderr
        step("systemd-analyze verify passes both example units", verify_units)

        def credentials_unit():
            unit = [u for u in examples if "credentials" in u][0]
            cred = ("DB_PASSWORD", "cred-" + os.urandom(8).hex())
            cmd, env = service_command(ch, unit, {"db_password": cred[1]})
            assert cmd[cmd.index("--") + 1:][:2] == ["/usr/bin/envseal", "run"], cmd
            assert any(a.startswith("DB_PASSWORD=/run/credentials/") for a in cmd), cmd
            control = cmd[:cmd.index("--") + 1] + ["/usr/bin/app"]
            check_protected(cmd, env, cred, control, {**env, "DB_PASSWORD": cred[1]})
        step("LoadCredential= unit: ExecStart run as systemd would, program protected", credentials_unit)

        def preload_unit():
            unit = [u for u in examples if "preload" in u][0]
            tok = ("API_TOKEN", "tok-" + os.urandom(8).hex())
            cmd, env = service_command(ch, unit, {"API_TOKEN": tok[1]})
            assert env["LD_PRELOAD"] == "/usr/$LIB/envseal/libenvseal.so", env
            control_env = {k: v for k, v in env.items() if k != "LD_PRELOAD"}
            check_protected(cmd, env, tok, cmd, control_env)
        step("Environment=LD_PRELOAD unit: ExecStart run as systemd would, program protected", preload_unit)

        def preload_line_blocks_removal():
            # What an operator who preloads envseal everywhere has: the line in
            # /etc/ld.so.preload. Removing the package then would leave every program
            # with a loader error and its secrets in /proc/PID/environ.
            app = ["chroot", ch.root, "/usr/bin/app"]
            _, value_seen, _ = watch(app, base, secret)
            assert value_seen, "control: without the line the value should be in /proc/PID/environ"
            os.symlink(f"/{PRIVATE}/libenvseal-strict.so", ch.path("/opt/preload.so"))
            for line in ("/usr/$LIB/envseal/libenvseal.so\n",
                         "/usr/${LIB}/envseal/./libenvseal.so\n",
                         "/usr/$LIB/envseal//libenvseal-strict.so\n",
                         f"/{PRIVATE}/libenvseal-strict.so\n",
                         f"/lib/{TRIPLET}/envseal/libenvseal.so\n",
                         "  /opt/preload.so \n"):
                with open(ch.path("/etc/ld.so.preload"), "w") as f:
                    f.write(line)
                check_protected(app, base, secret)
                res = ch.sh("dpkg", "-r", "envseal")
                assert res.returncode != 0, f"{line.strip()}: dpkg -r succeeded"
                assert "/etc/ld.so.preload preloads envseal" in res.stderr, res.stderr
                st = ch.sh("dpkg-query", "-W", "-f=${Status}", "envseal").stdout
                # dpkg records the wish ("deinstall") but the package stays installed.
                assert st.endswith(" ok installed"), f"{line.strip()}: {st}"
                assert os.path.exists(ch.path(f"/{PRIVATE}/libenvseal.so")), line
            # An upgrade (here a reinstall) keeps the files and is never refused.
            res = ch.sh("dpkg", "-i", "/tmp/envseal.deb")
            assert res.returncode == 0, res.stdout + res.stderr
            check_protected(app, base, secret)
            os.unlink(ch.path("/opt/preload.so"))
            # A file that names nothing of ours does not stand in the way (checked by
            # the removal below).
            open(ch.path("/etc/ld.so.preload"), "w").close()
        step("dpkg -r is refused while /etc/ld.so.preload preloads envseal; upgrades are not",
             preload_line_blocks_removal)

        def remove():
            for p in added + [ch.path("/usr/bin/app"), ch.path("/tmp/envseal.deb")]:
                os.unlink(p)
            if os.path.lexists(ch.path("/opt/preload.so")):  # the step above failed midway
                os.unlink(ch.path("/opt/preload.so"))
                open(ch.path("/etc/ld.so.preload"), "w").close()
            for d in ("/etc/app", "/run/credentials"):
                shutil.rmtree(ch.path(d), ignore_errors=True)
            res = ch.sh("dpkg", "-r", "envseal")
            assert res.returncode == 0, res.stderr
            if os.path.exists(ch.path("/etc/ld.so.preload")):
                os.unlink(ch.path("/etc/ld.so.preload"))
            left = sorted(ch.files() - before)
            assert not left, f"left behind after dpkg -r: {left[:10]}"
            res = ch.sh("dpkg", "-P", "envseal")
            assert res.returncode == 0, res.stderr
            st = ch.sh("dpkg-query", "-W", "-f=${Status}", "envseal")
            assert st.returncode != 0 or "not-installed" in st.stdout, st.stdout
            left = sorted(ch.files() - before)
            assert not left, f"left behind after dpkg -P: {left[:10]}"
            info = glob.glob(ch.path("/var/lib/dpkg/info/envseal*"))
            assert not info, info
        step("dpkg -r and dpkg -P leave nothing behind", remove)
    finally:
        ch.close()
        shutil.rmtree(work, ignore_errors=True)
    return results


def main():
    lib, strict, cli, tool, svcapp = (os.path.realpath(a) for a in sys.argv[1:6])
    with tempfile.TemporaryDirectory(dir=os.environ.get("TEST_TMPDIR")) as out:
        c = Ctx(out, (lib, strict, cli, tool), svcapp)
        rc = run_cases({k: v for k, v in globals().items() if k.startswith("test_")}, c)
        # The chroot steps share one installation: one line each, counted together.
        # Counted on a line of their own ("chroot: N passed, N failed", which
        # scripts/count_tests.py adds to the line above).
        passed = failed = skipped = 0
        try:
            for name, err in chroot_cases(c):
                print(f"ok - {name}" if err is None else f"not ok - {name}: {err}")
                passed, failed = passed + (err is None), failed + (err is not None)
        except Skip as e:
            print(f"skip - chroot install: {e}")
            skipped = 1
        except Exception as e:  # noqa: BLE001
            print(f"not ok - chroot install: {type(e).__name__}: {e}")
            failed += 1
        print(f"chroot: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return rc or (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
