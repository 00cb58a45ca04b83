/* sigrace: sigaction on one signal from every side at once, for the signals test.
 * Usage: sigrace SIGNAL-NUMBER MILLISECONDS [single]
 *
 * The main thread installs action A over and over (a call that leaves envseal's
 * entry for the signal as it is, so the shim makes it without its table lock); a
 * second thread alternates B and A (each changes the entry); a SIGALRM handler,
 * every 100 us, installs B from inside whatever it interrupted (often the main
 * thread's sigaction); a third thread asks what is installed, all the time. Every
 * answer must be one action whole: A's handler with A's flags and mask, or B's with
 * B's. B's mask holds SIGSEGV, which envseal keeps out of the kernel's copy and adds
 * back in its answers, so an answer made of the kernel's action and a stale entry
 * shows. Prints "answers N, mixed M" and exits 1 when M > 0 or the final answer
 * is mixed.
 *
 * With "single", no thread is started (envseal counts no unlocked call then): the
 * main thread installs A again and again, then B and A, asking after each call;
 * the SIGALRM handler installs B and asks, from inside whatever it interrupted. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int sig;
static atomic_int stop;
static struct sigaction act_a, act_b;

static void handler_a(int s)
{
    (void)s;
}

static void handler_b(int s)
{
    (void)s;
}

static uint64_t mask_of(const sigset_t *m)
{
    uint64_t w;
    memcpy(&w, m, sizeof w);
    return w;
}

/* Whether o is a or b, whole. */
static int whole(const struct sigaction *o)
{
    const struct sigaction *want = o->sa_handler == handler_a   ? &act_a
                                   : o->sa_handler == handler_b ? &act_b
                                                                : NULL;
    return want && (o->sa_flags & (SA_RESTART | SA_NODEFER)) == want->sa_flags &&
           mask_of(&o->sa_mask) == mask_of(&want->sa_mask);
}

static long answers, mixed;
static volatile sig_atomic_t single, handler_mixed, handler_answers;

static void on_alarm(int s)
{
    (void)s;
    sigaction(sig, &act_b, NULL);
    if (single) {
        struct sigaction o;
        if (sigaction(sig, NULL, &o) != 0 || !whole(&o))
            handler_mixed = handler_mixed + 1;
        handler_answers = handler_answers + 1;
    }
}

static void check(void)
{
    struct sigaction o;
    if (sigaction(sig, NULL, &o) != 0 || !whole(&o))
        mixed++;
    answers++;
}

static void *alternate(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        sigaction(sig, &act_b, NULL);
        sigaction(sig, &act_a, NULL);
    }
    return NULL;
}

static void *ask(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop))
        check();
    return NULL;
}

int main(int argc, char **argv)
{
    single = argc == 4 && strcmp(argv[3], "single") == 0;
    if (argc != 3 && !single) {
        fputs("usage: sigrace SIGNAL-NUMBER MILLISECONDS [single]\n", stderr);
        return 2;
    }
    sig = atoi(argv[1]);
    long ms = atol(argv[2]);
    act_a.sa_handler = handler_a;
    act_a.sa_flags = SA_RESTART;
    sigemptyset(&act_a.sa_mask);
    sigaddset(&act_a.sa_mask, SIGUSR2);
    act_b.sa_handler = handler_b;
    act_b.sa_flags = SA_NODEFER;
    sigemptyset(&act_b.sa_mask);
    sigaddset(&act_b.sa_mask, SIGUSR2);
    sigaddset(&act_b.sa_mask, SIGSEGV);
    sigaction(sig, &act_a, NULL);

    struct sigaction alarm_act = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigemptyset(&alarm_act.sa_mask);
    sigaction(SIGALRM, &alarm_act, NULL);
    struct itimerval every = {{0, 100}, {0, 100}}, off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &every, NULL);

    pthread_t t1, t2;
    if (!single &&
        (pthread_create(&t1, NULL, alternate, NULL) != 0 || pthread_create(&t2, NULL, ask, NULL) != 0))
        return 2;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        for (int i = 0; i < 64; i++) {
            sigaction(sig, &act_a, NULL);
            if (single)
                check(); /* before the next call can mend an entry left stale */
        }
        if (single) {
            sigaction(sig, &act_b, NULL);
            check();
            sigaction(sig, &act_a, NULL);
            check();
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
    atomic_store(&stop, 1);
    if (!single) {
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
    }
    setitimer(ITIMER_REAL, &off, NULL);
    answers += handler_answers;
    mixed += handler_mixed;

    struct sigaction o;
    int final_whole = sigaction(sig, NULL, &o) == 0 && whole(&o);
    printf("answers %ld, mixed %ld, final %s\n", answers, mixed, final_whole ? "whole" : "mixed");
    return mixed == 0 && final_whole ? 0 : 1;
}
