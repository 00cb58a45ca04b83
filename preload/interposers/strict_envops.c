/* setenv, unsetenv, putenv and clearenv for strict secrets (envops.c hands them
 * over, holding envseal_state.lock): the value goes into the vault and the strict
 * table, never into environ; a replaced or removed value is wiped once no reader
 * can still see it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/platform/interpose.h"
#include "preload/core/shim.h"
#include "preload/crash/signals.h"
#include "preload/interposers/strict.h"


typedef int (*unsetenv_fn)(const char *);
typedef int (*clearenv_fn)(void);

static void *next_unsetenv, *next_clearenv;


static struct shim_state *const st = &envseal_state;

bool strict_owns(const char *name, size_t nlen)
{
    return strict_on() && config_is_strict(&st->cfg, name, nlen);
}

/* An entry put into environ behind envseal's back (a program writing environ
 * itself) must not outlive a change made through the interface. */
static void drop_from_environ(const char *name, size_t nlen)
{
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, name, nlen) == 0 && (*e)[nlen] == '=') {
            char n[nlen + 1];
            memcpy(n, name, nlen);
            n[nlen] = '\0';
            REAL(unsetenv, unsetenv_fn)(n);
            return;
        }
}

char *strict_fresh_environ[1];

/* The program emptied its environment behind libc (environ = NULL, as clearenv(3)
 * suggests, or an empty array of its own), and now sets a strict secret: glibc's
 * setenv would start a new environ, and getenv must find the value just set. What
 * the table held before stays (hidden no longer, as after any variable set now):
 * a program that saved environ and puts it back finds those values again, and a
 * pointer it kept still reads its value (docs/strict-mode.md). */
static bool emptied_by_program(void)
{
    char **ep = environ;
    return !ep || (!ep[0] && ep != strict_g.start_environ && ep != strict_fresh_environ);
}

/* A new environment starts: setenv(..., 0) of a name set before sets it now,
 * unless the program puts back an array it had (strict_current). */
static void restart(void)
{
    strict_g.restarts++;
    strict_g.set_in = strict_g.restarts;
}

uint32_t strict_restarts_of(char **ep)
{
    if (ep && ep == strict_g.start_environ)
        return 0;
    for (unsigned i = 1; ep && i <= STRICT_ARRAYS; i++) { /* the newest first */
        unsigned k = (strict_g.arrays_next - i) % STRICT_ARRAYS;
        if (strict_g.arrays[k].array == ep)
            return strict_g.arrays[k].restarts;
    }
    return strict_g.restarts;
}

void strict_note_environ(void)
{
    char **ep = environ;
    strict_g.libc_environ = ep;
    if (!ep || ep == strict_g.start_environ)
        return;
    for (unsigned k = 0; k < STRICT_ARRAYS; k++)
        if (strict_g.arrays[k].array == ep) {
            strict_g.arrays[k].restarts = strict_g.set_in;
            return;
        }
    unsigned k = strict_g.arrays_next++ % STRICT_ARRAYS;
    strict_g.arrays[k].array = ep;
    strict_g.arrays[k].restarts = strict_g.set_in;
}

static void restart_if_emptied(void)
{
    if (!emptied_by_program())
        return;
    environ = strict_fresh_environ;
    restart();
    strict_note_environ(); /* the same array may have begun an earlier one */
}

void strict_before_libc_set(void)
{
    if (strict_on() && emptied_by_program())
        restart();
}

int strict_setenv(const char *name, const char *value, int overwrite)
{
    size_t nlen = strlen(name);
    int rc = 0;
    restart_if_emptied();
    if (overwrite || !strict_current(name, nlen)) {
        char *sealed = vault_store(&st->vault, name, nlen, value, strlen(value));
        if (sealed)
            shim_secret_stored(); /* see envops.c */
        rc = sealed ? strict_install(sealed, nlen) : envops_no_vault();
        if (rc == 0)
            drop_from_environ(name, nlen);
    }
    return rc;
}

int strict_putenv(const char *string, size_t nlen)
{
    restart_if_emptied();
    char *sealed = vault_store_entry(&st->vault, string, strlen(string));
    if (sealed)
        shim_secret_stored(); /* see envops.c */
    int rc = sealed ? strict_install(sealed, nlen) : envops_no_vault();
    if (rc == 0)
        drop_from_environ(string, nlen);
    return rc;
}

int strict_unsetenv(const char *name)
{
    size_t nlen = strlen(name);
    int rc = 0;
    if (strict_remove(name, nlen) < 0) {
        errno = ENOMEM;
        rc = -1;
    } else {
        drop_from_environ(name, nlen);
    }
    return rc;
}

int strict_clearenv(void)
{
    int rc = REAL(clearenv, clearenv_fn)();
    strict_remove_all();
    if (rc == 0)
        vault_release_all(&st->vault);
    return rc;
}

/* A program that removes every variable one by one meant clearenv: when its
 * unsetenv empties the array the interface last left (before: environ before the
 * call, held: whether it held a variable then), not one the program swapped in for
 * a while or had emptied itself, the strict secrets go too. */
void strict_after_unset(char **before, bool held)
{
    if (strict_on() && held &&
        (before == strict_g.start_environ || before == strict_g.libc_environ) &&
        (!environ || !environ[0]))
        strict_remove_all();
}
