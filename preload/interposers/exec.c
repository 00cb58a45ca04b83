/* The exec family and posix_spawn of libenvseal-strict.so: in strict mode the
 * child's environment is rewritten by the child policy (child_policy.c); otherwise
 * each call goes straight to glibc. glibc's own functions are resolved when the
 * library loads, so a vfork child never calls dlsym (which locks and allocates). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <unistd.h>

#include "preload/platform/interpose.h"
#include "preload/core/shim.h"
#include "preload/interposers/strict.h"
#include "preload/platform/linux/exec_target.h"


typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[], int);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

static void *next_execve, *next_execvpe, *next_fexecve, *next_execveat, *next_posix_spawn,
    *next_posix_spawnp;


__attribute__((constructor)) static void resolve_exec_family(void)
{
    REAL(execve, execve_fn);
    REAL(execvpe, execve_fn);
    REAL(fexecve, fexecve_fn);
    REAL(execveat, execveat_fn);
    REAL(posix_spawn, spawn_fn);
    REAL(posix_spawnp, spawn_fn);
}

/* A pin held over a successful exec is never released. That is harmless when the
 * exec replaces this process, but a vfork child shares the parent's memory: there
 * the pin is dropped before the exec (see docs/strict-mode.md). */
static bool may_hold_pin(void)
{
    return getpid() == strict_g.pid;
}

struct exec_args {
    const char *path;
    char *const *argv;
    int fd;
    int flags;
    pid_t *pid;
    const posix_spawn_file_actions_t *fa;
    const posix_spawnattr_t *attr;
};

static int call_execve(char *const *env, void *c)
{
    const struct exec_args *a = c;
    return REAL(execve, execve_fn)(a->path, a->argv, env);
}

static int call_execvpe(char *const *env, void *c)
{
    const struct exec_args *a = c;
    return REAL(execvpe, execve_fn)(a->path, a->argv, env);
}

static int call_fexecve(char *const *env, void *c)
{
    const struct exec_args *a = c;
    return REAL(fexecve, fexecve_fn)(a->fd, a->argv, env);
}

static int call_execveat(char *const *env, void *c)
{
    const struct exec_args *a = c;
    return REAL(execveat, execveat_fn)(a->fd, a->path, a->argv, env, a->flags);
}

static int call_spawn(char *const *env, void *c)
{
    const struct exec_args *a = c;
    return REAL(posix_spawn, spawn_fn)(a->pid, a->path, a->fa, a->attr, a->argv, env);
}

static int call_spawnp(char *const *env, void *c)
{
    const struct exec_args *a = c;
    return REAL(posix_spawnp, spawn_fn)(a->pid, a->path, a->fa, a->attr, a->argv, env);
}

static int run_exec(char *const envp[], const struct exec_target *target, child_env_fn fn,
                    struct exec_args *a)
{
    return child_env_run(envp, target, may_hold_pin(), fn, NULL, a);
}

static int do_execve(const char *path, char *const argv[], char *const envp[])
{
    if (!strict_on())
        return REAL(execve, execve_fn)(path, argv, envp);
    struct exec_args a = {.path = path, .argv = argv};
    const struct exec_target t = {.path = path, .dirfd = AT_FDCWD, .fd = -1};
    return run_exec(envp, &t, call_execve, &a);
}

static int do_execvpe(const char *file, char *const argv[], char *const envp[])
{
    if (!strict_on())
        return REAL(execvpe, execve_fn)(file, argv, envp);
    struct exec_args a = {.path = file, .argv = argv};
    const struct exec_target t = {.path = file, .search = true, .dirfd = AT_FDCWD, .fd = -1};
    return run_exec(envp, &t, call_execvpe, &a);
}

ENVSEAL_EXPORT int INTERPOSER(execve)(const char *path, char *const argv[], char *const envp[])
{
    return do_execve(path, argv, envp);
}

ENVSEAL_EXPORT int INTERPOSER(execv)(const char *path, char *const argv[])
{
    return do_execve(path, argv, environ);
}

ENVSEAL_EXPORT int INTERPOSER(execvpe)(const char *file, char *const argv[], char *const envp[])
{
    return do_execvpe(file, argv, envp);
}

ENVSEAL_EXPORT int INTERPOSER(execvp)(const char *file, char *const argv[])
{
    return do_execvpe(file, argv, environ);
}

ENVSEAL_EXPORT int INTERPOSER(fexecve)(int fd, char *const argv[], char *const envp[])
{
    if (!strict_on())
        return REAL(fexecve, fexecve_fn)(fd, argv, envp);
    struct exec_args a = {.fd = fd, .argv = argv};
    const struct exec_target t = {.dirfd = AT_FDCWD, .fd = fd};
    return run_exec(envp, &t, call_fexecve, &a);
}

ENVSEAL_EXPORT int INTERPOSER(execveat)(int dirfd, const char *path, char *const argv[], char *const envp[],
                            int flags)
{
    if (!strict_on())
        return REAL(execveat, execveat_fn)(dirfd, path, argv, envp, flags);
    struct exec_args a = {.fd = dirfd, .path = path, .argv = argv, .flags = flags};
    const struct exec_target t = {.path = path, .dirfd = dirfd, .fd = dirfd, .flags = flags};
    return run_exec(envp, &t, call_execveat, &a);
}

/* The list forms collect their arguments on the stack, as glibc does. */
#define COLLECT_ARGS(arg, ap, argv, envp_out)                                             \
    size_t argc_ = 1;                                                                     \
    va_start(ap, arg);                                                                    \
    while (va_arg(ap, const char *) != NULL)                                              \
        argc_++;                                                                          \
    va_end(ap);                                                                           \
    char *argv[argc_ + 1];                                                                \
    argv[0] = (char *)arg;                                                                \
    va_start(ap, arg);                                                                    \
    for (size_t i_ = 1; i_ <= argc_; i_++)                                                \
        argv[i_] = va_arg(ap, char *); /* the last one read is the NULL */               \
    envp_out;                                                                             \
    va_end(ap)

ENVSEAL_EXPORT int INTERPOSER(execl)(const char *path, const char *arg, ...)
{
    va_list ap;
    COLLECT_ARGS(arg, ap, argv, (void)0);
    return do_execve(path, argv, environ);
}

ENVSEAL_EXPORT int INTERPOSER(execle)(const char *path, const char *arg, ...)
{
    va_list ap;
    char *const *envp;
    COLLECT_ARGS(arg, ap, argv, envp = va_arg(ap, char *const *));
    return do_execve(path, argv, envp);
}

ENVSEAL_EXPORT int INTERPOSER(execlp)(const char *file, const char *arg, ...)
{
    va_list ap;
    COLLECT_ARGS(arg, ap, argv, (void)0);
    return do_execvpe(file, argv, environ);
}

/* posix_spawn returns an error number; -1 from child_env_run means no memory. */
static int spawn_result(int rc)
{
    return rc == -1 ? ENOMEM : rc;
}

ENVSEAL_EXPORT int INTERPOSER(posix_spawn)(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                               const posix_spawnattr_t *attr, char *const argv[],
                               char *const envp[])
{
    if (!strict_on())
        return REAL(posix_spawn, spawn_fn)(pid, path, fa, attr, argv, envp);
    struct exec_args a = {.pid = pid, .path = path, .fa = fa, .attr = attr, .argv = argv};
    const struct exec_target t = {.path = path, .dirfd = AT_FDCWD, .fd = -1, .cwd_may_change = fa != NULL};
    return spawn_result(child_env_run(envp, &t, true, call_spawn, NULL, &a));
}

ENVSEAL_EXPORT int INTERPOSER(posix_spawnp)(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                                const posix_spawnattr_t *attr, char *const argv[],
                                char *const envp[])
{
    if (!strict_on())
        return REAL(posix_spawnp, spawn_fn)(pid, file, fa, attr, argv, envp);
    struct exec_args a = {.pid = pid, .path = file, .fa = fa, .attr = attr, .argv = argv};
    const struct exec_target t = {
        .path = file, .search = true, .dirfd = AT_FDCWD, .fd = -1, .cwd_may_change = fa != NULL};
    return spawn_result(child_env_run(envp, &t, true, call_spawnp, NULL, &a));
}
