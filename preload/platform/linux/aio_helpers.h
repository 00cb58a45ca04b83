/* The asynchronous I/O calls that start a C library helper thread (aio_helpers.c):
 * the libc-specific files that give them other names call these. */
#ifndef ENVSEAL_PLATFORM_LINUX_AIO_HELPERS_H
#define ENVSEAL_PLATFORM_LINUX_AIO_HELPERS_H

#include <aio.h>

int linux_aio_read(struct aiocb *cb);
int linux_aio_write(struct aiocb *cb);
int linux_aio_fsync(int op, struct aiocb *cb);

#endif
