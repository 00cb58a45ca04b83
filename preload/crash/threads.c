/* pthread_create: every new thread starts with an alternate signal stack of ours
 * (altstack.c) and the signal mask its creator holds (masks.c), as the kernel
 * would give it. The stack goes when the thread ends (a thread-specific key's
 * destructor). Not a hot path: it maps memory, and resolves glibc's functions on
 * first use rather than at every start-up. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include "preload/platform/interpose.h"
#include "preload/platform/platform.h"
#include "preload/core/shim.h"
#include "preload/crash/signals.h"
#include "preload/crash/thread_state.h"

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
typedef int (*key_create_fn)(pthread_key_t *, void (*)(void *));
typedef int (*setspecific_fn)(pthread_key_t, const void *);
typedef int (*getsigmask_fn)(const pthread_attr_t *, sigset_t *);

static void *next_pthread_create, *next_pthread_key_create, *next_pthread_setspecific,
    *next_pthread_attr_getsigmask_np;

/* Kept at the top of the new thread's stack mapping until it starts. */
struct start {
    void *(*fn)(void *);
    void *arg;
    uint64_t held;
    uint64_t parked;
    bool attr_mask; /* the thread starts with a mask from its attributes instead */
};

/* Stacks of threads that ended, kept for the next ones: a thread pool that
 * replaces its workers pays no system call for their stacks. */
#define SPARE_MAX 16
static void *spare[SPARE_MAX];
static unsigned nspare;
static int spare_lock;

static void *take_stack(void)
{
    void *s = NULL;
    while (__atomic_exchange_n(&spare_lock, 1, __ATOMIC_ACQUIRE))
        platform_yield();
    if (nspare)
        s = spare[--nspare];
    __atomic_store_n(&spare_lock, 0, __ATOMIC_RELEASE);
    return s ? s : platform_map_stack(ALTSTACK_SIZE);
}

static void give_stack(void *s)
{
    while (__atomic_exchange_n(&spare_lock, 1, __ATOMIC_ACQUIRE))
        platform_yield();
    bool kept = nspare < SPARE_MAX;
    if (kept)
        spare[nspare++] = s;
    __atomic_store_n(&spare_lock, 0, __ATOMIC_RELEASE);
    if (!kept)
        platform_unmap_stack(s, ALTSTACK_SIZE);
}

void threads_after_fork_child(void)
{
    if (__atomic_load_n(&spare_lock, __ATOMIC_RELAXED)) /* its holder is not here; */
        __atomic_store_n(&spare_lock, 0, __ATOMIC_RELAXED); /* no write otherwise: fork copies written pages */
}

static pthread_key_t stack_key;
static int key_state; /* 0 none, 1 being made, 2 made, 3 failed */

static void release_stack(void *stack)
{
    struct thread_state *t = &envseal_thread;
    stack_t off = {.ss_flags = SS_DISABLE}, cur;
    if (altstack_ours_in_kernel(t) && platform_altstack(NULL, &cur) == 0 && cur.ss_sp == stack)
        platform_altstack(&off, NULL);
    if (t->stack == stack) {
        t->stack = NULL;
        give_stack(stack);
    }
}

static bool have_key(void)
{
    int s = __atomic_load_n(&key_state, __ATOMIC_ACQUIRE);
    if (s == 0 && __atomic_compare_exchange_n(&key_state, &s, 1, false, __ATOMIC_ACQ_REL,
                                              __ATOMIC_ACQUIRE)) {
        key_create_fn kc = REAL(pthread_key_create, key_create_fn);
        s = kc && kc(&stack_key, release_stack) == 0 ? 2 : 3;
        __atomic_store_n(&key_state, s, __ATOMIC_RELEASE);
    }
    while (s == 1) {
        platform_yield();
        s = __atomic_load_n(&key_state, __ATOMIC_ACQUIRE);
    }
    return s == 2;
}

void threads_start(void *stack, uint64_t held, uint64_t parked)
{
    envseal_thread.held = held;
    envseal_thread.parked = parked;
    if (altstack_adopt(stack))
        REAL(pthread_setspecific, setspecific_fn)(stack_key, stack);
    else
        give_stack(stack);
}

void threads_adopt_foreign(void)
{
    if (!signals_active())
        return;
    if (!envseal_thread.stack && have_key()) {
        void *stack = take_stack();
        if (stack)
            threads_start(stack, envseal_thread.held, envseal_thread.parked);
    }
    masks_adopt_inherited(NULL);
}

static void *trampoline(void *p)
{
    /* The creator's vector registers, slices of a value it just copied among them:
     * a thread that goes on to block every signal (a raw rt_sigprocmask) is never
     * parked before a sweep, and the core would record them. */
    platform_clear_vector_registers();
    struct start *s = p;
    struct start copy = *s;
    threads_start((unsigned char *)p - (ALTSTACK_SIZE - sizeof(struct start)), copy.held,
                  copy.parked);
    if (copy.attr_mask) /* pthread_attr_setsigmask_np: what it blocks of the six */
        masks_adopt_inherited(NULL);
    return copy.fn(copy.arg);
}

ENVSEAL_EXPORT int INTERPOSER(pthread_create)(pthread_t *thread, const pthread_attr_t *attr,
                                  void *(*fn)(void *), void *arg)
{
    create_fn real = REAL(pthread_create, create_fn);
    if (!real)
        return EAGAIN;
    unsigned char *stack = NULL;
    if (signals_active() && have_key())
        stack = take_stack();
    if (!stack) /* degrade: this thread runs without one */
        return real(thread, attr, fn, arg);
    struct start *s = (struct start *)(stack + ALTSTACK_SIZE - sizeof(struct start));
    *s = (struct start){fn, arg, envseal_thread.held, envseal_thread.parked, false};
    sigset_t m;
    getsigmask_fn gm = attr ? REAL(pthread_attr_getsigmask_np, getsigmask_fn) : NULL;
    if (gm && gm(attr, &m) == 0) { /* 0: a mask is set (else PTHREAD_ATTR_NO_SIGMASK_NP) */
        s->held = s->parked = 0;
        s->attr_mask = true;
    }
    int rc = real(thread, attr, trampoline, s);
    if (rc != 0)
        give_stack(stack);
    return rc;
}
