/* What a process needs once it holds a secret, and not before: fork handlers that
 * keep the vault and the shim's locks consistent in a child, and the signal hooks.
 * A process with no secret pays for neither until it stores one (envops.c). */
#include "preload/core/shim.h"

#include <pthread.h>
#include <unistd.h>

#include "preload/crash/signals.h"
#include "preload/crash/thread_state.h"
#include "preload/platform/platform.h"

static struct shim_state *const st = &envseal_state;

/* The lock word holds the holding thread's token (its thread state's address), so
 * a signal handler that forks can tell its own thread holds it (before_fork) from
 * another thread's holding it, which it then waits for. */
static uintptr_t token(void)
{
    return (uintptr_t)&envseal_thread;
}

/* This thread holds the lock for its fork: the program's fork handlers run inside
 * it and may change the environment. */
static bool forking_here(const struct shim_state *s)
{
    return envseal_thread.env_lock_fork && __atomic_load_n(&s->lock, __ATOMIC_RELAXED) == token();
}

static void take(struct shim_state *s)
{
    uintptr_t free_word = 0, me = token();
    while (!__atomic_compare_exchange_n(&s->lock, &free_word, me, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED)) {
        free_word = 0;
        platform_yield();
    }
}

void shim_lock(struct shim_state *s)
{
    if (!forking_here(s))
        take(s);
}

void shim_unlock(struct shim_state *s)
{
    if (!forking_here(s))
        __atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
}

/* Whether before_fork took the lock. Every page the parent or the child writes
 * after fork is copied first (a fault each, tens of microseconds on some virtual
 * machines), and a shell forks for every command: with one thread there is no
 * other writer to hold off, so nothing here is written then. Told without a
 * system call, or not at all (musl: then the lock is taken, as always before).
 * Not taken either by a fork from a signal handler that interrupted this thread's
 * own environment change (glibc takes no environment lock in fork): the child
 * then finishes that change, as the parent does. */
static bool fork_locked;

static void before_fork(void)
{
    if (platform_single_threaded_cheap() ||
        __atomic_load_n(&st->lock, __ATOMIC_RELAXED) == token())
        return;
    take(st);
    envseal_thread.env_lock_fork = true;
    fork_locked = true;
}

static void release_fork_lock(void)
{
    if (fork_locked) {
        fork_locked = false;
        __atomic_store_n(&st->lock, 0, __ATOMIC_RELEASE);
        envseal_thread.env_lock_fork = false;
    }
}

static void after_fork_child(void)
{
    /* secretmem is shared across fork: the child's exit wipe must hit its own copy. */
    vault_after_fork_child(&st->vault);
    release_fork_lock();
    signals_after_fork_child();
}

/* The memory is marked with the pid of the process that stored the first secret:
 * a fork child's copy of the mark reads 0, a vfork child (or a clone sharing the
 * memory) reads its parent's pid. No system call in a fork child; one getpid
 * where the mark is set (and again in a fork child in secretmem mode: vault.c). A
 * vfork child of any other fork child meets a zeroed mark and is
 * taken for a fork child (docs/threat-model.md, section 3). */
bool shim_in_parent_memory(void)
{
    pid_t marked = platform_memory_owner();
    return marked && getpid() != marked;
}

static bool held ENVSEAL_HOT;

void shim_secrets_held(void)
{
    /* Until a secret is held there is nothing of ours a child could inherit
     * half-written; a fork racing another thread's setenv is already undefined for
     * the child's own environment calls, as with glibc's environment lock. */
    if (held)
        return;
    held = true;
    pid_t self = getpid();
    platform_mark_memory_owner(self);
    pthread_atfork(before_fork, release_fork_lock, after_fork_child);
    signals_install(self);
}

void shim_secret_stored(void)
{
    if (held)
        return;
    /* A vfork child storing the process's first secret runs in its parent's
     * memory: the mark, the fork handlers and the hooks it would set up are the
     * parent's to set up (the child's own signal actions go at its exec). The
     * vault and environ it changed are the parent's too; the parent's next store
     * sets up the rest, and its exit wipe needs none of it. */
    if (platform_in_parent_memory(getpid()))
        return;
    shim_secrets_held();
    /* Crash protections that could not be set up: one line, the vault's way (at
     * start-up the same is a degradation that ENVSEAL_ON_FAILURE=refuse refuses). */
    int err;
    const char *what = signals_degradation(&err);
    if (what && st->vault.policy.report)
        st->vault.policy.report(VAULT_DEGRADED, what, err);
}
