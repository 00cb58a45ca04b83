/* SIGEV_THREAD notifications the C library runs in a thread of its own making,
 * past pthread_create's interposer, with signals blocked (timer_create's in glibc
 * and musl; an aio request's in musl, in its I/O thread). A fault in the program's
 * function there would kill the process by force, without on_fatal: no wipe, no
 * sweep. So the function runs through a trampoline of envseal's, which first
 * gives the thread what pthread_create's gives a thread (threads_adopt_foreign).
 * The program's sigval reaches its function unchanged, so a trampoline is found by
 * the function alone: one fixed trampoline per distinct function, bound on first
 * use and never rebound, so that a notification still in flight runs the function
 * it was armed with. Past TRAMPOLINES distinct functions, notifications run as
 * without envseal (docs/signals.md). */
#ifndef ENVSEAL_PLATFORM_LINUX_NOTIFY_TRAMPOLINES_H
#define ENVSEAL_PLATFORM_LINUX_NOTIFY_TRAMPOLINES_H

#include <signal.h>

typedef void (*notify_fn)(union sigval);

/* fn's trampoline, bound now if fn has none (fn itself when it is one already);
 * NULL when every one is taken. */
notify_fn linux_notify_trampoline(notify_fn fn);

#endif
