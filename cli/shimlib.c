#define _GNU_SOURCE
#include "shimlib.h"

#include <limits.h>

#include "progpath.h"
#include "shimpath.h"

const char *shimlib_name(enum libc_e libc, bool strict)
{
    if (libc == LIBC_MUSL)
        return strict ? "libenvseal-strict-musl.so" : "libenvseal-musl.so";
    return strict ? "libenvseal-strict.so" : "libenvseal.so";
}

const char *shimlib_for_program(const char *prog, bool strict)
{
    char path[PATH_MAX];
    static struct elfinfo e;
    enum libc_e libc = LIBC_GLIBC;
    if (progpath_find(prog, path, sizeof path) == 0 &&
        elfinfo_analyze_quick(path, &e) != V_ERROR)
        libc = e.libc;
    return shimlib_name(libc, strict);
}

bool shimlib_installed(enum libc_e libc)
{
    char path[PATH_MAX];
    return shimpath_find(NULL, shimlib_name(libc, false), path, sizeof path) == 0;
}

const char *shimlib_locate(const struct elfinfo *e, char *path, size_t n)
{
    path[0] = '\0';
    if (e->verdict >= V_UNPROTECTABLE)
        return NULL;
    const char *name = shimlib_name(e->libc, false);
    if (shimpath_find(NULL, name, path, n) != 0)
        path[0] = '\0';
    return name;
}
