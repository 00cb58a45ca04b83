/* The waits that take a temporary signal mask for their duration: sigsuspend,
 * ppoll, pselect, epoll_pwait and epoll_pwait2. A handler that runs during one has
 * that mask, so a mask that blocks a fault signal (sigfillset, then the one to
 * wait for taken out) would let a fault in that handler kill the process by force,
 * without on_fatal. The kernel gets the mask without the six, the thread's record
 * holds them for the wait (masks_wait_begin, crash/masks.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "preload/core/shim.h"
#include "preload/crash/signals.h"
#include "preload/crash/thread_state.h"
#include "preload/platform/interpose.h"
#include "preload/platform/platform_libc.h"

typedef int (*sigsuspend_fn)(const sigset_t *);
typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
typedef int (*pselect_fn)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
                          const sigset_t *);
typedef int (*epoll_pwait_fn)(int, struct epoll_event *, int, int, const sigset_t *);
typedef int (*epoll_pwait2_fn)(int, struct epoll_event *, int, const struct timespec *,
                               const sigset_t *);

static void *next_sigsuspend, *next_ppoll, *next_pselect, *next_epoll_pwait, *next_epoll_pwait2;

/* Only the two POSIX lets a handler call: each lookup costs every process that
 * installs a handler about 800 instructions; the others are looked up at first use. */
void platform_prepare_waits(void)
{
    (void)REAL(sigsuspend, sigsuspend_fn);
    (void)REAL(pselect, pselect_fn);
}

/* Whether mask goes to the kernel as the program gave it: no mask, or no hooks. */
static bool as_given(const sigset_t *mask)
{
    return !mask || !signals_active();
}

/* Runs CALL, which gives the kernel `k`: the wait mask made of the program's
 * `mask`. errno is kept as the call left it. */
#define WAIT_WITH(mask, CALL)                                                          \
    __extension__({                                                                    \
        sigset_t k;                                                                    \
        uint64_t saved;                                                                \
        masks_wait_begin(mask, &k, &saved);                                            \
        int rc_ = CALL;                                                                \
        int err_ = errno;                                                              \
        masks_wait_end(saved);                                                         \
        errno = err_;                                                                  \
        rc_;                                                                           \
    })

#define NO_SUCH_FUNCTION (errno = ENOSYS, -1)

static int do_sigsuspend(const sigset_t *mask)
{
    sigsuspend_fn real = REAL(sigsuspend, sigsuspend_fn);
    if (!real)
        return NO_SUCH_FUNCTION;
    if (as_given(mask))
        return real(mask);
    return WAIT_WITH(mask, real(&k));
}

static int do_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
                    const sigset_t *mask)
{
    ppoll_fn real = REAL(ppoll, ppoll_fn);
    if (!real)
        return NO_SUCH_FUNCTION;
    if (as_given(mask))
        return real(fds, n, ts, mask);
    return WAIT_WITH(mask, real(fds, n, ts, &k));
}

ENVSEAL_EXPORT int INTERPOSER(sigsuspend)(const sigset_t *mask)
{
    return do_sigsuspend(mask);
}

ENVSEAL_EXPORT int INTERPOSER(ppoll)(struct pollfd *fds, nfds_t n, const struct timespec *ts,
                                     const sigset_t *mask)
{
    return do_ppoll(fds, n, ts, mask);
}

/* glibc's public __sigsuspend and its fortified ppoll (-D_FORTIFY_SOURCE) reach its
 * own waits directly, past the interposers above: they come here too. */
int __sigsuspend(const sigset_t *mask);
ENVSEAL_EXPORT int INTERPOSER(__sigsuspend)(const sigset_t *mask)
{
    return do_sigsuspend(mask);
}

typedef int (*ppoll_chk_fn)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *,
                            size_t);
static void *next___ppoll_chk;

int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask,
                size_t fdslen);
ENVSEAL_EXPORT int INTERPOSER(__ppoll_chk)(struct pollfd *fds, nfds_t n,
                                           const struct timespec *ts, const sigset_t *mask,
                                           size_t fdslen)
{
    if (fdslen / sizeof *fds < n) { /* glibc's own says so and aborts */
        ppoll_chk_fn real = REAL(__ppoll_chk, ppoll_chk_fn);
        if (real)
            return real(fds, n, ts, mask, fdslen);
        __builtin_trap();
    }
    return do_ppoll(fds, n, ts, mask);
}

ENVSEAL_EXPORT int INTERPOSER(pselect)(int n, fd_set *r, fd_set *w, fd_set *e,
                                       const struct timespec *ts, const sigset_t *mask)
{
    pselect_fn real = REAL(pselect, pselect_fn);
    if (!real)
        return NO_SUCH_FUNCTION;
    if (as_given(mask))
        return real(n, r, w, e, ts, mask);
    return WAIT_WITH(mask, real(n, r, w, e, ts, &k));
}

ENVSEAL_EXPORT int INTERPOSER(epoll_pwait)(int fd, struct epoll_event *ev, int max, int timeout,
                                           const sigset_t *mask)
{
    epoll_pwait_fn real = REAL(epoll_pwait, epoll_pwait_fn);
    if (!real)
        return NO_SUCH_FUNCTION;
    if (as_given(mask))
        return real(fd, ev, max, timeout, mask);
    return WAIT_WITH(mask, real(fd, ev, max, timeout, &k));
}

int epoll_pwait2(int fd, struct epoll_event *ev, int max, const struct timespec *ts,
                 const sigset_t *mask);
ENVSEAL_EXPORT int INTERPOSER(epoll_pwait2)(int fd, struct epoll_event *ev, int max,
                                            const struct timespec *ts, const sigset_t *mask)
{
    epoll_pwait2_fn real = REAL(epoll_pwait2, epoll_pwait2_fn);
    if (!real)
        return NO_SUCH_FUNCTION;
    if (as_given(mask))
        return real(fd, ev, max, ts, mask);
    return WAIT_WITH(mask, real(fd, ev, max, ts, &k));
}
