/* setenv, unsetenv, putenv and clearenv: secret names keep their values only in the
 * vault (glibc's putenv installs our vault pointer, it copies nothing), a replaced
 * or removed value is wiped, and a value the vault cannot take is refused (ENOMEM);
 * every other name goes straight to glibc. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/platform/interpose.h"
#include "preload/core/shim.h"
#include "preload/crash/signals.h"
#if ENVSEAL_STRICT
#include "preload/interposers/strict.h" /* strict secrets are handed to strict_envops.c */
#endif


typedef int (*setenv_fn)(const char *, const char *, int);
typedef int (*unsetenv_fn)(const char *);
typedef int (*putenv_fn)(char *);
typedef int (*clearenv_fn)(void);

static void *next_setenv, *next_unsetenv, *next_putenv, *next_clearenv;

/* Defined here, not next to the constructor, so that //preload:core links on its own. */
struct shim_state envseal_state ENVSEAL_STATE;
static struct shim_state *const st = &envseal_state;

/* glibc declares these arguments nonnull, so the compiler would delete our NULL
 * checks; programs do pass NULL, and glibc's own behaviour is what they must get. */
static const char *opaque(const char *p)
{
    __asm__("" : "+r"(p));
    return p;
}

static bool valid_name(const char *name)
{
    return name && name[0] != '\0' && strchr(name, '=') == NULL;
}

/* A change before start-up (another library's constructor, run before ours) goes
 * to libc as it is; start-up then looks for what it left (early_env.c). */
static void note_if_early(void)
{
    if (!st->active && !st->early_change)
        st->early_change = true;
}

static bool in_environ(const char *s)
{
    for (char **e = environ; e && *e; e++)
        if (*e == s)
            return true;
    return false;
}

/* After a change before start-up: a putenv string that left environ (replaced,
 * unset, cleared) is listed no more. The caller may free it, and libc's own copy
 * of a secret set later may get its address: that copy start-up must wipe. */
static void early_done(void)
{
    struct vault_callers *k = &st->early_putenv;
    if (st->started || !k->listed)
        return;
    unsigned n = 0;
    for (unsigned i = 0; i < k->listed; i++)
        if (in_environ(k->list[i]))
            k->list[n++] = k->list[i];
    k->listed = n;
}

static bool sealing(const char *name, size_t nlen)
{
    return st->active && config_is_secret(&st->cfg, name, nlen);
}

/* The entry glibc's setenv/putenv would replace: the first one named NAME. */
static char *current_entry(const char *name, size_t nlen)
{
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, name, nlen) == 0 && (*e)[nlen] == '=')
            return *e;
    return NULL;
}

/* A secret the vault cannot take is refused, never stored where the exit wipe and
 * the crash sweep cannot reach it; the vault said why, once (vault_event). */
int envops_no_vault(void)
{
    errno = ENOMEM;
    return -1;
}

/* Installs a vault entry through glibc's putenv and wipes the entry it replaced. */
static int install(char *sealed, const char *name, size_t nlen)
{
    shim_secret_stored(); /* the first secret of a process that started with none */
    char *old = current_entry(name, nlen);
    int rc = REAL(putenv, putenv_fn)(sealed);
    if (rc != 0)
        vault_release(&st->vault, sealed);
    else if (old && old != sealed && vault_owns(&st->vault, old))
        vault_release(&st->vault, old);
    return rc;
}

/* Wipes every vault entry named NAME that environ no longer references. */
static void release_unreferenced(const char *name, size_t nlen)
{
    char *e;
    while ((e = vault_find(&st->vault, name, nlen)) != NULL) {
        bool referenced = false;
        for (char **p = environ; p && *p && !referenced; p++)
            referenced = *p == e;
        if (referenced)
            return; /* duplicates still in use keep their slots */
        vault_release(&st->vault, e);
    }
}

/* Every change to the environment that comes through us, secret or not, runs
 * under the shim's lock: then environ is only read by us (current_entry,
 * release_unreferenced, strict mode's drop_from_environ) while no glibc setenv
 * can reallocate and free it under our feet. getenv takes no lock. */
static int set_locked(const char *name, const char *value, int overwrite)
{
    if (!valid_name(opaque(name)) || !opaque(value))
        return REAL(setenv, setenv_fn)(name, value, overwrite);
    size_t nlen = strlen(name);
#if ENVSEAL_STRICT
    if (strict_owns(name, nlen))
        return strict_setenv(name, value, overwrite);
#endif
#if ENVSEAL_STRICT
    strict_before_libc_set();
#endif
    if (!sealing(name, nlen))
        return REAL(setenv, setenv_fn)(name, value, overwrite);
    if (!overwrite && current_entry(name, nlen))
        return 0;
    char *sealed = vault_store(&st->vault, name, nlen, value, strlen(value));
    return sealed ? install(sealed, name, nlen) : envops_no_vault();
}

ENVSEAL_EXPORT int INTERPOSER(setenv)(const char *name, const char *value, int overwrite)
{
    shim_lock(st);
    note_if_early();
#if ENVSEAL_STRICT
    strict_begin_set();
#endif
    int rc = set_locked(name, value, overwrite);
#if ENVSEAL_STRICT
    strict_note_environ();
#endif
    early_done();
    shim_unlock(st);
    return rc;
}

/* unsetenv's body, also reached by putenv("NAME"). */
static int unset_locked(const char *name)
{
    if (!valid_name(opaque(name)))
        return REAL(unsetenv, unsetenv_fn)(name);
    size_t nlen = strlen(name);
#if ENVSEAL_STRICT
    if (strict_owns(name, nlen))
        return strict_unsetenv(name);
#endif
#if ENVSEAL_STRICT
    char **before = environ; /* unsetenv empties an array in place: asked now */
    bool held = before && before[0];
#endif
    int rc = REAL(unsetenv, unsetenv_fn)(name);
    if (rc == 0 && sealing(name, nlen))
        release_unreferenced(name, nlen);
#if ENVSEAL_STRICT
    if (rc == 0)
        strict_after_unset(before, held);
#endif
    return rc;
}

ENVSEAL_EXPORT int INTERPOSER(unsetenv)(const char *name)
{
    shim_lock(st);
    note_if_early();
    int rc = unset_locked(name); /* in place: environ is not noted (strict.h) */
    early_done();
    shim_unlock(st);
    return rc;
}

static int put_locked(char *string)
{
    if (!opaque(string))
        return REAL(putenv, putenv_fn)(string);
    const char *eq = strchr(string, '=');
    if (!eq) /* putenv("NAME") removes NAME: through our unsetenv; "" as libc has it */
        return string[0] ? unset_locked(string) : REAL(putenv, putenv_fn)(string);
    size_t nlen = (size_t)(eq - string);
#if ENVSEAL_STRICT
    if (nlen && strict_owns(string, nlen))
        return strict_putenv(string, nlen);
#endif
#if ENVSEAL_STRICT
    if (nlen)
        strict_before_libc_set();
#endif
    if (nlen == 0 || !sealing(string, nlen))
        return REAL(putenv, putenv_fn)(string);
    /* The caller's string is copied, not referenced: later edits to it are not seen. */
    char *sealed = vault_store_entry(&st->vault, string, strlen(string));
    return sealed ? install(sealed, string, nlen) : envops_no_vault();
}

ENVSEAL_EXPORT int INTERPOSER(putenv)(char *string)
{
    shim_lock(st);
    note_if_early();
    if (!st->started) { /* the caller's string: start-up must not write it */
        struct vault_callers *k = &st->early_putenv;
        if (k->listed < VAULT_CALLERS_MAX)
            k->list[k->listed++] = string;
        else
            k->overflow = true;
    }
#if ENVSEAL_STRICT
    strict_begin_set();
#endif
    int rc = put_locked(string);
#if ENVSEAL_STRICT
    strict_note_environ();
#endif
    early_done();
    shim_unlock(st);
    return rc;
}

ENVSEAL_EXPORT int INTERPOSER(clearenv)(void)
{
    shim_lock(st);
    note_if_early();
    int rc;
#if ENVSEAL_STRICT
    strict_begin_set();
    if (strict_on())
        rc = strict_clearenv();
    else
#endif
    {
        rc = REAL(clearenv, clearenv_fn)();
        if (rc == 0 && st->active)
            vault_release_all(&st->vault);
    }
#if ENVSEAL_STRICT
    strict_note_environ();
#endif
    early_done();
    shim_unlock(st);
    return rc;
}
