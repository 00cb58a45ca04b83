/* aio_read, aio_write and aio_fsync hand the request to a helper thread the C
 * library makes with every signal blocked for good: it can never be parked before
 * a sweep, and it starts with the registers of the thread that made it, here, where
 * the program may just have copied a secret into the buffer it writes. Those are
 * zeroed first (platform.h). glibc's 64-bit-offset names are the same
 * functions on 64-bit systems (glibc/aio64.c).
 *
 * musl also runs a request's SIGEV_THREAD function in that I/O thread, every signal
 * still blocked, taking it from the aiocb when the request completes: there the
 * aiocb's function is replaced by its trampoline (notify_trampolines.h) before the
 * request goes in. glibc runs it in a thread of its own with no signal blocked. */
#define _GNU_SOURCE
#include "preload/platform/linux/aio_helpers.h"

#include <errno.h>

#include "preload/core/shim.h"
#include "preload/platform/interpose.h"
#include "preload/platform/platform.h"
#include "preload/platform/linux/notify_trampolines.h"

#ifndef ENVSEAL_LIBC_AIO_NOTIFY_BLOCKED
#define ENVSEAL_LIBC_AIO_NOTIFY_BLOCKED 0
#endif

typedef int (*aio_fn)(struct aiocb *);
typedef int (*aio_fsync_fn)(int, struct aiocb *);

static void *next_aio_read, *next_aio_write, *next_aio_fsync;

void linux_aio_notify_through_trampoline(struct aiocb *cb)
{
    if (!ENVSEAL_LIBC_AIO_NOTIFY_BLOCKED || !cb)
        return;
    struct sigevent *ev = &cb->aio_sigevent;
    notify_fn t;
    if (ev->sigev_notify == SIGEV_THREAD && ev->sigev_notify_function &&
        (t = linux_notify_trampoline(ev->sigev_notify_function)))
        ev->sigev_notify_function = t;
}

/* What every submission does first: the helper thread made now inherits the
 * registers, and musl's runs the notification. */
static void before_submit(struct aiocb *cb)
{
    linux_aio_notify_through_trampoline(cb);
    platform_clear_vector_registers();
}

int linux_aio_read(struct aiocb *cb)
{
    aio_fn real = REAL(aio_read, aio_fn);
    if (!real)
        return errno = ENOSYS, -1;
    before_submit(cb);
    return real(cb);
}

int linux_aio_write(struct aiocb *cb)
{
    aio_fn real = REAL(aio_write, aio_fn);
    if (!real)
        return errno = ENOSYS, -1;
    before_submit(cb);
    return real(cb);
}

int linux_aio_fsync(int op, struct aiocb *cb)
{
    aio_fsync_fn real = REAL(aio_fsync, aio_fsync_fn);
    if (!real)
        return errno = ENOSYS, -1;
    before_submit(cb);
    return real(op, cb);
}

ENVSEAL_EXPORT int INTERPOSER(aio_read)(struct aiocb *cb)
{
    return linux_aio_read(cb);
}

ENVSEAL_EXPORT int INTERPOSER(aio_write)(struct aiocb *cb)
{
    return linux_aio_write(cb);
}

ENVSEAL_EXPORT int INTERPOSER(aio_fsync)(int op, struct aiocb *cb)
{
    return linux_aio_fsync(op, cb);
}
