#define _GNU_SOURCE
#include "resolve.h"

#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"

struct cache_entry {
    char *soname;
    char *path;
};

static struct vec cache; /* struct cache_entry *, from `ldconfig -p` */
static bool cache_loaded;

static void load_cache(void)
{
    cache_loaded = true;
    char *argv[] = {access("/sbin/ldconfig", X_OK) == 0 ? "/sbin/ldconfig" : "ldconfig", "-p",
                    NULL};
    char *text;
    if (spawn_capture(argv, &text) != 0) {
        free(text);
        return;
    }
    /* Lines look like: "\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6" */
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t')
            line++;
        char *sp = strchr(line, ' ');
        char *arrow = strstr(line, " => ");
        if (!sp || !arrow)
            continue;
        struct cache_entry *e = xcalloc(1, sizeof *e);
        e->soname = strndup(line, (size_t)(sp - line));
        e->path = xstrdup(arrow + 4);
        if (!e->soname)
            die("out of memory");
        vec_push(&cache, e);
    }
    free(text);
}

static bool compatible(const char *path, const struct elf_info *req)
{
    struct elf_info e;
    if (elf_info_read(path, &e) != 0 || !e.is_elf)
        return false;
    return e.elf_class == req->elf_class && e.machine == req->machine;
}

/* Replaces $ORIGIN / ${ORIGIN} with the requesting file's directory. */
static char *expand_origin(const char *dir, const char *from)
{
    char *origin = xstrdup(from);
    char *slash = strrchr(origin, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(origin, ".");
    const char *tok = strstr(dir, "$ORIGIN") ? "$ORIGIN" : strstr(dir, "${ORIGIN}") ? "${ORIGIN}" : NULL;
    char *out;
    if (!tok) {
        out = xstrdup(dir);
    } else {
        const char *at = strstr(dir, tok);
        out = xasprintf("%.*s%s%s", (int)(at - dir), dir, origin, at + strlen(tok));
    }
    free(origin);
    return out;
}

static char *search_list(const char *list, const char *soname, const char *from,
                         const struct elf_info *req)
{
    if (!list)
        return NULL;
    char *copy = xstrdup(list), *save = NULL, *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *dir = expand_origin(d, from);
        char *cand = xasprintf("%s/%s", dir, soname);
        if (compatible(cand, req))
            found = cand;
        else
            free(cand);
        free(dir);
    }
    free(copy);
    return found;
}

char *resolve_needed(const char *soname, const char *from, const struct elf_info *req)
{
    if (strchr(soname, '/'))
        return compatible(soname, req) ? xstrdup(soname) : NULL;
    char *p = NULL;
    if (!req->runpath)
        p = search_list(req->rpath, soname, from, req);
    if (!p)
        p = search_list(req->runpath, soname, from, req);
    if (p)
        return p;
    if (!cache_loaded)
        load_cache();
    for (size_t i = 0; i < cache.len; i++) {
        const struct cache_entry *e = cache.item[i];
        if (strcmp(e->soname, soname) == 0 && compatible(e->path, req))
            return xstrdup(e->path);
    }
    const char *defaults = req->elf_class == ELFCLASS64
                               ? "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:"
                                 "/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:"
                                 "/lib64:/usr/lib64:/lib:/usr/lib:"
                                 /* Debian's musl package: the musl builds' libc.so */
                                 "/usr/lib/x86_64-linux-musl:/usr/lib/aarch64-linux-musl"
                               : "/lib/i386-linux-gnu:/usr/lib/i386-linux-gnu:/lib:/usr/lib";
    return search_list(defaults, soname, from, req);
}
