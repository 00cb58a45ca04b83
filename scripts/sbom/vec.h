/* A growable array of pointers, enough for the handful of lists the SBOM needs. */
#ifndef SBOM_VEC_H
#define SBOM_VEC_H

#include <stddef.h>

struct vec {
    void **item;
    size_t len;
    size_t cap;
};

/* Appends p (never fails: exits on out-of-memory, as the whole tool does). */
void vec_push(struct vec *v, void *p);

/* Allocation helpers that exit with a message instead of returning NULL. */
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "envseal-sbom: <message>" to stderr and exits 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
