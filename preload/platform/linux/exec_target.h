/* The program an exec or spawn starts, and whether it will load the preload
 * (exec_target.c): strict mode's child policy passes secrets allowed by `all` or a
 * pattern only to a child that will run with envseal. */
#ifndef ENVSEAL_PLATFORM_LINUX_EXEC_TARGET_H
#define ENVSEAL_PLATFORM_LINUX_EXEC_TARGET_H

#include <stdbool.h>
#include <stddef.h>

struct exec_target {
    const char *path; /* as given; NULL for fexecve */
    bool search;      /* execvp and posix_spawnp: looked up in PATH */
    int dirfd;        /* execveat's (AT_FDCWD otherwise) */
    int fd;           /* fexecve's, or execveat's with AT_EMPTY_PATH */
    int flags;        /* execveat's */
    bool cwd_may_change; /* posix_spawn with file actions: a chdir may come first */
};

/* False when it will not (a statically linked program, another ELF class or
 * machine, secure execution, or a script whose interpreter is such a program), or
 * when that cannot be told (it cannot be opened). NULL: true. */
bool exec_target_loads_preload(const struct exec_target *t);

/* Whether the loader of the program t starts can load the LD_PRELOAD element name
 * (n bytes) as a library of the shim's class and machine: it opens it now, with
 * the credentials the exec runs with. A relative path fails where t may change
 * directory first; a bare name or one with a dynamic string token ($LIB) counts
 * as the very file this library was loaded from. */
bool exec_target_preload_loadable(const struct exec_target *t, const char *name, size_t n);

#endif
