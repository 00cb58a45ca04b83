#define _GNU_SOURCE
#include "secretcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "secretfile.h"

/* The command's pid, with its stdout on *out. -1 after printing why. */
static pid_t start(const char *name, size_t nlen, const char *cmd, char *const *envp, int *out)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        cli_error("--secret-cmd %.*s: cannot make a pipe: %s", (int)nlen, name, strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    pid_t pid;
    int err = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (err) {
        close(p[0]);
        cli_error("--secret-cmd %.*s: cannot run /bin/sh: %s", (int)nlen, name, strerror(err));
        return -1;
    }
    *out = p[0];
    return pid;
}

/* The command's end, as one clause for a message; NULL for a clean exit 0. */
static const char *failure(int status, char *buf, size_t n)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return NULL;
    if (WIFEXITED(status))
        snprintf(buf, n, "the command exited with status %d", WEXITSTATUS(status));
    else
        snprintf(buf, n, "the command was killed by signal %d (SIG%s)", WTERMSIG(status),
                 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
    return buf;
}

char *secretcmd_run(const char *name, size_t nlen, const char *cmd, char *const *envp)
{
    size_t room;
    char *entry = secretvalue_alloc(name, nlen, &room);
    if (!entry) {
        cli_error("--secret-cmd %.*s: no memory for the value: %s", (int)nlen, name,
                  strerror(errno));
        return NULL;
    }
    int out;
    pid_t pid = start(name, nlen, cmd, envp, &out);
    if (pid < 0)
        return NULL;
    ssize_t len = secretvalue_read(out, entry + nlen + 1, room);
    int read_err = errno;
    close(out); /* a command still writing past the limit gets SIGPIPE */
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            status = 0x7f00; /* exit 127: its end cannot be known */
            break;
        }
    char why[128];
    const char *fail = NULL;
    if (len < 0)
        snprintf(why, sizeof why, "cannot read the command's output: %s", strerror(read_err));
    else if ((size_t)len < room)
        fail = failure(status, why, sizeof why);
    if (len < 0 || fail) {
        if (len > 0)
            explicit_bzero(entry + nlen + 1, (size_t)len);
        cli_error("--secret-cmd %.*s: %s; the program was not started", (int)nlen, name, why);
        return NULL;
    }
    char what[64 + 256];
    snprintf(what, sizeof what, "--secret-cmd %.*s: the command's output", (int)nlen, name);
    if (secretvalue_finish(entry, nlen, (size_t)len, room, what) != 0)
        return NULL;
    if (entry[nlen + 1] == '\0') {
        cli_error("--secret-cmd %.*s: the command printed nothing; the program was not started",
                  (int)nlen, name);
        return NULL;
    }
    return entry;
}
