#define _GNU_SOURCE
#include "preload/platform/interpose.h"

#include <dlfcn.h>

/* glibc 2.34 moved dlsym into libc.so.6 as dlsym@@GLIBC_2.34 and kept it there under
 * the architecture's first version as well: the same function. Bound to that one,
 * the shim needs one symbol version fewer, and the loader checks each needed
 * version against libc's list of 39 in every process (GLIBC_2.34 is 35th there).
 * musl has no symbol versions. */
#if defined(__GLIBC__) && defined(__x86_64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#elif defined(__GLIBC__) && defined(__aarch64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
#endif

void *next_symbol(void **slot, const char *name)
{
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!f) {
        f = dlsym(RTLD_NEXT, name);
        __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    }
    return f;
}
