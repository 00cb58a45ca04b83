/* macOS start-up and exit (platform_libc.h). */
#include "preload/platform/platform_libc.h"

#include <stdlib.h>

/* dyld gives initialisers main's arguments (then apple[] and the program vars). */
__attribute__((constructor)) static void envseal_init(int argc, char **argv, char **envp)
{
    envseal_start(argc > 0 && argv ? argv[0] : NULL, envp);
}

bool platform_env_strings(char **envp, char **lo, char **hi)
{
    (void)envp; /* not looked for on macOS */
    (void)lo;
    (void)hi;
    return false;
}

int platform_at_exit(void (*fn)(void))
{
    /* Inserted libraries initialise before the program's own images, so a handler
     * registered now runs after theirs (atexit's order is last in, first out). */
    return atexit(fn);
}

int platform_at_quick_exit(void (*fn)(void))
{
    /* libSystem has no quick_exit (nor at_quick_exit): a program cannot end
     * that way, and there is nothing to register. */
    (void)fn;
    return 0;
}

bool platform_longjmp_interposed(void)
{
    return false; /* not yet: the kernel blocks a handler's own signal, as before */
}

void platform_prepare_longjmp(void)
{
}

sigset_t *platform_jmpbuf_saved(void *env)
{
    (void)env;
    return NULL;
}

void platform_prepare_save_points(void)
{
}

void platform_mask_stored(sigset_t *old, uint64_t record)
{
    (void)old;
    (void)record;
}
