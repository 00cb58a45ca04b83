#!/usr/bin/env python3
"""Documentation tests: SECURITY.md has every part of the disclosure policy;
docs/verify.md pins the exact identity and issuer and says what checksums alone
prove; docs/verify.md and docs/container.md name the images release.yml publishes
and the paths container/stage.sh installs; docs/threat-model.md covers assets, attackers, trust boundaries and every
protection with its limits, and every test it cites exists (file, and case name in
that file); every test name README.md, SECURITY.md or docs/ cite is found in the code
of tests/ or bench/. "No claim without a test" is checked, not promised.

usage: docs_test.py   (run by Bazel through docs_test.sh)
"""
import os
import re
import sys

from cases import run_cases

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def read(rel):
    with open(os.path.join(REPO, rel), encoding="utf-8") as f:
        return f.read()


def code_blocks(md):
    return re.findall(r"```[a-z]*\n(.*?)```", md, re.S)


def test_security_md_disclosure_policy():
    s = read("SECURITY.md")
    for phrase in ["## Supported versions", "GitHub Security Advisories", "### What to include",
                   "48 hours", "## Triage and severity", "spam", "## Credit", "anonymous",
                   "## Out of scope", "## Safe harbour", "docs/verify.md"]:
        assert phrase in s, f"SECURITY.md lacks {phrase!r}"
    assert re.search(r"`[a-z]+@[a-z.-]+\.[a-z]+`", s), "SECURITY.md gives no email address"
    for limit in ["root", "ptrace", "static binaries", "Go", "set-user-ID", "musl", "macOS"]:
        assert limit in s, f"out-of-scope list lacks {limit!r}"


def test_verify_md_exact_identity_and_issuer():
    v = read("docs/verify.md")
    assert "IDENTITY=https://github.com/envseal/envseal/.github/workflows/release.yml@refs/tags/$TAG" in v
    assert "ISSUER=https://token.actions.githubusercontent.com" in v
    blocks = "\n".join(code_blocks(v))
    assert 'cosign verify-blob --bundle "$f.sigstore.json"' in blocks
    assert blocks.count('--certificate-identity "$IDENTITY"') >= 3  # blobs, image, attestation
    assert blocks.count('--certificate-oidc-issuer "$ISSUER"') >= 3
    assert "regexp" not in blocks and "regex" not in blocks, "a command uses an identity pattern"
    assert 'cosign verify "$IMAGE@$DIGEST"' in blocks, "the image must be verified by digest"
    assert "node scripts/sigstore/verify.mjs" in blocks, "no sigstore-js instructions"
    assert "--trusted-root" in v, "no air-gapped instructions"
    assert "sha256sum --check SHA256SUMS" in blocks
    assert "**This proves integrity, not authenticity.**" in v


def test_verify_md_names_the_published_images():
    """The image names and paths in docs/verify.md and docs/container.md are those the
    release workflow publishes and container/stage.sh installs."""
    v, c = read("docs/verify.md"), read("docs/container.md")
    wf = read(".github/workflows/release.yml")
    m = re.search(r'repo="ghcr\.io/\$\{GITHUB_REPOSITORY,,\}"', wf)
    names = re.search(r"for name in ([\w -]+); do", wf)
    assert m and names, "release.yml: no image names found"
    names = names.group(1).split()
    assert names == ["envseal-layer", "envseal-debian"], names
    for name in names:
        ref = f"ghcr.io/envseal/envseal/{name}"
        assert f"`{ref}:vX.Y.Z`" in v, f"docs/verify.md does not name {ref}"
        assert ref in c, f"docs/container.md does not name {ref}"
    # No other image name: the repository path plus ":" or "@" is not an image.
    assert not re.search(r"ghcr\.io/envseal/envseal[:@]", v + c), "an image name without /envseal-*"
    stage = read("container/stage.sh")
    paths = re.findall(r'"\$root(/usr/[\w/.]+)"', stage)
    assert "/usr/bin/envseal" in paths and "/usr/lib/envseal/libenvseal.so" in paths, paths
    for doc, text in (("verify.md", v), ("container.md", c)):
        for path in ("/usr/bin/envseal", "/usr/lib/envseal/libenvseal.so", "/etc/ld.so.preload"):
            assert path in text, f"docs/{doc} lacks {path}"
        assert "/usr/local/bin/envseal" not in text, f"docs/{doc} names /usr/local/bin/envseal"
    blocks = "\n".join(code_blocks(v))
    assert 'cosign verify-attestation "$IMAGE@$PLATFORM" --type spdxjson' in blocks
    assert 'IMAGE=ghcr.io/envseal/envseal/envseal-layer' in blocks


def test_verify_md_names_real_files():
    v = read("docs/verify.md")
    for rel in set(re.findall(r"(?:scripts|tests)/[\w./-]+\.(?:sh|py|mjs|json)", v)):
        assert os.path.exists(os.path.join(REPO, rel)), f"docs/verify.md names missing {rel}"


def sections(tm):
    parts = re.split(r"^### ", tm, flags=re.M)
    # A section ends at the next heading of any level.
    return {p.splitlines()[0]: re.split(r"^## ", p, flags=re.M)[0] for p in parts[1:]}


def test_threat_model_structure():
    tm = read("docs/threat-model.md")
    for heading in ["## Assets", "## Attackers", "## Trust boundaries", "## Protections",
                    "## Limits that apply to everything", "## What is not provided"]:
        assert heading in tm, f"threat model lacks {heading}"
    secs = sections(tm)
    names = " ".join(secs)
    for topic in ["Environment scrubbing", "vault", "Exit wiping", "Signal", "Crash sweep",
                  "Strict mode", "child policy", "Log redaction", "releases"]:
        assert topic in names, f"no protection section about {topic}"
    for title, body in secs.items():
        for label in ["**Defends against:**", "**How:**", "**Limits:**", "**Tested by:**"]:
            assert label in body, f"section {title!r} lacks {label}"
    limits = tm.split("## Limits that apply to everything")[1]
    for limit in ["Root", "ptrace", "Copies a running program makes", "static binaries",
                  "Go binaries", "set-user-ID", "musl", "System Integrity Protection"]:
        assert limit in limits, f"limits lack {limit!r}"


def check_citations(tm):
    """Every section cites at least one test file; every backticked case name after a
    file name is defined in that file. Returns the number of names checked."""
    checked = 0
    for title, body in sections(tm).items():
        cited = body.split("**Tested by:**")[1]
        files = re.findall(r"tests/[\w/]+\.(?:c|sh|py)", cited)
        assert files, f"section {title!r} cites no test file"
        # Split the citation at each file name: names that follow belong to it.
        pieces = re.split(r"(tests/[\w/]+\.(?:c|sh|py))", cited)
        current = None
        for piece in pieces:
            if re.fullmatch(r"tests/[\w/]+\.(?:c|sh|py)", piece):
                current = piece
                assert os.path.exists(os.path.join(REPO, current)), f"{current} does not exist"
                source = read(current)
                continue
            if current is None:
                continue
            for name in re.findall(r"`([a-z][a-z0-9_]+)`", piece):
                if name.endswith("_") or name in ("sigaction",):
                    continue
                assert re.search(rf"\b{name}\b", source), f"{current} has no case {name}"
                checked += 1
    return checked


def test_threat_model_every_cited_test_exists():
    checked = check_citations(read("docs/threat-model.md"))
    assert checked >= 60, f"only {checked} case names checked"
    print(f"  {checked} cited test cases found in their files")


def test_citation_checker_catches_a_missing_case():
    fake = ("### 1. X\n- **Tested by:** `tests/integration/shim_test.c`: "
            "`test_proc_environ_scrubbed`, `test_that_was_never_written`.\n")
    try:
        check_citations(fake)
    except AssertionError as e:
        assert "test_that_was_never_written" in str(e), e
        return
    raise AssertionError("a missing test case went unnoticed")


def strip_comments(path, text):
    """Source text without its comments: a name cited only in a comment is no test."""
    if path.endswith((".c", ".h")):
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        return re.sub(r"//[^\n]*", "", text)
    return re.sub(r"#[^\n]*", "", text)


def test_every_test_name_cited_in_docs_exists():
    """Every test case named anywhere in README.md, SECURITY.md and docs/ appears in
    the code of tests/ or bench/ (comments left out)."""
    docs = ["README.md", "SECURITY.md"] + sorted(
        os.path.join("docs", f) for f in os.listdir(os.path.join(REPO, "docs"))
        if f.endswith(".md"))
    cited = {}
    for d in docs:
        for name in re.findall(r"(?<![-\w])(test_[a-z0-9_]+)\b", read(d)):
            if name != "test_output":  # Bazel's --test_output, not a case
                cited.setdefault(name, d)
    code = []
    for root in ["tests", "bench"]:
        for dirpath, _, files in os.walk(os.path.join(REPO, root)):
            for f in files:
                if not f.endswith((".c", ".h", ".py", ".sh")) and f != "BUILD":
                    continue
                path = os.path.join(dirpath, f)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    code.append(strip_comments(path, fh.read()))
    words = set(re.findall(r"\btest_[a-z0-9_]+\b", "\n".join(code)))
    missing = sorted(f"{name} ({doc})" for name, doc in cited.items() if name not in words)
    assert not missing, "cited but defined nowhere: " + ", ".join(missing)
    assert len(cited) >= 300, f"only {len(cited)} names cited"
    print(f"  {len(cited)} test names cited in the docs, each found in tests/ or bench/")


def test_license_is_apache_2():
    lic = read("LICENSE")
    assert "Apache License" in lic and "Version 2.0, January 2004" in lic
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in lic


def main():
    return run_cases(globals())


if __name__ == "__main__":
    sys.exit(main())
