/* system, popen and pclose of libenvseal-strict.so. glibc's versions spawn /bin/sh
 * internally with `environ`, out of reach of the exec interposers; so in strict
 * mode, when the child policy changes the shell's environment, envseal spawns the
 * shell itself (posix_spawn with the policy's environment) with glibc's semantics:
 * SIGINT/SIGQUIT ignored and SIGCHLD blocked while system() waits, the pipe and
 * close-on-exec handling of popen, the wait of pclose. When the policy changes
 * nothing, glibc's own function runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "preload/platform/interpose.h"
#include "preload/core/shim.h"
#include "preload/interposers/strict.h"
#include "preload/platform/linux/exec_target.h"
#include "preload/crash/thread_state.h"

/* What system returns when the shell cannot be started: glibc's status of a shell
 * that ran _exit(127), as POSIX describes; musl's -1 (platform/linux/musl/compat.h),
 * errno set by either. */
#ifndef ENVSEAL_LIBC_SYSTEM_NO_SHELL
#define ENVSEAL_LIBC_SYSTEM_NO_SHELL W_EXITCODE(127, 0)
#endif


typedef int (*system_fn)(const char *);
typedef FILE *(*popen_fn)(const char *, const char *);
typedef int (*pclose_fn)(FILE *);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

static void *next_system, *next_popen, *next_pclose, *next_posix_spawn;


#define SHELL_PATH "/bin/sh"

static const struct exec_target shell_target = {.path = SHELL_PATH, .dirfd = AT_FDCWD, .fd = -1};

/* ---- system ---- */

/* As glibc: the first of concurrent system() calls ignores SIGINT and SIGQUIT, the
 * last one restores them. */
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned sig_refs;
static struct sigaction saved_intr, saved_quit;

static void signals_ignore(void)
{
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    pthread_mutex_lock(&sig_lock);
    if (sig_refs++ == 0) {
        sigaction(SIGINT, &ign, &saved_intr);
        sigaction(SIGQUIT, &ign, &saved_quit);
    }
    pthread_mutex_unlock(&sig_lock);
}

static void signals_restore(void)
{
    pthread_mutex_lock(&sig_lock);
    if (--sig_refs == 0) {
        sigaction(SIGINT, &saved_intr, NULL);
        sigaction(SIGQUIT, &saved_quit, NULL);
    }
    pthread_mutex_unlock(&sig_lock);
}

struct shell_run {
    const char *command;
    bool passthrough;                  /* the policy changes nothing: glibc's own */
    const posix_spawn_file_actions_t *fa;
    const posix_spawnattr_t *attr;
    pid_t pid;
    int rc;                            /* posix_spawn's result */
};

static int spawn_shell(char *const *env, void *c)
{
    struct shell_run *r = c;
    char *argv[] = {"sh", "-c", (char *)r->command, NULL};
    r->rc = REAL(posix_spawn, spawn_fn)(&r->pid, SHELL_PATH, r->fa, r->attr, argv, env);
    return 0;
}

static int unchanged(char *const *env, void *c)
{
    (void)env;
    ((struct shell_run *)c)->passthrough = true;
    return 0;
}

struct waiting {
    pid_t pid;
    sigset_t *omask;
};

/* system() is a cancellation point (in waitpid): a cancelled caller's shell is
 * killed and the signal state restored, as glibc does. */
static void cancelled(void *arg)
{
    struct waiting *w = arg;
    kill(w->pid, SIGKILL);
    while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    signals_restore();
    masks_change(SIG_SETMASK, w->omask, NULL);
}

ENVSEAL_EXPORT int INTERPOSER(system)(const char *line)
{
    if (line == NULL || !strict_on())
        return REAL(system, system_fn)(line);

    signals_ignore();
    sigset_t chld, omask, reset;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    masks_change(SIG_BLOCK, &chld, &omask);
    sigemptyset(&reset);
    if (saved_intr.sa_handler != SIG_IGN)
        sigaddset(&reset, SIGINT);
    if (saved_quit.sa_handler != SIG_IGN)
        sigaddset(&reset, SIGQUIT);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &omask);
    posix_spawnattr_setsigdefault(&attr, &reset);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    struct shell_run r = {.command = line, .attr = &attr};
    if (child_env_run(environ, &shell_target, true, spawn_shell, unchanged, &r) != 0)
        r.rc = ENOMEM;
    posix_spawnattr_destroy(&attr);
    if (r.passthrough) {
        signals_restore();
        masks_change(SIG_SETMASK, &omask, NULL);
        return REAL(system, system_fn)(line);
    }

    int status;
    if (r.rc == 0) {
        struct waiting w = {r.pid, &omask};
        pthread_cleanup_push(cancelled, &w);
        pid_t got;
        while ((got = waitpid(r.pid, &status, 0)) < 0 && errno == EINTR)
            ;
        if (got != r.pid)
            status = -1;
        pthread_cleanup_pop(0);
    } else {
        status = ENVSEAL_LIBC_SYSTEM_NO_SHELL;
    }
    signals_restore();
    masks_change(SIG_SETMASK, &omask, NULL);
    if (r.rc != 0)
        errno = r.rc;
    return status;
}

/* ---- popen / pclose ---- */

/* Streams envseal opened: their children to wait for, and their descriptors to
 * close in later popen children (POSIX). */
struct piped {
    FILE *fp;
    int fd;
    pid_t pid;
    struct piped *next;
};

static pthread_mutex_t piped_lock = PTHREAD_MUTEX_INITIALIZER;
static struct piped *piped_list;

static bool parse_mode(const char *mode, bool *reading, bool *cloexec)
{
    bool r = false, w = false;
    *cloexec = false;
    for (const char *m = mode; *m; m++) {
        if (*m == 'r')
            r = true;
        else if (*m == 'w')
            w = true;
        else if (*m == 'e')
            *cloexec = true;
        else
            return false;
    }
    *reading = r;
    return r != w;
}

ENVSEAL_EXPORT FILE *INTERPOSER(popen)(const char *command, const char *mode)
{
    if (!strict_on())
        return REAL(popen, popen_fn)(command, mode);
    bool reading, cloexec;
    if (!parse_mode(mode, &reading, &cloexec)) {
        errno = EINVAL;
        return NULL;
    }
    struct piped *node = malloc(sizeof *node);
    int fds[2];
    if (!node || pipe2(fds, O_CLOEXEC) != 0) {
        free(node);
        return NULL;
    }
    int parent_end = reading ? fds[0] : fds[1];
    int child_end = reading ? fds[1] : fds[0];
    int child_fd = reading ? STDOUT_FILENO : STDIN_FILENO;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    struct shell_run r = {.command = command, .fa = &fa};

    pthread_mutex_lock(&piped_lock);
    int dup_end = child_end;
    if (child_end == child_fd) /* dup2 onto itself would keep close-on-exec */
        dup_end = fcntl(child_end, F_DUPFD_CLOEXEC, 3);
    int err = dup_end < 0 ? errno : posix_spawn_file_actions_adddup2(&fa, dup_end, child_fd);
    for (struct piped *p = piped_list; p && !err; p = p->next)
        if (p->fd != child_fd)
            err = posix_spawn_file_actions_addclose(&fa, p->fd);
    if (!err && child_env_run(environ, &shell_target, true, spawn_shell, unchanged, &r) != 0)
        err = ENOMEM;
    if (!err && !r.passthrough)
        err = r.rc;
    posix_spawn_file_actions_destroy(&fa);
    if (dup_end >= 0 && dup_end != child_end)
        close(dup_end);
    close(child_end);
    FILE *fp = NULL;
    if (!err && !r.passthrough) {
        if (!cloexec)
            fcntl(parent_end, F_SETFD, 0);
        fp = fdopen(parent_end, reading ? "r" : "w");
        if (fp) {
            *node = (struct piped){fp, parent_end, r.pid, piped_list};
            piped_list = node;
            node = NULL;
        } else {
            err = errno;
            kill(r.pid, SIGKILL);
            while (waitpid(r.pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
    }
    pthread_mutex_unlock(&piped_lock);
    free(node);
    if (!fp)
        close(parent_end);
    if (r.passthrough && !err)
        return REAL(popen, popen_fn)(command, mode);
    if (!fp)
        errno = err;
    return fp;
}

ENVSEAL_EXPORT int INTERPOSER(pclose)(FILE *fp)
{
    struct piped *found = NULL;
    pthread_mutex_lock(&piped_lock);
    for (struct piped **p = &piped_list; *p; p = &(*p)->next)
        if ((*p)->fp == fp) {
            found = *p;
            *p = found->next;
            break;
        }
    pthread_mutex_unlock(&piped_lock);
    if (!found)
        return REAL(pclose, pclose_fn)(fp);
    pid_t pid = found->pid;
    free(found);
    fclose(fp);
    int status;
    pid_t got;
    while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    return got == pid ? status : -1;
}
