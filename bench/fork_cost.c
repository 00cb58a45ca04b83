/* One process's fork cycles, for bench/fork_cost.sh: N times, put SIGINT's action
 * back (as a shell does around each command), fork, and in the child reset SIGINT
 * and SIGQUIT and exit through exit(). Prints the mean microseconds per cycle and
 * the minor page faults per cycle of the parent and of the children.
 * Usage: fork_cost N */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cycle(void)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(SIGINT, &dfl, NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        sigaction(SIGINT, &dfl, NULL);
        sigaction(SIGQUIT, &dfl, NULL);
        exit(0);
    }
    int st;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    long n = argc == 2 ? atol(argv[1]) : 0;
    if (n <= 0) {
        fputs("usage: fork_cost N\n", stderr);
        return 2;
    }
    for (int i = 0; i < 5; i++) /* warm-up: first calls bind and fault in */
        if (cycle() != 0)
            return 1;
    struct rusage s0, s1, c0, c1;
    getrusage(RUSAGE_SELF, &s0);
    getrusage(RUSAGE_CHILDREN, &c0);
    double t0 = now_us();
    for (long i = 0; i < n; i++)
        if (cycle() != 0)
            return 1;
    double t1 = now_us();
    getrusage(RUSAGE_SELF, &s1);
    getrusage(RUSAGE_CHILDREN, &c1);
    printf("%.1f %.2f %.2f\n", (t1 - t0) / (double)n,
           (double)(s1.ru_minflt - s0.ru_minflt) / (double)n,
           (double)(c1.ru_minflt - c0.ru_minflt) / (double)n);
    return 0;
}
