/* The glibc names the shim's sources use that musl lacks, given to every musl
 * compilation (-include). */
#ifndef ENVSEAL_PLATFORM_LIBC_MUSL_H
#define ENVSEAL_PLATFORM_LIBC_MUSL_H

#include <stdbool.h>

/* glibc's value (the kernel ignores it); only sysv_signal uses it, which musl
 * does not define and the musl build does not export. */
#define SA_INTERRUPT 0x20000000

/* signal() as musl builds it (signals.c). */
#define ENVSEAL_LIBC_SIGNAL_IS_GLIBC 0

/* musl keeps signals 32 to 34 for itself (platform/linux/signal_actions.c). */
#define ENVSEAL_LIBC_INTERNAL_SIGNALS_MAX 34

/* musl's system returns -1 when the shell cannot be started (interposers/shell.c). */
#define ENVSEAL_LIBC_SYSTEM_NO_SHELL (-1)

/* The search path of musl's execvp when PATH is unset (platform/linux/exec_target.c). */
#define ENVSEAL_LIBC_DEFAULT_PATH "/usr/local/bin:/bin:/usr/bin"

/* musl's abort raises SIGABRT before it unblocks it (platform/linux/abort.c). */
#define ENVSEAL_LIBC_ABORT_UNBLOCKS_FIRST 0

/* musl runs an aio request's SIGEV_THREAD function in its I/O thread, which blocks
 * every signal (platform/linux/aio_helpers.c). */
#define ENVSEAL_LIBC_AIO_NOTIFY_BLOCKED 1

/* How musl's <aio.h> declares lio_listio's list (platform/linux/lio_listio.c). */
#define ENVSEAL_LIBC_AIOCB_LIST struct aiocb *restrict const *

/* glibc's <sys/wait.h> macro: the wait status of a process that exited. */
#define W_EXITCODE(ret, sig) ((ret) << 8 | (sig))

/* platform/errname.c */
const char *strerrorname_np(int err);

/* musl keeps no flag that says whether a second thread ever ran: asking costs a
 * system call (platform/linux/signal_actions.c). */
#define ENVSEAL_LIBC_SINGLE_THREADED_FLAG 0

/* For platform/linux/musl/include/sys/single_threaded.h. */
bool envseal_musl_single_threaded(void);

#endif
