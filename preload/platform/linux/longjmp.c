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
#include <ucontext.h>

#include "preload/core/shim.h"
#include "preload/crash/signals.h"
#include "preload/crash/thread_state.h"
#include "preload/platform/interpose.h"
#include "preload/platform/platform_libc.h"

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
}

static void follow(const void *env)
{
    sigset_t m;
    if (signals_active() && platform_jmpbuf_mask(env, &m))
        masks_jump_restores(&m);
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

/* The context's mask is what getcontext or swapcontext read from the kernel (none
 * of the six), or what the program put there: the record follows it as for a jump. */
static void follow_context(const ucontext_t *ucp)
{
    if (signals_active() && ucp)
        masks_jump_restores(&ucp->uc_sigmask);
}

ENVSEAL_EXPORT int INTERPOSER(setcontext)(const ucontext_t *ucp)
{
    setcontext_fn real = REAL(setcontext, setcontext_fn);
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    follow_context(ucp);
    return real(ucp);
}

ENVSEAL_EXPORT int INTERPOSER(swapcontext)(ucontext_t *oucp, const ucontext_t *ucp)
{
    swapcontext_fn real = REAL(swapcontext, swapcontext_fn);
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    follow_context(ucp);
    return real(oucp, ucp);
}
