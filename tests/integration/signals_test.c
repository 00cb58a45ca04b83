/* Signal hooks and the crash-time sweep under real programs: python3, perl, bash,
 * node, psql (against a real PostgreSQL server) and a C program, each holding a
 * secret from the environment (and a copy in its own variables), are killed by
 * SIGSEGV, SIGABRT and SIGQUIT with core dumps enabled. The kernel's core file must
 * hold no copy of the secret under the shim, and does hold one without it (the
 * control run in the same case). Wait statuses must be identical with and without
 * the shim; the program's own handlers and Python's SIGINT behaviour must work;
 * sigaction & co. must report exactly what they report without the shim. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pg_fixture.h"

#define WAIT_MS 30000
#define PG_ROLE "envseal_sig"
#define VAR "APP_SECRET"

enum prog { P_PYTHON, P_PERL, P_BASH, P_NODE, P_PSQL, P_C, NPROGS };

static const char *const prog_label[NPROGS] = {"python3", "perl", "bash", "node", "psql", "c"};
static const char *const prog_command[NPROGS] = {"/usr/bin/python3", "perl", "bash", "node",
                                                 "psql", NULL};

/* Each program copies the secret into its own variables, prints "len N" (psql:
 * its login proves it has the password), then "ready", then waits on stdin. */
static const char py_hold[] = "import os, sys\n"
                              "v = os.environ['" VAR "']\n"
                              "copy = (v + '.')[:-1]\n"
                              "raw = os.environb[b'" VAR "']\n"
                              "print('len', len(copy), flush=True)\n"
                              "print('ready', flush=True)\n"
                              "sys.stdin.readline()\n";
static const char pl_hold[] = "my $v = $ENV{" VAR "}; my $copy = \"$v\"; $| = 1;"
                              "print 'len ', length($copy), \"\\nready\\n\"; my $l = <STDIN>;";
static const char sh_hold[] = "s=\"$" VAR "\"; copy=\"${s}.\"; copy=\"${copy%.}\";"
                              "echo \"len ${#copy}\"; echo ready; read -r line";
static const char js_hold[] = "const v = process.env." VAR ";"
                              "globalThis.copy = (v + '.').slice(0, -1);"
                              "console.log('len ' + globalThis.copy.length);"
                              "console.log('ready'); process.stdin.resume();";

static struct proc cur;
static char core_skip[256];  /* why core files cannot be read here, or "" */
static char secret[64];

/* ---- Processes ------------------------------------------------------------------- */

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

/* In the child before exec: a working directory, RLIMIT_CORE, and default
 * dispositions and an empty mask for every signal (whatever the test runner left). */
struct child_setup {
    const char *cwd;
    bool cores;
};

static void reset_child(const void *arg)
{
    const struct child_setup *c = arg;
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct rlimit rl;
    getrlimit(RLIMIT_CORE, &rl);
    if (c->cores) {
        struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY};
        if (setrlimit(RLIMIT_CORE, &inf) != 0) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_CORE, &rl);
        }
    } else {
        rl.rlim_cur = 0;
        setrlimit(RLIMIT_CORE, &rl);
    }
    if (chdir(c->cwd) != 0)
        _exit(126);
}

static int spawn_at(struct proc *p, char *const argv[], const struct envb *env, const char *cwd,
                    bool cores)
{
    const struct child_setup c = {cwd, cores};
    return proc_spawn_with(p, argv, env, reset_child, &c);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what remains on stdout/stderr of a process that has exited. */
static void drain(struct proc *p)
{
    int *fds[2] = {&p->out_fd, &p->err_fd};
    char *bufs[2] = {p->out, p->err};
    size_t *lens[2] = {&p->out_len, &p->err_len};
    for (int i = 0; i < 2; i++) {
        while (*fds[i] >= 0) {
            struct pollfd pf = {*fds[i], POLLIN, 0};
            char scratch_buf[4096];
            size_t room = sizeof p->out - 1 - *lens[i];
            ssize_t n = -1;
            if (poll(&pf, 1, 2000) > 0)
                n = read(*fds[i], room ? bufs[i] + *lens[i] : scratch_buf,
                         room ? room : sizeof scratch_buf);
            if (n <= 0) {
                close(*fds[i]);
                *fds[i] = -1;
            } else if (room) {
                *lens[i] += (size_t)n;
                bufs[i][*lens[i]] = '\0';
            }
        }
    }
}

/* Waits for the process to end without closing its stdin (so it ends by the
 * signal, not by EOF); after eof_ms its stdin is closed, for programs that
 * survive the signal. Returns the wait status, or -1 on timeout (then killed). */
static int wait_exit(struct proc *p, int eof_ms)
{
    long start = now_ms();
    int status = -1;
    for (;;) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid)
            break;
        long t = now_ms() - start;
        if (t > eof_ms && p->in_fd >= 0) {
            close(p->in_fd);
            p->in_fd = -1;
        }
        if (t > WAIT_MS) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, NULL, 0);
            status = -1;
            break;
        }
        usleep(5000);
    }
    p->pid = 0;
    if (p->in_fd >= 0) {
        close(p->in_fd);
        p->in_fd = -1;
    }
    drain(p);
    return status;
}

static void show_output(const char *what, const struct proc *p)
{
    print_error("%s stdout:\n%s\n%s stderr:\n%s\n", what, p->out, what, p->err);
}

static const char *describe(int status, char *buf, size_t n)
{
    if (status == -1)
        snprintf(buf, n, "timeout");
    else if (WIFEXITED(status))
        snprintf(buf, n, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, n, "signal %d (%s)%s", WTERMSIG(status), strsignal(WTERMSIG(status)),
                 WCOREDUMP(status) ? " core dumped" : "");
    else
        snprintf(buf, n, "status %#x", status);
    return buf;
}

/* A fresh empty directory for one run (the core file lands there). */
static void fresh_dir(char *dir, size_t n)
{
    static int seq;
    snprintf(dir, n, "%s/run-%d", harness_tmpdir(), ++seq);
    assert_int_equal(mkdir(dir, 0755), 0);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[PATH_MAX + 300];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ---- Programs -------------------------------------------------------------------- */

static bool need_program(enum prog p)
{
    const char *cmd = prog_command[p];
    if (cmd && !harness_have(cmd)) {
        print_message("skipped: %s is not installed\n", cmd);
        return false;
    }
    if (p == P_PSQL && pg_shared.server.pid <= 0) {
        const char *why;
        if (!pg_server_available(&why)) {
            print_message("skipped: no PostgreSQL server can run here: %s\n", why);
            return false;
        }
        print_error("PostgreSQL server did not start: %s\n", pg_shared.error);
        fail();
    }
    return true;
}

/* The secret this program holds: psql's is the role's password. */
static const char *secret_for(enum prog p)
{
    return p == P_PSQL ? pg_shared.password : secret;
}

/* Starts the program holding its secret, in cwd; waits for "ready". */
static void start(enum prog p, bool shim, const char *cwd, bool cores)
{
    struct envb env;
    envb_init(&env, shim);
    char port[16];
    char *argv[20] = {NULL};
    switch (p) {
    case P_PYTHON:
        argv[0] = "/usr/bin/python3", argv[1] = "-c", argv[2] = (char *)py_hold;
        break;
    case P_PERL:
        argv[0] = "perl", argv[1] = "-e", argv[2] = (char *)pl_hold;
        break;
    case P_BASH:
        argv[0] = "bash", argv[1] = "-c", argv[2] = (char *)sh_hold;
        break;
    case P_NODE:
        argv[0] = "node", argv[1] = "-e", argv[2] = (char *)js_hold;
        break;
    case P_C:
        argv[0] = (char *)harness_runfile("tests/programs/sigprobe");
        argv[1] = "hold", argv[2] = VAR;
        break;
    case P_PSQL: {
        snprintf(port, sizeof port, "%d", pg_shared.server.port);
        char *a[] = {"psql", "-X", "-w", "-q", "-A", "-t", "-h", "127.0.0.1", "-p",
                     port, "-U", PG_ROLE, "-d", "postgres", NULL};
        memcpy(argv, a, sizeof a);
        envb_set(&env, "PGPASSWORD", pg_shared.password);
        pg_fixture_client_env(&env, harness_tmpdir());
        break;
    }
    default:
        fail();
    }
    if (p != P_PSQL)
        envb_set(&env, VAR, secret);
    assert_int_equal(spawn_at(&cur, argv, &env, cwd, cores), 0);
    envb_free(&env);
    if (p == P_PSQL) {
        static const char cmd[] = "\\echo ready\n";
        assert_int_equal(write(cur.in_fd, cmd, sizeof cmd - 1), (ssize_t)(sizeof cmd - 1));
    }
    if (!proc_wait_line(&cur, "ready", WAIT_MS)) {
        show_output(prog_label[p], &cur);
        fail_msg("%s: no \"ready\" line", prog_label[p]);
    }
    if (p != P_PSQL) {
        char want[32];
        snprintf(want, sizeof want, "len %zu", strlen(secret));
        if (!text_has_line(cur.out, want)) {
            show_output(prog_label[p], &cur);
            fail_msg("%s did not get its secret (%s)", prog_label[p], shim ? "shim" : "control");
        }
    }
}

/* ---- Cores ------------------------------------------------------------------------ */

static int check_core_pattern(void)
{
    char *pat = NULL;
    long n = read_file_all("/proc/sys/kernel/core_pattern", &pat);
    if (n < 0) {
        snprintf(core_skip, sizeof core_skip, "/proc/sys/kernel/core_pattern is unreadable");
        return 0;
    }
    pat[strcspn(pat, "\n")] = '\0';
    if (pat[0] == '|')
        snprintf(core_skip, sizeof core_skip,
                 "core_pattern pipes core dumps to a handler (%.160s): no core file to read",
                 pat);
    else if (strchr(pat, '/'))
        snprintf(core_skip, sizeof core_skip,
                 "core_pattern (%.160s) puts core files outside the process's directory", pat);
    free(pat);
    return 0;
}

static bool need_cores(void)
{
    if (core_skip[0]) {
        print_message("skipped: %s\n", core_skip);
        return false;
    }
    return true;
}

struct core_check {
    int status;
    bool core;      /* a core file was written */
    long size;
    bool raw;       /* it holds the secret's bytes */
    bool utf16;     /* it holds the secret in UTF-16LE */
    long pieces;    /* how many of the value's PIECE-byte substrings it holds */
    char out[256];  /* the program's stderr tail, for messages */
};

/* The shortest slice of a value that must not survive: less than a vector register
 * (16 to 64 bytes), which is where a parked thread's slices would be. */
#define PIECE 12

static void utf16le(const char *s, char *out, size_t *n)
{
    size_t k = 0;
    for (; *s; s++) {
        out[k++] = *s;
        out[k++] = 0;
    }
    *n = k - 1; /* the final zero byte is not needed to recognise it */
}

/* Reads the core the run left in dir (the only file there) and removes it. */
/* The path of the core file the kernel wrote in dir; "" when there is none. */
static void find_core(const char *dir, char *path, size_t n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    path[0] = '\0';
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, "core", 4) == 0)
            snprintf(path, n, "%s/%s", dir, e->d_name);
    closedir(d);
}

static void read_core(const char *dir, const char *value, struct core_check *c)
{
    char path[PATH_MAX + 300];
    find_core(dir, path, sizeof path);
    c->core = path[0] != '\0';
    if (!c->core)
        return;
    char *buf;
    c->size = read_file_all(path, &buf);
    unlink(path);
    if (c->size < 0) {
        c->core = false;
        return;
    }
    char wide[256];
    size_t wn;
    utf16le(value, wide, &wn);
    c->raw = mem_contains(buf, (size_t)c->size, value, strlen(value));
    c->utf16 = mem_contains(buf, (size_t)c->size, wide, wn);
    c->pieces = 0;
    for (size_t i = 0; i + PIECE <= strlen(value); i++)
        c->pieces += mem_contains(buf, (size_t)c->size, value + i, PIECE);
    free(buf);
}

/* Starts argv with the secret in VAR, in a fresh directory (dir), without waiting. */
static void spawn_holding(char *const argv[], bool shim, char *dir, size_t n, bool cores)
{
    fresh_dir(dir, n);
    struct envb env;
    envb_init(&env, shim);
    envb_set(&env, VAR, secret);
    assert_int_equal(spawn_at(&cur, argv, &env, dir, cores), 0);
    envb_free(&env);
}

/* spawn_holding, then waits for its "ready" line. */
static void start_holding(char *const argv[], bool shim, char *dir, size_t n, bool cores)
{
    spawn_holding(argv, shim, dir, n, cores);
    assert_true(proc_wait_line(&cur, "ready", WAIT_MS));
}

/* Waits for the run in dir to end, keeps its status, stderr tail and what its core
 * holds of value, and removes dir. */
static void end_run(const char *dir, const char *value, struct core_check *c)
{
    memset(c, 0, sizeof *c);
    c->status = wait_exit(&cur, 5000);
    snprintf(c->out, sizeof c->out, "%.255s",
             cur.err_len > 200 ? cur.err + cur.err_len - 200 : cur.err);
    read_core(dir, value, c);
    remove_dir(dir);
}

/* Kills the ready program with sig and inspects its core. */
static void kill_and_check(enum prog p, bool shim, int sig, const char *stdin_line,
                           struct core_check *c)
{
    char dir[PATH_MAX];
    fresh_dir(dir, sizeof dir);
    start(p, shim, dir, true);
    if (stdin_line)
        assert_int_equal(write(cur.in_fd, stdin_line, strlen(stdin_line)),
                         (ssize_t)strlen(stdin_line));
    else
        assert_int_equal(kill(cur.pid, sig), 0);
    end_run(dir, secret_for(p), c);
}

/* The shim's run must be clean, the control run must leak, both die alike. */
static void expect_clean_core(const char *what, int sig, const struct core_check *with,
                              const struct core_check *without)
{
    char a[96], b[96];
    print_message("%s: shim %s, core %ld bytes; control %s, core %ld bytes\n", what,
                  describe(with->status, a, sizeof a), with->size,
                  describe(without->status, b, sizeof b), without->size);
    if (with->status != without->status)
        fail_msg("%s: wait status differs: shim %s, control %s", what, a, b);
    if (!WIFSIGNALED(with->status) || WTERMSIG(with->status) != sig || !WCOREDUMP(with->status))
        fail_msg("%s: expected death by signal %d with a core, got %s (stderr: %s)", what, sig, a,
                 with->out);
    if (!with->core || !without->core)
        fail_msg("%s: core file missing (shim %d, control %d)", what, with->core, without->core);
    if (!without->raw)
        fail_msg("%s: the control core does not hold the secret: the check would catch nothing",
                 what);
    if (with->raw || with->utf16)
        fail_msg("%s: the core dumped under the shim holds the secret (%s)", what,
                 with->raw ? "raw bytes" : "UTF-16");
}

struct core_case {
    enum prog prog;
    int sig;
};

static void test_core(void **state)
{
    const struct core_case *k = *state;
    if (!need_cores() || !need_program(k->prog))
        skip();
    struct core_check with, without;
    kill_and_check(k->prog, true, k->sig, NULL, &with);
    kill_and_check(k->prog, false, k->sig, NULL, &without);
    char what[64];
    snprintf(what, sizeof what, "%s %s", prog_label[k->prog], sigabbrev_np(k->sig));
    if (k->prog == P_BASH && k->sig == SIGQUIT) {
        /* bash ignores SIGQUIT in all cases (bash(1), SIGNALS): it must go on
         * ignoring it under the shim, and end alike when its stdin closes. */
        char a[96], b[96];
        print_message("%s: bash ignores SIGQUIT; shim %s, control %s, no core either way\n",
                      what, describe(with.status, a, sizeof a),
                      describe(without.status, b, sizeof b));
        assert_int_equal(with.status, without.status);
        assert_true(WIFEXITED(with.status));
        assert_false(with.core || without.core);
        return;
    }
    expect_clean_core(what, k->sig, &with, &without);
}

/* ---- Wait statuses ------------------------------------------------------------------ */

static int status_of(enum prog p, bool shim, int sig, bool cores)
{
    char dir[PATH_MAX];
    fresh_dir(dir, sizeof dir);
    start(p, shim, dir, cores);
    assert_int_equal(kill(cur.pid, sig), 0);
    int st = wait_exit(&cur, 3000);
    remove_dir(dir);
    return st;
}

struct status_case {
    enum prog prog;
    int sig;
    bool cores;
};

static void test_status(void **state)
{
    const struct status_case *k = *state;
    if (!need_program(k->prog) || (k->cores && !need_cores()))
        skip();
    int with = status_of(k->prog, true, k->sig, k->cores);
    int without = status_of(k->prog, false, k->sig, k->cores);
    char a[96], b[96];
    print_message("%s %s: shim %s, control %s\n", prog_label[k->prog], sigabbrev_np(k->sig),
                  describe(with, a, sizeof a), describe(without, b, sizeof b));
    assert_int_not_equal(with, -1);
    assert_int_equal(with, without);
}

/* ---- Handlers the program installs ---------------------------------------------------- */

/* A SIGTERM handler reading the secret inside the handler, then exit 0. */
static void test_own_sigterm_handler(void **state)
{
    (void)state;
    for (int shim = 1; shim >= 0; shim--) {
        char *argv[] = {(char *)harness_runfile("tests/programs/sigprobe"), "term", VAR, NULL};
        char dir[PATH_MAX];
        start_holding(argv, shim, dir, sizeof dir, false);
        assert_int_equal(kill(cur.pid, SIGTERM), 0);
        int st = wait_exit(&cur, 5000);
        remove_dir(dir);
        if (!text_has_line(cur.out, "term ok") || !text_has_line(cur.out, "exiting") || !WIFEXITED(st) ||
            WEXITSTATUS(st) != 0) {
            show_output(shim ? "sigprobe term (shim)" : "sigprobe term (control)", &cur);
            fail_msg("the program's SIGTERM handler did not read its secret and exit 0");
        }
    }
}

static const char py_sigint[] =
    "import os, signal, sys\n"
    "print('getsignal', signal.getsignal(signal.SIGINT) is signal.default_int_handler,\n"
    "      signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,\n"
    "      signal.getsignal(signal.SIGSEGV) == signal.SIG_DFL,\n"
    "      signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN, flush=True)\n"
    "v = os.environ['" VAR "']\n"
    "try:\n"
    "    print('ready', flush=True)\n"
    "    sys.stdin.readline()\n"
    "    print('no KeyboardInterrupt', flush=True)\n"
    "except KeyboardInterrupt:\n"
    "    print('caught KeyboardInterrupt', len(v), flush=True)\n"
    "    sys.exit(0)\n";

/* signal.getsignal(SIGINT) is default_int_handler; SIGINT raises KeyboardInterrupt. */
static void test_python_sigint(void **state)
{
    (void)state;
    char outs[2][1024];
    for (int shim = 1; shim >= 0; shim--) {
        char *argv[] = {"/usr/bin/python3", "-c", (char *)py_sigint, NULL};
        char dir[PATH_MAX];
        start_holding(argv, shim, dir, sizeof dir, false);
        assert_int_equal(kill(cur.pid, SIGINT), 0);
        int st = wait_exit(&cur, 5000);
        remove_dir(dir);
        char want[64];
        snprintf(want, sizeof want, "caught KeyboardInterrupt %zu", strlen(secret));
        if (!text_has_line(cur.out, "getsignal True True True True") || !text_has_line(cur.out, want) ||
            !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            show_output(shim ? "python (shim)" : "python (control)", &cur);
            fail_msg("python's SIGINT handling differs from the default");
        }
        snprintf(outs[shim], sizeof outs[shim], "%.1023s", cur.out);
    }
    assert_string_equal(outs[1], outs[0]);
}

/* Crash reporters: the handler resets SIGSEGV to SIG_DFL and re-raises (real fault). */
static void test_segv_handler_reraise(void **state)
{
    (void)state;
    if (!need_cores())
        skip();
    struct core_check c[2];
    for (int shim = 1; shim >= 0; shim--) {
        char *argv[] = {(char *)harness_runfile("tests/programs/sigprobe"), "reraise", VAR, NULL};
        char dir[PATH_MAX];
        start_holding(argv, shim, dir, sizeof dir, true);
        assert_int_equal(write(cur.in_fd, "fault\n", 6), 6);
        end_run(dir, secret, &c[shim]);
        if (!text_has_line(cur.out, "segv handler")) {
            show_output("sigprobe reraise", &cur);
            fail_msg("the program's SIGSEGV handler did not run");
        }
    }
    expect_clean_core("C SIGSEGV handler re-raising", SIGSEGV, &c[1], &c[0]);
}

/* A real fault (kernel-generated SIGSEGV) in a program with no handler. */
static void test_c_real_fault(void **state)
{
    (void)state;
    if (!need_cores())
        skip();
    struct core_check with, without;
    kill_and_check(P_C, true, SIGSEGV, "fault\n", &with);
    kill_and_check(P_C, false, SIGSEGV, "fault\n", &without);
    expect_clean_core("C real fault", SIGSEGV, &with, &without);
}

/* What gdb reads from the kernel's core of a C program that dereferenced NULL:
 * the function of frame #0 and the siginfo, one "key=value" per line in out. */
static void crash_site(bool shim, char *out, size_t n)
{
    char dir[PATH_MAX], core[PATH_MAX + 300];
    fresh_dir(dir, sizeof dir);
    start(P_C, shim, dir, true);
    assert_int_equal(write(cur.in_fd, "fault\n", 6), 6);
    int st = wait_exit(&cur, 5000);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV && WCOREDUMP(st));
    find_core(dir, core, sizeof core);
    assert_true(core[0] != '\0');

    char *argv[] = {"gdb", "-batch", "-nx", "-ex", "bt 1",
                    "-ex", "printf \"signo=%d code=%d addr=%p\\n\", $_siginfo.si_signo, "
                           "$_siginfo.si_code, $_siginfo._sifields._sigfault.si_addr",
                    (char *)harness_runfile("tests/programs/sigprobe"), core, NULL};
    struct envb env;
    envb_init(&env, false);
    struct proc g;
    assert_int_equal(proc_spawn(&g, argv, &env), 0);
    envb_free(&env);
    assert_int_equal(proc_finish(&g, WAIT_MS), 0);
    remove_dir(dir);
    /* "#0  0x... in fn (...)" or "#0  fn (...)": keep fn. */
    const char *f = strstr(g.out, "\n#0 ");
    f = f ? f + 4 : strncmp(g.out, "#0 ", 3) == 0 ? g.out + 3 : NULL;
    assert_non_null(f);
    while (*f == ' ')
        f++;
    if (strncmp(f, "0x", 2) == 0 && strstr(f, " in "))
        f = strstr(f, " in ") + 4;
    const char *sig = strstr(g.out, "signo=");
    assert_non_null(sig);
    snprintf(out, n, "frame0=%.*s\n%.*s\n", (int)strcspn(f, " ("), f, (int)strcspn(sig, "\n"),
             sig);
}

/* The core's registers and siginfo are those of the fault, not of envseal's handler:
 * gdb names the same faulting function, and the same signal, code and address, as
 * in the control run without the shim. */
static void test_core_shows_crash_site(void **state)
{
    (void)state;
    if (!need_cores() || !harness_have("gdb"))
        skip();
    char with[256], without[256];
    crash_site(true, with, sizeof with);
    crash_site(false, without, sizeof without);
    print_message("shim:\n%scontrol:\n%s", with, without);
    assert_non_null(strstr(without, "signo=11 code=1 addr=(nil)\n")); /* SEGV_MAPERR at NULL */
    assert_null(strstr(without, "frame0=\n"));
    assert_string_equal(with, without);
}

/* SA_RESETHAND: the first SIGQUIT is handled, the second takes the default action. */
static void test_one_shot_handler(void **state)
{
    (void)state;
    if (!need_cores())
        skip();
    struct core_check c[2];
    for (int shim = 1; shim >= 0; shim--) {
        char *argv[] = {(char *)harness_runfile("tests/programs/sigprobe"), "oneshot", VAR, NULL};
        char dir[PATH_MAX];
        start_holding(argv, shim, dir, sizeof dir, true);
        assert_int_equal(kill(cur.pid, SIGQUIT), 0);
        if (!proc_wait_line(&cur, "quit handled", WAIT_MS)) {
            show_output("sigprobe oneshot", &cur);
            fail_msg("the one-shot SIGQUIT handler did not run");
        }
        assert_int_equal(kill(cur.pid, SIGQUIT), 0);
        end_run(dir, secret, &c[shim]);
    }
    expect_clean_core("C SA_RESETHAND SIGQUIT", SIGQUIT, &c[1], &c[0]);
}

/* Python's faulthandler: dumps a traceback, restores SIG_DFL, re-raises. */
static void test_python_faulthandler(void **state)
{
    (void)state;
    if (!need_cores())
        skip();
    struct core_check c[2];
    for (int shim = 1; shim >= 0; shim--) {
        char *argv[] = {"/usr/bin/python3", "-X", "faulthandler", "-c", (char *)py_hold, NULL};
        char dir[PATH_MAX];
        start_holding(argv, shim, dir, sizeof dir, true);
        assert_int_equal(kill(cur.pid, SIGSEGV), 0);
        end_run(dir, secret, &c[shim]);
        if (!strstr(cur.err, "Fatal Python error")) {
            show_output("python -X faulthandler", &cur);
            fail_msg("faulthandler did not report the fault");
        }
    }
    expect_clean_core("python faulthandler SIGSEGV", SIGSEGV, &c[1], &c[0]);
}

/* Threads of a multi-threaded program hold the value in registers and on their
 * stacks when another thread crashes, or crash at the same moment: they are
 * parked in the handler, so their state is in memory the sweep reaches. Runs a
 * few times under the shim, since the timing differs from run to run. */
static void threads_case(const char *mode, int sig, const char *line)
{
    if (!need_cores())
        skip();
    struct core_check with[4], without;
    for (int run = 0; run < 5; run++) {
        bool shim = run < 4;
        struct core_check *c = shim ? &with[run] : &without;
        char *argv[] = {(char *)harness_runfile("tests/programs/sigprobe"), (char *)mode, VAR,
                        NULL};
        char dir[PATH_MAX];
        start_holding(argv, shim, dir, sizeof dir, true);
        usleep(50000); /* let the threads run */
        if (line)
            assert_int_equal(write(cur.in_fd, line, strlen(line)), (ssize_t)strlen(line));
        else
            assert_int_equal(kill(cur.pid, sig), 0);
        end_run(dir, secret, c);
    }
    for (int run = 0; run < 4; run++) {
        char what[64];
        snprintf(what, sizeof what, "%s %s, run %d", mode, sigabbrev_np(sig), run + 1);
        expect_clean_core(what, sig, &with[run], &without);
        /* Nor any slice a register of a parked thread could hold. */
        print_message("%s: %ld %d-byte pieces (control %ld)\n", what, with[run].pieces, PIECE,
                      without.pieces);
        if (with[run].pieces)
            fail_msg("%s: the core holds %ld %d-byte pieces of the secret", what,
                     with[run].pieces, PIECE);
    }
}

HARNESS_CASE(test_threads_busy_when_killed, threads_case("spin", SIGABRT, NULL))
HARNESS_CASE(test_threads_fault_together, threads_case("multifault", SIGSEGV, "go\n"))

/* ---- Invisibility ----------------------------------------------------------------------- */

static void run_to_end(char *const argv[], bool shim, int *status, char *out, size_t n)
{
    char dir[PATH_MAX];
    spawn_holding(argv, shim, dir, sizeof dir, false);
    *status = wait_exit(&cur, 0);
    snprintf(out, n, "%.*s", (int)(n - 1), cur.out); /* cur.out may be longer */
    remove_dir(dir);
}

/* Every disposition, set through every interface, reads back exactly as without
 * the shim (handler, flags, mask, restorer, return values, errno, siginfo). */
static void test_dispositions_identical(void **state)
{
    (void)state;
    static char outs[2][65536];
    int st[2];
    char *argv[] = {(char *)harness_runfile("tests/programs/sigprobe"), "dispositions", NULL};
    for (int shim = 1; shim >= 0; shim--)
        run_to_end(argv, shim, &st[shim], outs[shim], sizeof outs[shim]);
    assert_int_equal(st[1], st[0]);
    assert_true(WIFEXITED(st[1]) && WEXITSTATUS(st[1]) == 0);
    assert_non_null(strstr(outs[0], "final 64:"));
    if (strcmp(outs[0], outs[1]) != 0) {
        const char *a = outs[1], *b = outs[0];
        while (*a && *a == *b)
            a++, b++;
        while (a > outs[1] && a[-1] != '\n')
            a--, b--;
        fail_msg("dispositions differ; shim: \"%.*s\" control: \"%.*s\"", (int)strcspn(a, "\n"),
                 a, (int)strcspn(b, "\n"), b);
    }
}

/* Runs sigrace (tests/programs/sigrace.c: how an answer mixed of two shows) on
 * one signal the shim never hooks and one it does, with and without the shim;
 * mode: NULL for threads, "single" for one thread. */
static void run_sigrace(const char *mode)
{
    static char out[4096];
    const int sigs[] = {SIGURG, SIGUSR1};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        char num[12];
        snprintf(num, sizeof num, "%d", sigs[i]);
        char *argv[] = {(char *)harness_runfile("tests/programs/sigrace"), num, "1500",
                        (char *)mode, NULL};
        for (int shim = 0; shim <= 1; shim++) {
            int st;
            run_to_end(argv, shim, &st, out, sizeof out);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                fail_msg("%s%s%s, %s: status %#x, \"%s\"", sigabbrev_np(sigs[i]),
                         mode ? " " : "", mode ? mode : "", shim ? "shim" : "control", st, out);
        }
    }
}

/* sigaction on one signal from three threads and a SIGALRM handler at once: every
 * answer is one action whole, as without the shim (the control run), though the
 * shim makes the calls that leave its entry alone without its table lock. */
static void test_dispositions_racing(void **state)
{
    (void)state;
    run_sigrace(NULL);
}

/* The same with one thread, where the shim counts no unlocked call: the SIGALRM
 * handler's changes land inside the main thread's calls, and the answers asked
 * right after (by the main thread and by the handler) are whole. */
static void test_dispositions_racing_one_thread(void **state)
{
    (void)state;
    run_sigrace("single");
}

/* Signals inherited as ignored (nohup, a shell's trap '') stay ignored and are
 * reported as SIG_IGN; the rest still reads back as without the shim. */
static void test_dispositions_inherited_ignore(void **state)
{
    (void)state;
    static char outs[2][65536];
    int st[2];
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "trap '' HUP TERM USR2 PIPE; exec '%s' dispositions",
             harness_runfile("tests/programs/sigprobe"));
    char *argv[] = {"sh", "-c", cmd, NULL};
    for (int shim = 1; shim >= 0; shim--)
        run_to_end(argv, shim, &st[shim], outs[shim], sizeof outs[shim]);
    assert_int_equal(st[1], st[0]);
    assert_true(WIFEXITED(st[1]) && WEXITSTATUS(st[1]) == 0);
    assert_non_null(strstr(outs[1], "initial 1: handler=IGN"));
    assert_non_null(strstr(outs[1], "initial 15: handler=IGN"));
    assert_string_equal(outs[1], outs[0]);
}

/* LD_PRELOAD for the shim with libctorprobe.so after it (so initialized first). */
static const char *shim_after_ctorprobe(void)
{
    static char both[2 * PATH_MAX + 2];
    snprintf(both, sizeof both, "%s %s", harness_shim_path(),
             harness_runfile("tests/programs/libctorprobe.so"));
    return both;
}

/* Runs argv to its end with LD_PRELOAD = preload and `thread` passed on to
 * libctorprobe.so; returns the wait status, stdout in out. */
static int run_preloaded(char *const argv[], const char *preload, bool thread, char *out,
                         size_t n)
{
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "LD_PRELOAD", preload);
    envb_set(&env, VAR, secret); /* hooks go in at start-up only where secrets exist */
    if (thread)
        envb_set(&env, "CTORPROBE_THREAD", "1");
    struct proc p;
    assert_int_equal(proc_spawn(&p, argv, &env), 0);
    envb_free(&env);
    int st = proc_finish(&p, WAIT_MS);
    snprintf(out, n, "%.*s", (int)p.out_len, p.out);
    return st;
}

/* The hex mask after "<key>:\t" in a /proc/PID/status text. */
static uint64_t status_mask(const char *text, const char *key)
{
    char line[16];
    snprintf(line, sizeof line, "\n%s:\t", key);
    const char *at = strstr(text, line);
    assert_non_null(at);
    return strtoull(at + strlen(line), NULL, 16);
}

#define SIGBIT(sig) (1ull << ((sig) - 1))

/* A library initialized before the shim (libctorprobe.so) leaves SIGHUP ignored and
 * a SIGUSR1 handler: both stay exactly as it set them, and the shim still hooks the
 * rest. `thread`: that library also started a thread, so a signal could reach
 * another thread while the shim installs its hooks. */
static void earlier_constructor_case(bool thread)
{
    static char outs[2][65536];
    const char *preload[2] = {harness_runfile("tests/programs/libctorprobe.so"),
                              shim_after_ctorprobe()};

    char *probe[] = {(char *)harness_runfile("tests/programs/sigprobe"), "dispositions", NULL};
    int st[2];
    for (int shim = 1; shim >= 0; shim--)
        st[shim] = run_preloaded(probe, preload[shim], thread, outs[shim], sizeof outs[shim]);
    assert_int_equal(st[1], st[0]);
    assert_true(WIFEXITED(st[1]) && WEXITSTATUS(st[1]) == 0);
    assert_non_null(strstr(outs[1], "initial 1: handler=IGN flags=0x4000000 "));
    assert_non_null(strstr(outs[1], "initial 10: handler=other flags=0x14000000 mask=0000000000000002 "));
    assert_string_equal(outs[1], outs[0]);

    /* What the kernel holds: the same two, and the hooks everywhere else. */
    char *cat[] = {"cat", "/proc/self/status", NULL};
    uint64_t ign[2], cgt[2];
    for (int shim = 1; shim >= 0; shim--) {
        st[shim] = run_preloaded(cat, preload[shim], thread, outs[shim], sizeof outs[shim]);
        assert_int_equal(st[shim], 0);
        ign[shim] = status_mask(outs[shim], "SigIgn");
        cgt[shim] = status_mask(outs[shim], "SigCgt");
        assert_non_null(strstr(outs[shim], thread ? "\nThreads:\t2\n" : "\nThreads:\t1\n"));
    }
    assert_int_equal(ign[1], ign[0]);
    assert_true(ign[1] & SIGBIT(SIGHUP));
    assert_false(cgt[1] & SIGBIT(SIGHUP));
    assert_true(cgt[1] & SIGBIT(SIGUSR1));
    assert_false(cgt[0] & SIGBIT(SIGTERM));
    const uint64_t hooked = SIGBIT(SIGTERM) | SIGBIT(SIGINT) | SIGBIT(SIGQUIT) |
                            SIGBIT(SIGSEGV) | SIGBIT(SIGABRT) | SIGBIT(SIGRTMIN + 5);
    assert_true((cgt[1] & hooked) == hooked);
}

/* Runs /bin/true with SIGHUP ignored (as nohup does) under a tracer that stops it
 * at every system call. After the exec it counts the rt_sigaction calls that set
 * SIGHUP's action, and right after the first one returns it sends SIGHUP: the
 * moment the shim has swapped its hook in and not yet put SIG_IGN back. Returns
 * the wait status; *sets gets the count. */
static int true_with_hup_in_the_window(bool shim, bool thread, int *sets)
{
    struct envb env;
    envb_init(&env, false);
    if (shim)
        envb_set(&env, "LD_PRELOAD", thread ? shim_after_ctorprobe() : harness_shim_path());
    envb_set(&env, VAR, secret); /* see run_preloaded */
    if (thread)
        envb_set(&env, "CTORPROBE_THREAD", "1");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGHUP, SIG_IGN);
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0 || raise(SIGSTOP) != 0)
            _exit(126);
        char *argv[] = {"/bin/true", NULL};
        execve(argv[0], argv, env.v);
        _exit(127);
    }
    envb_free(&env);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    assert_int_equal(ptrace(PTRACE_SETOPTIONS, pid, NULL,
                            (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC |
                                           PTRACE_O_EXITKILL)),
                     0);
    bool execd = false, in_set = false, sent = false;
    *sets = 0;
    int deliver = 0;
    for (;;) {
        assert_int_equal(ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)deliver), 0);
        deliver = 0;
        assert_int_equal(waitpid(pid, &st, __WALL), pid);
        if (WIFEXITED(st) || WIFSIGNALED(st))
            return st;
        assert_true(WIFSTOPPED(st));
        if (st >> 8 == (SIGTRAP | PTRACE_EVENT_EXEC << 8)) {
            execd = true;
            continue;
        }
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
            deliver = WSTOPSIG(st); /* a signal for the tracee: pass it on */
            continue;
        }
        struct __ptrace_syscall_info si; /* glibc's name for the kernel's */
        assert_true(ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof si, &si) > 0);
        if (si.op == PTRACE_SYSCALL_INFO_ENTRY) {
            in_set = execd && si.entry.nr == SYS_rt_sigaction && si.entry.args[0] == SIGHUP &&
                     si.entry.args[1] != 0;
            *sets += in_set;
        } else if (si.op == PTRACE_SYSCALL_INFO_EXIT && in_set) {
            in_set = false;
            if (!sent && !thread) {
                assert_int_equal(kill(pid, SIGHUP), 0);
                sent = true;
            }
        }
    }
}

/* An inherited SIG_IGN holds at every instant of start-up. The shim swaps its hook
 * in for SIGHUP and puts SIG_IGN back with every signal blocked, so a SIGHUP sent in
 * between waits, and is dropped when SIG_IGN returns: /bin/true still exits 0. With
 * a thread started by an earlier constructor, the shim leaves SIGHUP alone
 * entirely: the only call that sets it is that library's own. */
static void test_ignored_signal_in_the_window(void **state)
{
    (void)state;
    int sets, st = true_with_hup_in_the_window(true, false, &sets);
    assert_int_equal(sets, 2); /* the swap, then SIG_IGN put back */
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    st = true_with_hup_in_the_window(true, true, &sets);
    assert_int_equal(sets, 1); /* libctorprobe.so's */
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    st = true_with_hup_in_the_window(false, false, &sets);
    assert_int_equal(sets, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_earlier_constructor_dispositions(void **state)
{
    (void)state;
    earlier_constructor_case(false);
}

static void test_earlier_constructor_thread(void **state)
{
    (void)state;
    earlier_constructor_case(true);
}

/* A namespace init made by fork that executes int3: the kernel ends it with SIGTRAP
 * (a fault clears init's protection); with the shim, after the wipe, so must the
 * trap again, not a signal queued again, which the kernel would drop. */
static void namespace_init_trap_case(const char *mode)
{
    if (geteuid() != 0) {
        print_message("skipped: needs root for a PID namespace\n");
        skip();
    }
    char out[2][1024];
    int st[2];
    char *argv[] = {(char *)harness_runfile("tests/programs/sigprobe"), (char *)mode, VAR, NULL};
    for (int shim = 1; shim >= 0; shim--)
        run_to_end(argv, shim, &st[shim], out[shim], sizeof out[shim]);
    if (!strstr(out[0], "pid 1\n")) {
        print_message("skipped: no PID namespace could be made here\n");
        skip();
    }
    assert_non_null(strstr(out[0], "child signal 5\n"));
    assert_int_equal(st[1], st[0]);
    assert_string_equal(out[1], out[0]);
}

/* A sandbox refuses to change SIGTERM's action: the program dies of SIGTERM without
 * the shim; with it, the handler cannot set SIG_DFL back and ends the process with
 * _exit(128 + SIGTERM) instead of taking the signal back for ever (the documented
 * difference). */
static void test_refused_sigaction_ends_the_process(void **state)
{
    (void)state;
    char out[2][256];
    int st[2];
    char *argv[] = {(char *)harness_runfile("tests/programs/sigprobe"), "refused-term", VAR,
                    NULL};
    for (int shim = 1; shim >= 0; shim--)
        run_to_end(argv, shim, &st[shim], out[shim], sizeof out[shim]);
    if (strstr(out[0], "no seccomp")) {
        print_message("skipped: no seccomp filter could be installed here\n");
        skip();
    }
    assert_true(WIFSIGNALED(st[0]) && WTERMSIG(st[0]) == SIGTERM);
    assert_true(WIFEXITED(st[1]) && WEXITSTATUS(st[1]) == 128 + SIGTERM);
    assert_null(strstr(out[1], "alive"));
}

HARNESS_CASE(test_namespace_init_by_fork_dies_of_a_trap, namespace_init_trap_case("pid1-trap"))
HARNESS_CASE(test_namespace_init_by_fork_dies_of_int_3, namespace_init_trap_case("pid1-trap2"))

/* A vfork child that installs a handler of its own before exec changes its own
 * action, and reads that back: the parent's handler is still the one reported and
 * the one that runs; the parent's one-shot handler taken in the child leaves the
 * parent's action as it was. */
static void test_vfork_child_handler_stays_its_own(void **state)
{
    (void)state;
    char out[2][1024];
    int st[2];
    char *argv[] = {(char *)harness_runfile("tests/programs/sigprobe"), "vfork-handler", VAR,
                    NULL};
    for (int shim = 1; shim >= 0; shim--)
        run_to_end(argv, shim, &st[shim], out[shim], sizeof out[shim]);
    assert_non_null(strstr(out[0], "reported parent's\nran parent's\n"));
    assert_int_equal(st[1], st[0]);
    assert_string_equal(out[1], out[0]);
}

/* Runs argv (which makes a PID namespace) with and without the shim: the same
 * status and output, "alive" printed by PID 1, and never `absent` (unless NULL). */
static void namespace_init_case(char *const argv[], const char *absent)
{
    char out[2][4096];
    int st[2];
    for (int shim = 1; shim >= 0; shim--)
        run_to_end(argv, shim, &st[shim], out[shim], sizeof out[shim]);
    if (!strstr(out[0], "pid 1\n")) {
        print_message("skipped: no PID namespace could be made here\n");
        skip();
    }
    assert_int_equal(st[1], st[0]);
    assert_string_equal(out[1], out[0]);
    assert_non_null(strstr(out[1], "alive"));
    if (absent)
        assert_null(strstr(out[1], absent));
}

/* As PID 1 of a PID namespace the kernel discards SIG_DFL signals sent from
 * inside: the program survives raise(SIGTERM), and of SIGSEGV and SIGBUS (which
 * envseal hooks there, for faults), with its secret, with or without the shim. */
static void test_namespace_init(void **state)
{
    (void)state;
    if (geteuid() != 0 || !harness_have("unshare")) {
        print_message("skipped: needs root and unshare(1) for a PID namespace\n");
        skip();
    }
    char *argv[] = {"unshare", "--pid", "--fork",
                    (char *)harness_runfile("tests/programs/sigprobe"), "pid1", VAR, NULL};
    namespace_init_case(argv, NULL);
}

/* A fork child that becomes PID 1 of a PID namespace after start-up (the hooks are
 * in): the kernel discards a SIGTERM from inside at SIG_DFL, so it lives on with
 * its secret (a hash of 0 would say getenv found none), with or without the shim. */
static void test_namespace_init_by_fork(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("skipped: needs root for a PID namespace\n");
        skip();
    }
    char *argv[] = {(char *)harness_runfile("tests/programs/sigprobe"), "pid1-fork", VAR, NULL};
    namespace_init_case(argv, "alive 00000000");
}

/* ---- Set-up --------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    check_core_pattern();
    harness_random_secret(secret, sizeof secret, "sig");
    return pg_fixture_setup(state);
}

static int group_teardown(void **state)
{
    explicit_bzero(secret, sizeof secret);
    return pg_fixture_teardown(state);
}

#define MAX_TESTS 96

int main(void)
{
    static const int core_sigs[] = {SIGSEGV, SIGABRT, SIGQUIT};
    static const int term_sigs[] = {SIGTERM, SIGINT, SIGHUP};
    /* The other core-dumping signals, sent to the C program: a signal left out of
     * envseal's hooks would leave its copies in the core. */
    static const int more_core_sigs[] = {SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSYS, SIGXCPU,
                                         SIGXFSZ};
    enum { NMORE = sizeof more_core_sigs / sizeof more_core_sigs[0] };
    static struct core_case core_cases[NPROGS * 3 + NMORE];
    static struct status_case status_cases[NPROGS * 3 + 3];
    static char names[MAX_TESTS][64];
    struct CMUnitTest tests[MAX_TESTS];
    int n = 0, nc = 0, ns = 0;

    for (int p = 0; p < NPROGS; p++)
        for (int i = 0; i < 3; i++) {
            core_cases[nc] = (struct core_case){(enum prog)p, core_sigs[i]};
            snprintf(names[n], sizeof names[n], "core_%s_%s", prog_label[p],
                     sigabbrev_np(core_sigs[i]));
            tests[n] = (struct CMUnitTest){names[n], test_core, NULL, kill_cur, &core_cases[nc++]};
            n++;
        }
    for (int i = 0; i < NMORE; i++) {
        core_cases[nc] = (struct core_case){P_C, more_core_sigs[i]};
        snprintf(names[n], sizeof names[n], "core_c_%s", sigabbrev_np(more_core_sigs[i]));
        tests[n] = (struct CMUnitTest){names[n], test_core, NULL, kill_cur, &core_cases[nc++]};
        n++;
    }
    for (int p = 0; p < NPROGS; p++)
        for (int i = 0; i < 3; i++) {
            status_cases[ns] = (struct status_case){(enum prog)p, term_sigs[i], false};
            snprintf(names[n], sizeof names[n], "status_%s_%s", prog_label[p],
                     sigabbrev_np(term_sigs[i]));
            tests[n] =
                (struct CMUnitTest){names[n], test_status, NULL, kill_cur, &status_cases[ns++]};
            n++;
        }
    /* Core-dumping signals with RLIMIT_CORE 0: no core flag, with or without the shim. */
    for (int i = 0; i < 3; i++) {
        status_cases[ns] = (struct status_case){P_C, core_sigs[i], false};
        snprintf(names[n], sizeof names[n], "status_c_%s_no_core", sigabbrev_np(core_sigs[i]));
        tests[n] = (struct CMUnitTest){names[n], test_status, NULL, kill_cur, &status_cases[ns++]};
        n++;
    }
    const struct CMUnitTest more[] = {
        cmocka_unit_test_teardown(test_own_sigterm_handler, kill_cur),
        cmocka_unit_test_teardown(test_python_sigint, kill_cur),
        cmocka_unit_test_teardown(test_segv_handler_reraise, kill_cur),
        cmocka_unit_test_teardown(test_c_real_fault, kill_cur),
        cmocka_unit_test_teardown(test_core_shows_crash_site, kill_cur),
        cmocka_unit_test_teardown(test_one_shot_handler, kill_cur),
        cmocka_unit_test_teardown(test_python_faulthandler, kill_cur),
        cmocka_unit_test_teardown(test_threads_busy_when_killed, kill_cur),
        cmocka_unit_test_teardown(test_threads_fault_together, kill_cur),
        cmocka_unit_test_teardown(test_dispositions_identical, kill_cur),
        cmocka_unit_test_teardown(test_dispositions_inherited_ignore, kill_cur),
        cmocka_unit_test_teardown(test_dispositions_racing, kill_cur),
        cmocka_unit_test_teardown(test_dispositions_racing_one_thread, kill_cur),
        cmocka_unit_test_teardown(test_namespace_init, kill_cur),
        cmocka_unit_test_teardown(test_namespace_init_by_fork, kill_cur),
        cmocka_unit_test_teardown(test_vfork_child_handler_stays_its_own, kill_cur),
        cmocka_unit_test_teardown(test_namespace_init_by_fork_dies_of_a_trap, kill_cur),
        cmocka_unit_test_teardown(test_refused_sigaction_ends_the_process, kill_cur),
        cmocka_unit_test_teardown(test_namespace_init_by_fork_dies_of_int_3, kill_cur),
        cmocka_unit_test(test_earlier_constructor_dispositions),
        cmocka_unit_test(test_earlier_constructor_thread),
        cmocka_unit_test(test_ignored_signal_in_the_window),
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        tests[n++] = more[i];

    cur.pid = 0;
    cur.in_fd = cur.out_fd = cur.err_fd = -1;
    pg_fixture_init(PG_ROLE, &cur);
    int failed = _cmocka_run_group_tests("signals", tests, (size_t)n, group_setup, group_teardown);
    pg_fixture_done();
    harness_cleanup();
    return failed ? 1 : 0;
}
