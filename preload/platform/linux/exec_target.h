/* The program an exec or spawn starts, and whether it will load the preload
 * (exec_target.c): strict mode's child policy passes secrets allowed by `all` or a
 * pattern only to a child that will run with envseal. */
#ifndef ENVSEAL_PLATFORM_LINUX_EXEC_TARGET_H
#define ENVSEAL_PLATFORM_LINUX_EXEC_TARGET_H

#include <stdbool.h>

struct exec_target {
    const char *path; /* as given; NULL for fexecve */
    bool search;      /* execvp and posix_spawnp: looked up in PATH */
    int dirfd;        /* execveat's (AT_FDCWD otherwise) */
    int fd;           /* fexecve's, or execveat's with AT_EMPTY_PATH */
    int flags;        /* execveat's */
};

/* False when it will not (a statically linked program, another ELF class or
 * machine, secure execution, or a script whose interpreter is such a program), or
 * when that cannot be told (it cannot be opened). NULL: true. */
bool exec_target_loads_preload(const struct exec_target *t);

#endif
