/* The baseline preload: a shared object that does nothing, built and linked like
 * libenvseal.so, so its cost is what preloading any library costs. */

/* One reference into libc, so the object needs libc.so.6 like any real preload. */
extern char **environ;

/* A no-op constructor, so the loader runs an init function as it does for envseal. */
__attribute__((constructor)) static void empty_init(void)
{
}

/* One exported function, so the loader has a symbol table to process. */
__attribute__((visibility("default"))) int envseal_bench_empty(void)
{
    return environ != 0;
}
