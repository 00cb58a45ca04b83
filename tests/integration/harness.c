#define _GNU_SOURCE
#include "harness.h"

#include "cli/vault_smaps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void envb_put(struct envb *e, char *entry)
{
    if (e->n >= ENVB_MAX)
        abort();
    e->v[e->n++] = entry;
    e->v[e->n] = NULL;
}

void envb_set(struct envb *e, const char *name, const char *value)
{
    size_t nl = strlen(name);
    char *entry;
    if (asprintf(&entry, "%s=%s", name, value) < 0)
        abort();
    for (int i = 0; i < e->n; i++)
        if (strncmp(e->v[i], name, nl) == 0 && e->v[i][nl] == '=') {
            free(e->v[i]);
            e->v[i] = entry;
            return;
        }
    envb_put(e, entry);
}

void envb_init(struct envb *e, bool with_shim)
{
    e->n = 0;
    e->v[0] = NULL;
    envb_set(e, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    envb_set(e, "LANG", "C.UTF-8");
    const char *home = getenv("HOME");
    envb_set(e, "HOME", home && *home ? home : "/root");
    envb_set(e, "TMPDIR", harness_tmpdir());
    if (with_shim)
        envb_set(e, "LD_PRELOAD", harness_shim_path());
}

void envb_free(struct envb *e)
{
    for (int i = 0; i < e->n; i++)
        free(e->v[i]);
    e->n = 0;
    e->v[0] = NULL;
}

const char *harness_runfile(const char *rel)
{
    static char bufs[8][PATH_MAX];
    static int next;
    char *b = bufs[next++ % 8];
    const char *srcdir = getenv("TEST_SRCDIR");
    const char *ws = getenv("TEST_WORKSPACE");
    if (srcdir && ws)
        snprintf(b, PATH_MAX, "%s/%s/%s", srcdir, ws, rel);
    else
        snprintf(b, PATH_MAX, "%s", rel);
    char *abs = realpath(b, NULL);
    if (abs) {
        snprintf(b, PATH_MAX, "%s", abs);
        free(abs);
    }
    return b;
}

const char *harness_shim_path(void)
{
    const char *env = getenv("ENVSEAL_SO");
    return env && *env ? env : harness_runfile("preload/libenvseal.so");
}

void harness_random_secret(char *buf, size_t n, const char *tag)
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        abort();
    size_t k = (size_t)snprintf(buf, n, "%s-", tag);
    for (size_t i = 0; i < sizeof r && k + 2 < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%02x", r[i]);
}

static char tmpdir[PATH_MAX];

const char *harness_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TEST_TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/envseal-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir))
            abort();
        chmod(tmpdir, 0755);
    }
    return tmpdir;
}

void harness_cleanup(void)
{
    if (tmpdir[0]) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "harness: could not remove %s\n", tmpdir);
        tmpdir[0] = '\0';
    }
}

struct limits {
    unsigned flags;
    const char *cwd;
};

int harness_cleanup_group(void **state)
{
    (void)state;
    harness_cleanup();
    return 0;
}

static void apply_limits(const void *arg)
{
    const struct limits *l = arg;
    unsigned flags = l->flags;
    const char *cwd = l->cwd;
    signal(SIGPIPE, SIG_DFL);
    if (flags & SPAWN_NO_MEMLOCK) {
        struct rlimit zero = {0, 0};
        /* Root bypasses RLIMIT_MEMLOCK through CAP_IPC_LOCK: drop it from the
         * bounding set so the exec'd program does not get it back. */
        if (setrlimit(RLIMIT_MEMLOCK, &zero) || prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK, 0, 0, 0)) {
            dprintf(2, "harness: cannot drop memlock: %s\n", strerror(errno));
            _exit(126);
        }
    }
    if (flags & SPAWN_SMALL_AS) {
        struct rlimit as = {8u << 20, 8u << 20};
        if (setrlimit(RLIMIT_AS, &as) != 0)
            _exit(126);
    }
    if (flags & SPAWN_CORE) {
        struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY};
        setrlimit(RLIMIT_CORE, &inf);
    }
    if (cwd && chdir(cwd) != 0)
        _exit(126);
}

int proc_trace_exit(pid_t pid)
{
    return ptrace(PTRACE_SEIZE, pid, NULL, (void *)PTRACE_O_TRACEEXIT) == 0 ? 0 : -1;
}

int proc_follow_to_exit(pid_t pid, void (*at_exit)(pid_t pid, void *arg), void *arg)
{
    for (;;) {
        int st;
        pid_t w = waitpid(pid, &st, __WALL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w != pid)
            return -1;
        if (WIFEXITED(st) || WIFSIGNALED(st))
            return st;
        int inject = 0;
        if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8)))
            at_exit(pid, arg);
        else
            inject = WSTOPSIG(st); /* signal-delivery-stop: deliver it as sent */
        ptrace(PTRACE_CONT, pid, NULL, (void *)(intptr_t)inject);
    }
}

int proc_spawn(struct proc *p, char *const argv[], const struct envb *env)
{
    return proc_spawn_ex(p, argv, env, 0, NULL);
}

int proc_spawn_ex(struct proc *p, char *const argv[], const struct envb *env, unsigned flags,
                  const char *cwd)
{
    const struct limits l = {flags, cwd};
    return proc_spawn_with(p, argv, env, apply_limits, &l);
}

int proc_spawn_with(struct proc *p, char *const argv[], const struct envb *env,
                    void (*in_child)(const void *arg), const void *arg)
{
    int in[2], out[2], err[2];
    memset(p, 0, sizeof *p);
    p->in_fd = p->out_fd = p->err_fd = -1;
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        in_child(arg);
        execvpe(argv[0], argv, (char *const *)env->v);
        dprintf(2, "harness: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    p->pid = pid;
    p->in_fd = in[1];
    p->out_fd = out[0];
    p->err_fd = err[0];
    return 0;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what is available from stdout/stderr within timeout; false when both closed. */
static bool pump(struct proc *p, int timeout_ms)
{
    struct pollfd fds[2] = {{p->out_fd, POLLIN, 0}, {p->err_fd, POLLIN, 0}};
    if (p->out_fd < 0 && p->err_fd < 0)
        return false;
    if (poll(fds, 2, timeout_ms) <= 0)
        return true;
    for (int i = 0; i < 2; i++) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        char *buf = i == 0 ? p->out : p->err;
        size_t *len = i == 0 ? &p->out_len : &p->err_len;
        size_t room = sizeof p->out - 1 - *len;
        char scratch[4096];
        ssize_t n = read(fds[i].fd, room ? buf + *len : scratch, room ? room : sizeof scratch);
        if (n <= 0) {
            close(fds[i].fd);
            if (i == 0)
                p->out_fd = -1;
            else
                p->err_fd = -1;
        } else if (room) {
            *len += (size_t)n;
            buf[*len] = '\0';
        }
    }
    return true;
}

static bool has_line(const char *buf, const char *line)
{
    size_t l = strlen(line);
    for (const char *s = buf; (s = strstr(s, line)) != NULL; s++)
        if ((s == buf || s[-1] == '\n') && (s[l] == '\n' || s[l] == '\r'))
            return true;
    return false;
}

bool text_has_line(const char *buf, const char *line)
{
    size_t l = strlen(line);
    for (const char *s = buf; (s = strstr(s, line)) != NULL; s++)
        if ((s == buf || s[-1] == '\n') && (s[l] == '\n' || s[l] == '\0'))
            return true;
    return false;
}

void harness_derive(const char *seed, const char *k, char *out, size_t n)
{
    int off = snprintf(out, n, "drv%s-", k);
    size_t i = 0;
    for (; seed[i] && off + i + 1 < n; i++) {
        char c = seed[i];
        out[off + i] = c >= '0' && c <= '9' ? (char)('g' + c - '0')
                       : c >= 'a' && c <= 'f' ? (char)('q' + c - 'a')
                                              : c;
    }
    out[off + i] = '\0';
}

bool proc_wait_line(struct proc *p, const char *line, int timeout_ms)
{
    long end = now_ms() + timeout_ms;
    while (!has_line(p->out, line)) {
        long left = end - now_ms();
        if (left <= 0 || !pump(p, (int)(left > 200 ? 200 : left)))
            return has_line(p->out, line);
    }
    return true;
}

int proc_finish(struct proc *p, int timeout_ms)
{
    if (p->pid <= 0)
        return -1;
    if (p->in_fd >= 0) {
        close(p->in_fd);
        p->in_fd = -1;
    }
    long end = now_ms() + timeout_ms;
    int status;
    for (;;) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid)
            break;
        if (now_ms() > end) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            status = -1;
            break;
        }
        if (!pump(p, 50))
            usleep(10000);
    }
    while (pump(p, 100)) /* drain what remains */
        ;
    p->pid = 0;
    return status;
}

void proc_kill(struct proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
    if (p->in_fd >= 0)
        close(p->in_fd);
    if (p->out_fd >= 0)
        close(p->out_fd);
    if (p->err_fd >= 0)
        close(p->err_fd);
    p->in_fd = p->out_fd = p->err_fd = -1;
}

bool mem_contains(const void *hay, size_t n, const void *needle, size_t m)
{
    return m > 0 && n >= m && memmem(hay, n, needle, m) != NULL;
}

long read_file_all(const char *path, char **buf)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            b = realloc(b, cap + 1);
        }
        ssize_t n = read(fd, b + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    b[len] = '\0';
    *buf = b;
    return (long)len;
}

bool file_contains(const char *path, const char *needle)
{
    char *b;
    long n = read_file_all(path, &b);
    if (n < 0)
        return false;
    bool r = mem_contains(b, (size_t)n, needle, strlen(needle));
    free(b);
    return r;
}

bool proc_environ_contains(pid_t pid, const char *needle)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    return file_contains(path, needle);
}

int proc_scan_mem(pid_t pid, const char *needle, struct scan_result *r)
{
    char path[64];
    memset(r, 0, sizeof *r);
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(path, "re");
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int mem = open(path, O_RDONLY | O_CLOEXEC);
    if (!maps || mem < 0) {
        if (maps)
            fclose(maps);
        if (mem >= 0)
            close(mem);
        return -1;
    }
    struct vault_map vault[64];
    int nvault = vault_smaps_read(pid, vault, 64);
    nvault = nvault < 0 ? 0 : nvault > 64 ? 64 : nvault;
    size_t nl = strlen(needle);
    char line[512];
    size_t chunk = 1 << 20;
    char *buf = malloc(chunk + nl);
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        char perms[8] = "";
        int off = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &off) < 3)
            continue;
        if (perms[0] != 'r' || strstr(line, "[vvar]") || strstr(line, "[vsyscall]"))
            continue;
        char *name = line + off;
        name[strcspn(name, "\n")] = '\0';
        for (int v = 0; v < nvault; v++)
            if (start == vault[v].start && !vault[v].secretmem && !strstr(name, "envseal-vault"))
                name = "[envseal-vault]"; /* anonymous, told by its mark */
        bool found = false, failed = false;
        size_t carry = 0;
        for (unsigned long a = start; a < end && !found;) {
            size_t want = end - a < chunk ? end - a : chunk;
            ssize_t n = pread(mem, buf + carry, want, (off_t)a);
            if (n <= 0) {
                failed = true;
                break;
            }
            found = mem_contains(buf, carry + (size_t)n, needle, nl);
            size_t total = carry + (size_t)n;
            carry = total < nl - 1 ? total : nl - 1;
            memmove(buf, buf + total - carry, carry);
            a += (unsigned long)n;
        }
        if (failed)
            r->unreadable++;
        if (found && r->hits < SCAN_MAX_HITS) {
            snprintf(r->names[r->hits], sizeof r->names[0], "%s", name);
            r->starts[r->hits] = start;
            r->hits++;
        }
    }
    free(buf);
    fclose(maps);
    close(mem);
    return r->hits;
}

void proc_vault_info(pid_t pid, struct vault_info *vi)
{
    struct vault_map m[1];
    memset(vi, 0, sizeof *vi);
    if (vault_smaps_read(pid, m, 1) < 1)
        return;
    *vi = (struct vault_info){.found = true,
                              .secretmem = m[0].secretmem,
                              .anonymous = !m[0].secretmem,
                              .locked = m[0].locked,
                              .dontdump = m[0].dontdump,
                              .start = m[0].start,
                              .end = m[0].end};
}

int proc_gcore(pid_t pid, const char *path)
{
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof cmd,
             "gdb -nx -batch -p %d -ex 'gcore %s' >/dev/null 2>&1", (int)pid, path);
    if (system(cmd) != 0)
        return -1;
    struct stat sb;
    return stat(path, &sb) == 0 && sb.st_size > 0 ? 0 : -1;
}

bool harness_have(const char *cmd)
{
    char buf[PATH_MAX + 64];
    snprintf(buf, sizeof buf, "command -v '%s' >/dev/null 2>&1", cmd);
    return system(buf) == 0;
}

bool harness_have_secretmem(void)
{
    int fd = (int)syscall(447 /* SYS_memfd_secret */, (unsigned)O_CLOEXEC);
    bool ok = fd >= 0 && ftruncate(fd, 4096) == 0;
    void *p = ok ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    ok = p != MAP_FAILED;
    if (ok) {
        *(volatile char *)p = 1;
        munmap(p, 4096);
    }
    if (fd >= 0)
        close(fd);
    return ok;
}

void harness_core_skip_reason(char *why, size_t n)
{
    why[0] = '\0';
    char *pat = NULL;
    if (read_file_all("/proc/sys/kernel/core_pattern", &pat) < 0)
        snprintf(why, n, "/proc/sys/kernel/core_pattern is unreadable");
    else if (pat[0] == '|' || strchr(pat, '/'))
        snprintf(why, n,
                 "core_pattern (%.160s) does not put core files in the process's directory", pat);
    free(pat);
}

void harness_random_long_secret(char *buf, size_t len)
{
    char part[48];
    snprintf(buf, len + 1, "tok");
    while (strlen(buf) < len) {
        harness_random_secret(part, sizeof part, "x");
        strncat(buf, part + 2, len - strlen(buf));
    }
}

const char *harness_value_line(const char *label, const char *name, const char *value)
{
    static char buf[8][256];
    static int next;
    char *b = buf[next++ % 8];
    uint32_t h = 2166136261u;
    for (const char *c = value; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    snprintf(b, sizeof buf[0], "%s%s%s %zu:%08x", label, label[0] ? " " : "", name,
             strlen(value), h);
    return b;
}

const char *harness_scratch(const char *name, const char *text)
{
    static char paths[4][PATH_MAX];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", harness_tmpdir(), name);
    FILE *f = fopen(p, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "harness: cannot write %s\n", p);
        abort();
    }
    return p;
}

long harness_core_pieces(const char *dir, const char *secret, size_t piece)
{
    long pieces = -1;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char path[PATH_MAX + 300];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, "core", 4) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *buf;
        long n = read_file_all(path, &buf);
        unlink(path);
        if (n < 0)
            continue;
        pieces = 0;
        for (size_t i = 0; i + piece <= strlen(secret); i++)
            pieces += mem_contains(buf, (size_t)n, secret + i, piece);
        free(buf);
    }
    closedir(d);
    return pieces;
}

int proc_finish_secret(struct proc *p, const char *secret, int timeout_ms, bool *leaked)
{
    int st = proc_finish(p, timeout_ms);
    if (p->err_len)
        fprintf(stderr, "stderr: %.*s\n", (int)(p->err_len > 300 ? 300 : p->err_len), p->err);
    *leaked = strstr(p->err, secret) || strstr(p->out, secret);
    return st;
}

bool file_is_exactly(const char *path, const char *secret)
{
    char *got;
    long n = read_file_all(path, &got);
    unlink(path);
    if (n < 0)
        return false;
    bool same = (size_t)n == strlen(secret) && memcmp(got, secret, (size_t)n) == 0;
    explicit_bzero(got, (size_t)n);
    free(got);
    return same;
}
