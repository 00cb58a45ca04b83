/* The next definition of an interposed function (glibc's own), looked up with
 * dlsym(RTLD_NEXT) on first use and cached: never on getenv's path, never in a
 * signal handler before it was resolved once. */
#ifndef ENVSEAL_NEXT_SYMBOL_H
#define ENVSEAL_NEXT_SYMBOL_H

/* *slot caches the address of `name` (NULL until the first call). */
void *next_symbol(void **slot, const char *name);

/* REAL(setenv, setenv_fn): the next setenv, through the static slot next_setenv. */
#define REAL(fn, type) ((type)next_symbol(&next_##fn, #fn))

#endif
