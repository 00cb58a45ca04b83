/* Signal masks. When a thread blocks the signal its own fault raises (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS), the kernel kills the process at the
 * fault without running any handler: no wipe, no sweep, and the core holds every
 * secret. Thread pools block every signal in their workers as a matter of course.
 * So the kernel never gets these six blocked from the program: what the program
 * blocks of them is kept per thread (envseal_thread.held) and reported back by
 * pthread_sigmask and sigprocmask, and by sigaction for a handler's sa_mask. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "preload/platform/platform.h"
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

void masks_adopt_inherited(const sigset_t *saved)
{
    sigset_t cur;
    if (saved)
        memcpy(&cur, saved, sizeof cur);
    else if (platform_thread_mask(SIG_BLOCK, NULL, &cur) != 0)
        return;
    uint64_t blocked = first_word(&cur) & platform_sync_signals();
    set_first_word(&cur, first_word(&cur) & ~blocked);
    if ((saved || blocked) && platform_thread_mask(SIG_SETMASK, &cur, NULL) == 0)
        envseal_thread.held = blocked;
}

int masks_change(int how, const sigset_t *set, sigset_t *old)
{
    if (!signals_active())
        return platform_thread_mask(how, set, old);
    uint64_t sync = platform_sync_signals();
    uint64_t before = envseal_thread.held, after = before;
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
        set_first_word(&k, first_word(set) & ~sync);
        set = &k;
    }
    int err = platform_thread_mask(how, set, old);
    if (err)
        return err;
    if (after != before) /* a page written after fork costs a copy: only when it changes */
        envseal_thread.held = after;
    if (old)
        set_first_word(old, first_word(old) | before);
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
