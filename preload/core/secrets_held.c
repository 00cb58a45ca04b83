/* What a process needs once it holds a secret, and not before: fork handlers that
 * keep the vault and the shim's locks consistent in a child, and the signal hooks.
 * A process with no secret pays for neither until it stores one (envops.c). */
#include "preload/core/shim.h"

#include <pthread.h>

#include "preload/crash/signals.h"

static struct shim_state *const st = &envseal_state;

static void before_fork(void)
{
    shim_lock(st);
}

static void after_fork_parent(void)
{
    shim_unlock(st);
}

static void after_fork_child(void)
{
    /* secretmem is shared across fork: the child's exit wipe must hit its own copy. */
    vault_after_fork_child(&st->vault);
    shim_unlock(st);
    signals_after_fork_child();
}

void shim_secrets_held(void)
{
    /* Until a secret is held there is nothing of ours a child could inherit
     * half-written; a fork racing another thread's setenv is already undefined for
     * the child's own environment calls, as with glibc's environment lock. */
    static bool forks_handled ENVSEAL_HOT;
    if (!forks_handled) {
        forks_handled = true;
        pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    }
    signals_install();
}
