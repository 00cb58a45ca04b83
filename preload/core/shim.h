/* State shared by the start-up code and the interposed functions. */
#ifndef ENVSEAL_SHIM_H
#define ENVSEAL_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#include "preload/core/config.h"
#include "preload/platform/platform.h"
#include "preload/core/vault.h"

/* Builds that link the sources into a test program (sanitizers) define it empty:
 * there the interposers must not override the sanitizer runtime's own. */
#ifndef ENVSEAL_EXPORT
#define ENVSEAL_EXPORT __attribute__((visibility("default")))
#endif

/* Start-up writes the first ~0.5 KB only (the flags, the vault, the head of cfg):
 * on the page of .data/.bss the loader has written already. cfg's pattern sets
 * (kilobytes) come last and are left alone unless a setting fills them. */
struct shim_state {
    bool active;           /* start-up finished: the interposers seal secrets */
    bool early_change;     /* the environment was changed through us before start-up
                            * (a constructor that ran before ours): early_env.c */
    bool started;          /* envseal_start has run, whatever it decided */
    uintptr_t lock;        /* serialises environment changes made through us: 0, or
                            * the holding thread's token (secrets_held.c) */
    struct vault vault;
    struct config cfg;
    /* Strings given to putenv before start-up (vault.policy.callers). Last, so that
     * start-up's writes stay on the page the loader wrote. */
    struct vault_callers early_putenv;
};

extern struct shim_state envseal_state;

/* Called once the process holds a secret (start-up, or the program's first stored
 * one), before it can matter: registers the fork handlers and installs the signal
 * hooks (signals_install), once. A process with no secret pays for neither. */
void shim_secrets_held(void);

/* shim_secrets_held for a secret the program stores (setenv, putenv): the same,
 * and one warning line (the process's only one, none under ENVSEAL_QUIET) if the
 * crash protections could not be set up; except in a vfork child storing the
 * process's first one, which leaves it all to its parent. */
void shim_secret_stored(void);

/* True in a child running in the memory of the process that holds the secrets (a
 * vfork child, a clone with CLONE_VM): its exit and its death must not wipe what
 * its parent still uses. Async-signal-safe. */
bool shim_in_parent_memory(void);

/* What setenv/putenv of a secret return when the vault cannot take the value:
 * -1 with ENOMEM (the vault's report hook has said why). */
int envops_no_vault(void);

/* A lock of our own rather than a pthread mutex: two symbols fewer for the loader
 * to bind in every process. It guards environment changes, which rarely contend.
 * The thread that took it for a fork (secrets_held.c) passes through it: the
 * program's own fork handlers, which run in that thread inside fork, may change
 * the environment (secrets_held.c). */
void shim_lock(struct shim_state *s);
void shim_unlock(struct shim_state *s);

#endif
