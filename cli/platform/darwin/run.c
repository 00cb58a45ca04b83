/* envseal run on macOS: libenvseal.dylib in DYLD_INSERT_LIBRARIES, then exec. The
 * Linux-only parts of `run` (the memfd hand-off of --secret-file/--secret-cmd, the
 * --redact supervisor, the settings options) are refused with one line naming the
 * option; their ENVSEAL_* variables still reach the library from the environment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/machoinfo.h"
#include "cli/progpath.h"
#include "cli/platform/darwin/dylibpath.h"

static void help(void)
{
    printf("Usage: envseal run [--library PATH] [--] PROGRAM [ARGS...]\n"
           "\n"
           "Runs PROGRAM with libenvseal.dylib in DYLD_INSERT_LIBRARIES (found beside\n"
           "envseal, or PATH). Settings come from the ENVSEAL_* variables of the\n"
           "environment. The other options of `envseal run` are Linux-only.\n"
           "\n"
           "Options:\n"
           "      --library PATH  the libenvseal.dylib to use\n"
           "  -h, --help          show this help and exit\n");
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

int cmd_run(int argc, char **argv)
{
    const char *library = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help();
            return 0;
        }
        if (strcmp(argv[i], "--library") == 0 && i + 1 < argc) {
            library = argv[++i];
        } else if (strncmp(argv[i], "--library=", 10) == 0) {
            library = argv[i] + 10;
        } else {
            cli_error("%.*s: not available on macOS (Linux-only; docs/cli.md)",
                      (int)strcspn(argv[i], "="), argv[i]);
            return cli_usage_hint();
        }
    }
    if (i >= argc) {
        cli_error("no program given");
        return cli_usage_hint();
    }
    char lib[4096], prog[4096];
    int err = dylibpath_find(library, lib, sizeof lib);
    if (err) {
        cli_error("libenvseal.dylib: %s", err == ENOENT ? "not found beside envseal (use --library)"
                                                        : strerror(err));
        return EXIT_RUN_FAILED;
    }
    err = progpath_find(argv[i], prog, sizeof prog);
    if (err) {
        cli_error("%s: %s", argv[i], strerror(err));
        return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
    }
    static struct machoinfo info;
    if (machoinfo_analyze(prog, &info) == 2) {
        const char *why = info.nreasons ? info.reasons[0] : "";
        for (int a = 0; !*why && a < info.m.narch; a++)
            if (info.arch[a].nreasons)
                why = info.arch[a].reasons[0];
        cli_warn("%s cannot be protected: %s", argv[i], why);
    }
    if (insert_library(lib) != 0) {
        cli_error("cannot set DYLD_INSERT_LIBRARIES: %s", strerror(errno));
        return EXIT_RUN_FAILED;
    }
    execv(prog, argv + i);
    cli_error("%s: %s", argv[i], strerror(errno));
    return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}
