/* The asynchronous I/O calls that start a C library helper thread (aio_helpers.c):
 * the libc-specific files that give them other names call these. */
#ifndef ENVSEAL_PLATFORM_LINUX_AIO_HELPERS_H
#define ENVSEAL_PLATFORM_LINUX_AIO_HELPERS_H

#include <aio.h>

int linux_aio_read(struct aiocb *cb);
int linux_aio_write(struct aiocb *cb);
int linux_aio_fsync(int op, struct aiocb *cb);
int linux_lio_listio(int mode, struct aiocb *const *cbs, int cnt, struct sigevent *sev);

/* Where the C library runs a request's SIGEV_THREAD function with every signal
 * blocked (musl), replaces it in cb, the program's aiocb (which the C library
 * writes too as the request runs), by its trampoline (notify_trampolines.h). */
void linux_aio_notify_through_trampoline(struct aiocb *cb);

#endif
