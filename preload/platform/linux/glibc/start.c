/* glibc (platform_libc.h). */
#define _GNU_SOURCE
#include "preload/platform/platform_libc.h"

#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "preload/core/shim.h"
#include "preload/platform/interpose.h"

/* glibc gives every constructor the arguments of main. */
__attribute__((constructor)) static void envseal_init(int argc, char **argv, char **envp)
{
    envseal_start(argc > 0 && argv ? argv[0] : NULL, envp);
}

int platform_at_exit(void (*fn)(void))
{
    /* Preloaded constructors run before __libc_start_main registers the loader's
     * destructor pass, so a handler registered now runs after every destructor. */
    return atexit(fn);
}

/* quick_exit runs only at_quick_exit handlers, last in, first out. Registering the
 * wipe from the constructor would import __cxa_at_quick_exit, and its symbol
 * version, into every process (about 1,100 loader instructions). Instead the two
 * entry points are interposed: the wipe is registered just before the first
 * handler anyone registers, so it runs after all of them, or, with none, by
 * quick_exit itself. libc's functions are looked up then, never at start-up. */
typedef int (*cxa_at_quick_exit_fn)(void (*)(void), void *);
typedef void (*quick_exit_fn)(int);

static void (*quick_wipe)(void);
static void *next___cxa_at_quick_exit, *next_quick_exit;
static int quick_state; /* 0: wipe not registered, 1: being registered, 2: registered */

int platform_at_quick_exit(void (*fn)(void))
{
    quick_wipe = fn;
    return 0;
}

static void register_wipe_first(void)
{
    int s = 0;
    if (__atomic_compare_exchange_n(&quick_state, &s, 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        cxa_at_quick_exit_fn real = REAL(__cxa_at_quick_exit, cxa_at_quick_exit_fn);
        if (real && quick_wipe)
            real(quick_wipe, NULL);
        __atomic_store_n(&quick_state, 2, __ATOMIC_RELEASE);
        return;
    }
    while (__atomic_load_n(&quick_state, __ATOMIC_ACQUIRE) != 2) /* another thread's */
        sched_yield();
}

ENVSEAL_EXPORT int INTERPOSER(__cxa_at_quick_exit)(void (*fn)(void), void *dso)
{
    register_wipe_first();
    cxa_at_quick_exit_fn real = REAL(__cxa_at_quick_exit, cxa_at_quick_exit_fn);
    return real ? real(fn, dso) : -1;
}

ENVSEAL_EXPORT void INTERPOSER(quick_exit)(int status)
{
    register_wipe_first(); /* the program registered none: the wipe alone runs */
    quick_exit_fn real = REAL(quick_exit, quick_exit_fn);
    if (real)
        real(status);
    _exit(status);
}
