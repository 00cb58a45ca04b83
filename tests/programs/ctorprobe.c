/* libctorprobe.so: preloaded after libenvseal.so, so its constructor runs before
 * envseal's, like any library the program links that sets signals up at load. It
 * leaves SIGHUP ignored and a SIGUSR1 handler (SA_RESTART, SIGINT in its mask) for
 * envseal to find. With CTORPROBE_THREAD set it also starts a thread that lives on,
 * so envseal meets a process that is no longer single-threaded. With
 * CTORPROBE_KEEP=NAME it keeps the pointer getenv(NAME) returns, as a library that
 * reads its settings at load does; ctorprobe_kept() returns it. With
 * CTORPROBE_QUICK set it registers an at_quick_exit handler (that does nothing)
 * before envseal's constructor has run. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_usr1(int sig)
{
    (void)sig;
}

static const char *kept;

const char *ctorprobe_kept(void)
{
    return kept;
}

static void quick_noop(void)
{
}

static void *idle(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

__attribute__((constructor)) static void ctorprobe_init(void)
{
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_handler = SIG_IGN;
    sigaction(SIGHUP, &a, NULL);
    a.sa_handler = on_usr1;
    a.sa_flags = SA_RESTART;
    sigaddset(&a.sa_mask, SIGINT);
    sigaction(SIGUSR1, &a, NULL);
    const char *keep = getenv("CTORPROBE_KEEP");
    if (keep)
        kept = getenv(keep);
    if (getenv("CTORPROBE_QUICK"))
        at_quick_exit(quick_noop);
    if (getenv("CTORPROBE_THREAD")) {
        /* The thread blocks every signal: a process-directed one goes to main. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pthread_t t;
        if (pthread_create(&t, NULL, idle, NULL) != 0)
            _exit(99);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
}
