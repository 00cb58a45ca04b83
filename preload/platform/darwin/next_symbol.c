/* macOS: libSystem's own function for each name the shim interposes. A plain
 * reference from the shim reaches libSystem's definition, because dyld never
 * applies an image's __interpose entries to that image itself. */
#include "preload/platform/interpose.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    void *fn;
} originals[] = {
    {"setenv", (void *)setenv},
    {"unsetenv", (void *)unsetenv},
    {"putenv", (void *)putenv},
    {"sigaction", (void *)sigaction},
    {"sigaltstack", (void *)sigaltstack},
    {"sigprocmask", (void *)sigprocmask},
    {"pthread_sigmask", (void *)pthread_sigmask},
    {"pthread_create", (void *)pthread_create},
    {"pthread_key_create", (void *)pthread_key_create},
    {"pthread_setspecific", (void *)pthread_setspecific},
};

void *next_symbol(void **slot, const char *name)
{
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (f)
        return f;
    for (size_t i = 0; i < sizeof originals / sizeof originals[0]; i++)
        if (strcmp(originals[i].name, name) == 0) {
            __atomic_store_n(slot, originals[i].fn, __ATOMIC_RELEASE);
            return originals[i].fn;
        }
    return NULL; /* not in libSystem (glibc's clearenv, pthread_attr_getsigmask_np) */
}
