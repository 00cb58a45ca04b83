/* Signal hooks (signals.h). The kernel holds one of two handlers of ours in place
 * of what the program set:
 *   on_fatal    where the program's disposition is SIG_DFL and the default
 *               action terminates: wipe, sweep before a core, die by the signal;
 *   one_shot    where the program installed a handler with SA_RESETHAND: the
 *               kernel would reset it to SIG_DFL, bypassing us, so we do the
 *               reset (to on_fatal) ourselves and call the program's handler;
 *   relay       where the program installed any other handler, for any signal:
 *               calls it, and when it returns puts back envseal's record of the
 *               fault signals the thread blocks, as the kernel puts back the mask
 *               (masks.c: a handler that blocked them and returned must not leave
 *               them recorded as blocked).
 * SIG_IGN, and SIG_DFL of a signal that does not end the process, go to the
 * kernel unchanged. When the kernel reports
 * one of our handlers, the interposers report the program's action instead.
 * Everything reachable from a handler is async-signal-safe. */
#define _GNU_SOURCE
#include "preload/crash/signals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "preload/platform/interpose.h"
#include "preload/platform/platform.h"
#include "preload/core/shim.h"
#include "preload/crash/sweep.h"
#include "preload/platform/platform_libc.h"
#include "preload/crash/thread_state.h"

#define SIGNALS_MAX 65 /* indexes 1..64 */

/* Flags whose program-given values the kernel's copy of on_fatal does not carry.
 * SA_RESTART: when on_fatal returns to the program (a signal it blocks, sent by
 * another process, left pending), the interrupted call goes on as if no handler
 * had run. */
#define FATAL_BITS (SA_SIGINFO | SA_ONSTACK | SA_RESETHAND | SA_NODEFER | SA_RESTART)
/* Same for one_shot and relay. */
#define ONE_SHOT_BITS (SA_SIGINFO | SA_RESETHAND)

typedef void (*action_fn)(int, siginfo_t *, void *);
typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

/* What the program set for one signal, where the kernel holds a handler of ours.
 * All zero is the action every signal has after exec (SIG_DFL, flags 0, empty
 * mask), so start-up writes no entry in the usual case. */
struct virt {
    uint64_t mask;        /* on_fatal: the program's sa_mask as the kernel would keep it */
    action_fn handler;    /* one_shot, relay: the program's handler */
    void (*restorer)(void); /* pristine: sa_restorer of the action found at start-up */
    uint64_t stripped;    /* synchronous signals taken out of the program's handler's
                           * sa_mask (masks.c says why) */
    int bits;             /* the program's values of FATAL_BITS */
    int initial_flags;    /* pristine: sa_flags of the action found at start-up */
};

static struct virt virt[SIGNALS_MAX];
/* Written at start-up (see ENVSEAL_HOT); bit sig - 1 of each mask is about sig. */
static void *next_sigaction ENVSEAL_HOT; /* see next_symbol.h */
static int hooks_on ENVSEAL_HOT;
static uint64_t usable ENVSEAL_HOT;   /* the kernel takes actions for it (not KILL, not libc's own) */
static uint64_t pristine ENVSEAL_HOT; /* on_fatal installed at start-up, not changed since */
static int installed_flags ENVSEAL_HOT; /* the kernel's flags right after that installation */
static unsigned table_lock;
/* glibc's _sigintr: signals siginterrupt() made interrupting, which signal()
 * consults. Kept here because signal() is emulated here. */
static uint64_t interrupting;
/* Crash state: one thread at a time; the values are taken from the vault once. */
static unsigned crash_lock;
static unsigned arrivals; /* threads that entered on_fatal */
static unsigned parking;  /* a crashing thread is collecting the others */
static bool values_taken, swept;

static void on_fatal(int sig, siginfo_t *si, void *uc);
static void one_shot(int sig, siginfo_t *si, void *uc);
static void relay(int sig, siginfo_t *si, void *uc);

/* Resolved by the program's first call through the interposers. on_fatal never
 * calls it; one_shot is only ever installed by such a call, so a handler of ours
 * never resolves it (dlsym is not async-signal-safe). */
static sigaction_fn real_sigaction(void)
{
    return REAL(sigaction, sigaction_fn);
}

static int call_real(int sig, const struct sigaction *act, struct sigaction *old)
{
    sigaction_fn f = real_sigaction();
    if (!f) {
        errno = ENOSYS;
        return -1;
    }
    return f(sig, act, old);
}

/* The table lock, taken with every signal blocked so a handler in this thread
 * can never wait for it. */
static void lock_table(sigset_t *saved)
{
    sigset_t all;
    sigfillset(&all);
    platform_thread_mask(SIG_SETMASK, &all, saved);
    while (__atomic_exchange_n(&table_lock, 1, __ATOMIC_ACQUIRE))
        platform_yield();
}

static void unlock_table(const sigset_t *saved)
{
    __atomic_store_n(&table_lock, 0, __ATOMIC_RELEASE);
    platform_thread_mask(SIG_SETMASK, saved, NULL);
}

static uint64_t bit_of(int sig)
{
    return 1ull << (sig - 1);
}

static bool managed(int sig)
{
    return sig >= 1 && sig < SIGNALS_MAX && __atomic_load_n(&hooks_on, __ATOMIC_ACQUIRE) &&
           (usable & bit_of(sig));
}

/* Signals whose program handlers run through relay: every one the program can
 * catch, once the hooks are on. */
static bool relayed(int sig)
{
    uint64_t never = bit_of(SIGKILL) | bit_of(SIGSTOP) | platform_libc_signals();
    return sig >= 1 && sig < SIGNALS_MAX && __atomic_load_n(&hooks_on, __ATOMIC_ACQUIRE) &&
           !(never & bit_of(sig));
}

/* A program handler for one of the six fault signals: the kernel gets it with
 * SA_NODEFER, and the thread's record blocks the signal instead while the handler
 * runs (record_delivery). Blocked in the kernel, a fault inside the handler, or
 * after a longjmp out of it that restored no mask, would kill the process without
 * on_fatal. Only where the record follows longjmp (platform_libc.h). */
static bool deferred(int sig)
{
    return (platform_sync_signals() & bit_of(sig)) && platform_longjmp_interposed();
}

/* on_fatal in place of `flags` (the program's): every signal blocked while it runs. */
static void fatal_action(struct sigaction *k, int flags)
{
    k->sa_sigaction = on_fatal;
    k->sa_flags = (flags & ~FATAL_BITS) | SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&k->sa_mask);
}

/* Turns the program's act into what the kernel gets (k, a copy of act), and sig's
 * entry into what it becomes (v, a copy of the table's; *keeps_pristine false when
 * the pristine bit goes). */
static void plan(int sig, const struct sigaction *act, struct virt *v, struct sigaction *k,
                 bool *keeps_pristine)
{
    *k = *act;
    *keeps_pristine = true;
    bool handler = act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
    if (managed(sig)) {
        v->bits = act->sa_flags & FATAL_BITS;
        *keeps_pristine = false;
        if (act->sa_handler == SIG_DFL) {
            v->mask = platform_action_mask(&act->sa_mask);
            fatal_action(k, act->sa_flags);
        } else if (handler && (act->sa_flags & SA_RESETHAND)) {
            v->handler = act->sa_sigaction;
            k->sa_sigaction = one_shot;
            k->sa_flags = (act->sa_flags & ~SA_RESETHAND) | SA_SIGINFO |
                          (deferred(sig) ? SA_NODEFER : 0);
            return;
        }
    }
    if (handler && relayed(sig)) { /* flags as given: SA_RESETHAND makes the kernel reset */
        v->handler = act->sa_sigaction;
        k->sa_sigaction = relay;
        if (deferred(sig)) /* the program's values are in v->bits (managed) */
            k->sa_flags |= SA_NODEFER | SA_SIGINFO; /* siginfo tells a fault from a kill */
    }
}

/* The action the program would see, given what the kernel holds (k) and the
 * table entry as it was when k was in force (v, was_pristine). */
static void report(int sig, const struct virt *v, bool was_pristine, const struct sigaction *k,
                   struct sigaction *out)
{
    struct sigaction r = *k;
    if (k->sa_sigaction == on_fatal) {
        if (was_pristine && k->sa_flags == installed_flags) { /* the action found */
            r.sa_handler = SIG_DFL;
            r.sa_flags = v->initial_flags;
            sigemptyset(&r.sa_mask);
            platform_set_action_mask(&r.sa_mask, v->mask);
            platform_set_restorer(&r, v->restorer);
        } else {
            r.sa_handler = SIG_DFL;
            r.sa_flags = (k->sa_flags & ~FATAL_BITS) | v->bits;
            platform_set_action_mask(&r.sa_mask, v->mask);
        }
    } else if (k->sa_sigaction == one_shot || k->sa_sigaction == relay) {
        r.sa_sigaction = v->handler;
        int own = (k->sa_sigaction == one_shot ? ONE_SHOT_BITS : 0) |
                  (deferred(sig) ? SA_NODEFER | SA_SIGINFO : 0); /* the program's values */
        r.sa_flags = (k->sa_flags & ~own) | (v->bits & own);
    }
    if (k->sa_sigaction != on_fatal) { /* the program's own handler (one_shot, relay) */
        /* ...or an action the kernel reset (SA_RESETHAND), which keeps the mask; in a
         * vfork child a raw action is the child's own, and the entry its parent's. */
        uint64_t stripped = v->stripped;
        if (stripped && k->sa_sigaction != one_shot && k->sa_sigaction != relay &&
            shim_in_parent_memory())
            stripped = 0;
        uint64_t m = platform_action_mask(&r.sa_mask) | stripped;
        platform_copy_action(out, &r);
        platform_set_action_mask(&out->sa_mask, m);
        return;
    }
    platform_copy_action(out, &r);
}

/* A handler of the program's blocks, while it runs, what its sa_mask says: the
 * kernel gets that without the synchronous signals, so a fault inside the
 * handler still reaches on_fatal. */
static void strip_sync(const struct sigaction *act, struct virt *v, struct sigaction *k)
{
    v->stripped = 0;
    if (k->sa_sigaction == on_fatal || act->sa_handler == SIG_DFL || act->sa_handler == SIG_IGN)
        return;
    uint64_t m = platform_action_mask(&k->sa_mask), sync = platform_sync_signals();
    v->stripped = m & sync;
    if (v->stripped)
        platform_set_action_mask(&k->sa_mask, m & ~sync);
}

/* seq[sig] is odd while a change of sig's entry is under way (the table lock held)
 * and counts the changes. */
static unsigned seq[SIGNALS_MAX];

/* Entries are read without the lock (sigaction_unlocked) while a locked change may
 * write them: both go a word at a time with atomic loads and stores, and the seqlock
 * tells the reader whether what it read is one entry whole. */
typedef uint64_t entry_word __attribute__((may_alias));
#define ENTRY_WORDS (sizeof(struct virt) / sizeof(entry_word))
_Static_assert(sizeof(struct virt) % sizeof(entry_word) == 0, "struct virt: whole words");

static void load_entry(int sig, struct virt *out)
{
    const entry_word *from = (const entry_word *)&virt[sig];
    entry_word *to = (entry_word *)out;
    for (size_t i = 0; i < ENTRY_WORDS; i++)
        to[i] = __atomic_load_n(&from[i], __ATOMIC_ACQUIRE); /* before seq is read again */
}

static void store_entry(int sig, const struct virt *in)
{
    const entry_word *from = (const entry_word *)in;
    entry_word *to = (entry_word *)&virt[sig];
    for (size_t i = 0; i < ENTRY_WORDS; i++)
        __atomic_store_n(&to[i], from[i], __ATOMIC_RELAXED);
}

static void begin_change(int sig)
{
    __atomic_fetch_add(&seq[sig], 1, __ATOMIC_SEQ_CST);
}

static void end_change(int sig)
{
    __atomic_fetch_add(&seq[sig], 1, __ATOMIC_SEQ_CST);
}

/* Whether the kernel holds k for sig: handler, the flags the program can set and the
 * mask, without what the kernel and the C library never keep in one. */
static bool holds(int sig, const struct sigaction *k)
{
    struct sigaction cur;
    if (call_real(sig, NULL, &cur) != 0)
        return false;
    uint64_t never = bit_of(SIGKILL) | bit_of(SIGSTOP) | platform_libc_signals();
    return cur.sa_sigaction == k->sa_sigaction &&
           ((cur.sa_flags ^ k->sa_flags) & (FATAL_BITS | SA_NOCLDSTOP | SA_NOCLDWAIT)) == 0 &&
           ((platform_action_mask(&cur.sa_mask) ^ platform_action_mask(&k->sa_mask)) & ~never) == 0;
}

/* A change of sig's entry overlapped an unlocked call that installed k: if the
 * kernel still holds k, that call came last, so the entry becomes what it planned
 * (after), and the old action it read was the other change's, told by the entry
 * that change left (*before, *was_pristine). Otherwise the other change came last
 * and stands. */
static void settle(int sig, const struct sigaction *k, const struct virt *after,
                   struct virt *before, bool *was_pristine)
{
    sigset_t saved;
    lock_table(&saved);
    if (holds(sig, k)) {
        *before = virt[sig];
        *was_pristine = pristine & bit_of(sig);
        begin_change(sig);
        store_entry(sig, after);
        end_change(sig);
    }
    unlock_table(&saved);
}

/* errno as the kernel call left it. Written only if something after changed it:
 * errno's page is often one the program does not write between forks otherwise. */
static void restore_errno(int err)
{
    if (errno != err)
        errno = err;
}

/* Most calls leave sig's entry as it is (a shell puts the same few actions back and
 * forth around every command): in a process with one thread, those take neither
 * the table lock nor a mask with every signal blocked, two system calls fewer, and
 * write no memory of ours (a page written after fork is copied first:
 * docs/performance.md). Such a call leaves the entry alone, so it agrees with the
 * kernel's action before and after. Nothing runs beside it but a handler that
 * interrupted it, whose own call runs whole before this one resumes: a change that
 * handler made is settled afterwards, by asking the kernel which came last.
 * With other threads every call takes the lock: an unlocked call could install its
 * action after another thread's change was recorded, and a third thread asking in
 * between would read a mix of the two; waiting for unlocked calls cannot be made
 * safe, as a handler that leaves by siglongjmp never finishes the call it
 * interrupted. False when the call changes the entry, has other threads beside it,
 * or cannot tell: then it goes the locked way. */
static bool sigaction_unlocked(int sig, const struct sigaction *act, struct sigaction *oact,
                               int *rc)
{
    if (!platform_single_threaded_cheap())
        return false;
    uint64_t bit = bit_of(sig);
    bool done = false;
    unsigned s = __atomic_load_n(&seq[sig], __ATOMIC_SEQ_CST);
    struct virt before, after;
    load_entry(sig, &before); /* checked against seq below */
    bool was_pristine = __atomic_load_n(&pristine, __ATOMIC_ACQUIRE) & bit;
    struct sigaction k;
    bool same = true;
    if (act) {
        bool keeps_pristine;
        after = before;
        plan(sig, act, &after, &k, &keeps_pristine);
        strip_sync(act, &after, &k);
        same = (keeps_pristine || !was_pristine) && memcmp(&after, &before, sizeof after) == 0;
    }
    if (same && !(s & 1) && __atomic_load_n(&seq[sig], __ATOMIC_SEQ_CST) == s) {
        struct sigaction old;
        *rc = call_real(sig, act ? &k : NULL, &old);
        int err = errno;
        done = true;
        if (__atomic_load_n(&seq[sig], __ATOMIC_SEQ_CST) != s) {
            if (!act)
                done = false; /* asked while the entry changed: ask again */
            else if (*rc == 0)
                settle(sig, &k, &after, &before, &was_pristine);
        }
        if (done && *rc == 0 && oact)
            report(sig, &before, was_pristine, &old, oact);
        restore_errno(err);
    }
    return done;
}

/* A change in a vfork child (or a clone sharing the memory): the table is its
 * parent's, whose relay reads it, while the kernel's actions are the child's own.
 * The change goes to the kernel as given; the table is only read. */
static int child_sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
    struct sigaction old;
    int rc = call_real(sig, act, &old);
    int err = errno;
    if (rc == 0 && oact) {
        if (old.sa_sigaction == on_fatal || old.sa_sigaction == one_shot ||
            old.sa_sigaction == relay) { /* still the parent's action */
            struct virt v;
            load_entry(sig, &v);
            report(sig, &v, __atomic_load_n(&pristine, __ATOMIC_ACQUIRE) & bit_of(sig), &old, oact);
        } else {
            platform_copy_action(oact, &old); /* one the child set itself */
        }
    }
    restore_errno(err);
    return rc;
}

static int do_sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
    if (sig < 1 || sig >= SIGNALS_MAX || !signals_active())
        return call_real(sig, act, oact);
    int rc;
    if (sigaction_unlocked(sig, act, oact, &rc))
        return rc;
    if (act && shim_in_parent_memory())
        return child_sigaction(sig, act, oact);
    if (act && act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN &&
        platform_longjmp_interposed())
        platform_prepare_longjmp(); /* while it is safe to look libc's up */
    sigset_t saved;
    lock_table(&saved);
    if (act)
        begin_change(sig);
    struct virt before = virt[sig];
    bool was_pristine = pristine & bit_of(sig);
    struct sigaction k, old;
    if (act) {
        struct virt after = before;
        bool keeps_pristine;
        plan(sig, act, &after, &k, &keeps_pristine);
        strip_sync(act, &after, &k);
        /* Stored first: once the kernel holds relay, relay reads this entry. */
        store_entry(sig, &after);
        rc = call_real(sig, &k, &old);
        if (rc == 0) {
            if (!keeps_pristine)
                __atomic_and_fetch(&pristine, ~bit_of(sig), __ATOMIC_RELAXED);
        } else {
            store_entry(sig, &before);
        }
    } else {
        rc = call_real(sig, NULL, &old);
    }
    int err = errno;
    if (act)
        end_change(sig);
    if (rc == 0 && oact)
        report(sig, &before, was_pristine, &old, oact);
    unlock_table(&saved);
    restore_errno(err);
    return rc;
}

ENVSEAL_EXPORT int INTERPOSER(sigaction)(int sig, const struct sigaction *act, struct sigaction *oact)
{
    return do_sigaction(sig, act, oact);
}

int __sigaction(int sig, const struct sigaction *act, struct sigaction *oact);
ENVSEAL_EXPORT int INTERPOSER(__sigaction)(int sig, const struct sigaction *act, struct sigaction *oact)
{
    return do_sigaction(sig, act, oact);
}

/* ---- The handlers ------------------------------------------------------------ */

/* Before a sweep, every other thread is sent the crash signal marked as a "park"
 * request: in this handler its registers are saved in a signal frame on its stack,
 * where the sweep reaches them, and its live registers are the handler's. It then
 * waits there for the process to end. */
#define PARK_WAIT_MS 1000 /* longest wait for the other threads to arrive */
#define PARK_QUIET_MS 50  /* no arrival for this long: the rest have it blocked */
#define PARKED_MAX_MS 10000

/* Whether on_fatal is sig's handler in the kernel. */
static bool fatal_holds(int sig)
{
    struct kernel_action cur;
    return platform_kernel_action(sig, NULL, &cur) == 0 && cur.handler == (void *)on_fatal;
}

/* Threads may block the crash signal (a SIGABRT, a SIGTERM), never a synchronous
 * one (masks.c) but one parked (sent while the program blocked it): park with the
 * crash signal if it is synchronous, else with SIGSEGV, else another of the six,
 * that no thread parked and on_fatal holds. */
static int park_signal(int sig)
{
    uint64_t free = platform_sync_signals() & ~masks_parked_anywhere();
    if (free & bit_of(sig))
        return sig;
    if ((free & bit_of(SIGSEGV)) && fatal_holds(SIGSEGV))
        return SIGSEGV;
    for (; free; free &= free - 1) {
        int s = __builtin_ctzll(free) + 1;
        if (fatal_holds(s))
            return s;
    }
    return sig;
}

static void park_other_threads(int sig)
{
    __atomic_store_n(&parking, 1, __ATOMIC_RELEASE);
    unsigned base = __atomic_load_n(&arrivals, __ATOMIC_ACQUIRE);
    unsigned sent = platform_park_other_threads(park_signal(sig));
    unsigned last = base;
    for (int ms = 0, quiet = 0; sent && ms < PARK_WAIT_MS && quiet < PARK_QUIET_MS; ms++) {
        unsigned now = __atomic_load_n(&arrivals, __ATOMIC_ACQUIRE);
        if (now - base >= sent)
            break;
        quiet = now == last ? quiet + 1 : 0;
        last = now;
        platform_sleep_ms(1);
    }
}

/* The interrupted code's registers, saved in uc, may hold slices of a value that
 * libc's copy or search routines loaded (16, 32 or 64 bytes at a time). */
static void scrub_registers(void *uc)
{
    struct byte_area a[4];
    size_t n = platform_context_registers(uc, a, 4);
    for (size_t i = 0; i < n; i++)
        sweep_scrub(a[i].p, a[i].n);
}

/* What a death by sig does first: the values leave the vault for the sweep's
 * scratch area and the vault is wiped, memory is swept when a core will be written,
 * and the values taken are wiped. Every signal is blocked in the calling thread,
 * which runs on envseal's alternate stack; uc: the interrupted context, whose
 * registers are scrubbed too. */
static void before_death(int sig, void *uc)
{
    struct vault *v = &envseal_state.vault;
    while (__atomic_exchange_n(&crash_lock, 1, __ATOMIC_ACQUIRE))
        platform_sleep_ms(1);
    if (!values_taken) {
        /* Values go to the sweep's scratch area (never dumped) and the vault is
         * wiped at once: from here on no thread can make a new copy. */
        sweep_take_vault(v);
        vault_wipe(v);
        values_taken = true;
    }
    if (!swept && platform_signal_default(sig) == SIGDEF_CORE && platform_core_dump_possible()) {
        park_other_threads(sig);
        /* A thread that entered this handler during the sweep saved its registers
         * in a signal frame the sweep may have passed already: go again. */
        unsigned seen;
        do {
            seen = __atomic_load_n(&arrivals, __ATOMIC_ACQUIRE);
            sweep_run(NULL);
        } while (seen != __atomic_load_n(&arrivals, __ATOMIC_ACQUIRE));
        swept = true;
    }
    if (swept) /* the registers restored on return, which the core records */
        scrub_registers(uc);
    /* The values taken from the vault are wiped too, sweep or not: a death without
     * a core must not leave them in the scratch area until the kernel frees it. */
    sweep_forget();
    __atomic_store_n(&crash_lock, 0, __ATOMIC_RELEASE);
}

static void on_fatal(int sig, siginfo_t *si, void *uc)
{
    int saved_errno = errno;
    __atomic_fetch_add(&arrivals, 1, __ATOMIC_ACQ_REL);
    if (__atomic_load_n(&parking, __ATOMIC_ACQUIRE) && platform_is_park(si)) {
        /* Parked by a crashing thread: wait to be ended with the process. Only if
         * the process survives (a debugger dropped the signal) does it go on. */
        platform_clear_callee_saved();
        for (int ms = 0; ms < PARKED_MAX_MS; ms++)
            platform_sleep_ms(1);
        errno = saved_errno;
        return;
    }
    enum sig_origin origin = platform_signal_origin(si);
    /* PID 1 of a PID namespace (its entrypoint, hooked for faults only, or a fork
     * or clone child of the namespace's creator that became it after the hooks
     * went in): at SIG_DFL the kernel discards every signal for it but a fault,
     * so this one is dropped as well. */
    bool init = platform_is_namespace_init(getpid());
    bool fault = origin == SIG_FROM_KERNEL && (platform_sync_signals() & bit_of(sig));
    if (init && !fault) {
        errno = saved_errno;
        return;
    }
    if (origin != SIG_FROM_KERNEL && masks_held(sig)) {
        /* Sent (not a fault) to a thread where the program blocks it: it waits, as
         * it would without envseal, until a thread that does not block it takes it. */
        masks_park(sig, si, uc);
        errno = saved_errno;
        return;
    }
    /* A vfork child (Ctrl-C between vfork and exec, an abort after a failed exec)
     * runs in its parent's memory: the vault and the heap are the parent's, which
     * goes on using them. Nothing of theirs is touched; the child just dies. */
    if (shim_in_parent_memory())
        goto die;
    /* Every signal is blocked here (sa_mask), so only another thread can hold the
     * crash lock. */
    before_death(sig, uc);

die:;
    /* Die by the same signal: back to SIG_DFL, queue it again with its siginfo,
     * and return with only it unblocked. The kernel restores the interrupted
     * context (so a core shows the original registers) and delivers it. */
    const struct kernel_action dfl = {(void *)SIG_DFL, 0, NULL, 0}; /* as after exec */
    if (platform_kernel_action(sig, &dfl, NULL) != 0)
        _exit(128 + sig); /* refused (a sandbox's filter): the signal would come back here */
    /* A namespace init: the kernel drops a signal queued to it at SIG_DFL, and only
     * a fault ends it. One that happens again on return does; a trap that returned
     * past its instruction is made to happen again. */
    if (!(init && fault && platform_context_refault(uc, sig, si)))
        platform_requeue_signal(sig, si);
    platform_context_unblock_only(uc, sig);
    errno = saved_errno;
}

/* The program's handler for sig, read in a handler of ours without the table lock
 * (one word). */
static action_fn program_handler(int sig)
{
    return (action_fn)__atomic_load_n((void **)&virt[sig].handler, __ATOMIC_ACQUIRE);
}

/* What a program handler's delivery blocks of the six, as the kernel would: sig
 * (for deferred signals, unless the program asked SA_NODEFER) and those its sa_mask
 * held (strip_sync). Read without the table lock, a word each. */
static uint64_t delivery_blocks(int sig)
{
    if (!platform_longjmp_interposed())
        return 0;
    uint64_t b = __atomic_load_n(&virt[sig].stripped, __ATOMIC_ACQUIRE);
    if (deferred(sig) && !(__atomic_load_n(&virt[sig].bits, __ATOMIC_ACQUIRE) & SA_NODEFER))
        b |= bit_of(sig);
    return b;
}

/* A deferred signal that reaches one_shot or relay while the program blocks it in
 * this thread (its handler for it runs, a longjmp left that handler without
 * restoring the mask, or sigprocmask): a fault is one the kernel would kill the
 * process for, and a sent one waits; on_fatal does both. */
static bool blocked_here(int sig, siginfo_t *si, void *uc)
{
    if (!deferred(sig) || !masks_held(sig))
        return false;
    /* As the kernel runs on_fatal (fatal_action): every signal blocked, so that
     * what it queues again waits for the return, which puts uc's mask back. */
    sigset_t all;
    sigfillset(&all);
    platform_thread_mask(SIG_SETMASK, &all, NULL);
    on_fatal(sig, si, uc);
    return true;
}

/* ---- abort ---------------------------------------------------------------------- */

/* The C library's abort ends the process by SIGABRT at SIG_DFL, which it sets
 * itself, past sigaction, when the first SIGABRT it raises does not end it: the
 * program ignores SIGABRT, or its handler returns, or the calling thread blocks it
 * (a C library that raises before it unblocks: musl). on_fatal would never run.
 * Once that death is certain, SIGABRT goes to on_fatal in the kernel instead (the
 * program's action stays recorded as it set it): the SIGABRT abort raises, or one
 * queued again here, is taken there, on envseal's alternate stack, as a death by
 * SIGABRT at SIG_DFL would be. */
static void abort_to_on_fatal(void)
{
    struct sigaction k;
    memset(&k, 0, sizeof k);
    fatal_action(&k, 0);
    call_real(SIGABRT, &k, NULL);
}

void signals_before_abort(bool raises_while_blocked)
{
    if (!signals_active() || shim_in_parent_memory())
        return;
    struct kernel_action cur;
    if (platform_kernel_action(SIGABRT, NULL, &cur) != 0)
        return;
    sigset_t mask;
    bool blocked = raises_while_blocked && platform_thread_mask(SIG_BLOCK, NULL, &mask) == 0 &&
                   sigismember(&mask, SIGABRT);
    if (cur.handler == (void *)SIG_IGN || blocked) {
        /* Without envseal the process dies without running a handler: it dies so. */
        abort_to_on_fatal();
        if (blocked) {
            sigset_t abrt;
            sigemptyset(&abrt);
            sigaddset(&abrt, SIGABRT);
            platform_thread_mask(SIG_UNBLOCK, &abrt, NULL);
        }
    } else if (cur.handler == (void *)relay || cur.handler == (void *)one_shot) {
        envseal_thread.aborting = (uintptr_t)__builtin_frame_address(0);
    }
}

/* How far below abort's call its own raise of SIGABRT can be (abort, raise,
 * pthread_kill; assert's message printed first). */
#define ABORT_DEPTH_MAX (64 * 1024)

/* Where a delivery of sig will return to, when it is the SIGABRT that abort raised
 * in this thread: the first SIGABRT the thread takes from below abort's call after
 * abort was called (a nested one, taken while that one's handler runs, is not;
 * siginfo cannot tell, a handler without SA_SIGINFO gets none filled in); else
 * false. */
static bool raised_by_abort(int sig, void *uc, uintptr_t *pc, uintptr_t *sp)
{
    uintptr_t at = envseal_thread.aborting;
    if (sig != SIGABRT || !at || !platform_context_resume_point(uc, pc, sp) || *sp >= at ||
        at - *sp >= ABORT_DEPTH_MAX)
        return false;
    envseal_thread.aborting = 0;
    return true;
}

/* After a program's handler for abort's SIGABRT returned to abort (the context it
 * will resume unchanged): the process now dies past the hooks; the SIGABRT queued
 * again reaches on_fatal first, as the handler's frame returns (or at once, with
 * SA_NODEFER). A handler that sent the thread elsewhere took it out of abort. */
static void abort_goes_on(bool from_abort, siginfo_t *si, void *uc, uintptr_t pc, uintptr_t sp)
{
    if (!from_abort)
        return;
    uintptr_t pc_now, sp_now;
    if (!platform_context_resume_point(uc, &pc_now, &sp_now) || pc_now != pc || sp_now != sp)
        return;
    abort_to_on_fatal();
    platform_requeue_signal(SIGABRT, si);
}

static void one_shot(int sig, siginfo_t *si, void *uc)
{
    int saved_errno = errno;
    if (shim_in_parent_memory()) {
        /* A vfork child: the table is its parent's. Only the kernel's reset, in the
         * child's own action, then the handler. */
        struct sigaction cur;
        if (call_real(sig, NULL, &cur) == 0 && cur.sa_sigaction == one_shot) {
            cur.sa_handler = SIG_DFL;
            call_real(sig, &cur, NULL);
        }
        action_fn handler = program_handler(sig);
        errno = saved_errno;
        if (handler)
            handler(sig, si, uc);
        return;
    }
    if (blocked_here(sig, si, uc)) {
        errno = saved_errno;
        return;
    }
    sigset_t saved;
    lock_table(&saved);
    struct virt v = virt[sig];
    action_fn handler = v.handler;
    uint64_t blocks = delivery_blocks(sig); /* the handler's, before the reset below */
    struct sigaction cur;
    if (call_real(sig, NULL, &cur) == 0 && cur.sa_sigaction == one_shot) {
        /* What the kernel does for SA_RESETHAND: SIG_DFL, flags and mask kept. */
        begin_change(sig);
        v.mask = platform_action_mask(&cur.sa_mask) | v.stripped;
        v.stripped = 0;
        int nodefer = deferred(sig) ? v.bits & SA_NODEFER : cur.sa_flags & SA_NODEFER;
        v.bits = (v.bits & ONE_SHOT_BITS) | (cur.sa_flags & (SA_ONSTACK | SA_RESTART)) | nodefer;
        store_entry(sig, &v);
        struct sigaction k = cur;
        fatal_action(&k, cur.sa_flags);
        call_real(sig, &k, NULL);
        end_change(sig);
    }
    unlock_table(&saved);
    errno = saved_errno;
    /* The kernel passes all three arguments whatever SA_SIGINFO says. */
    uintptr_t pc = 0, sp = 0;
    bool from_abort = raised_by_abort(sig, uc, &pc, &sp);
    struct mask_frame f = masks_enter_handler();
    struct altstack_frame a = altstack_enter_handler();
    masks_handler_blocks(blocks);
    handler(sig, si, uc);
    altstack_leave_handler(&a);
    masks_leave_handler(f);
    abort_goes_on(from_abort, si, uc, pc, sp);
}

/* The program's handler, called as the kernel would have: the kernel passes all
 * three arguments whatever SA_SIGINFO says (siginfo filled in only with it), so the
 * action keeps the program's flags. Read without the table lock (one word: a change
 * of handler racing this delivery runs either one, as the kernel would have run
 * either one a moment earlier or later). */
static void relay(int sig, siginfo_t *si, void *uc)
{
    if (blocked_here(sig, si, uc))
        return;
    action_fn handler = program_handler(sig);
    uintptr_t pc = 0, sp = 0;
    bool from_abort = raised_by_abort(sig, uc, &pc, &sp);
    struct mask_frame f = masks_enter_handler();
    struct altstack_frame a = altstack_enter_handler();
    masks_handler_blocks(delivery_blocks(sig));
    if (handler)
        handler(sig, si, uc);
    altstack_leave_handler(&a);
    masks_leave_handler(f);
    abort_goes_on(from_abort, si, uc, pc, sp);
}

/* ---- signal() and relatives, as the C library builds them on sigaction --------- */

/* glibc's signal() has BSD semantics: the signal masked while its handler runs,
 * restarting unless siginterrupt() said otherwise, SIG_ERR refused. musl's
 * (platform/linux/musl/compat.h sets this to 0) always restarts, masks nothing and takes
 * any handler. */
#ifndef ENVSEAL_LIBC_SIGNAL_IS_GLIBC
#define ENVSEAL_LIBC_SIGNAL_IS_GLIBC 1
#endif

static sighandler_t set_handler(int sig, sighandler_t handler, int flags, bool mask_self)
{
    if ((ENVSEAL_LIBC_SIGNAL_IS_GLIBC && handler == SIG_ERR) || sig < 1 || sig >= NSIG) {
        errno = EINVAL;
        return SIG_ERR;
    }
    struct sigaction act, old;
    memset(&act, 0, sizeof act);
    act.sa_handler = handler;
    sigemptyset(&act.sa_mask);
    if (mask_self)
        sigaddset(&act.sa_mask, sig);
    act.sa_flags = flags;
    if (do_sigaction(sig, &act, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

/* BSD semantics: restarting unless siginterrupt() said otherwise. */
static sighandler_t bsd_signal_impl(int sig, sighandler_t handler)
{
    if (!ENVSEAL_LIBC_SIGNAL_IS_GLIBC)
        return set_handler(sig, handler, SA_RESTART, false);
    bool intr = sig >= 1 && sig <= 64 && (interrupting >> (sig - 1) & 1);
    return set_handler(sig, handler, intr ? 0 : SA_RESTART, true);
}

ENVSEAL_EXPORT sighandler_t INTERPOSER(signal)(int sig, sighandler_t handler)
{
    return bsd_signal_impl(sig, handler);
}

sighandler_t bsd_signal(int sig, sighandler_t handler);
ENVSEAL_EXPORT sighandler_t INTERPOSER(bsd_signal)(int sig, sighandler_t handler)
{
    return bsd_signal_impl(sig, handler);
}

ENVSEAL_EXPORT sighandler_t INTERPOSER(ssignal)(int sig, sighandler_t handler)
{
    return bsd_signal_impl(sig, handler);
}

/* System V semantics: one-shot, not masked, interrupting. */
static sighandler_t sysv_signal_impl(int sig, sighandler_t handler)
{
    return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER | SA_INTERRUPT, false);
}

ENVSEAL_EXPORT sighandler_t INTERPOSER(sysv_signal)(int sig, sighandler_t handler)
{
    return sysv_signal_impl(sig, handler);
}

ENVSEAL_EXPORT sighandler_t INTERPOSER(__sysv_signal)(int sig, sighandler_t handler)
{
    return sysv_signal_impl(sig, handler);
}

ENVSEAL_EXPORT sighandler_t INTERPOSER(sigset)(int sig, sighandler_t disp)
{
    sigset_t set, oset;
    struct sigaction act, old;
    sigemptyset(&set);
    if (sigaddset(&set, sig) < 0)
        return SIG_ERR;
    if (disp == SIG_HOLD) {
        if (masks_change(SIG_BLOCK, &set, &oset) != 0)
            return SIG_ERR;
        if (sigismember(&oset, sig))
            return SIG_HOLD;
        if (do_sigaction(sig, NULL, &old) < 0)
            return SIG_ERR;
        return old.sa_handler;
    }
    memset(&act, 0, sizeof act);
    act.sa_handler = disp;
    sigemptyset(&act.sa_mask);
    act.sa_flags = 0;
    if (do_sigaction(sig, &act, &old) < 0)
        return SIG_ERR;
    if (masks_change(SIG_UNBLOCK, &set, &oset) != 0)
        return SIG_ERR;
    return sigismember(&oset, sig) ? SIG_HOLD : old.sa_handler;
}

ENVSEAL_EXPORT int INTERPOSER(siginterrupt)(int sig, int flag)
{
    struct sigaction act;
    if (do_sigaction(sig, NULL, &act) < 0)
        return -1;
    uint64_t bit = sig >= 1 && sig <= 64 ? 1ull << (sig - 1) : 0;
    if (flag) {
        __atomic_fetch_or(&interrupting, bit, __ATOMIC_RELAXED);
        act.sa_flags &= ~SA_RESTART;
    } else {
        __atomic_fetch_and(&interrupting, ~bit, __ATOMIC_RELAXED);
        act.sa_flags |= SA_RESTART;
    }
    return do_sigaction(sig, &act, NULL) < 0 ? -1 : 0;
}

bool signals_active(void)
{
    return __atomic_load_n(&hooks_on, __ATOMIC_ACQUIRE);
}

/* ---- Installation ------------------------------------------------------------- */

/* Stores v at *p unless it is there already: in a fork child, a page written is
 * copied first, and these are written on every fork. */
static void reset_word(unsigned *p, unsigned v)
{
    if (__atomic_load_n(p, __ATOMIC_RELAXED) != v)
        __atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* The signals a namespace's PID 1 left to the kernel (signals_install); else 0. */
static uint64_t left_to_init ENVSEAL_HOT;

static void hook_known_defaults(uint64_t sigs, const struct kernel_action *k);

/* A fork child of a namespace's PID 1 is not its init: a signal its parent left
 * to the kernel can end it, so those get their hooks now (a cost only such
 * children pay). It is the only thread here; every signal is blocked meanwhile. */
static void hook_left_to_init(void)
{
    uint64_t sigs = left_to_init;
    left_to_init = 0;
    sigset_t all, saved;
    sigfillset(&all);
    if (platform_thread_mask(SIG_SETMASK, &all, &saved) != 0)
        return;
    struct kernel_action k;
    platform_handler_action(on_fatal, &k);
    hook_known_defaults(sigs, &k);
    platform_thread_mask(SIG_SETMASK, &saved, NULL);
}

void signals_after_fork_child(void)
{
    /* A lock held by another thread of the parent has no owner here. */
    reset_word(&table_lock, 0);
    for (int sig = 1; sig < SIGNALS_MAX; sig++) { /* other threads' calls are not here */
        reset_word(&seq[sig], seq[sig] + (seq[sig] & 1));
    }
    reset_word(&crash_lock, 0);
    reset_word(&arrivals, 0);
    reset_word(&parking, 0);
    if (values_taken || swept)
        values_taken = swept = false;
    threads_after_fork_child();
    if (left_to_init && !platform_is_namespace_init(getpid()))
        hook_left_to_init();
}

/* Records what the kernel held for sig before on_fatal: SIG_DFL, with these flags,
 * mask and restorer (all zero after an exec, which the zero entry already says). */
static void remember_default(int sig, const struct kernel_action *cur)
{
    if (cur->flags || cur->mask || cur->restorer) {
        struct virt *v = &virt[sig];
        v->bits = (int)cur->flags & FATAL_BITS;
        v->mask = cur->mask;
        v->initial_flags = (int)cur->flags;
        v->restorer = cur->restorer;
    }
}

/* Puts k (on_fatal) in place of SIG_DFL for every signal of sigs, known to be at
 * SIG_DFL (every signal is blocked, or /proc said so): one call per signal swaps
 * and reads the old action, which is put back exactly should it not be SIG_DFL. */
static void hook_known_defaults(uint64_t sigs, const struct kernel_action *k)
{
    struct kernel_action old[SIGNALS_MAX]; /* the kernel writes those it swaps */
    uint64_t unusual;
    uint64_t taken = platform_kernel_swap_each(sigs, k, old, &unusual);
    usable |= taken;
    uint64_t hooked = taken;
    for (; unusual; unusual &= unusual - 1) {
        int sig = __builtin_ctzll(unusual) + 1;
        const struct kernel_action *cur = &old[sig];
        if (cur->handler != (void *)SIG_DFL) { /* ignored or handled: give it back */
            platform_kernel_action(sig, cur, NULL);
            hooked &= ~bit_of(sig);
        } else {
            remember_default(sig, cur);
        }
    }
    pristine |= hooked;
}

/* Puts k (on_fatal) in place of SIG_DFL for sig when other threads may change its
 * action meanwhile: reads it first, and swaps only a SIG_DFL. */
static void hook_signal(int sig, const struct kernel_action *k)
{
    struct kernel_action cur;
    if (platform_kernel_action(sig, NULL, &cur) != 0)
        return;
    usable |= bit_of(sig);
    if (cur.handler != (void *)SIG_DFL)
        return; /* ignored or handled already */
    if (platform_kernel_action(sig, k, NULL) != 0)
        return;
    remember_default(sig, &cur);
    pristine |= bit_of(sig);
}

/* What signals_install could not set up (signals_degradation). */
static const char *missing ENVSEAL_HOT;
static int missing_err ENVSEAL_HOT;

const char *signals_degradation(int *err)
{
    *err = missing_err;
    return missing;
}

void signals_install(pid_t self)
{
    /* Once per process: at start-up when it has secrets, else when the first one is
     * stored (callers hold the shim's lock or run before main). */
    static bool done ENVSEAL_HOT;
    if (done)
        return;
    done = true;
    void *stack = NULL;
    if (sweep_prepare(ALTSTACK_SIZE, &stack) != 0) { /* then at least the stack */
        missing_err = errno;
        missing = "the crash sweep is off (its scratch area could not be mapped): copies "
                  "of secrets outside the vault may reach a core dump";
        stack = platform_map_stack(ALTSTACK_SIZE);
        if (!stack)
            missing = "the crash sweep is off and a stack overflow ends the process "
                      "unwiped (no memory could be mapped for them)";
    }
    /* Signals already ignored or caught (inherited SIG_IGN, an earlier constructor)
     * must keep that disposition throughout. With one thread, every signal is
     * blocked while on_fatal is swapped in and the old action read in the same
     * call: one that arrives meanwhile waits, then meets the disposition put back
     * (a pending signal is dropped when SIG_IGN is restored). Another thread could
     * take it in between, so then one read of /proc says which to leave alone. */
    uint64_t ignored = 0, caught = 0;
    bool single = platform_single_threaded();
    sigset_t all, saved;
    if (single) {
        sigfillset(&all);
        platform_thread_mask(SIG_SETMASK, &all, &saved);
    }
    bool known = single || platform_signal_dispositions(&ignored, &caught);
    /* No table lock: until hooks_on is set every sigaction call passes straight to
     * the kernel, and on_fatal, the only handler installed here, never takes it.
     * The kernel gets what fatal_action would give it through libc's sigaction,
     * one system call per signal, and libc's sigaction is not even resolved. */
    struct kernel_action k; /* on_fatal, the same for every signal */
    platform_handler_action(on_fatal, &k);
    installed_flags = (int)k.flags;
    _Static_assert(SIGNALS_MAX == 65, "virt[] must cover signals 1..64");
    uint64_t fatal = platform_fatal_signals() & ~platform_libc_signals();
    /* PID 1 of a PID namespace (a container's entrypoint): at SIG_DFL the kernel
     * discards every signal sent to it, from inside the namespace or above, but
     * SIGKILL and SIGSTOP; only a fault, which the kernel forces, ends it. A handler
     * would make a sent signal deliverable, so only the six fault signals get one,
     * and on_fatal drops a sent one as the kernel would have. */
    if (platform_is_namespace_init(self)) {
        left_to_init = fatal & ~platform_sync_signals();
        fatal &= platform_sync_signals();
    }
    if (known) {
        usable |= fatal & (ignored | caught); /* not ours: every call passes through */
        hook_known_defaults(fatal & ~(ignored | caught), &k);
    } else {
        for (; fatal; fatal &= fatal - 1)
            hook_signal(__builtin_ctzll(fatal) + 1, &k);
    }
    /* A stack overflow needs an alternate stack to run on_fatal on; a blocked
     * synchronous signal would bypass it (thread_state.h). */
    if (stack)
        altstack_adopt(stack);
    masks_adopt_inherited(single ? &saved : NULL); /* restores the mask */
    __atomic_store_n(&hooks_on, 1, __ATOMIC_RELEASE);
}
