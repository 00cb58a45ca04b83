/* libgetenvfirst.so: a getenv of its own that passes every call on to the next
 * one (as getenv-caching preloads do). Preloaded before libenvseal-strict.so, it
 * is the process's getenv (tests/integration/shim_test.c). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

__attribute__((visibility("default"))) char *getenv(const char *name)
{
    static char *(*next)(const char *);
    if (!next)
        next = (char *(*)(const char *))dlsym(RTLD_NEXT, "getenv");
    return next ? next(name) : NULL;
}
