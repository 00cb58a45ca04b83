/* What envseal asks of valgrind when a program runs under it (valgrind's client
 * requests: a few instructions that do nothing natively), where valgrind's headers
 * are present at build time (scripts/setup.sh installs them); else nothing.
 *   ENVSEAL_UNDER_VALGRIND        true under valgrind
 *   ENVSEAL_DECLARE_DEFINED(p, n) memcheck: the n bytes at p count as initialised */
#ifndef ENVSEAL_PLATFORM_VALGRIND_H
#define ENVSEAL_PLATFORM_VALGRIND_H

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define ENVSEAL_UNDER_VALGRIND RUNNING_ON_VALGRIND
#define ENVSEAL_DECLARE_DEFINED(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#endif
#endif

#ifndef ENVSEAL_UNDER_VALGRIND
#define ENVSEAL_UNDER_VALGRIND 0
#define ENVSEAL_DECLARE_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#endif
