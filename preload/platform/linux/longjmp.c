/* longjmp and siglongjmp (and glibc's fortified __longjmp_chk), setcontext and
 * swapcontext, interposed on Linux (platform_libc.h: platform_longjmp_interposed).
 * A jump out of a
 * signal handler leaves relay's frame behind, and with it the record of what the
 * handler's delivery blocked (signals.c, deferred). A jump to a sigsetjmp that
 * saved the mask restores it in the kernel directly, past sigprocmask, and so does
 * a switch to a context (a green-thread scheduler's swapcontext out of a timer
 * handler): the record takes that mask here first. A jump that restores none leaves the record as the
 * handler had it, as the kernel keeps its mask without envseal. libc's functions
 * are looked up when the program first installs a handler
 * (platform_prepare_longjmp), or at the first jump. */
/* Fortified headers rename longjmp and siglongjmp to __longjmp_chk. */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include "preload/core/shim.h"
#include "preload/crash/signals.h"
#include "preload/crash/thread_state.h"
#include "preload/platform/interpose.h"
#include "preload/platform/platform_libc.h"
#include "preload/platform/linux/save_mark.h"

typedef void (*jump_fn)(void *, int);

typedef int (*setcontext_fn)(const ucontext_t *);
typedef int (*swapcontext_fn)(ucontext_t *, const ucontext_t *);

static void *next_siglongjmp, *next_longjmp, *next__longjmp, *next___longjmp_chk,
    *next_setcontext, *next_swapcontext;

bool platform_longjmp_interposed(void)
{
    return true;
}

void platform_prepare_longjmp(void)
{
    (void)REAL(siglongjmp, jump_fn);
    (void)REAL(longjmp, jump_fn);
    (void)REAL(_longjmp, jump_fn);
    (void)REAL(__longjmp_chk, jump_fn);
    (void)REAL(setcontext, setcontext_fn);
    (void)REAL(swapcontext, swapcontext_fn);
    platform_prepare_save_points();
    platform_prepare_abort();
    platform_prepare_waits();
}

/* The saved mask set (in a jump buffer or a context) is about to go back into the
 * kernel: the record follows it (the one saved beside it, with the six the mask
 * itself holds, which the program may have added), and set keeps none of the six
 * but those parked: a fault signal blocked there in the kernel would kill the
 * process without on_fatal. The record is saved anew beside the mask, which stays
 * in the program's own buffer (a copy of it would be dead stack once libc switches
 * to the saved stack pointer, and a signal could write over it). */
static void restore_from(sigset_t *set)
{
    if (!signals_active() || !set)
        return;
    masks_jump_restores(set, save_mark_read(set));
    /* Written only where something changes: a buffer just saved by a stub needs
     * nothing, one the program made read-only after saving it is left alone
     * unless it holds one of the six, and a page written after fork is copied
     * first. A buffer with no record gets none here. */
    sigset_t k;
    memcpy(&k, set, sizeof k);
    masks_for_kernel(&k);
    if (memcmp(&k, set, sizeof(uint64_t)) != 0)
        memcpy(set, &k, sizeof(uint64_t));
    const uint64_t *r = save_mark_read(set);
    if (r && *r != masks_record())
        save_mark_write(set, masks_record());
}

static void follow(void *env)
{
    envseal_thread.aborting = 0; /* a jump out of abort's handler: no death */
    restore_from(platform_jmpbuf_saved(env));
}

__attribute__((noreturn)) static void jump(jump_fn real, void *env, int val)
{
    follow(env);
    if (real)
        real(env, val);
    __builtin_trap(); /* no such function in this libc: unreachable */
}

ENVSEAL_EXPORT void INTERPOSER(siglongjmp)(sigjmp_buf env, int val)
{
    jump(REAL(siglongjmp, jump_fn), env, val);
}

ENVSEAL_EXPORT void INTERPOSER(longjmp)(jmp_buf env, int val)
{
    jump(REAL(longjmp, jump_fn), env, val);
}

ENVSEAL_EXPORT void INTERPOSER(_longjmp)(jmp_buf env, int val)
{
    jump(REAL(_longjmp, jump_fn), env, val);
}

void __longjmp_chk(sigjmp_buf env, int val);
ENVSEAL_EXPORT void INTERPOSER(__longjmp_chk)(sigjmp_buf env, int val)
{
    jump(REAL(__longjmp_chk, jump_fn), env, val);
}

/* A switch (and getcontext: save_points.c) saves, with the context, the record of
 * the six (save_mark.h); a switch back finds it there. */
ENVSEAL_EXPORT int INTERPOSER(setcontext)(const ucontext_t *ucp)
{
    setcontext_fn real = REAL(setcontext, setcontext_fn);
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    envseal_thread.aborting = 0;
    if (ucp)
        restore_from((sigset_t *)&ucp->uc_sigmask);
    return real(ucp);
}

ENVSEAL_EXPORT int INTERPOSER(swapcontext)(ucontext_t *oucp, const ucontext_t *ucp)
{
    swapcontext_fn real = REAL(swapcontext, swapcontext_fn);
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    /* The record the switch leaves beside the mask libc saves in oucp, taken before
     * the switch changes it. oucp may be ucp (a scheduler with one thread left):
     * the switch resumes where it is, and the record stays. */
    bool active = signals_active();
    uint64_t record = masks_record();
    envseal_thread.aborting = 0;
    if (ucp && ucp != oucp)
        restore_from((sigset_t *)&ucp->uc_sigmask);
    if (active && oucp)
        save_mark_write(&oucp->uc_sigmask, record);
    return real(oucp, ucp);
}

void platform_mask_stored(sigset_t *old, uint64_t record)
{
    if (old && save_mark_read(old))
        save_mark_write(old, record);
}
