#include "dylibpath.h"

#include "cli/progpath.h"

#include <errno.h>
#include <limits.h>
#include <mach-o/dyld.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const candidates[] = {".", "../lib/envseal", "../lib"};

int dylibpath_find(const char *explicit_path, char *out, size_t n)
{
    if (explicit_path)
        return progpath_resolve_file(explicit_path, out, n);
    char exe[PATH_MAX], self[PATH_MAX];
    uint32_t size = sizeof exe;
    if (_NSGetExecutablePath(exe, &size) != 0 || !realpath(exe, self))
        return ENOENT;
    char *slash = strrchr(self, '/');
    if (!slash)
        return ENOENT;
    *slash = '\0';
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s/libenvseal.dylib", self, candidates[i]) <
                (int)sizeof path &&
            progpath_resolve_file(path, out, n) == 0)
            return 0;
    }
    return ENOENT;
}
