/* What /proc tells about a running process's protection: whether libenvseal.so is
 * mapped, its vault mappings with their smaps flags, and which secret variable
 * NAMES are still readable in /proc/PID/environ (values are never kept). */
#ifndef ENVSEAL_CLI_PROCINFO_H
#define ENVSEAL_CLI_PROCINFO_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cli/vault_smaps.h"
#include "preload/core/config.h"

#define PROCINFO_VAULT_MAX 64
#define PROCINFO_NAMES_MAX 256

struct procinfo {
    pid_t pid;
    char comm[64];
    char exe[PATH_MAX]; /* empty when unreadable */
    bool shim_loaded;
    char shim_path[PATH_MAX];
    struct vault_map vault[PROCINFO_VAULT_MAX];
    int nvault;
    struct config cfg;     /* from the ENVSEAL_* entries of its environ */
    int environ_entries;   /* non-empty entries in /proc/PID/environ */
    char *visible[PROCINFO_NAMES_MAX]; /* secret names still visible (malloc'd) */
    int nvisible;
    int visible_dropped;   /* more than PROCINFO_NAMES_MAX */
    char error[256];
};

/* Returns 0, or an errno value with p->error describing what failed. */
int procinfo_read(pid_t pid, struct procinfo *p);
void procinfo_free(struct procinfo *p);

#endif
