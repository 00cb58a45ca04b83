/* The __DATA,__interpose section dyld reads when it inserts the library: each
 * entry pairs the shim's function with libSystem's, and every other image's calls
 * to libSystem's go to the shim's. The list is the macOS counterpart of
 * exports.lds less what libSystem lacks (clearenv, glibc's signal variants).
 * tests/darwin checks the built dylib's section names exactly these. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "preload/platform/interpose.h"

int INTERPOSER(setenv)(const char *, const char *, int);
int INTERPOSER(unsetenv)(const char *);
int INTERPOSER(putenv)(char *);
int INTERPOSER(sigaction)(int, const struct sigaction *, struct sigaction *);
sighandler_t INTERPOSER(signal)(int, sighandler_t);
sighandler_t INTERPOSER(sigset)(int, sighandler_t);
int INTERPOSER(siginterrupt)(int, int);
int INTERPOSER(sigaltstack)(const stack_t *, stack_t *);
int INTERPOSER(sigprocmask)(int, const sigset_t *, sigset_t *);
int INTERPOSER(pthread_sigmask)(int, const sigset_t *, sigset_t *);
int INTERPOSER(pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

#define INTERPOSE(fn)                                                                        \
    __attribute__((used, section("__DATA,__interpose"))) static const struct {             \
        const void *replacement, *replacee;                                                  \
    } interpose_##fn = {(const void *)(unsigned long)&INTERPOSER(fn),                        \
                        (const void *)(unsigned long)&fn}

INTERPOSE(setenv);
INTERPOSE(unsetenv);
INTERPOSE(putenv);
INTERPOSE(sigaction);
INTERPOSE(signal);
INTERPOSE(sigset);
INTERPOSE(siginterrupt);
INTERPOSE(sigaltstack);
INTERPOSE(sigprocmask);
INTERPOSE(pthread_sigmask);
INTERPOSE(pthread_create);
