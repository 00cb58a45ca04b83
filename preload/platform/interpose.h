/* How the shim puts its functions in front of libc's, and reaches libc's own.
 *
 * ELF (Linux): an interposer has libc's name; the preloaded library comes first in
 * the loader's search order, and the next definition is found with
 * dlsym(RTLD_NEXT) on first use and cached: never on getenv's path, never in a
 * signal handler before it was resolved once.
 *
 * Mach-O (macOS): an interposer has a name of its own (envseal_setenv), which
 * darwin/interpose.c pairs with libc's in the __DATA,__interpose section that dyld
 * reads; dyld never applies a library's interposing to that library itself, so
 * libc's function is reached by a plain reference (darwin/next_symbol.c). */
#ifndef ENVSEAL_INTERPOSE_H
#define ENVSEAL_INTERPOSE_H

#if defined(__APPLE__)
#define INTERPOSER(fn) envseal_##fn
#else
#define INTERPOSER(fn) fn
#endif

/* *slot caches the address of libc's `name` (NULL until the first call, and NULL
 * for good where this libc has no such function). */
void *next_symbol(void **slot, const char *name);

/* REAL(setenv, setenv_fn): libc's setenv, through the static slot next_setenv. The
 * name is an object of its own (.rodata.symbol_name.N with -fdata-sections), not a
 * merged string, so that startup_order.lds can put those the start-up looks up with
 * the start-up's code. */
#define REAL(fn, type)                                                                 \
    __extension__({                                                                    \
        static const char symbol_name[] = #fn;                                         \
        (type)next_symbol(&next_##fn, symbol_name);                                    \
    })

#endif
