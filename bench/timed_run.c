/* timed_run PROGRAM [ARG...]: runs PROGRAM and prints one line, "WALL_NS CPU_US":
 * the wall time from before fork to after wait4, and the CPU time (user + system)
 * of PROGRAM and of every descendant it waited for, as wait4 reports it. CPU time
 * is what the processes themselves spent, so it moves less than wall time when the
 * machine has other work (bench/shell_workload.sh reports both). The program's
 * output goes where this one's does; a program that fails makes this fail. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: timed_run PROGRAM [ARG...]\n");
        return 2;
    }
    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        perror("timed_run: fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror("timed_run: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("timed_run: wait4");
        return 1;
    }
    long long wall = now_ns() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "timed_run: %s did not exit 0 (wait status %#x)\n", argv[1], status);
        return 1;
    }
    long long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec +
                    ru.ru_stime.tv_usec;
    printf("%lld %lld\n", wall, cpu);
    return 0;
}
