#define _GNU_SOURCE
#include "shimpath.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Directories relative to the one holding the running envseal binary. */
static const char *const candidates[] = {
    ".",           /* side by side */
    "../lib/envseal", /* PREFIX/bin/envseal, PREFIX/lib/envseal/ */
    "../lib",
    "../lib64",
    "../preload",  /* the build tree (bazel-bin/cli, bazel-bin/preload) */
};

static int resolve(const char *path, char *out, size_t n)
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

int shimpath_find(const char *explicit_path, const char *name, char *out, size_t n)
{
    if (explicit_path)
        return resolve(explicit_path, out, n);
    char self[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
    if (l <= 0)
        return ENOENT;
    self[l] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return ENOENT;
    *slash = '\0';
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s/%s", self, candidates[i], name) >=
            (int)sizeof path)
            continue;
        if (resolve(path, out, n) == 0)
            return 0;
    }
    return ENOENT;
}
