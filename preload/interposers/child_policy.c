/* The child-process policy (ENVSEAL_CHILD_SECRETS) applied at every exec and spawn
 * in strict mode: the child's environment holds exactly the strict secrets the
 * policy allows. Built without allocation (the pointer array lives on the caller's
 * stack, the values stay in the vault), so it also works in a vfork child. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "preload/core/shim.h"
#include "preload/interposers/strict.h"
#include "preload/platform/linux/exec_target.h"


static const struct config *const cfg = &envseal_state.cfg;

/* Arrays up to this many pointers live on the stack; longer ones in an mmap. */
#define CHILD_ENV_STACK_MAX 2048

size_t child_env_cap(const struct strict_table *t, char *const *envp)
{
    size_t n = 0;
    while (envp && envp[n])
        n++;
    return n + (t ? t->n : 0) + 1;
}

static bool named(char *const *arr, size_t n, const char *name, size_t nlen)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(arr[i], name, nlen) == 0 && arr[i][nlen] == '=')
            return true;
    return false;
}

/* True when the loader of the program target starts will load envseal: envp has
 * LD_PRELOAD, and each of its LD_PRELOAD entries (glibc's loader reads the last,
 * musl's the first) names a libenvseal library (either flavour seals what it
 * receives) that the loader can load there. */
static bool loads_envseal(char *const *envp, const struct exec_target *target)
{
    bool any = false;
    for (size_t i = 0; envp && envp[i]; i++) {
        const char *p = envp[i];
        if (p[0] != 'L' || strncmp(p, "LD_PRELOAD=", 11) != 0)
            continue;
        bool this_one = false;
        for (p += 11; *p && !this_one;) {
            size_t n = strcspn(p, ": ");
            const char *base = p;
            for (size_t k = 0; k < n; k++)
                if (p[k] == '/')
                    base = p + k + 1;
            this_one = (size_t)(p + n - base) >= 10 && strncmp(base, "libenvseal", 10) == 0 &&
                       exec_target_preload_loadable(target, p, n);
            p += n + (p[n] != '\0');
        }
        if (!this_one)
            return false;
        any = true;
    }
    return any;
}

/* True when envp holds exactly the settings this process started with, the same
 * strings (a copy of the environment does; a hand-built one that kept only
 * LD_PRELOAD and ENVSEAL_CHILD_SECRETS does not): the child then seals, with the
 * same patterns, everything the policy gives it. */
static bool carries_settings(char *const *envp)
{
    const char *own = strict_g.settings;
    if (!own || !strict_g.policy_entry)
        return false;
    for (const char *s = own; *s; s += strlen(s) + 1) {
        bool found = false;
        for (size_t i = 0; envp && envp[i] && !found; i++)
            found = strcmp(envp[i], s) == 0;
        if (!found)
            return false;
    }
    for (size_t i = 0; envp && envp[i]; i++) {
        if (!strict_child_setting(envp[i]))
            continue;
        bool known = false;
        for (const char *s = own; *s && !known; s += strlen(s) + 1)
            known = strcmp(envp[i], s) == 0;
        if (!known)
            return false; /* one this process did not start with (ENVSEAL_DISABLE=1) */
    }
    return true;
}

/* True when an entry of envp is one of the strings the process started with (a
 * program that emptied or replaced environ has none of them left). */
static bool carries_initial(char *const *envp)
{
    for (size_t i = 0; envp && envp[i]; i++)
        if ((uintptr_t)envp[i] >= strict_g.env_lo && (uintptr_t)envp[i] < strict_g.env_hi)
            return true;
    return false;
}

/* Which allowed secrets the policy may add to envp (docs/strict-mode.md):
 * ADD_ALLOWED when the child will run with envseal under the same settings (the
 * environment passed on carries them and LD_PRELOAD); ADD_NAMED, only the secrets the policy names one by one, when the
 * child will run without it but gets environ as the process started with it
 * (less what it unset); ADD_NONE for an emptied or hand-built environment. */
enum add_rule { ADD_NONE, ADD_NAMED, ADD_ALLOWED };

static enum add_rule add_rule(char *const *envp, const struct exec_target *target)
{
    if (carries_settings(envp) && loads_envseal(envp, target) && exec_target_loads_preload(target))
        return ADD_ALLOWED;
    return envp && envp == environ && carries_initial(envp) ? ADD_NAMED : ADD_NONE;
}

bool child_env_build(const struct strict_table *t, char *const *envp, char **out,
                     const struct exec_target *target)
{
    size_t k = 0;
    bool changed = false;
    for (size_t i = 0; envp && envp[i]; i++) {
        char *e = envp[i];
        size_t nlen = entry_name_len(e);
        if (e[nlen] == '=' && config_is_strict(cfg, e, nlen) && !config_child_gets(cfg, e, nlen)) {
            changed = true; /* withheld, whoever put it there */
            continue;
        }
        out[k++] = e;
    }
    size_t given = k;
    enum add_rule rule = t && t->n ? add_rule(envp, target) : ADD_NONE;
    for (size_t i = 0; rule != ADD_NONE && i < t->n; i++) {
        const struct strict_entry *x = &t->e[i];
        /* The caller's own entry for an allowed name wins over the vault's. */
        if (!config_child_gets(cfg, x->entry, x->nlen) || named(out, given, x->entry, x->nlen) ||
            (rule == ADD_NAMED && !config_child_names(cfg, x->entry, x->nlen)))
            continue;
        out[k++] = x->entry;
        changed = true;
    }
    out[k] = NULL;
    return changed;
}

static int build_and_call(const struct strict_table *t, char *const *envp,
                          const struct exec_target *target, char **arr, unsigned pin,
                          bool hold, child_env_fn fn, child_env_fn same, void *ctx)
{
    bool changed = child_env_build(t, envp, arr, target);
    if (!hold)
        strict_unpin(pin);
    int rc = !changed && same ? same(NULL, ctx) : fn(arr, ctx);
    int err = errno;
    if (hold)
        strict_unpin(pin);
    errno = err;
    return rc;
}

int child_env_run(char *const *envp, const struct exec_target *target, bool hold, child_env_fn fn,
                  child_env_fn same, void *ctx)
{
    unsigned pin = strict_pin();
    const struct strict_table *t = strict_pinned_table();
    size_t cap = child_env_cap(t, envp);
    int rc, err;
    if (cap <= CHILD_ENV_STACK_MAX) {
        char *arr[cap];
        rc = build_and_call(t, envp, target, arr, pin, hold, fn, same, ctx);
        err = errno;
        explicit_bzero(arr, sizeof arr);
    } else {
        size_t bytes = cap * sizeof(char *);
        char **arr = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (arr == MAP_FAILED) {
            strict_unpin(pin);
            errno = ENOMEM;
            return -1;
        }
        rc = build_and_call(t, envp, target, arr, pin, hold, fn, same, ctx);
        err = errno;
        explicit_bzero(arr, bytes);
        munmap(arr, bytes);
    }
    errno = err;
    return rc;
}
