/* glibc (platform_libc.h). */
#define _GNU_SOURCE
#include "preload/platform/platform_libc.h"

#include <elf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/core/shim.h"
#include "preload/platform/interpose.h"

static int start_argc ENVSEAL_HOT;
static char **start_argv ENVSEAL_HOT;

/* glibc gives every constructor the arguments of main. */
__attribute__((constructor)) static void envseal_init(int argc, char **argv, char **envp)
{
    start_argc = argc;
    start_argv = argv;
    envseal_start(argc > 0 && argv ? argv[0] : NULL, envp);
}

bool platform_env_strings(char **envp, char **lo, char **hi)
{
    /* The kernel's initial stack: argc, argv[], NULL, envp[], NULL, the auxiliary
     * vector; higher up the strings of argv, then of envp, then AT_EXECFN's path.
     * Entries an earlier unsetenv took out of envp left NULLs after its end (the
     * rest moved down); the auxiliary vector's first type is never 0. */
    if (start_argc < 1 || !start_argv || envp != start_argv + start_argc + 1)
        return false;
    char **p = envp;
    while (*p)
        p++;
    while (!*p)
        p++;
    const char *execfn = NULL;
    for (const unsigned long *a = (const unsigned long *)p; a[0] != AT_NULL; a += 2)
        if (a[0] == AT_EXECFN)
            execfn = (const char *)a[1];
    const char *last = start_argv[start_argc - 1];
    if (!execfn || !last)
        return false;
    *lo = (char *)last + strlen(last) + 1;
    *hi = (char *)execfn;
    return *lo <= *hi && (size_t)(*hi - *lo) <= ((size_t)64 << 20);
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

static void (*quick_wipe)(void) ENVSEAL_HOT;
static void *next___cxa_at_quick_exit, *next_quick_exit;
static int quick_state; /* 0: nothing registered yet, 1: registering, 2: registered */

int platform_at_quick_exit(void (*fn)(void))
{
    __atomic_store_n(&quick_wipe, fn, __ATOMIC_RELEASE);
    return 0;
}

/* What is registered: the wipe, once the constructor has named it (a library
 * initialized before envseal's may register a handler of its own first). */
static void quick_trampoline(void)
{
    void (*fn)(void) = __atomic_load_n(&quick_wipe, __ATOMIC_ACQUIRE);
    if (fn)
        fn();
}

/* The first registration of anyone's registers the wipe first. Resolves libc's
 * quick_exit too, here: quick_exit may later be called from a signal handler. No
 * waiting: a thread that loses the race registers its handler meanwhile. */
static void register_wipe_first(void)
{
    int s = 0;
    if (!__atomic_compare_exchange_n(&quick_state, &s, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return;
    (void)REAL(quick_exit, quick_exit_fn);
    cxa_at_quick_exit_fn real = REAL(__cxa_at_quick_exit, cxa_at_quick_exit_fn);
    if (real)
        real(quick_trampoline, NULL);
    __atomic_store_n(&quick_state, 2, __ATOMIC_RELEASE);
}

ENVSEAL_EXPORT int INTERPOSER(__cxa_at_quick_exit)(void (*fn)(void), void *dso)
{
    register_wipe_first();
    cxa_at_quick_exit_fn real = REAL(__cxa_at_quick_exit, cxa_at_quick_exit_fn);
    return real ? real(fn, dso) : -1;
}

ENVSEAL_EXPORT void INTERPOSER(quick_exit)(int status)
{
    /* No handler was ever registered: glibc's quick_exit would run none and end
     * the process; so does this, after the wipe, without looking libc up (this may
     * run in a signal handler). */
    if (__atomic_load_n(&quick_state, __ATOMIC_ACQUIRE) == 0) {
        quick_trampoline();
        _exit(status);
    }
    quick_exit_fn real = REAL(quick_exit, quick_exit_fn);
    if (real)
        real(status);
    _exit(status);
}
