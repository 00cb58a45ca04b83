#define _GNU_SOURCE
#include "dpkg.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "license.h"
#include "spawn.h"
#include "vec.h"

static struct vec known; /* struct deb_package *, one per name:arch */

/* "pkg:arch: /path" (first non-diversion line) -> "pkg:arch"; NULL if none. */
static char *owner_from_search(const char *path)
{
    char *argv[] = {"dpkg-query", "-S", (char *)path, NULL};
    char *out;
    int rc = spawn_capture(argv, &out);
    char *result = NULL;
    if (rc == 0) {
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line && !result;
             line = strtok_r(NULL, "\n", &save)) {
            if (strncmp(line, "diversion ", 10) == 0)
                continue;
            char *colon = strstr(line, ": /");
            if (!colon)
                continue;
            *colon = '\0';
            char *comma = strchr(line, ',');
            if (comma)
                *comma = '\0';
            result = xstrdup(line);
        }
    }
    free(out);
    return result;
}

/* dpkg records the path a package ships (/lib/... on Debian 12) while the loader
 * may report the merged-/usr one or a symlink target: try each spelling. */
static char *search_aliases(const char *path)
{
    char real[PATH_MAX];
    const char *forms[2] = {path, realpath(path, real) ? real : NULL};
    for (int i = 0; i < 2; i++) {
        if (!forms[i])
            continue;
        char *pkg = owner_from_search(forms[i]);
        if (pkg)
            return pkg;
        char *alias = strncmp(forms[i], "/usr/", 5) == 0 ? xstrdup(forms[i] + 4)
                                                        : xasprintf("/usr%s", forms[i]);
        pkg = owner_from_search(alias);
        free(alias);
        if (pkg)
            return pkg;
    }
    return NULL;
}

static char *os_release(const char *key)
{
    FILE *f = fopen("/etc/os-release", "re");
    if (!f)
        f = fopen("/usr/lib/os-release", "re");
    if (!f)
        return xstrdup("unknown");
    char *line = NULL, *val = NULL;
    size_t cap = 0, n = strlen(key);
    while (!val && getline(&line, &cap, f) > 0) {
        if (strncmp(line, key, n) != 0 || line[n] != '=')
            continue;
        char *v = line + n + 1;
        v[strcspn(v, "\n")] = '\0';
        if (*v == '"') {
            v++;
            v[strcspn(v, "\"")] = '\0';
        }
        val = xstrdup(v);
    }
    free(line);
    fclose(f);
    return val ? val : xstrdup("unknown");
}

static struct deb_package *describe(const char *spec)
{
    for (size_t i = 0; i < known.len; i++) {
        struct deb_package *p = known.item[i];
        char *k = xasprintf("%s:%s", p->name, p->arch);
        bool same = strcmp(k, spec) == 0 || strcmp(p->name, spec) == 0;
        free(k);
        if (same)
            return p;
    }
    char *argv[] = {"dpkg-query", "-W",
                    "-f=${Package}\t${Architecture}\t${Version}\t${source:Package}\t"
                    "${source:Version}\t${Maintainer}\n",
                    (char *)spec, NULL};
    char *out;
    if (spawn_capture(argv, &out) != 0) {
        free(out);
        return NULL;
    }
    char *f[6] = {0};
    out[strcspn(out, "\n")] = '\0';
    char *cur = out;
    for (int i = 0; i < 6; i++) {
        f[i] = strsep(&cur, "\t");
        if (!f[i])
            die("unexpected dpkg-query output for %s", spec);
    }
    struct deb_package *p = xcalloc(1, sizeof *p);
    p->name = xstrdup(f[0]);
    p->arch = xstrdup(f[1]);
    p->version = xstrdup(f[2]);
    p->source = xstrdup(f[3]);
    p->source_version = xstrdup(f[4]);
    p->maintainer = xstrdup(f[5]);
    p->license = license_of_package(p->name, p->source, &p->license_origin);
    p->distro = os_release("ID");
    p->distro_version = os_release("VERSION_ID");
    free(out);
    vec_push(&known, p);
    return p;
}

struct deb_package *dpkg_owner(const char *path)
{
    char *spec = search_aliases(path);
    if (!spec)
        return NULL;
    struct deb_package *p = describe(spec);
    free(spec);
    return p;
}

struct deb_package *dpkg_package(const char *name)
{
    struct deb_package *p = describe(name);
    return p && *p->version ? p : NULL; /* known to dpkg but not installed */
}

struct vec dpkg_static_archives(const struct deb_package *p)
{
    struct vec found = {0};
    char *spec = xasprintf("%s:%s", p->name, p->arch);
    char *argv[] = {"dpkg-query", "-L", spec, NULL};
    char *out;
    if (spawn_capture(argv, &out) == 0) {
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            size_t n = strlen(line);
            if (n > 2 && strcmp(line + n - 2, ".a") == 0)
                vec_push(&found, xstrdup(line));
        }
    }
    free(out);
    free(spec);
    return found;
}
