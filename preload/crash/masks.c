/* Signal masks. When a thread blocks the signal its own fault raises (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS), the kernel kills the process at the
 * fault without running any handler: no wipe, no sweep, and the core holds every
 * secret. Thread pools block every signal in their workers as a matter of course.
 * So the kernel never gets these six blocked from the program: what the program
 * blocks of them is kept per thread (envseal_thread.held) and reported back by
 * pthread_sigmask and sigprocmask, and by sigaction for a handler's sa_mask.
 *
 * One of the six sent (kill, raise) to a thread where the program blocks it reaches
 * on_fatal, which cannot let it kill the process: it is parked (masks_park), blocked
 * for real in that thread until the program unblocks it there, which then delivers
 * it as the kernel would have. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "preload/platform/platform.h"
#include "preload/platform/platform_libc.h"
#include "preload/core/shim.h"
#include "preload/platform/interpose.h"
#include "preload/crash/signals.h"
#include "preload/crash/thread_state.h"

static uint64_t first_word(const sigset_t *s)
{
    uint64_t w;
    memcpy(&w, s, sizeof w);
    return w;
}

static void set_first_word(sigset_t *s, uint64_t w)
{
    memcpy(s, &w, sizeof w);
}

bool masks_held(int sig)
{
    return sig >= 1 && sig <= 64 && (envseal_thread.held >> (sig - 1) & 1);
}

/* Unblocks the signals of bits (bit sig - 1) in the calling thread's kernel mask. */
static int unblock_bits(uint64_t bits)
{
    sigset_t set;
    sigemptyset(&set);
    set_first_word(&set, bits);
    return platform_thread_mask(SIG_UNBLOCK, &set, NULL);
}

void masks_adopt_inherited(const sigset_t *saved)
{
    sigset_t cur;
    if (saved)
        memcpy(&cur, saved, sizeof cur);
    else if (platform_thread_mask(SIG_BLOCK, NULL, &cur) != 0)
        return;
    uint64_t blocked = first_word(&cur) & platform_sync_signals();
    if (saved) { /* every signal is blocked now: the saved mask back, without the six */
        set_first_word(&cur, first_word(&cur) & ~blocked);
        if (platform_thread_mask(SIG_SETMASK, &cur, NULL) == 0)
            envseal_thread.held = blocked;
        return;
    }
    /* Only the six unblocked: the rest of the mask is the C library's to keep (musl's
     * timer thread waits for its own signal, 32, blocked). */
    if (blocked && unblock_bits(blocked) == 0)
        envseal_thread.held = blocked;
}

/* The six that some thread has parked since start (bit sig - 1): a thread may
 * block them for real. Never cleared: it only steers the choice of the signal
 * that parks threads before a sweep (signals.c). */
static uint64_t parked_anywhere;

uint64_t masks_parked_anywhere(void)
{
    return __atomic_load_n(&parked_anywhere, __ATOMIC_ACQUIRE);
}

void masks_park(int sig, const siginfo_t *si, void *uc)
{
    uint64_t bit = 1ull << (sig - 1);
    /* Marked first: a thread that takes the signal re-queued below and dies of it
     * must not choose it to park this one, which will block it. Not in a vfork
     * child: this thread state is its parent's. */
    if (!shim_in_parent_memory()) {
        envseal_thread.parked |= bit;
        if (!(masks_parked_anywhere() & bit))
            __atomic_fetch_or(&parked_anywhere, bit, __ATOMIC_SEQ_CST);
    }
    if (platform_signal_origin(si) == SIG_TO_PROCESS)
        platform_requeue_to_process(sig, si); /* no loop: every signal is blocked here */
    else
        platform_requeue_signal(sig, si);
    platform_context_block(uc, sig);
}

/* What the kernel gets of the six for a mask change (how) that leaves the program
 * blocking `after` of them: nothing, but that parked ones stay blocked while the
 * program blocks them (SIG_SETMASK) and are unblocked when it stops (SIG_UNBLOCK,
 * SIG_SETMASK), so that the kernel delivers them then. */
static uint64_t kernel_sync_bits(int how, uint64_t parked, uint64_t after)
{
    if (how == SIG_SETMASK)
        return parked & after;
    if (how == SIG_UNBLOCK)
        return parked & ~after;
    return 0; /* SIG_BLOCK: parked ones are blocked already */
}

struct mask_frame masks_enter_handler(void)
{
    return (struct mask_frame){envseal_thread.held, envseal_thread.parked,
                               envseal_thread.delivered};
}

void masks_handler_blocks(uint64_t bits)
{
    uint64_t added = bits & ~envseal_thread.held;
    if (added) { /* written only when it changes: see below */
        envseal_thread.held |= added;
        envseal_thread.delivered |= added;
    }
}

void masks_jump_restores(const sigset_t *saved, const uint64_t *known)
{
    uint64_t sync = platform_sync_signals();
    uint64_t after = known ? (*known | first_word(saved)) & sync
                           : (first_word(saved) | (envseal_thread.held & ~envseal_thread.delivered)) &
                                 sync;
    if (envseal_thread.delivered)
        envseal_thread.delivered = 0;
    if (!envseal_thread.parked) {
        /* The C library puts the saved mask in the kernel itself, the six taken out
         * of it where the caller can (contexts): only the record changes here. */
        if (envseal_thread.held != after)
            envseal_thread.held = after;
        return;
    }
    sigset_t m;
    memcpy(&m, saved, sizeof m);
    set_first_word(&m, (first_word(saved) & ~sync) | after);
    masks_change(SIG_SETMASK, &m, NULL);
}

uint64_t masks_record(void)
{
    return envseal_thread.held;
}

void masks_for_kernel(sigset_t *set)
{
    uint64_t sync = platform_sync_signals();
    set_first_word(set, (first_word(set) & ~sync) |
                            (envseal_thread.parked & envseal_thread.held));
}

void masks_leave_handler(struct mask_frame f)
{
    /* Written only when the handler changed it: a page written after fork is
     * copied first. */
    if (envseal_thread.held != f.held)
        envseal_thread.held = f.held;
    if (envseal_thread.parked != f.parked)
        envseal_thread.parked = f.parked;
    if (envseal_thread.delivered != f.delivered)
        envseal_thread.delivered = f.delivered;
}

/* In a vfork child (or a clone sharing the memory) the record is its parent's
 * thread's: the child's mask goes to the kernel as the program gives it, the six
 * included. What it execs starts with that mask, as without envseal; a fault with
 * one of them blocked kills the child without a handler, where on_fatal would only
 * have let it die (the memory is the parent's: neither wiped nor swept). */
static int child_mask_change(int how, const sigset_t *set, sigset_t *old, uint64_t before)
{
    int err = platform_thread_mask(how, set, old);
    if (!err && old)
        set_first_word(old, first_word(old) | before);
    return err;
}

int masks_change(int how, const sigset_t *set, sigset_t *old)
{
    if (!signals_active())
        return platform_thread_mask(how, set, old);
    uint64_t sync = platform_sync_signals();
    uint64_t before = envseal_thread.held, after = before, parked = envseal_thread.parked;
    const sigset_t *given = set;
    sigset_t k;
    if (set) {
        uint64_t bits = first_word(set) & sync;
        switch (how) {
        case SIG_BLOCK:
            after = before | bits;
            break;
        case SIG_UNBLOCK:
            after = before & ~bits;
            break;
        case SIG_SETMASK:
            after = bits;
            break;
        default:
            return EINVAL;
        }
        memcpy(&k, set, sizeof k);
        set_first_word(&k, (first_word(set) & ~sync) | kernel_sync_bits(how, parked, after));
        set = &k;
    }
    /* Before the kernel call: a parked signal it unblocks is delivered as the call
     * returns, and on_fatal must find it unblocked then. The call fails only for a
     * bad `how` (refused above) or a bad `old`, after the change is made. A page
     * written after fork costs a copy: written only when it changes. */
    if ((after != before || (parked & ~after)) && shim_in_parent_memory())
        return child_mask_change(how, given, old, before);
    if (after != before)
        envseal_thread.held = after;
    if (parked & ~after)
        envseal_thread.parked = parked & after;
    int err = platform_thread_mask(how, set, old);
    if (err)
        return err;
    if (old) {
        set_first_word(old, first_word(old) | before);
        platform_mask_stored(old, before);
    }
    return 0;
}

ENVSEAL_EXPORT int INTERPOSER(pthread_sigmask)(int how, const sigset_t *set, sigset_t *old)
{
    return masks_change(how, set, old);
}

ENVSEAL_EXPORT int INTERPOSER(sigprocmask)(int how, const sigset_t *set, sigset_t *old)
{
    int err = masks_change(how, set, old);
    return err ? (errno = err, -1) : 0;
}

void masks_wait_begin(const sigset_t *mask, sigset_t *kernel, uint64_t *saved)
{
    uint64_t sync = platform_sync_signals(), temp = first_word(mask) & sync;
    memcpy(kernel, mask, sizeof *kernel);
    *saved = envseal_thread.held;
    /* Written only on a change (a page written after fork costs a copy), and never
     * in a vfork child, whose record is its parent thread's: the mask as given. */
    if (temp != *saved && shim_in_parent_memory())
        return;
    set_first_word(kernel, (first_word(mask) & ~sync) | (temp & envseal_thread.parked));
    if (temp != *saved)
        envseal_thread.held = temp;
}

void masks_wait_end(uint64_t saved)
{
    if (envseal_thread.held != saved)
        envseal_thread.held = saved;
    uint64_t come = envseal_thread.parked & ~saved; /* parked in the wait, not held now */
    if (come) { /* the kernel lets them come, as it would at the wait's end */
        envseal_thread.parked &= ~come;
        unblock_bits(come);
    }
}

/* The System V and BSD mask functions. glibc and musl build them on their own
 * sigprocmask, which the interposers above never see: a signal of the six blocked
 * through them would reach the kernel (a fault then kills the process unswept),
 * and one released through them would stay held in the record. */
static int mask_one(int how, int sig)
{
    sigset_t set;
    sigemptyset(&set);
    if (sigaddset(&set, sig) < 0) /* EINVAL, as libc's */
        return -1;
    int err = masks_change(how, &set, NULL);
    return err ? (errno = err, -1) : 0;
}

ENVSEAL_EXPORT int INTERPOSER(sighold)(int sig)
{
    return mask_one(SIG_BLOCK, sig);
}

ENVSEAL_EXPORT int INTERPOSER(sigrelse)(int sig)
{
    return mask_one(SIG_UNBLOCK, sig);
}

/* BSD masks are an int: signals 1 to 32, as glibc converts them. */
static int old_style(int how, int mask)
{
    sigset_t set, old;
    sigemptyset(&set);
    set_first_word(&set, (unsigned)mask);
    if (masks_change(how, &set, &old) != 0)
        return -1;
    return (int)(unsigned)first_word(&old);
}

int sigblock(int mask);
ENVSEAL_EXPORT int INTERPOSER(sigblock)(int mask)
{
    return old_style(SIG_BLOCK, mask);
}

int sigsetmask(int mask);
ENVSEAL_EXPORT int INTERPOSER(sigsetmask)(int mask)
{
    return old_style(SIG_SETMASK, mask);
}

int siggetmask(void);
ENVSEAL_EXPORT int INTERPOSER(siggetmask)(void)
{
    return old_style(SIG_BLOCK, 0);
}
