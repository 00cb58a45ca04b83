/* getenv, secure_getenv and __secure_getenv of libenvseal-strict.so. On the lookup
 * path: no malloc, no dlsym, no lock; async-signal-safe. A name whose filter bit
 * is set is looked up in the strict table first; every other name is found in
 * environ exactly as glibc's getenv finds it (same algorithm, so the same cost). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>

#include "preload/core/shim.h"
#include "preload/platform/interpose.h"
#include "preload/interposers/strict.h"


/* glibc's own search: the first two bytes as one 16-bit compare, then the rest.
 * Kept out of line so that getenv itself stays small and ends in a tail call. */
__attribute__((noinline)) static char *environ_lookup(const char *name, size_t len)
{
    char **ep = environ;
    if (ep == NULL)
        return NULL;
    const unsigned char *n = (const unsigned char *)name;
    if (len == 1) {
        uint16_t start = (uint16_t)('=' << 8 | n[0]);
        for (; *ep != NULL; ++ep) {
            const unsigned char *e = (const unsigned char *)*ep;
            if ((uint16_t)(e[0] | e[1] << 8) == start)
                return *ep + 2;
        }
        return NULL;
    }
    uint16_t start = (uint16_t)(n[0] | n[1] << 8);
    for (; *ep != NULL; ++ep) {
        const unsigned char *e = (const unsigned char *)*ep;
        if ((uint16_t)(e[0] | e[1] << 8) == start && strncmp(*ep + 2, name + 2, len - 2) == 0 &&
            (*ep)[len] == '=')
            return *ep + len + 1;
    }
    return NULL;
}

/* A name the filter could not rule out: the table first, then environ. An
 * environment the program emptied itself (environ = NULL, the fallback clearenv(3)
 * documents, or another, empty array) holds no strict secret either, as glibc's
 * getenv would find none; start-up's own array may be empty only because every
 * variable was a strict secret, and strict_fresh_environ because every variable set
 * since was. */
__attribute__((noinline)) static char *strict_then_environ(const char *name, size_t len)
{
    char **ep = environ;
    if (!ep || (!ep[0] && ep != strict_g.start_environ && ep != strict_fresh_environ))
        return NULL;
    char *v = strict_lookup(name, len);
    return v ? v : environ_lookup(name, len);
}

ENVSEAL_EXPORT char *INTERPOSER(getenv)(const char *name)
{
    if (name[0] == '\0')
        return NULL;
    size_t len = strlen(name);
    if (__builtin_expect(strict_maybe(name, len), 0))
        return strict_then_environ(name, len);
    return environ_lookup(name, len);
}

/* This library's getenv, by an address the loader cannot redirect; `getenv` below
 * is read through the GOT, which holds whatever the process's lookup found. */
extern __typeof(getenv) strict_getenv_here
    __attribute__((copy(getenv), alias("getenv"), visibility("hidden")));

bool strict_loaded_too_late(void)
{
    char *(*volatile bound)(const char *) = getenv;
    if (bound == strict_getenv_here)
        return false; /* preloaded: the usual answer, at no cost */
    static void *next_getenv;
    return (void *)bound == next_symbol(&next_getenv, "getenv");
}

/* AT_SECURE (set-user-ID and similar programs): secure_getenv answers NULL. */
static int secure_state = -1;

ENVSEAL_EXPORT char *INTERPOSER(secure_getenv)(const char *name)
{
    int s = __atomic_load_n(&secure_state, __ATOMIC_RELAXED);
    if (s < 0) {
        s = getauxval(AT_SECURE) != 0;
        __atomic_store_n(&secure_state, s, __ATOMIC_RELAXED);
    }
    return s ? NULL : getenv(name);
}

/* The pre-2.17 name, still exported by glibc for old binaries. */
char *__secure_getenv(const char *name);

ENVSEAL_EXPORT char *INTERPOSER(__secure_getenv)(const char *name)
{
    return secure_getenv(name);
}
