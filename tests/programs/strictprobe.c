/* strictprobe: a C program for the strict-mode tests, driven by its arguments, one
 * step each. It prints a value's length and FNV-1a hash, never the value.
 *
 *   show:NAME        "show NAME len:fnv" (or "show NAME (null)") from getenv
 *   secure:NAME      the same from secure_getenv ("secure NAME ...")
 *   oldsecure:NAME   the same from __secure_getenv@GLIBC_2.2.5, as a binary linked
 *                    before glibc 2.17 calls it ("oldsecure NAME ...")
 *   environ:NAME     "environ NAME present|absent" (the environ array)
 *   envp:NAME        "envp NAME present|absent" (main's third argument)
 *   whence           "getenv from FILE": the object that defines the getenv it calls
 *   set:NAME:SEED:K  setenv(NAME, derive(SEED,K)); put:NAME:SEED:K putenv (as envprobe);
 *                    keep:NAME:SEED:K setenv without overwriting ("keep NAME rc=R")
 *   unset:NAME       unsetenv;  clear  clearenv
 *   environ-null, environ-empty, environ-temp  environ = NULL, an empty array of
 *                    its own, or one of its own holding LANG=C and TZ=UTC (the first of these
 *                    saves environ); environ-back puts the saved one back
 *   fork:NAME        a fork child checks getenv(NAME), then the parent
 *   rawunset:NAME    a child made by _Fork (no fork handlers) unsets NAME and
 *                    clears the environment, then exits; the parent checks NAME
 *   title            as programs that set their process title (PostgreSQL,
 *                    setproctitle): environ copied to the heap, then the initial
 *                    environment block zeroed
 *   hold             "ready N", then waits for one line on stdin
 *   xenv:NAME:SEED:K adds NAME=derive(SEED,K) to the explicit environment
 *   xplain:NAME=V    adds NAME=V to it;  xempty  starts it empty (default: environ)
 *   fail:FN          FN (execve, posix_spawn) on a missing file: "fail FN errno=E"
 *   run:FN ...       runs this program again through FN with the remaining steps:
 *                    execve execv execvp execvpe execl execle execlp fexecve execveat
 *                    posix_spawn posix_spawnp system popen. The explicit environment
 *                    goes to the forms that take one. Spawners print "FN status S".
 * derive(SEED,K) = "drv" K "-" SEED with [0-9a-f] mapped to [g-v]. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#ifdef __GLIBC__
/* Linked against the compatibility symbol, as a pre-2.17 binary is. */
extern char *old_secure_getenv(const char *);
__asm__(".symver old_secure_getenv,__secure_getenv@GLIBC_2.2.5");
#else /* musl (strictprobe-musl) has neither */
#define old_secure_getenv(name) ((void)(name), (char *)NULL)
static int execveat(int dirfd, const char *path, char *const argv[], char *const env[],
                    int flags)
{
    (void)dirfd, (void)path, (void)argv, (void)env, (void)flags;
    errno = ENOSYS;
    return -1;
}
#endif

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void print_value(const char *label, const char *name, const char *v)
{
    if (v)
        printf("%s %s %zu:%08x\n", label, name, strlen(v), fnv(v));
    else
        printf("%s %s (null)\n", label, name);
}

static char *derive(const char *seed, const char *k)
{
    size_t n = strlen(seed);
    char *v = malloc(n + strlen(k) + 5);
    int off = sprintf(v, "drv%s-", k);
    for (size_t i = 0; i < n; i++) {
        char c = seed[i];
        v[off + i] = c >= '0' && c <= '9' ? (char)('g' + c - '0')
                     : c >= 'a' && c <= 'f' ? (char)('q' + c - 'a')
                                            : c;
    }
    v[off + n] = '\0';
    return v;
}

/* "NAME:SEED:K" -> NAME=derive(SEED,K), malloc'd. */
static char *derived_entry(const char *arg, char **name_out)
{
    char *name = strdup(arg), *seed = strchr(name, ':'), *k;
    if (!seed || !(k = strchr(seed + 1, ':')))
        exit(2);
    *seed++ = '\0';
    *k++ = '\0';
    char *v = derive(seed, k);
    char *entry;
    if (asprintf(&entry, "%s=%s", name, v) < 0)
        exit(2);
    explicit_bzero(v, strlen(v));
    free(v);
    *name_out = name;
    return entry;
}

static bool in_array(char **arr, const char *name)
{
    size_t nl = strlen(name);
    for (char **e = arr; e && *e; e++)
        if (strncmp(*e, name, nl) == 0 && (*e)[nl] == '=')
            return true;
    return false;
}

#define XENV_MAX 512
static char *xenv[XENV_MAX + 1];
static int nxenv = -1; /* -1: not started (copy environ first) */

static void xenv_start(void)
{
    if (nxenv >= 0)
        return;
    nxenv = 0;
    for (char **e = environ; e && *e && nxenv < XENV_MAX - 16; e++)
        xenv[nxenv++] = *e;
    xenv[nxenv] = NULL;
}

static void xenv_add(char *entry)
{
    xenv_start();
    if (nxenv < XENV_MAX)
        xenv[nxenv++] = entry;
    xenv[nxenv] = NULL;
}

static char **explicit_env(void)
{
    xenv_start();
    return xenv;
}

static char self[PATH_MAX];

/* This program's file name (strictprobe, strictprobe-musl), for the p-forms. */
static const char *self_name(void)
{
    const char *slash = strrchr(self, '/');
    return slash ? slash + 1 : self;
}

/* The shell command for system/popen: this program with the child's steps. */
static char *shell_command(char **steps, int n)
{
    size_t len = strlen(self) + 3;
    for (int i = 0; i < n; i++)
        len += strlen(steps[i]) + 3;
    char *cmd = malloc(len + 1);
    char *p = cmd + sprintf(cmd, "'%s'", self);
    for (int i = 0; i < n; i++)
        p += sprintf(p, " '%s'", steps[i]);
    return cmd;
}

static void report_status(const char *fn, int status)
{
    if (status == -1)
        printf("%s status error errno=%d\n", fn, errno);
    else if (WIFEXITED(status))
        printf("%s status %d\n", fn, WEXITSTATUS(status));
    else
        printf("%s status signal %d\n", fn, WTERMSIG(status));
}

/* Runs this program through fn with steps[0..n) as its arguments. */
static void run_through(const char *fn, char **steps, int n)
{
    char *argv[n + 2];
    argv[0] = "strictprobe";
    for (int i = 0; i < n; i++)
        argv[i + 1] = steps[i];
    argv[n + 1] = NULL;
    /* The list forms take up to four steps; the list must end right after them
     * (execle reads its envp after the first NULL). */
    char *a[5] = {NULL, NULL, NULL, NULL, NULL};
    if (n > 4)
        exit(2);
    for (int i = 0; i < n; i++)
        a[i] = steps[i];
#define LIST_CALL(call, ...)                                                             \
    (n == 0   ? call(__VA_ARGS__, (char *)NULL)                                           \
     : n == 1 ? call(__VA_ARGS__, a[0], (char *)NULL)                                     \
     : n == 2 ? call(__VA_ARGS__, a[0], a[1], (char *)NULL)                               \
     : n == 3 ? call(__VA_ARGS__, a[0], a[1], a[2], (char *)NULL)                         \
              : call(__VA_ARGS__, a[0], a[1], a[2], a[3], (char *)NULL))
#define LIST_CALL_ENV(call, ...)                                                         \
    (n == 0   ? call(__VA_ARGS__, (char *)NULL, env)                                      \
     : n == 1 ? call(__VA_ARGS__, a[0], (char *)NULL, env)                                \
     : n == 2 ? call(__VA_ARGS__, a[0], a[1], (char *)NULL, env)                          \
     : n == 3 ? call(__VA_ARGS__, a[0], a[1], a[2], (char *)NULL, env)                    \
              : call(__VA_ARGS__, a[0], a[1], a[2], a[3], (char *)NULL, env))
    char **env = explicit_env();
    fflush(stdout);

    if (strcmp(fn, "execve") == 0) {
        execve(self, argv, env);
    } else if (strcmp(fn, "execv") == 0) {
        execv(self, argv);
    } else if (strcmp(fn, "execvp") == 0) {
        execvp(self_name(), argv);
    } else if (strcmp(fn, "execvpe") == 0) {
        execvpe(self_name(), argv, env);
    } else if (strcmp(fn, "execl") == 0) {
        LIST_CALL(execl, self, "strictprobe");
    } else if (strcmp(fn, "execle") == 0) {
        LIST_CALL_ENV(execle, self, "strictprobe");
    } else if (strcmp(fn, "execlp") == 0) {
        LIST_CALL(execlp, self_name(), "strictprobe");
    } else if (strcmp(fn, "fexecve") == 0) {
        int fd = open(self, O_RDONLY | O_CLOEXEC);
        fexecve(fd, argv, env);
    } else if (strcmp(fn, "execveat") == 0) {
        execveat(AT_FDCWD, self, argv, env, 0);
    } else if (strcmp(fn, "posix_spawn") == 0 || strcmp(fn, "posix_spawnp") == 0) {
        pid_t pid;
        int rc = fn[11] == 'p' ? posix_spawnp(&pid, self_name(), NULL, NULL, argv, env)
                               : posix_spawn(&pid, self, NULL, NULL, argv, env);
        int status = -1;
        if (rc == 0)
            waitpid(pid, &status, 0);
        else
            errno = rc;
        report_status(fn, status);
        return;
    } else if (strcmp(fn, "system") == 0) {
        char *cmd = shell_command(steps, n);
        int status = system(cmd);
        fflush(stdout);
        report_status(fn, status);
        free(cmd);
        return;
    } else if (strcmp(fn, "popen") == 0) {
        char *cmd = shell_command(steps, n);
        FILE *f = popen(cmd, "r");
        if (!f) {
            printf("popen failed errno=%d\n", errno);
            return;
        }
        char line[512];
        while (fgets(line, sizeof line, f))
            fputs(line, stdout); /* the child's lines: lengths and hashes only */
        report_status("pclose", pclose(f));
        free(cmd);
        return;
    } else {
        fprintf(stderr, "strictprobe: unknown function %s\n", fn);
        exit(2);
    }
    printf("exec %s failed errno=%d\n", fn, errno);
    exit(3);
}

static void fail_through(const char *fn)
{
    char *argv[] = {"missing", NULL};
    int err;
    if (strcmp(fn, "posix_spawn") == 0) {
        pid_t pid;
        err = posix_spawn(&pid, "/nonexistent/envseal-missing", NULL, NULL, argv, environ);
        if (err == 0)
            waitpid(pid, NULL, 0);
    } else {
        errno = 0;
        int rc = execve("/nonexistent/envseal-missing", argv, explicit_env());
        err = rc == -1 ? errno : 0;
    }
    printf("fail %s errno=%d\n", fn, err);
}

static void rawunset_check(const char *name)
{
    const char *before = getenv(name);
    uint32_t h = before ? fnv(before) : 0;
    fflush(stdout);
    pid_t pid = _Fork();
    if (pid == 0) {
        unsetenv(name);
        clearenv();
        exit(0);
    }
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    const char *now = getenv(name);
    printf("rawunset parent %s\n",
           before && now && fnv(now) == h && WIFEXITED(st) ? "ok" : "bad");
}

static void fork_check(const char *name)
{
    const char *before = getenv(name);
    uint32_t h = before ? fnv(before) : 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        const char *now = getenv(name);
        printf("child %s\n", before && now && fnv(now) == h ? "ok" : "bad");
        exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    const char *now = getenv(name);
    printf("parent %s\n", before && now && fnv(now) == h && WIFEXITED(st) ? "ok" : "bad");
}

/* Puts the directory of this program first on PATH, for the p-forms. */
static void path_to_self(void)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", self);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = '\0';
    const char *old = getenv("PATH");
    char *path;
    if (asprintf(&path, "%s:%s", dir, old ? old : "/usr/bin:/bin") < 0)
        exit(2);
    setenv("PATH", path, 1);
    free(path);
}

static char **saved_environ;

static void retitle(char **envp)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **copy = calloc(n + 1, sizeof *copy);
    for (size_t i = 0; i < n; i++)
        copy[i] = strdup(environ[i]);
    environ = copy;
    for (size_t i = 0; envp[i]; i++) /* the block the kernel wrote, now the title's */
        memset(envp[i], 0, strlen(envp[i]));
}

int main(int argc, char **argv, char **envp)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 2;
    self[n] = '\0';
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        char *arg = strchr(a, ':');
        if (arg)
            arg++;
        if (strncmp(a, "show:", 5) == 0) {
            print_value("show", arg, getenv(arg));
        } else if (strncmp(a, "secure:", 7) == 0) {
            print_value("secure", arg, secure_getenv(arg));
        } else if (strncmp(a, "oldsecure:", 10) == 0) {
            print_value("oldsecure", arg, old_secure_getenv(arg));
        } else if (strncmp(a, "environ:", 8) == 0) {
            printf("environ %s %s\n", arg, in_array(environ, arg) ? "present" : "absent");
        } else if (strncmp(a, "envp:", 5) == 0) {
            printf("envp %s %s\n", arg, in_array(envp, arg) ? "present" : "absent");
        } else if (strcmp(a, "whence") == 0) {
            Dl_info info;
            void *f = dlsym(RTLD_DEFAULT, "getenv");
            const char *file = f && dladdr(f, &info) && info.dli_fname ? info.dli_fname : "?";
            const char *base = strrchr(file, '/');
            printf("getenv from %s\n", base ? base + 1 : file);
        } else if (strncmp(a, "set:", 4) == 0 || strncmp(a, "put:", 4) == 0 ||
                   strncmp(a, "keep:", 5) == 0) {
            char *name;
            char *entry = derived_entry(arg, &name);
            int rc;
            if (a[0] != 'p') {
                rc = setenv(name, entry + strlen(name) + 1, a[0] == 's');
            } else {
                rc = putenv(entry);
            }
            explicit_bzero(entry, strlen(entry)); /* envseal copied it into the vault */
            free(entry);
            printf("%s %s rc=%d\n", a[0] == 's' ? "set" : a[0] == 'p' ? "put" : "keep", name, rc);
            free(name);
        } else if (strncmp(a, "unset:", 6) == 0) {
            printf("unset %s rc=%d\n", arg, unsetenv(arg));
        } else if (strcmp(a, "environ-temp") == 0) {
            static char lang[] = "LANG=C", tz[] = "TZ=UTC", *temp[] = {lang, tz, NULL};
            if (!saved_environ)
                saved_environ = environ;
            environ = temp; /* a temporary environment of its own, for a while */
        } else if (strcmp(a, "environ-empty") == 0 || strcmp(a, "environ-null") == 0) {
            static char *empty[] = {NULL};
            if (!saved_environ)
                saved_environ = environ;
            environ = a[8] == 'e' ? empty : NULL; /* as a program may, behind libc */
        } else if (strcmp(a, "title") == 0) {
            retitle(envp);
        } else if (strcmp(a, "environ-back") == 0) {
            environ = saved_environ;
        } else if (strcmp(a, "clear") == 0) {
            printf("clear rc=%d\n", clearenv());
        } else if (strncmp(a, "fork:", 5) == 0) {
            fork_check(arg);
        } else if (strncmp(a, "rawunset:", 9) == 0) {
            rawunset_check(arg);
        } else if (strcmp(a, "hold") == 0) {
            static int holds;
            printf("ready %d\n", ++holds);
            char line[64];
            if (!fgets(line, sizeof line, stdin))
                clearerr(stdin);
        } else if (strncmp(a, "xenv:", 5) == 0) {
            char *name;
            xenv_add(derived_entry(arg, &name));
            free(name);
        } else if (strncmp(a, "xplain:", 7) == 0) {
            xenv_add(arg);
        } else if (strcmp(a, "xempty") == 0) {
            nxenv = 0;
            xenv[0] = NULL;
        } else if (strncmp(a, "fail:", 5) == 0) {
            fail_through(arg);
        } else if (strncmp(a, "run:", 4) == 0) {
            path_to_self(); /* for execvp, execvpe, execlp, posix_spawnp */
            run_through(arg, argv + i + 1, argc - i - 1);
            return 0;
        } else {
            fprintf(stderr, "strictprobe: unknown step %s\n", a);
            return 2;
        }
    }
    return 0;
}
