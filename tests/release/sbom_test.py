#!/usr/bin/env python3
"""SBOM tests: packs a release from Bazel's outputs with scripts/release/package.sh,
then checks the SPDX document it wrote against the official SPDX 2.3 schema, against
readelf/ldconfig/dpkg (every DT_NEEDED of every shipped ELF file, transitively, with
its Debian package and version), and against the files' real checksums.

usage: sbom_test.py LIBENVSEAL SBOM_TOOL ENVSEAL   (run by Bazel through sbom_test.sh)
       sbom_test.py --release-dir DIR               (checks an existing release instead)
The release is packed as scripts/release/build.sh packs it: ENVSEAL (//cli:envseal_dist,
libelf and zlib linked in) as bin/envseal, with build.sh's --static declarations.
Static libraries leave no DT_NEEDED, so test_static_libraries_declared finds them
with nm (the archive's symbols defined in the binary) and wants each in the SBOM.
The dependency walk also runs on a second release whose bin/envseal is the SBOM
tool itself: an executable with longer transitive dependencies (libelf -> libz,
libcrypto).
"""
import copy
import glob
import re
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import jsonschema

import elfdeps
from cases import Skip, run_cases

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(REPO, "..", "shared", "spdx", "spdx-2.3-schema.json")
EPOCH = "1700000000"
# Packages whose static libraries the release's command may hold: checked whether
# declared or not, so that a dropped declaration is caught.
STATIC_CANDIDATES = ["libelf-dev", "zlib1g-dev"]
# libc-family libraries, the only DT_NEEDED the shipped command may have.
GLIBC = re.compile(r"^(libc|libm|libdl|libpthread|librt|ld-linux[-.a-z0-9_]*)\.so")


def build_sh_statics():
    """The --static PATH=PACKAGE declarations scripts/release/build.sh passes."""
    with open(os.path.join(REPO, "scripts/release/build.sh")) as f:
        return re.findall(r"--static ([\w/.-]+)=([\w.+-]+)", f.read())


def sums(el):
    return {c["algorithm"]: c["checksumValue"] for c in el["checksums"]}


def digests(data):
    return {"SHA1": hashlib.sha1(data).hexdigest(), "SHA256": hashlib.sha256(data).hexdigest()}


class Release:
    def __init__(self, out, lib=None, tool=None, cli=None, statics=()):
        """Packs lib, cli as bin/envseal and the --static declarations into out, or,
        without lib, reads the release already in out."""
        self.packed = lib is not None
        self.args = (lib, tool, cli, statics)
        if self.packed:
            env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
            decl = [a for path, pkg in statics for a in ("--static", f"{path}={pkg}")]
            subprocess.run(["bash", os.path.join(REPO, "scripts/release/package.sh"), "--lib",
                            lib, "--cli", cli, "--sbom-tool", tool, "--version", "1.2.3",
                            "--docs", REPO, "--out", out, "--tag", "v1.2.3", *decl],
                           check=True, env=env)
        self.out = out
        self.tarball = glob.glob(os.path.join(out, "envseal-*.tar.gz"))[0]
        self.sbom_path = self.tarball.replace(".tar.gz", ".spdx.json")
        with open(self.sbom_path) as f:
            self.doc = json.load(f)
        self.extracted = os.path.join(out, "x")
        with tarfile.open(self.tarball) as t:
            t.extractall(self.extracted)
        self.files = {f["SPDXID"]: f for f in self.doc["files"]}
        self.packages = {p["SPDXID"]: p for p in self.doc["packages"]}
        self.rel = self.doc["relationships"]

    def shipped(self):
        """(SBOM file entry, path on disk) of every archive member."""
        for f in self.doc["files"]:
            if f["fileName"].startswith("./"):
                yield f, os.path.join(self.extracted, f["fileName"][2:])

    def related(self, spdxid, kind):
        return [r["relatedSpdxElement"] for r in self.rel
                if r["spdxElementId"] == spdxid and r["relationshipType"] == kind]


def test_schema_valid(r):
    if not os.path.exists(SCHEMA):
        # The schema is kept beside the repository (../shared/spdx), not in it.
        raise Skip(f"SPDX schema not found at {os.path.normpath(SCHEMA)}")
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.validate(r.doc, schema)
    # Control: the same validator rejects a broken document.
    bad = copy.deepcopy(r.doc)
    bad["relationships"][0]["relationshipType"] = "LINKS_SOMEHOW"
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("schema accepted an invalid relationship type")


def test_every_member_listed(r):
    with tarfile.open(r.tarball) as t:
        members = sorted(m.name for m in t if m.isfile())
    listed = sorted(f["fileName"][2:] for f, _ in r.shipped())
    assert members == listed, (members, listed)
    main = r.packages["SPDXRef-Package-main"]
    assert sorted(main["hasFiles"]) == sorted(f["SPDXID"] for f, _ in r.shipped())
    top = os.path.basename(r.tarball)[: -len(".tar.gz")]
    assert f"{top}/lib/libenvseal.so" in members, members


def check_graph(r, min_edges):
    """Walks the dependency graph with readelf/ldconfig/dpkg and finds each edge,
    file and package (name and version) in the SBOM. Returns (files, edges)."""
    by_real = {}
    for f in r.doc["files"]:
        path = f["fileName"]
        disk = os.path.join(r.extracted, path[2:]) if path.startswith("./") else path
        by_real[os.path.realpath(disk)] = f
    todo = [p for _, p in r.shipped() if elfdeps.is_elf(p)]
    assert todo, "no shipped ELF file"
    if r.packed:
        assert len(todo) == 2, "expected two shipped ELF files"
    seen, edges = set(), 0
    while todo:
        path = todo.pop()
        if os.path.realpath(path) in seen:
            continue
        seen.add(os.path.realpath(path))
        entry = by_real[os.path.realpath(path)]
        names, _ = elfdeps.needed(path)
        interp = elfdeps.interpreter(path)
        wanted = [(n, elfdeps.resolve(n, path)) for n in names]
        if interp and path.startswith(r.extracted):
            wanted.append(("interpreter", interp))
        links = r.related(entry["SPDXID"], "DYNAMIC_LINK")
        depends = r.related(entry["SPDXID"], "DEPENDS_ON")
        for soname, dep in wanted:
            assert dep, f"{soname} of {path} does not resolve on this machine"
            target = by_real.get(os.path.realpath(dep))
            assert target, f"{soname} ({dep}) of {entry['fileName']} missing from the SBOM"
            assert target["SPDXID"] in links, f"no DYNAMIC_LINK {entry['fileName']} -> {dep}"
            pkg = elfdeps.debian_package(dep)
            assert pkg, f"dpkg does not know {dep}"
            name, version, _ = pkg
            match = [p for p in depends if r.packages[p]["name"] == name
                     and r.packages[p]["versionInfo"] == version]
            assert match, f"{entry['fileName']} does not depend on {name} {version}"
            assert target["SPDXID"] in r.related(match[0], "CONTAINS")
            assert match[0] in r.related("SPDXRef-Package-main", "DEPENDS_ON")
            edges += 1
            todo.append(dep)
    assert edges >= min_edges, f"only {edges} dependency edges: the graph was not followed"
    return len(seen), edges


def test_every_needed_resolved_to_debian_package(r):
    files, edges = check_graph(r, 3 if r.packed else 0)
    print(f"  release: {files} ELF files, {edges} dependency edges checked")
    if not r.packed:
        return
    # The release's command needs little; a longer chain shows the walk is transitive.
    with tempfile.TemporaryDirectory() as d:
        lib, tool, _, _ = r.args
        files, edges = check_graph(Release(d, lib, tool, tool), 10)
    print(f"  stand-in command (the SBOM tool): {files} ELF files, {edges} edges checked")


def static_problems(doc, binary, name):
    """What the SBOM doc gets wrong about the static libraries in binary (the file
    the SBOM calls name): every candidate package whose static archive's symbols the
    binary defines must be a package with STATIC_LINK from the file, at the
    installed version; no other package may be."""
    files = [f for f in doc["files"] if f["fileName"] == name]
    if len(files) != 1:
        return [f"{name} is not listed once"]
    fid = files[0]["SPDXID"]
    packages = {p["SPDXID"]: p for p in doc["packages"]}
    linked = {packages[x["relatedSpdxElement"]]["name"]: packages[x["relatedSpdxElement"]]
              for x in doc["relationships"] if x["spdxElementId"] == fid
              and x["relationshipType"] == "STATIC_LINK" and x["relatedSpdxElement"] in packages}
    problems = []
    have = elfdeps.defined_symbols(binary)
    for pkg in sorted(set(STATIC_CANDIDATES) | set(linked)):
        archives = elfdeps.static_archives(pkg)
        inside = set().union(*(elfdeps.defined_symbols(a) for a in archives)) & have if archives else set()
        if inside and pkg not in linked:
            problems.append(f"{name} holds {len(inside)} symbols of {pkg} "
                            f"(e.g. {sorted(inside)[0]}) but has no STATIC_LINK to it")
        elif pkg in linked and not inside:
            problems.append(f"{name} has STATIC_LINK to {pkg} but holds none of its symbols")
        elif inside and linked[pkg]["versionInfo"] != elfdeps.package_version(pkg):
            problems.append(f"{pkg}: version {linked[pkg]['versionInfo']} in the SBOM, "
                            f"{elfdeps.package_version(pkg)} installed")
    return problems


def test_static_libraries_declared(r):
    top = os.path.basename(r.tarball)[: -len(".tar.gz")]
    binary = os.path.join(r.extracted, top, "bin/envseal")
    assert os.path.isfile(binary), "the release ships no bin/envseal"
    names, _ = elfdeps.needed(binary)
    assert all(GLIBC.match(n) for n in names), f"bin/envseal needs more than glibc: {names}"
    have = elfdeps.defined_symbols(binary)
    assert "elf_begin" in have and "inflate" in have, \
        "bin/envseal does not hold libelf and zlib (or was stripped)"
    name = f"./{top}/bin/envseal"
    problems = static_problems(r.doc, binary, name)
    assert not problems, problems
    if r.packed:
        assert sorted(pkg for _, pkg in r.args[3]) == sorted(STATIC_CANDIDATES), \
            f"scripts/release/build.sh declares {r.args[3]}"
    # Control: the same SBOM without the declarations is caught, package by package.
    bad = copy.deepcopy(r.doc)
    bad["relationships"] = [x for x in bad["relationships"] if x["relationshipType"] != "STATIC_LINK"]
    missing = static_problems(bad, binary, name)
    assert len(missing) == len(STATIC_CANDIDATES), missing
    print(f"  bin/envseal: DT_NEEDED {' '.join(names)}; statically linked and declared: "
          f"{', '.join(STATIC_CANDIDATES)}")


def test_checksums_match(r):
    main = r.packages["SPDXRef-Package-main"]
    with open(r.tarball, "rb") as f:
        assert sums(main) == digests(f.read()), "archive checksum"
    n = 0
    for f in r.doc["files"]:
        path = f["fileName"]
        disk = os.path.join(r.extracted, path[2:]) if path.startswith("./") else path
        with open(disk, "rb") as fh:
            assert sums(f) == digests(fh.read()), f"checksum of {path}"
        n += 1
    sha1s = sorted(sums(f)["SHA1"] for f, _ in r.shipped())
    code = hashlib.sha1("".join(sha1s).encode()).hexdigest()
    assert main["packageVerificationCode"]["packageVerificationCodeValue"] == code
    print(f"  {n} file checksums and the archive's checked")


def test_build_ids(r):
    for f in r.doc["files"]:
        path = f["fileName"]
        disk = os.path.join(r.extracted, path[2:]) if path.startswith("./") else path
        if elfdeps.is_elf(disk):
            bid = elfdeps.build_id(disk)
            assert bid and f"GNU build-id: {bid}" in f["comment"], path


def test_licenses_and_purls(r):
    main = r.packages["SPDXRef-Package-main"]
    assert main["licenseDeclared"] == "Apache-2.0"
    declared = {p["name"]: p["licenseDeclared"] for p in r.doc["packages"]}
    assert declared.get("libc6") == "LGPL-2.1-or-later", declared
    # Linked into bin/envseal: libelf's own license (not elfutils' tools'), zlib's.
    assert declared.get("libelf-dev") == "LGPL-3.0-or-later OR GPL-2.0-or-later", declared
    assert declared.get("zlib1g-dev") == "Zlib", declared
    for p in r.doc["packages"][1:]:
        ref = p["externalRefs"][0]["referenceLocator"]
        assert ref.startswith(f"pkg:deb/debian/{p['name']}@"), ref
        # purl: "+" percent-encoded, ":" (an epoch) and "~" as they are.
        assert ref.split("@", 1)[1].split("?")[0] == p["versionInfo"].replace("+", "%2B"), ref
    archive = os.path.basename(r.tarball)
    assert main["externalRefs"][0]["referenceLocator"] == \
        f"pkg:generic/envseal@{main['versionInfo']}?file_name={archive}", main["externalRefs"]
    # A file with libelf and zlib linked in is under their licenses too: the same
    # expression as the Debian package's copyright file gives for usr/bin/envseal.
    want = copyright_license("usr/bin/envseal")
    assert want == "Apache-2.0 AND (LGPL-3.0-or-later OR GPL-2.0-or-later) AND Zlib", want
    top = archive[: -len(".tar.gz")]
    concluded = {f["fileName"]: f["licenseConcluded"] for f, _ in r.shipped()}
    assert concluded.pop(f"./{top}/bin/envseal") == want, "bin/envseal's licenseConcluded"
    assert set(concluded.values()) == {"Apache-2.0"}, set(concluded.values())
    assert main["licenseConcluded"] == want, main["licenseConcluded"]
    # ... and the archive carries those licenses: each package's copyright file and
    # the texts it names, as the system has them.
    for pkg in STATIC_CANDIDATES:
        copyright = f"/usr/share/doc/{pkg}/copyright"
        texts = set(re.findall(r"/usr/share/common-licenses/[\w+-]+(?:\.[\w+-]+)*",
                               open(copyright).read()))
        for src in [copyright, *texts]:
            name = f"{pkg}.copyright" if src == copyright else os.path.basename(src)
            with open(os.path.join(r.extracted, top, "licenses", name), "rb") as f, \
                    open(src, "rb") as g:
                assert f.read() == g.read(), f"licenses/{name} differs from {src}"
    assert {"GPL-2", "GPL-3", "LGPL-3"} <= set(os.listdir(os.path.join(r.extracted, top, "licenses")))
    print(f"  bin/envseal and the archive: {want}")


def copyright_license(path):
    """The License: of the Files: paragraph naming path in the Debian package's
    copyright file, in SPDX terms."""
    spdx = {"Apache-2.0": "Apache-2.0", "LGPL-3+": "LGPL-3.0-or-later",
            "GPL-2+": "GPL-2.0-or-later", "Zlib": "Zlib", "and": "AND", "or": "OR"}
    text = open(os.path.join(REPO, "packaging/deb/copyright")).read()
    for para in text.split("\n\n"):
        if re.search(rf"^Files: .*\b{re.escape(path)}\b", para, re.M):
            lic = re.search(r"^License: (.*)$", para, re.M).group(1)
            return re.sub(r"[\w.+-]+", lambda m: spdx[m.group(0)], lic)
    raise AssertionError(f"packaging/deb/copyright has no Files: paragraph for {path}")


def test_check_sbom_script(r):
    script = os.path.join(REPO, "scripts/release/check_sbom.py")
    ok = subprocess.run([sys.executable, script, r.sbom_path], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout
    # Control: one changed byte inside a shipped file is caught.
    with tempfile.TemporaryDirectory() as d:
        root = os.path.join(d, "t")
        with tarfile.open(r.tarball) as t:
            t.extractall(root)
        lic = [os.path.join(dp, f) for dp, _, fs in os.walk(root) for f in fs if f == "LICENSE"][0]
        with open(lic, "ab") as f:
            f.write(b" ")
        bad = os.path.join(d, os.path.basename(r.tarball))
        with tarfile.open(bad, "w:gz") as t:
            t.add(os.path.join(root, os.listdir(root)[0]), arcname=os.listdir(root)[0])
        res = subprocess.run([sys.executable, script, r.sbom_path, bad], capture_output=True,
                             text=True)
        assert res.returncode == 1 and "LICENSE: SHA1 differs" in res.stdout, res.stdout


CHECK_SBOM = os.path.join(REPO, "scripts/release/check_sbom.py")


def run_check_sbom(*args):
    res = subprocess.run([sys.executable, CHECK_SBOM, *args], capture_output=True, text=True)
    return res.returncode, res.stdout


def checksum_list(data):
    return [{"algorithm": alg, "checksumValue": v} for alg, v in digests(data).items()]


def forge(r, d, extra=(), change_lib=False, edit=None):
    """A forger's release in d: r's archive with the members extra ((TarInfo, bytes
    or None) pairs) added and, with change_lib, a byte appended to lib/libenvseal.so;
    r's SBOM remade to fit it as a forger would (the package's checksums, an entry
    for each new regular file, each file's checksums, the verification code), then
    given to edit. Returns the SBOM's path; the archive is beside it."""
    archive = os.path.join(d, os.path.basename(r.tarball))
    with tarfile.open(r.tarball) as src, tarfile.open(archive, "w:gz") as dst:
        for m in src:
            data = src.extractfile(m).read() if m.isfile() else None
            if change_lib and m.name.endswith("/lib/libenvseal.so"):
                data += b"x"
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
        for info, data in extra:
            dst.addfile(info, io.BytesIO(data) if data is not None else None)
    doc = copy.deepcopy(r.doc)
    main = next(p for p in doc["packages"] if p["SPDXID"] == "SPDXRef-Package-main")
    with open(archive, "rb") as f:
        main["checksums"] = checksum_list(f.read())
    entries = {f["fileName"].removeprefix("./"): f for f in doc["files"]}
    sha1s = []
    with tarfile.open(archive) as t:
        for m in t:
            if not m.isfile():
                continue
            data = t.extractfile(m).read()
            sha1s.append(digests(data)["SHA1"])
            entry = entries.get(m.name)
            if entry is None:
                entry = {"SPDXID": f"SPDXRef-File-forged-{len(doc['files'])}",
                         "fileName": "./" + m.name, "fileTypes": ["BINARY"]}
                doc["files"].append(entry)
                main["hasFiles"].append(entry["SPDXID"])
            entry["checksums"] = checksum_list(data)
    main["packageVerificationCode"]["packageVerificationCodeValue"] = \
        hashlib.sha1("".join(sorted(sha1s)).encode()).hexdigest()
    if edit:
        edit(doc)
    path = archive[: -len(".tar.gz")] + ".spdx.json"
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def archive_files(doc):
    return [f for f in doc["files"] if f["fileName"].startswith("./")]


def test_check_sbom_refuses_missing_checksums(r):
    """An SBOM without the package's checksums, or without the files', has nothing
    to compare the archive with: refused, even when the rest of it is consistent
    (a changed library, every checksum dropped, the verification code remade)."""
    with tempfile.TemporaryDirectory() as d:
        # Control: the forger's remade SBOM passes when it keeps its checksums
        # (only the SBOM's signature tells it from the release's).
        rc, out = run_check_sbom(forge(r, d, change_lib=True))
        assert rc == 0, out

    def no_package_sums(doc):
        del doc["packages"][0]["checksums"]

    def no_file_sums(doc):
        for f in doc["files"]:
            f["checksums"] = []

    def none(doc):
        no_package_sums(doc)
        no_file_sums(doc)

    archive = os.path.basename(r.tarball)
    for what, edit, change_lib, want in [
            ("package's checksums dropped", no_package_sums, False,
             f"package {archive}: no SHA1 and no SHA256 checksum"),
            ("files' checksums emptied", no_file_sums, False,
             "/lib/libenvseal.so: no SHA1 and no SHA256 checksum"),
            ("every checksum dropped, library changed", none, True,
             "/lib/libenvseal.so: no SHA1 and no SHA256 checksum")]:
        with tempfile.TemporaryDirectory() as d:
            rc, out = run_check_sbom(forge(r, d, change_lib=change_lib, edit=edit))
            assert rc == 1 and want in out, f"{what}: exit {rc}: {out}"


def test_check_sbom_refuses_sha1_only(r):
    """SHA-1 alone is not enough: an SBOM whose package and files have no SHA-256
    is refused."""
    def sha1_only(doc):
        for el in [doc["packages"][0], *doc["files"]]:
            el["checksums"] = [c for c in el["checksums"] if c["algorithm"] == "SHA1"]

    with tempfile.TemporaryDirectory() as d:
        rc, out = run_check_sbom(forge(r, d, edit=sha1_only))
        assert rc == 1 and f"package {os.path.basename(r.tarball)}: no SHA256 checksum" in out \
            and "/lib/libenvseal.so: no SHA256 checksum" in out, f"exit {rc}: {out}"


def test_check_sbom_refuses_conflicting_checksums(r):
    """Two SHA-256 values for one file: refused, whichever is last."""
    def two_sha256(doc):
        lib = next(f for f in archive_files(doc) if f["fileName"].endswith("/lib/libenvseal.so"))
        lib["checksums"].append({"algorithm": "SHA256", "checksumValue": "0" * 64})
        lib["checksums"].reverse()

    with tempfile.TemporaryDirectory() as d:
        rc, out = run_check_sbom(forge(r, d, edit=two_sha256))
        assert rc == 1 and "/lib/libenvseal.so: two different SHA256 checksums" in out, \
            f"exit {rc}: {out}"


def test_check_sbom_refuses_links_devices_fifos(r):
    """The release's archives hold only regular files and directories: an extra
    symbolic link (lib/libextra.so -> /tmp/attacker-lib.so), hard link, device or
    FIFO member is refused, though the SBOM's checksums fit the archive."""
    top = os.path.basename(r.tarball)[: -len(".tar.gz")]
    with tarfile.open(r.tarball) as t:
        kinds = {m.type for m in t}
    assert kinds == {tarfile.REGTYPE, tarfile.DIRTYPE}, f"the archive holds member types {kinds}"

    def member(name, kind, **attrs):
        info = tarfile.TarInfo(f"{top}/{name}")
        info.type, info.mtime, info.mode = kind, int(EPOCH), 0o755
        for k, v in attrs.items():
            setattr(info, k, v)
        return info, None

    for extra, want in [
            (member("lib/libextra.so", tarfile.SYMTYPE, linkname="/tmp/attacker-lib.so"),
             "lib/libextra.so in the archive is a symbolic link to /tmp/attacker-lib.so"),
            (member("lib/libextra.so", tarfile.LNKTYPE, linkname=f"{top}/lib/libenvseal.so"),
             "lib/libextra.so in the archive is a hard link"),
            (member("lib/null", tarfile.CHRTYPE, devmajor=1, devminor=3),
             "lib/null in the archive is a character device"),
            (member("lib/fifo", tarfile.FIFOTYPE), "lib/fifo in the archive is a FIFO")]:
        with tempfile.TemporaryDirectory() as d:
            rc, out = run_check_sbom(forge(r, d, extra=[extra]))
            assert rc == 1 and want in out, f"{extra[0].name}: exit {rc}: {out}"


def test_check_sbom_refuses_member_outside_the_archive(r):
    """A regular file whose member name climbs out ("TOP/../../x"), listed in the
    SBOM with its checksums: refused."""
    top = os.path.basename(r.tarball)[: -len(".tar.gz")]
    info = tarfile.TarInfo(f"{top}/../../libextra.so")
    info.size, info.mtime = 4, int(EPOCH)
    with tempfile.TemporaryDirectory() as d:
        rc, out = run_check_sbom(forge(r, d, extra=[(info, b"evil")]))
        assert rc == 1 and "../../libextra.so in the archive is not a relative path inside it" \
            in out, f"exit {rc}: {out}"


def test_check_sbom_refuses_package_file_name_with_slash(r):
    """packageFileName names a file beside the SBOM: a path (absolute, or climbing
    out of the SBOM's directory) or "." or ".." is refused, not followed."""
    name = os.path.basename(r.tarball)
    with tempfile.TemporaryDirectory() as d:
        sub = os.path.join(d, "sub")
        os.mkdir(sub)
        shutil.copy(r.tarball, d)
        for file_name in [os.path.abspath(r.tarball), f"../{name}", f"./{name}", ".", ".."]:
            doc = copy.deepcopy(r.doc)
            doc["packages"][0]["packageFileName"] = file_name
            path = os.path.join(sub, "x.spdx.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            rc, out = run_check_sbom(path)
            assert rc == 1 and f"packageFileName {file_name!r} is not a plain file name" in out, \
                f"{file_name}: exit {rc}: {out}"


def test_same_inputs_same_bytes(r):
    if not r.packed:
        return
    with tempfile.TemporaryDirectory() as d:
        again = Release(d, *r.args)
        for name in ("tarball", "sbom_path"):
            with open(getattr(r, name), "rb") as a, open(getattr(again, name), "rb") as b:
                assert a.read() == b.read(), f"{name} differs between two runs"


def fake_macho(path, cpu, filetype):
    """A file whose header is a 64-bit little-endian Mach-O one (the SBOM tool reads
    only the header of a Mach-O file)."""
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IIII", 0xFEEDFACF, cpu, 0, filetype) + bytes(4080))


def test_unpacked_archive_runs(r):
    """install.md: unpacked anywhere, bin/envseal finds the shim in ../lib beside it
    and protects the program (a copy of the tree in a new place, so that nothing can
    come from the build's own paths)."""
    top = os.path.basename(r.tarball)[: -len(".tar.gz")]
    secret = "arch-" + os.urandom(8).hex()
    script = ('grep -c "$0" /proc/self/maps; tr "\\0" "\\n" </proc/$$/environ | '
              'grep -c "^DB_PASSWORD=" ; printf %s "$DB_PASSWORD" | sha256sum')
    want = hashlib.sha256(secret.encode()).hexdigest()
    with tempfile.TemporaryDirectory() as d:
        moved = os.path.join(d, "opt", top)
        shutil.copytree(os.path.join(r.extracted, top), moved)
        lib = os.path.join(moved, "lib/libenvseal.so")
        env = {"PATH": "/usr/bin:/bin", "DB_PASSWORD": secret}
        res = subprocess.run([os.path.join(moved, "bin/envseal"), "run", "--on-failure", "refuse",
                              "--", "/bin/sh", "-c", script, lib], env=env,
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        maps, in_environ, digest = res.stdout.split("\n")[:3]
        assert int(maps) > 0, "the shim from the unpacked lib/ is not mapped"
        assert in_environ == "0", "DB_PASSWORD is in /proc/PID/environ"
        assert digest.split()[0] == want, "the program did not get DB_PASSWORD intact"
        # Control: the same program without envseal shows it there.
        res = subprocess.run(["/bin/sh", "-c", script, lib], env=env, capture_output=True,
                             text=True)
        assert res.stdout.split("\n")[:2] == ["0", "1"], res.stdout.split("\n")[:2]


def test_macos_archive(r):
    """package.sh --os macos: the macOS archive (lib/libenvseal.dylib, bin/envseal)
    and its SBOM, the Mach-O files typed BINARY with their kind, no Debian package,
    checked by check_sbom.py."""
    if not r.packed:
        raise Skip("needs the SBOM tool")
    tool = r.args[1]
    with tempfile.TemporaryDirectory() as d:
        lib, cli, out = os.path.join(d, "lib.dylib"), os.path.join(d, "envseal"), os.path.join(d, "o")
        fake_macho(lib, 0x0100000C, 6)
        fake_macho(cli, 0x0100000C, 2)
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
        subprocess.run(["bash", os.path.join(REPO, "scripts/release/package.sh"), "--os", "macos",
                        "--arch", "arm64", "--lib", lib, "--cli", cli, "--sbom-tool", tool,
                        "--version", "1.2.3", "--docs", REPO, "--out", out, "--tag", "v1.2.3"],
                       check=True, env=env)
        assert sorted(os.listdir(out)) == ["SHA256SUMS", "envseal-1.2.3-macos-arm64.spdx.json",
                                           "envseal-1.2.3-macos-arm64.tar.gz"], os.listdir(out)
        with open(os.path.join(out, "envseal-1.2.3-macos-arm64.spdx.json")) as f:
            doc = json.load(f)
        kinds = {e["fileName"]: (e["fileTypes"], e.get("comment")) for e in doc["files"]}
        top = "./envseal-1.2.3-macos-arm64/"
        assert kinds[top + "lib/libenvseal.dylib"] == (["BINARY"], "Mach-O 64-bit arm64 dynamic library"), kinds
        assert kinds[top + "bin/envseal"] == (["BINARY"], "Mach-O 64-bit arm64 executable"), kinds
        res = subprocess.run([sys.executable, os.path.join(REPO, "scripts/release/check_sbom.py"),
                              os.path.join(out, "envseal-1.2.3-macos-arm64.spdx.json")],
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stdout
        bad = subprocess.run(["bash", os.path.join(REPO, "scripts/release/package.sh"), "--os",
                              "macos", "--lib", lib, "--sbom-tool", tool, "--version", "1.2.3",
                              "--docs", REPO, "--out", out], capture_output=True, text=True, env=env)
        assert bad.returncode != 0 and "--arch" in bad.stderr, bad.stderr


def main():
    with tempfile.TemporaryDirectory() as out:
        if sys.argv[1] == "--release-dir":
            shutil.copytree(sys.argv[2], out, dirs_exist_ok=True)
            r = Release(out)
        else:
            r = Release(out, sys.argv[1], sys.argv[2], sys.argv[3], build_sh_statics())
        return run_cases(globals(), r)


if __name__ == "__main__":
    sys.exit(main())
