/* Given to every file of the macOS build (-include): the few glibc names the
 * platform-neutral sources use, in macOS's terms. */
#ifndef ENVSEAL_DARWIN_COMPAT_H
#define ENVSEAL_DARWIN_COMPAT_H

#define __STDC_WANT_LIB_EXT1__ 1 /* memset_s */
#include <crt_externs.h>
#include <stddef.h>
#include <string.h>

/* A dylib reaches the program's environment through _NSGetEnviron(). */
#define environ (*_NSGetEnviron())

/* memset_s (C11 Annex K) is never removed by the compiler: explicit_bzero's promise.
 * Names of our own: newer SDKs declare strchrnul themselves. */
static inline void envseal_explicit_bzero(void *p, size_t n)
{
    if (n)
        memset_s(p, n, 0, n);
}
#define explicit_bzero envseal_explicit_bzero

static inline char *envseal_strchrnul(const char *s, int c)
{
    while (*s && *s != (char)c)
        s++;
    return (char *)s;
}
#define strchrnul envseal_strchrnul

typedef void (*sighandler_t)(int);

/* glibc's historical no-op flag, which sysv_signal passes. */
#define SA_INTERRUPT 0

/* platform/errname.c */
const char *strerrorname_np(int err);

/* Small statics written at start-up share the page the loader wrote (platform.h). */
#define ENVSEAL_HOT __attribute__((section("__DATA,__data")))
#define ENVSEAL_STATE ENVSEAL_HOT

/* The shim's marker (core/marker_note.h) in a Mach-O section of its own. */
#define ENVSEAL_NOTE_SECTION "__TEXT,__envseal_note"

#endif
