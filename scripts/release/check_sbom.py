#!/usr/bin/env python3
"""Checks an envseal SPDX SBOM against the release archive it describes.

usage: check_sbom.py SBOM.spdx.json [ARCHIVE]

ARCHIVE (a .tar.gz, or a Debian package whose data.tar is read) defaults to the
SBOM's packageFileName, next to the SBOM (a plain file name: one with a "/", or "."
or "..", is refused). Checks, with the standard library only: the package and every
file entry carry both a SHA-1 and a SHA-256; the archive's equal the package's; the
archive holds only regular files and directories (a symbolic link, hard link, device
or FIFO is refused, as is a member name that is absolute or has a ".." component);
every regular file in the archive is listed, with matching SHA-1 and SHA-256; every
listed archive file exists; the package verification code is right. Prints one line
per problem and exits 1 if there is any, else prints a summary and exits 0.
"""
import hashlib
import io
import json
import os
import sys
import tarfile


def digests(stream):
    s1, s256 = hashlib.sha1(), hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        s1.update(chunk)
        s256.update(chunk)
    return {"SHA1": s1.hexdigest(), "SHA256": s256.hexdigest()}


def deb_data(path):
    """The data.tar member of the Debian package at path (an ar archive), opened."""
    with open(path, "rb") as f:
        blob = f.read()
    if not blob.startswith(b"!<arch>\n"):
        raise ValueError(f"{os.path.basename(path)} is not a Debian package (no ar header)")
    off = 8
    while off + 60 <= len(blob):
        name = blob[off:off + 16].decode("ascii").strip().rstrip("/")
        size = int(blob[off + 48:off + 58].decode("ascii"))
        if name.startswith("data.tar"):
            return tarfile.open(fileobj=io.BytesIO(blob[off + 60:off + 60 + size]), mode="r:*")
        off += 60 + size + (size & 1)
    raise ValueError(f"{os.path.basename(path)} has no data.tar member")


def open_archive(path):
    return deb_data(path) if path.endswith(".deb") else tarfile.open(path, "r:gz")


# Both are required on the package and on every file entry: a document with fewer
# would have nothing (or only SHA-1) to compare a file with.
REQUIRED = ("SHA1", "SHA256")
# tarfile's names for the member types refused.
KINDS = {tarfile.SYMTYPE: "a symbolic link", tarfile.LNKTYPE: "a hard link",
         tarfile.CHRTYPE: "a character device", tarfile.BLKTYPE: "a block device",
         tarfile.FIFOTYPE: "a FIFO"}


def sums(element, what, problems):
    """The element's checksums by algorithm; a problem for each of REQUIRED it lacks
    and for an algorithm given twice with different values."""
    out = {}
    for c in element.get("checksums") or []:
        alg, value = c.get("algorithm"), c.get("checksumValue")
        if alg in out and out[alg] != value:
            problems.append(f"{what}: two different {alg} checksums")
        out[alg] = value
    missing = [alg for alg in REQUIRED if not out.get(alg)]
    if missing:
        problems.append(f"{what}: no {' and no '.join(missing)} checksum in the SBOM")
    return out


def plain_name(name):
    """Whether name is a file name in one directory, without a way out of it."""
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name \
        and "\0" not in name


def check(sbom_path, archive_path=None):
    problems = []
    with open(sbom_path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("spdxVersion") != "SPDX-2.3":
        problems.append(f"{sbom_path}: not an SPDX 2.3 document")
        return problems, 0
    described = set(doc.get("documentDescribes", []))
    main = [p for p in doc.get("packages", []) if p["SPDXID"] in described]
    if len(main) != 1:
        problems.append("the SBOM does not describe exactly one package")
        return problems, 0
    main = main[0]
    file_name = main.get("packageFileName")
    if not plain_name(file_name):
        problems.append(f"packageFileName {file_name!r} is not a plain file name")
        return problems, 0
    if archive_path is None:
        archive_path = os.path.join(os.path.dirname(sbom_path), file_name)
    name = os.path.basename(archive_path)
    if not os.path.isfile(archive_path):
        problems.append(f"archive {name} named by the SBOM is missing")
        return problems, 0
    with open(archive_path, "rb") as f:
        actual = digests(f)
    for alg, want in sums(main, f"package {name}", problems).items():
        if alg in actual and actual[alg] != want:
            problems.append(f"{name}: {alg} differs from the SBOM's ({actual[alg]} != {want})")

    files = {f["SPDXID"]: f for f in doc.get("files", [])}
    file_sums = {fid: sums(f, f.get("fileName", fid), problems) for fid, f in files.items()}
    listed = {}
    for fid in main.get("hasFiles", []):
        entry = files.get(fid)
        if entry is None:
            problems.append(f"hasFiles names {fid}, which has no file entry")
            continue
        listed[entry["fileName"].removeprefix("./")] = fid

    seen = set()
    sha1s = []
    with open_archive(archive_path) as tar:
        for member in tar:
            mname = member.name.removeprefix("./")
            if member.name.startswith("/") or ".." in member.name.split("/"):
                problems.append(f"{member.name} in the archive is not a relative path inside it")
                continue
            if member.isdir():
                continue
            if not member.isfile():
                kind = KINDS.get(member.type, f"of tar type {member.type!r}")
                target = f" to {member.linkname}" if member.issym() or member.islnk() else ""
                problems.append(f"{mname} in the archive is {kind}{target}: "
                                "only regular files and directories may be")
                continue
            seen.add(mname)
            fid = listed.get(mname)
            if fid is None:
                problems.append(f"{mname} is in the archive but not in the SBOM")
                continue
            got = digests(tar.extractfile(member))
            sha1s.append(got["SHA1"])
            for alg, want in file_sums[fid].items():
                if alg in got and got[alg] != want:
                    problems.append(f"{mname}: {alg} differs from the SBOM's")
    for path in sorted(set(listed) - seen):
        problems.append(f"{path} is in the SBOM but not in the archive")

    code = main.get("packageVerificationCode", {}).get("packageVerificationCodeValue")
    want_code = hashlib.sha1("".join(sorted(sha1s)).encode()).hexdigest()
    if code != want_code:
        problems.append("the package verification code does not match the archive's files")
    return problems, len(seen)


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        problems, n = check(*sys.argv[1:])
    except (OSError, ValueError, KeyError, tarfile.TarError) as e:
        print(f"sbom: cannot check {sys.argv[1]}: {e}")
        return 1
    for p in problems:
        print(f"sbom: {p}")
    if problems:
        return 1
    print(f"sbom: {os.path.basename(sys.argv[1])}: archive and all {n} files match their checksums")
    return 0


if __name__ == "__main__":
    sys.exit(main())
