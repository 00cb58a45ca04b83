#!/usr/bin/env python3
"""Man pages and bash completion in step with the command and docs/: every option
and exit status of `envseal COMMAND --help` is in envseal(1), under that command;
every option of docs/cli.md's `run` table is there too; every setting of
docs/configuration.md is in libenvseal(7); the bash completion offers every option of
`envseal run --help`, and completes commands, options, their values and files in a
real bash with Debian's bash-completion. Each checker is also run on a bad input.

usage: man_test.py ENVSEAL   (run by Bazel through man_test.sh)
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from cases import run_cases  # noqa: E402

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
COMMANDS = ["run", "check", "status"]
OPTION = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")


def read(rel):
    with open(os.path.join(REPO, rel), encoding="utf-8") as f:
        return f.read()


def roff_text(rel):
    """The man page source with roff's escaped minus signs as plain ones."""
    return read(rel).replace("\\-", "-")


def help_text(envseal, cmd):
    args = [envseal] + ([cmd] if cmd else []) + ["--help"]
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, (args, r.stderr)
    return r.stdout


def help_options(text):
    """The options a help text lists: the first column of its Options: section."""
    opts = text.split("Options:\n", 1)[1].split("\n\n", 1)[0]
    found = []
    for line in opts.splitlines():
        left = line.strip().split("  ", 1)[0]
        found += OPTION.findall(left)
    return found


def help_exits(text):
    if "Exit status:" not in text and "Exit status" not in text:
        return []
    tail = text.split("Exit status", 1)[1]
    return re.findall(r"^\s*(\d+)\s", tail, re.M)


def section(page, start, end_marker=r"^\.S[HS] "):
    """The part of page from the line matching start to the next heading."""
    m = re.search(start, page, re.M)
    assert m, f"no section {start!r}"
    rest = page[m.end():]
    n = re.search(end_marker, rest, re.M)
    return rest[: n.start()] if n else rest


def missing_options(page, envseal_help):
    """Options of each command's help that its part of envseal(1) lacks."""
    problems = []
    for cmd, text in envseal_help.items():
        part = section(page, r'^\.SS "envseal %s' % cmd) if cmd else section(page, r"^\.SH OPTIONS")
        for opt in help_options(text):
            if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), part):
                problems.append(f"envseal {cmd or ''} {opt}".replace("  ", " "))
    return problems


def test_every_help_option_in_the_man_page(envseal):
    page = roff_text("packaging/man/envseal.1")
    helps = {cmd: help_text(envseal, cmd) for cmd in [""] + COMMANDS}
    n = sum(len(help_options(t)) for t in helps.values())
    assert n >= 20, f"only {n} options read from the help texts"
    problems = missing_options(page, helps)
    assert not problems, f"in --help but not in envseal.1: {problems}"
    # Control: an option added to the help and not to the page is caught.
    bad = dict(helps)
    bad["run"] = bad["run"].replace("Options:\n", "Options:\n      --made-up NAME   x\n", 1)
    assert missing_options(page, bad) == ["envseal run --made-up"], missing_options(page, bad)
    print(f"  {n} options of 4 help texts found in envseal.1")


def test_every_exit_status_in_the_man_page(envseal):
    page = roff_text("packaging/man/envseal.1")
    exits = section(page, r"^\.SH EXIT STATUS", r"^\.SH ")
    for cmd in COMMANDS:
        part = section(exits, r"^\.SS %s$" % cmd)
        codes = help_exits(help_text(envseal, cmd))
        assert codes, f"no exit status in envseal {cmd} --help"
        for code in codes:
            assert re.search(r"^\.B %s$" % code, part, re.M), f"envseal {cmd}: exit {code} not in envseal.1"


def test_cli_md_options_in_the_man_page(envseal):
    cli = read("docs/cli.md")
    table = cli.split("## envseal run", 1)[1].split("\n\n", 3)[2]
    opts = set(re.findall(r"^\| `(--?[a-z][a-z-]*)", table, re.M))
    opts |= set(re.findall(r"^\| `-q`, `(--quiet)`", table, re.M))
    assert len(opts) >= 12, opts
    part = section(roff_text("packaging/man/envseal.1"), r'^\.SS "envseal run')
    missing = [o for o in sorted(opts) if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), part)]
    assert not missing, f"in docs/cli.md but not in envseal.1: {missing}"


def test_every_setting_in_libenvseal_7(envseal):
    settings = sorted(set(re.findall(r"`(ENVSEAL_[A-Z_]+)`", read("docs/configuration.md"))))
    assert len(settings) >= 10, settings
    page = roff_text("packaging/man/libenvseal.7")
    env = section(page, r"^\.SH ENVIRONMENT", r"^\.SH ")
    missing = [s for s in settings if not re.search(r"^\.B %s$" % s, env, re.M)]
    assert not missing, f"settings of docs/configuration.md not in libenvseal.7: {missing}"
    # Control: the same check on a page without one setting.
    cut = env.replace(".B ENVSEAL_QUIET\n", "")
    assert [s for s in settings if not re.search(r"^\.B %s$" % s, cut, re.M)] == ["ENVSEAL_QUIET"]


def completion_options():
    text = read("packaging/bash-completion/envseal")
    run_opts = re.search(r"_comp_envseal_run_opts='([^']*)'", text).group(1).split()
    return set(run_opts), text


def test_completion_offers_every_run_option(envseal):
    run_opts, text = completion_options()
    want = set(help_options(help_text(envseal, "run")))
    assert want == run_opts, f"help only: {sorted(want - run_opts)}, completion only: {sorted(run_opts - want)}"
    for cmd in ("check", "status"):
        for opt in help_options(help_text(envseal, cmd)):
            assert opt in text, f"completion lacks envseal {cmd} {opt}"


def complete(line):
    """What the installed-style completion offers for line (completing its last word)."""
    words = line.split(" ")
    script = f"""
source /usr/share/bash-completion/bash_completion
source {os.path.join(REPO, "packaging/bash-completion/envseal")}
COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=({" ".join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}
cd /
_envseal envseal "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())


def test_completion_in_bash(envseal):
    if not os.path.exists("/usr/share/bash-completion/bash_completion"):
        raise AssertionError("bash-completion is missing (Debian package; scripts/setup.sh)")
    cases = {
        "envseal r": {"run"},
        "envseal ": {"run", "check", "status", "--help", "--version"},
        "envseal run --va": {"--vault"},
        "envseal run --vault ": {"auto", "secretmem", "anon"},
        "envseal run --on-failure=r": {"refuse"},
        "envseal run --mode ": {"relocate", "strict"},
        "envseal check --j": {"--json"},
        "envseal run --secret-file DB=/etc/host": {"DB=/etc/hostname", "DB=/etc/hosts"},
        "envseal run -- bas": {"bash"},
        "envseal run --quiet -- bash --nor": {"--norc"},
    }
    for line, want in cases.items():
        got = complete(line)
        assert want <= got, f"{line!r}: offered {sorted(got)[:8]}, expected {sorted(want)}"
    # Control: an option the command does not have is not offered.
    assert not complete("envseal run --made"), "a made-up option was offered"
    print(f"  {len(cases)} command lines completed as expected")


def main():
    return run_cases(globals(), os.path.realpath(sys.argv[1]))


if __name__ == "__main__":
    sys.exit(main())
