/* policyexec: a parent that starts its child in ways strict mode's child policy
 * must judge as the C library and the loader will (tests/integration/
 * child_policy_test.c):
 *
 *   policyexec spawn-chdir DIR PROG [ARG]...
 *       posix_spawn(PROG) with environ after posix_spawn_file_actions_addchdir_np(DIR):
 *       a relative PROG is the one in DIR
 *   policyexec dup-preload PROG [ARG]...
 *       execve(PROG) with a copy of environ and "LD_PRELOAD=" after it (glibc's
 *       loader reads the last LD_PRELOAD, empty here)
 *
 * Exits with the child's exit status (spawn-chdir), or 127 when the start fails. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int spawn_chdir(const char *dir, char **argv)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0 ||
        posix_spawn_file_actions_addchdir_np(&fa, dir) != 0)
        return 127;
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "policyexec: posix_spawn %s: %s\n", argv[0], strerror(rc));
        return 127;
    }
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return 127;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int dup_preload(char **argv)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        return 127;
    memcpy(env, environ, n * sizeof *env);
    env[n] = "LD_PRELOAD=";
    execve(argv[0], argv, env);
    perror("policyexec: execve");
    return 127;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 4 && strcmp(argv[1], "spawn-chdir") == 0)
        return spawn_chdir(argv[2], argv + 3);
    if (argc >= 3 && strcmp(argv[1], "dup-preload") == 0)
        return dup_preload(argv + 2);
    fprintf(stderr, "usage: policyexec spawn-chdir DIR PROG [ARG]... | dup-preload PROG [ARG]...\n");
    return 2;
}
