/* abort, interposed on Linux: the C library's abort ends the process by SIGABRT at
 * SIG_DFL, set past sigaction, when the first SIGABRT it raises does not end it
 * (crash/signals.c: signals_before_abort). glibc unblocks SIGABRT before it raises;
 * musl raises first, so a thread that blocks SIGABRT dies without envseal's hook. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>

#include "preload/core/shim.h"
#include "preload/crash/signals.h"
#include "preload/platform/interpose.h"
#include "preload/platform/platform_libc.h"

/* platform/linux/musl/compat.h sets it to 0. */
#ifndef ENVSEAL_LIBC_ABORT_UNBLOCKS_FIRST
#define ENVSEAL_LIBC_ABORT_UNBLOCKS_FIRST 1
#endif

typedef void (*abort_fn)(void);
typedef void (*assert_fail_fn)(const char *, const char *, unsigned, const char *);

static void *next_abort, *next___assert_fail;

void platform_prepare_abort(void)
{
    (void)REAL(abort, abort_fn);
    (void)REAL(__assert_fail, assert_fail_fn);
}

ENVSEAL_EXPORT void INTERPOSER(abort)(void)
{
    signals_before_abort(!ENVSEAL_LIBC_ABORT_UNBLOCKS_FIRST);
    abort_fn real = REAL(abort, abort_fn);
    if (real)
        real();
    __builtin_trap(); /* libc's abort does not return */
}

/* A failed assert() prints its line and calls the C library's abort from inside the
 * library, past the interposer above. */
void __assert_fail(const char *expr, const char *file, unsigned line, const char *func);
ENVSEAL_EXPORT void INTERPOSER(__assert_fail)(const char *expr, const char *file, unsigned line,
                                              const char *func)
{
    signals_before_abort(!ENVSEAL_LIBC_ABORT_UNBLOCKS_FIRST);
    assert_fail_fn real = REAL(__assert_fail, assert_fail_fn);
    if (real)
        real(expr, file, line, func);
    __builtin_trap();
}
