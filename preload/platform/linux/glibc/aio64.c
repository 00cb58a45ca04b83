/* glibc's aio_read64, aio_write64, aio_fsync64 and lio_listio64: on 64-bit
 * systems the same functions as aio_read, aio_write, aio_fsync and lio_listio,
 * under the names programs built with _FILE_OFFSET_BITS=64 call (musl has only the
 * one name). */
#define _GNU_SOURCE
#include "preload/platform/linux/aio_helpers.h"

#include "preload/core/shim.h"
#include "preload/platform/interpose.h"

_Static_assert(sizeof(struct aiocb64) == sizeof(struct aiocb), "one layout on 64-bit systems");

ENVSEAL_EXPORT int INTERPOSER(aio_read64)(struct aiocb64 *cb)
{
    return linux_aio_read((struct aiocb *)cb);
}

ENVSEAL_EXPORT int INTERPOSER(aio_write64)(struct aiocb64 *cb)
{
    return linux_aio_write((struct aiocb *)cb);
}

ENVSEAL_EXPORT int INTERPOSER(aio_fsync64)(int op, struct aiocb64 *cb)
{
    return linux_aio_fsync(op, (struct aiocb *)cb);
}

ENVSEAL_EXPORT int INTERPOSER(lio_listio64)(int mode, struct aiocb64 *const *cbs, int cnt,
                                            struct sigevent *sev)
{
    return linux_lio_listio(mode, (struct aiocb *const *)cbs, cnt, sev);
}
