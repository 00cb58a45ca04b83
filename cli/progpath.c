#define _GNU_SOURCE
#include "progpath.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int usable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT || errno == ENOTDIR ? ENOENT : errno;
    if (!S_ISREG(st.st_mode))
        return EACCES;
    return access(path, X_OK) == 0 ? 0 : EACCES;
}

int progpath_find(const char *name, char *out, size_t n)
{
    if (name[0] == '\0')
        return ENOENT;
    if (strchr(name, '/')) {
        if (strlen(name) >= n)
            return ENAMETOOLONG;
        snprintf(out, n, "%s", name);
        return usable(out);
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin"; /* glibc's execvp default */
    int best = ENOENT;
    for (const char *p = path;; p++) {
        const char *colon = strchrnul(p, ':');
        size_t dl = (size_t)(colon - p);
        /* an empty entry means the current directory */
        int k = dl ? snprintf(out, n, "%.*s/%s", (int)dl, p, name) : snprintf(out, n, "%s", name);
        if (k > 0 && (size_t)k < n) {
            int r = usable(out);
            if (r == 0)
                return 0;
            if (r == EACCES)
                best = EACCES;
        }
        if (*colon == '\0')
            break;
        p = colon;
    }
    return best;
}

int progpath_resolve_file(const char *path, char *out, size_t n)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return errno;
    struct stat st;
    if (stat(real, &st) != 0)
        return errno;
    if (!S_ISREG(st.st_mode))
        return EINVAL;
    if (access(real, R_OK) != 0)
        return errno;
    if (strlen(real) >= n)
        return ENAMETOOLONG;
    snprintf(out, n, "%s", real);
    return 0;
}
