#define _GNU_SOURCE
#include "envvec.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int grow(struct envvec *e, size_t need)
{
    if (need + 1 <= e->cap)
        return 0;
    size_t cap = e->cap ? e->cap : 32;
    while (cap < need + 1)
        cap *= 2;
    char **v = realloc(e->v, cap * sizeof *v);
    if (!v) {
        errno = ENOMEM;
        return -1;
    }
    e->v = v;
    e->cap = cap;
    return 0;
}

int envvec_init(struct envvec *e, char *const *src)
{
    e->v = NULL;
    e->n = e->cap = 0;
    size_t n = 0;
    while (src && src[n])
        n++;
    if (grow(e, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        e->v[i] = src[i];
    e->n = n;
    e->v[n] = NULL;
    return 0;
}

void envvec_free(struct envvec *e)
{
    free(e->v);
    e->v = NULL;
    e->n = e->cap = 0;
}

size_t envvec_name_len(const char *entry)
{
    return (size_t)(strchrnul(entry, '=') - entry);
}

static bool named(const char *entry, const char *name, size_t nl)
{
    return strncmp(entry, name, nl) == 0 && entry[nl] == '=';
}

const char *envvec_get(const struct envvec *e, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < e->n; i++)
        if (named(e->v[i], name, nl))
            return e->v[i] + nl + 1;
    return NULL;
}

int envvec_put(struct envvec *e, const char *name, char *entry)
{
    size_t nl = strlen(name), out = 0;
    for (size_t i = 0; i < e->n; i++)
        if (!named(e->v[i], name, nl))
            e->v[out++] = e->v[i];
    e->n = out;
    if (entry) {
        if (grow(e, e->n + 1) != 0)
            return -1;
        e->v[e->n++] = entry;
    }
    e->v[e->n] = NULL;
    return 0;
}
