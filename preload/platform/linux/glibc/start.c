/* glibc (platform_libc.h). */
#define _GNU_SOURCE
#include "preload/platform/platform_libc.h"

#include <stdlib.h>

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

int platform_at_quick_exit(void (*fn)(void))
{
    /* The same order: the program registers its handlers later, and quick_exit
     * runs them last in, first out, so this one comes last. */
    return at_quick_exit(fn);
}
