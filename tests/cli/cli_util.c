#define _GNU_SOURCE
#include "cli_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "refmask.h"

const char *envseal_bin(void)
{
    return harness_runfile("cli/envseal");
}

const char *envseal_asan_bin(void)
{
    return harness_runfile("cli/envseal_asan");
}

const char *outprobe_bin(void)
{
    return harness_runfile("tests/cli/outprobe");
}

const char *envprobe_bin(void)
{
    return harness_runfile("tests/programs/envprobe");
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *slurp(const char *path, size_t *len)
{
    char *b = NULL;
    long n = read_file_all(path, &b);
    *len = n > 0 ? (size_t)n : 0;
    if (!b)
        b = calloc(1, 1);
    return b;
}

int run_capture(char *const argv[], const struct envb *env, const char *in,
                struct capture *c, int timeout_ms)
{
    static int seq;
    char out[512], err[512];
    memset(c, 0, sizeof *c);
    snprintf(out, sizeof out, "%s/cap-%d-%d.out", harness_tmpdir(), (int)getpid(), seq);
    snprintf(err, sizeof err, "%s/cap-%d-%d.err", harness_tmpdir(), (int)getpid(), seq++);
    pid_t pid = fork();
    if (pid == 0) {
        int i = open(in ? in : "/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (i < 0 || o < 0 || e < 0)
            _exit(120);
        dup2(i, 0);
        dup2(o, 1);
        dup2(e, 2);
        signal(SIGPIPE, SIG_DFL);
        execve(argv[0], argv, (char *const *)env->v);
        _exit(121);
    }
    long end = now_ms() + timeout_ms;
    int status = -1;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            status = -1;
            break;
        }
        usleep(2000);
    }
    c->status = status;
    c->out = slurp(out, &c->out_len);
    c->err = slurp(err, &c->err_len);
    unlink(out);
    unlink(err);
    return status;
}

void capture_free(struct capture *c)
{
    free(c->out);
    free(c->err);
    c->out = c->err = NULL;
}

bool capture_contains(const struct capture *c, const char *needle)
{
    return mem_contains(c->out, c->out_len, needle, strlen(needle)) ||
           mem_contains(c->err, c->err_len, needle, strlen(needle));
}

const char *scratch_file(const char *name, const void *data, size_t n)
{
    static char bufs[8][512];
    static int next;
    char *p = bufs[next++ % 8];
    snprintf(p, 512, "%s/%s", harness_tmpdir(), name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, n) != (ssize_t)n)
        abort();
    close(fd);
    return p;
}

size_t reference_mask(const char *const *secrets, size_t ns, const unsigned char *in, size_t n,
                      const char *mask, unsigned char *out)
{
    struct masker_secret *s = calloc(ns ? ns : 1, sizeof *s);
    if (!s)
        abort();
    for (size_t k = 0; k < ns; k++)
        s[k] = (struct masker_secret){(const unsigned char *)secrets[k], strlen(secrets[k])};
    size_t o = refmask(s, ns, in, n, (const unsigned char *)mask, strlen(mask), out);
    free(s);
    return o;
}

unsigned fnv32(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int check_both(const char *path, const struct envb *env, struct capture *c, int timeout_ms)
{
    struct capture a;
    run_capture((char *[]){(char *)envseal_bin(), "check", "--json", (char *)path, NULL}, env,
                NULL, c, timeout_ms);
    run_capture((char *[]){(char *)envseal_asan_bin(), "check", "--json", (char *)path, NULL}, env,
                NULL, &a, timeout_ms);
    const char *fault = NULL;
    if (!WIFEXITED(a.status) || strstr(a.err, "Sanitizer") || strstr(a.err, "runtime error"))
        fault = "the AddressSanitizer build failed";
    else if (!WIFEXITED(c->status))
        fault = "the normal build did not exit";
    else if (WEXITSTATUS(a.status) != WEXITSTATUS(c->status) || strcmp(a.out, c->out) != 0)
        fault = "the two builds disagree";
    if (fault)
        fprintf(stderr, "check %s: %s (status %d/%d)\n%s\n", path, fault, c->status, a.status,
                a.err);
    capture_free(&a);
    return fault ? -1 : 0;
}

pid_t spawn_with_fds(char *const argv[], const struct envb *env, int out, int err)
{
    pid_t pid = fork();
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        signal(SIGPIPE, SIG_DFL);
        execve(argv[0], argv, (char *const *)env->v);
        _exit(121);
    }
    return pid;
}

void python_argv(char *argv[11], const char *script, bool redact, const char *shim)
{
    int n = 0;
    if (redact) {
        argv[n++] = (char *)envseal_bin();
        argv[n++] = "run";
        argv[n++] = "--redact";
        argv[n++] = "--library";
        argv[n++] = (char *)shim;
        argv[n++] = "--";
    }
    argv[n++] = "/usr/bin/python3";
    argv[n++] = "-c";
    argv[n++] = (char *)script;
    argv[n] = NULL;
}

pid_t spawn_python_into_pipe(const char *script, bool redact, const char *shim,
                             const struct envb *env, int *out)
{
    char *argv[11];
    python_argv(argv, script, redact, shim);
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = spawn_with_fds(argv, env, p[1], 2);
    close(p[1]);
    *out = p[0];
    return pid;
}

size_t read_to_end_finding(int fd, const char *needle, bool *found)
{
    char buf[65536 + 32];
    size_t keep = 0, total = 0, tail = strlen(needle);
    ssize_t n;
    *found = false;
    while ((n = read(fd, buf + keep, sizeof buf - 1 - keep)) > 0) {
        size_t len = keep + (size_t)n;
        total += (size_t)n;
        buf[len] = '\0';
        *found = *found || strstr(buf, needle);
        keep = len < tail ? len : tail; /* a needle may straddle two reads */
        memmove(buf, buf + len - keep, keep);
    }
    return total;
}
