/* lio_listio sends its requests to I/O threads the C library makes with every
 * signal blocked, which start with the registers of the thread that made them:
 * those are zeroed first, as aio_helpers.c does (glibc's lio_listio64 is the same
 * function on 64-bit systems, glibc/aio64.c). glibc's lio_listio@GLIBC_2.2.5, the
 * version from before glibc 2.4, left out the requests' own notifications: a
 * program built against it reaches the current lio_listio through this one.
 *
 * musl sends the requests in through its own aio_read and aio_write, past their
 * interposers, and runs both each request's SIGEV_THREAD function (in the request's
 * I/O thread) and the list's own (in a thread it makes) with every signal blocked.
 * There each request's function is replaced by its trampoline in the program's
 * aiocb, as aio_helpers.c does, and the list's notification runs through a function
 * of envseal's given a copy of the sigevent on the heap: musl reads the sigevent
 * only once every request is done, when a copy on this stack would be gone. The
 * copy is freed as the notification runs, or at once when lio_listio fails (no
 * thread was made then). */
#define _GNU_SOURCE
#include <aio.h>
#include <errno.h>
#include <stdlib.h>

#include "preload/core/shim.h"
#include "preload/crash/thread_state.h"
#include "preload/platform/interpose.h"
#include "preload/platform/platform.h"
#include "preload/platform/linux/aio_helpers.h"
#include "preload/platform/linux/notify_trampolines.h"

#ifndef ENVSEAL_LIBC_AIO_NOTIFY_BLOCKED
#define ENVSEAL_LIBC_AIO_NOTIFY_BLOCKED 0
#endif

/* The list's type as <aio.h> declares it (musl: the aiocb pointers restrict too). */
#ifndef ENVSEAL_LIBC_AIOCB_LIST
#define ENVSEAL_LIBC_AIOCB_LIST struct aiocb *const *
#endif

typedef int (*lio_listio_fn)(int, struct aiocb *const *, int, struct sigevent *);

static void *next_lio_listio;

struct list_notify {
    notify_fn fn;
    union sigval value;
    struct sigevent ev;
};

static void list_done(union sigval v)
{
    struct list_notify *n = v.sival_ptr;
    notify_fn fn = n->fn;
    union sigval value = n->value;
    free(n);
    threads_adopt_foreign();
    fn(value);
}

/* The list's notification as the C library should get it: sev, or a heap copy
 * through list_done (*copy, to free if the call fails). */
static struct sigevent *list_notification(int mode, struct sigevent *sev,
                                          struct list_notify **copy)
{
    *copy = NULL;
    if (!ENVSEAL_LIBC_AIO_NOTIFY_BLOCKED || mode != LIO_NOWAIT || !sev ||
        sev->sigev_notify != SIGEV_THREAD || !sev->sigev_notify_function)
        return sev;
    struct list_notify *n = malloc(sizeof *n);
    if (!n)
        return sev;
    *n = (struct list_notify){sev->sigev_notify_function, sev->sigev_value, *sev};
    n->ev.sigev_notify_function = list_done;
    n->ev.sigev_value.sival_ptr = n;
    *copy = n;
    return &n->ev;
}

int linux_lio_listio(int mode, struct aiocb *const *cbs, int cnt, struct sigevent *sev)
{
    lio_listio_fn real = REAL(lio_listio, lio_listio_fn);
    if (!real)
        return errno = ENOSYS, -1;
    for (int i = 0; i < cnt; i++)
        if (cbs[i] && (cbs[i]->aio_lio_opcode == LIO_READ || cbs[i]->aio_lio_opcode == LIO_WRITE))
            linux_aio_notify_through_trampoline(cbs[i]);
    struct list_notify *copy;
    struct sigevent *ev = list_notification(mode, sev, &copy);
    platform_clear_vector_registers(); /* the I/O threads made now inherit them */
    int rc = real(mode, cbs, cnt, ev);
    if (rc != 0 && copy) {
        int saved = errno;
        free(copy);
        errno = saved;
    }
    return rc;
}

ENVSEAL_EXPORT int INTERPOSER(lio_listio)(int mode, ENVSEAL_LIBC_AIOCB_LIST restrict cbs,
                                          int cnt, struct sigevent *restrict sev)
{
    return linux_lio_listio(mode, (struct aiocb *const *)cbs, cnt, sev);
}
