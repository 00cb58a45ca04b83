/* timer_create with SIGEV_THREAD: the C library runs the program's function in a
 * thread it makes itself with every signal but its timer signal blocked (glibc
 * makes one such thread per expiry, musl one per timer): the function runs through
 * a trampoline (notify_trampolines.h).
 *
 * The C library's helper thread that waits for the timers' signal blocks every
 * signal for good, so it can never be parked before a sweep, and it starts with
 * the registers of the thread that made it, here: they are zeroed first. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "preload/core/shim.h"
#include "preload/platform/interpose.h"
#include "preload/platform/platform.h"
#include "preload/platform/linux/notify_trampolines.h"

typedef int (*timer_create_fn)(clockid_t, struct sigevent *, timer_t *);

static void *next_timer_create;

ENVSEAL_EXPORT int INTERPOSER(timer_create)(clockid_t clock, struct sigevent *restrict ev,
                                            timer_t *restrict id)
{
    timer_create_fn real = REAL(timer_create, timer_create_fn);
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    notify_fn t;
    if (!ev || ev->sigev_notify != SIGEV_THREAD || !ev->sigev_notify_function ||
        !(t = linux_notify_trampoline(ev->sigev_notify_function)))
        return real(clock, ev, id);
    struct sigevent copy = *ev;
    copy.sigev_notify_function = t;
    platform_clear_vector_registers(); /* the helper thread made now inherits them */
    return real(clock, &copy, id);
}
