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

/* The thread's state is said before the lock is taken and after it is let go, so
 * that a signal handler of this thread that forks in between (before_fork) never
 * waits for a lock its own thread holds. */
void shim_lock(struct shim_state *s)
{
    if (envseal_thread.env_lock == ENV_LOCK_FORK)
        return; /* a fork handler of the program's, inside this thread's fork */
    envseal_thread.env_lock = ENV_LOCK_CHANGE;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    while (__atomic_exchange_n(&s->lock, 1, __ATOMIC_ACQUIRE))
        platform_yield();
}

void shim_unlock(struct shim_state *s)
{
    if (envseal_thread.env_lock == ENV_LOCK_FORK)
        return;
    __atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    envseal_thread.env_lock = ENV_LOCK_NONE;
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
    if (platform_single_threaded_cheap() || envseal_thread.env_lock != ENV_LOCK_NONE)
        return;
    envseal_thread.env_lock = ENV_LOCK_FORK;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    while (__atomic_exchange_n(&st->lock, 1, __ATOMIC_ACQUIRE))
        platform_yield();
    fork_locked = true;
}

static void release_fork_lock(void)
{
    if (fork_locked) {
        fork_locked = false;
        __atomic_store_n(&st->lock, 0, __ATOMIC_RELEASE);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        envseal_thread.env_lock = ENV_LOCK_NONE;
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
