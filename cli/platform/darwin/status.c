/* envseal status PID on macOS: the target's initial environment through sysctl
 * KERN_PROCARGS2 (same user, or root; SIP-protected processes refuse). There is no
 * /proc: whether the vault pages are locked cannot be read from outside, and the
 * environment shown is the one the process started with. Values are never printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysctl.h>
#include <sys/types.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/jsonargs.h"

static void help(void)
{
    printf("Usage: envseal status [--json] PID\n"
           "\n"
           "Reads the initial environment of process PID (sysctl KERN_PROCARGS2) and\n"
           "tells whether libenvseal.dylib was inserted (DYLD_INSERT_LIBRARIES) and how\n"
           "many ENVSEAL_* settings it had. macOS offers no view of a process's memory\n"
           "maps: whether the library loaded and its vault is locked cannot be told.\n"
           "\n"
           "Options:\n");
    opts_print_help(stdout, jsonargs_table);
    printf("\n"
           "Exit status:\n"
           "  0  DYLD_INSERT_LIBRARIES names libenvseal.dylib\n"
           "  2  it does not\n"
           "  3  no such process, permission denied\n"
           " 64  usage error\n");
}

int cmd_status(int argc, char **argv)
{
    bool json;
    int done = jsonargs_parse(argc, argv, "PID", help, &json);
    if (done != JSONARGS_GO_ON)
        return done;
    char *end;
    long pid = strtol(argv[1], &end, 10);
    if (*end || pid <= 0) {
        cli_error("'%s' is not a process id", argv[1]);
        return cli_usage_hint();
    }
    int mib[3] = {CTL_KERN, KERN_PROCARGS2, (int)pid};
    size_t size = 0;
    char *buf = NULL;
    if (sysctl(mib, 3, NULL, &size, NULL, 0) != 0 || size < sizeof(int) ||
        !(buf = malloc(size)) || sysctl(mib, 3, buf, &size, NULL, 0) != 0 || size < sizeof(int)) {
        int err = errno;
        free(buf);
        cli_error("process %ld: %s", pid, strerror(err ? err : EIO));
        return 3;
    }
    int nargs;
    memcpy(&nargs, buf, sizeof nargs);
    const char *p = buf + sizeof nargs, *lim = buf + size;
    const char *exe = p;
    p = memchr(p, '\0', (size_t)(lim - p)); /* the executable path, then padding */
    bool inserted = false;
    int entries = 0, settings = 0;
    for (; p && p < lim && !*p; p++) {
    }
    for (int k = 0; p && p < lim && *p; k++) {
        const char *e = memchr(p, '\0', (size_t)(lim - p));
        if (!e)
            break;
        if (k >= nargs) { /* past the arguments: the environment */
            entries++;
            if (strncmp(p, "DYLD_INSERT_LIBRARIES=", 22) == 0 && strstr(p, "libenvseal"))
                inserted = true;
            settings += strncmp(p, "ENVSEAL_", 8) == 0;
        }
        p = e + 1;
    }
    int rc = inserted ? 0 : 2;
    if (json) {
        struct json j;
        json_init(&j, stdout);
        json_object_begin(&j, NULL);
        json_int(&j, "pid", pid);
        json_string(&j, "exe", memchr(exe, '\0', (size_t)(lim - exe)) ? exe : NULL);
        json_string(&j, "status", inserted ? "inserted" : "unprotected");
        json_int(&j, "exit", rc);
        json_bool(&j, "dyld_insert_libraries", inserted);
        json_int(&j, "environ_entries", entries);
        json_int(&j, "envseal_settings", settings);
        json_string(&j, "vault", NULL); /* not readable on macOS */
        json_object_end(&j);
        json_finish(&j);
    } else {
        printf("process %ld\n  library:      %s\n  settings:     %d ENVSEAL_* of %d entries\n"
               "  vault:        unknown (macOS shows no memory maps of other processes)\n",
               pid, inserted ? "libenvseal.dylib in DYLD_INSERT_LIBRARIES" : "not inserted",
               settings, entries);
    }
    explicit_bzero(buf, size);
    free(buf);
    return rc;
}
