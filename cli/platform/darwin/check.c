/* envseal check PROGRAM on macOS: Mach-O files only (the ELF reader needs libelf,
 * which macOS does not have; `check` on Linux reads both). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/jsonargs.h"
#include "cli/machocheck.h"
#include "cli/machoinfo.h"
#include "cli/progpath.h"

static void help(void)
{
    printf("Usage: envseal check [--json] PROGRAM\n"
           "\n"
           "Reads PROGRAM (a Mach-O file, thin or universal) without running it and tells\n"
           "whether envseal can protect it: the hardened runtime and its entitlements,\n"
           "library validation, the restrict flag, a __RESTRICT section, set-uid/set-gid\n"
           "and System Integrity Protection paths (dyld then ignores\n"
           "DYLD_INSERT_LIBRARIES). PROGRAM without a '/' is looked up in PATH.\n"
           "\n"
           "Options:\n");
    opts_print_help(stdout, jsonargs_table);
    printf("\n"
           "Exit status:\n"
           "  0  protectable: libenvseal.dylib loads and seals the program's secrets\n"
           "  1  limited: it loads, but the program copies secrets itself (Go)\n"
           "  2  unprotectable: dyld never loads it (hardened runtime, SIP, ...)\n"
           "  3  not a Mach-O program, unreadable, or malformed\n"
           " 64  usage error\n");
}

int cmd_check(int argc, char **argv)
{
    bool json;
    int done = jsonargs_parse(argc, argv, "PROGRAM", help, &json);
    if (done != JSONARGS_GO_ON)
        return done;
    const char *arg = argv[1];
    char path[4096];
    int err = progpath_find(arg, path, sizeof path);
    if (err == ENOENT && !strchr(arg, '/')) {
        cli_error("%s: not found in PATH", arg);
        return 3;
    }
    const char *file = err == ENOENT || err == ENAMETOOLONG ? arg : path;
    if (!machoinfo_is_macho(file)) {
        cli_error("%s: not a Mach-O file (scripts: check their interpreter)", arg);
        return 3;
    }
    return machocheck_run(arg, file, json);
}
