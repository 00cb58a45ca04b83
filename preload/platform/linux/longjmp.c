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
#include <stdint.h>
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
}

static void follow(const void *env)
{
    sigset_t m;
    if (signals_active() && platform_jmpbuf_mask(env, &m))
        masks_jump_restores(&m, platform_jmpbuf_record(env));
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
/* The record follows the context's mask, and *copy gets the context with the six
 * taken out of its mask (but those parked): the C library gives the kernel that
 * mask, and a fault signal blocked there would kill the process without on_fatal. */
static const ucontext_t *follow_context(const ucontext_t *ucp, ucontext_t *copy)
{
    if (!signals_active() || !ucp)
        return ucp;
    masks_jump_restores(&ucp->uc_sigmask, save_mark_read(&ucp->uc_sigmask, ucp));
    *copy = *ucp; /* uc_mcontext.fpregs still points at ucp's own state: read only */
    masks_for_kernel(&copy->uc_sigmask);
    return copy;
}

ENVSEAL_EXPORT int INTERPOSER(setcontext)(const ucontext_t *ucp)
{
    setcontext_fn real = REAL(setcontext, setcontext_fn);
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    ucontext_t copy;
    return real(follow_context(ucp, &copy));
}

ENVSEAL_EXPORT int INTERPOSER(swapcontext)(ucontext_t *oucp, const ucontext_t *ucp)
{
    swapcontext_fn real = REAL(swapcontext, swapcontext_fn);
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    if (signals_active() && oucp)
        save_mark_write(&oucp->uc_sigmask, oucp, masks_record());
    ucontext_t copy;
    return real(oucp, follow_context(ucp, &copy));
}
