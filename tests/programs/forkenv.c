/* forkenv: a program with a second thread whose fork handlers, or a signal handler
 * that forks, change the environment (tests/integration/fork_env_test.c). glibc
 * takes no environment lock in fork, so both work without envseal.
 *
 *   forkenv handlers   registers fork handlers (prepare, parent, child) that each
 *                      setenv a plain name and unsetenv another, then sets
 *                      FORKENV_TOKEN (a secret, the process's first one, set at
 *                      run time) and forks; the child prints what its handler set
 *                      and exits 0; the parent prints the child's status and what
 *                      its own handlers set
 *   handler-fork N     FORKENV_TOKEN set; a SIGALRM handler forks every 2 ms (the
 *                      child _exits) while the main thread sets a plain name and
 *                      the secret over and over; prints "forks N" after N forks
 *
 * No value is printed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void *idle(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (;;)
        pause();
    return NULL;
}

static void prepare(void)
{
    setenv("FORKENV_PREPARE", "1", 1);
}

static void parent(void)
{
    setenv("FORKENV_PARENT", "1", 1);
    unsetenv("FORKENV_PREPARE_GONE");
}

static void child(void)
{
    setenv("FORKENV_CHILD", "1", 1);
    unsetenv("FORKENV_PREPARE_GONE");
}

static const char *shown(const char *name)
{
    const char *v = getenv(name);
    return v ? v : "(null)";
}

static int handlers(void)
{
    setenv("FORKENV_PREPARE_GONE", "1", 1);
    pthread_atfork(prepare, parent, child); /* before the first secret is held */
    setenv("FORKENV_TOKEN", "forkenv-made-up-value-0123", 1);
    fflush(stdout);
    pid_t p = fork();
    if (p < 0)
        return 3;
    if (p == 0) {
        printf("child: prepare %s child %s gone %s\n", shown("FORKENV_PREPARE"),
               shown("FORKENV_CHILD"), shown("FORKENV_PREPARE_GONE"));
        fflush(stdout);
        _exit(0);
    }
    int st;
    if (waitpid(p, &st, 0) != p)
        return 3;
    printf("parent: child status %d, parent %s gone %s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
           shown("FORKENV_PARENT"), shown("FORKENV_PREPARE_GONE"));
    return 0;
}

static volatile sig_atomic_t forks;

static void on_alarm(int sig)
{
    (void)sig;
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    if (p > 0 && waitpid(p, NULL, 0) == p)
        forks++;
}

static int handler_fork(int want)
{
    setenv("FORKENV_TOKEN", "forkenv-made-up-value-4567", 1);
    signal(SIGALRM, on_alarm);
    struct itimerval it = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &it, NULL);
    for (unsigned long i = 0; forks < want; i++) {
        setenv("FORKENV_LANG", i & 1 ? "en" : "de", 1);
        if (i % 64 == 0)
            setenv("FORKENV_TOKEN", i & 64 ? "forkenv-made-up-a" : "forkenv-made-up-b", 1);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("forks %d\n", want);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    if (pthread_create(&t, NULL, idle, NULL) != 0) /* a second thread: fork locks */
        return 3;
    if (argc == 2 && strcmp(argv[1], "handlers") == 0)
        return handlers();
    if (argc == 3 && strcmp(argv[1], "handler-fork") == 0)
        return handler_fork(atoi(argv[2]));
    fprintf(stderr, "usage: forkenv handlers | handler-fork N\n");
    return 2;
}
