/* envseal run on macOS: the ENVSEAL_* settings of the options, libenvseal.dylib
 * first in DYLD_INSERT_LIBRARIES, then exec. The options that need Linux (the memfd
 * hand-off of --secret-file/--secret-cmd, the --redact supervisor, strict mode's
 * library, the secretmem vault, the ptrace guard) are refused with one line naming
 * the option. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/machoinfo.h"
#include "cli/opts.h"
#include "cli/platform/darwin/dylibpath.h"
#include "cli/progpath.h"
#include "preload/core/config.h" /* ENVSEAL_EXIT_REFUSED */

static const char *library;

/* --OPTION VALUE: o->setting = VALUE, or VALUE added to its list (o->fixed "+"). */
static int setting(void *ctx, const struct opt *o, const char *v)
{
    (void)ctx;
    if (!o->metavar)
        v = o->fixed;
    const char *old = getenv(o->setting);
    if (!(o->fixed && strcmp(o->fixed, "+") == 0 && old && *old))
        return setenv(o->setting, v, 1);
    char *joined;
    if (asprintf(&joined, "%s,%s", old, v) < 0)
        return -1;
    int rc = setenv(o->setting, joined, 1);
    free(joined);
    return rc;
}

static int set_library(void *ctx, const struct opt *o, const char *v)
{
    (void)ctx;
    (void)o;
    library = v;
    return 0;
}

static int linux_only(void *ctx, const struct opt *o, const char *v)
{
    (void)ctx;
    (void)v;
    cli_error("--%s: not available on macOS (Linux-only; docs/cli.md)", o->name);
    return -1;
}

static const char *const failure_choices[] = {"warn", "refuse", NULL};

static const struct opt run_table[] = {
    {"secrets", 0, "PATTERNS", setting, "ENVSEAL_SECRETS", "+", NULL,
     "more secret name patterns, comma-separated (repeatable)"},
    {"exclude", 0, "PATTERNS", setting, "ENVSEAL_EXCLUDE", "+", NULL,
     "names never to seal, comma-separated (repeatable)"},
    {"no-defaults", 0, NULL, setting, "ENVSEAL_DEFAULTS", "0", NULL,
     "drop the built-in patterns: only --secrets counts"},
    {"on-failure", 0, "POLICY", setting, "ENVSEAL_ON_FAILURE", NULL, failure_choices,
     "warn or refuse (exit 111) when protection is degraded"},
    {"quiet", 'q', NULL, setting, "ENVSEAL_QUIET", "1", NULL, "no warning lines"},
    {"library", 0, "PATH", set_library, NULL, NULL, NULL,
     "the libenvseal.dylib to insert (default: found beside envseal)"},
    {"secret-file", 0, "NAME=PATH", linux_only, NULL, NULL, NULL, "Linux-only"},
    {"secret-cmd", 0, "NAME=COMMAND", linux_only, NULL, NULL, NULL, "Linux-only"},
    {"redact", 0, NULL, linux_only, NULL, NULL, NULL, "Linux-only"},
    {"mask", 0, "TEXT", linux_only, NULL, NULL, NULL, "Linux-only"},
    {"vault", 0, "KIND", linux_only, NULL, NULL, NULL, "Linux-only"},
    {"mode", 0, "MODE", linux_only, NULL, NULL, NULL, "Linux-only"},
    {"strict-secrets", 0, "PATTERNS", linux_only, NULL, NULL, NULL, "Linux-only"},
    {"child-secrets", 0, "POLICY", linux_only, NULL, NULL, NULL, "Linux-only"},
    {"deny-ptrace", 0, NULL, linux_only, NULL, NULL, NULL, "Linux-only"},
    {0},
};

static void help(void)
{
    printf("Usage: envseal run [OPTIONS] [--] PROGRAM [ARGS...]\n"
           "\n"
           "Runs PROGRAM with libenvseal.dylib first in DYLD_INSERT_LIBRARIES: its secret\n"
           "environment variables are moved into a locked vault at start-up and wiped at\n"
           "exit. envseal execs PROGRAM (same PID, same exit status).\n"
           "\n"
           "Options:\n");
    opts_print_help(stdout, run_table);
    printf("\n"
           "Exit status: PROGRAM's own. Otherwise:\n"
           " 64  usage error (a Linux-only option)\n"
           "111  refused: PROGRAM cannot be protected and --on-failure refuse\n"
           "125  libenvseal.dylib not found\n"
           "126  PROGRAM found but could not be executed\n"
           "127  PROGRAM not found\n");
}

/* DYLD_INSERT_LIBRARIES=lib, before any libraries already listed there. */
static int insert_library(const char *lib)
{
    const char *old = getenv("DYLD_INSERT_LIBRARIES");
    if (!old || !*old)
        return setenv("DYLD_INSERT_LIBRARIES", lib, 1);
    char *v;
    if (asprintf(&v, "%s:%s", lib, old) < 0)
        return -1;
    int rc = setenv("DYLD_INSERT_LIBRARIES", v, 1);
    free(v);
    return rc;
}

/* Warns about (or, with refuse, stops) a program dyld will not insert into. */
static int vet_program(const char *arg, const char *prog)
{
    static struct machoinfo info;
    if (machoinfo_analyze(prog, &info) != 2)
        return 0;
    const char *why = info.nreasons ? info.reasons[0] : "";
    for (int a = 0; !*why && a < info.m.narch; a++)
        if (info.arch[a].nreasons)
            why = info.arch[a].reasons[0];
    const char *policy = getenv("ENVSEAL_ON_FAILURE"), *quiet = getenv("ENVSEAL_QUIET");
    if (policy && strcmp(policy, "refuse") == 0) {
        cli_error("refusing to run %s: %s (envseal check %s)", arg, why, arg);
        return -1;
    }
    if (!quiet || strcmp(quiet, "1") != 0)
        cli_warn("%s: %s; its secrets are NOT sealed (envseal check %s)", arg, why, arg);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    int first = opts_parse(argc, argv, run_table, NULL, true);
    if (first == OPTS_HELP) {
        help();
        return 0;
    }
    if (first == OPTS_ERROR)
        return cli_usage_hint();
    if (first >= argc) {
        cli_error("missing PROGRAM");
        return cli_usage_hint();
    }
    const char *arg = argv[first];
    char lib[4096], prog[4096];
    int err = dylibpath_find(library, lib, sizeof lib);
    if (err) {
        cli_error("cannot find libenvseal.dylib%s%s: %s (use --library PATH)",
                  library ? " at " : "", library ? library : "", strerror(err));
        return EXIT_RUN_FAILED;
    }
    if (strchr(lib, ':')) {
        cli_error("the library path %s holds ':', which DYLD_INSERT_LIBRARIES cannot carry", lib);
        return EXIT_RUN_FAILED;
    }
    err = progpath_find(arg, prog, sizeof prog);
    if (err) {
        cli_error("%s: %s", arg, err == ENOENT ? "command not found" : strerror(err));
        return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
    }
    if (vet_program(arg, prog) != 0)
        return ENVSEAL_EXIT_REFUSED;
    if (insert_library(lib) != 0) {
        cli_error("cannot set DYLD_INSERT_LIBRARIES: %s", strerror(errno));
        return EXIT_RUN_FAILED;
    }
    execv(prog, argv + first);
    err = errno;
    cli_error("%s: %s", arg, strerror(err));
    return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}
