/* libenvseal-musl.so and libenvseal-strict-musl.so under musl-linked probes
 * (tests/programs: envprobe and crashprobe built with musl-gcc): the program gets
 * its exact value; /proc/PID/environ, the process's memory outside the vault, a
 * gcore and a kernel core (SIGSEGV, SIGABRT) hold none of it, while the control
 * run without envseal leaks in each; fork and exit statuses are unchanged; the
 * exit wipe comes after the program's exit handlers; in strict mode, exec and
 * posix_spawn children get a secret only by ENVSEAL_CHILD_SECRETS. */
#define _GNU_SOURCE
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "unpriv.h"

#define TIMEOUT 20000
#define VAR "APP_TOKEN"
#define PIECE 12 /* the shortest piece of a secret a core must not hold */

enum lib { CONTROL, RELOCATE, STRICT };
static const char *const lib_file[] = {NULL, "preload/libenvseal-musl.so",
                                       "preload/libenvseal-strict-musl.so"};
static const char *const lib_name[] = {"control", "libenvseal-musl.so",
                                       "libenvseal-strict-musl.so"};

struct run {
    struct proc p;
    char secret[96];
};

/* Starts a musl probe (envprobe-musl or crashprobe-musl) with VAR=<random 80
 * characters>, ENVSEAL_VAULT=vault unless NULL, and the given arguments. */
static const char *two_shims; /* LD_PRELOAD for the shimmed runs instead, or NULL */

static void start(struct run *r, enum lib lib, const char *probe, const char *vault,
                  const char *cwd, char **args, int nargs)
{
    struct envb env;
    envb_init(&env, false);
    if (lib != CONTROL)
        envb_set(&env, "LD_PRELOAD", two_shims ? two_shims : harness_runfile(lib_file[lib]));
    if (lib == STRICT)
        envb_set(&env, "ENVSEAL_MODE", "strict");
    if (vault)
        envb_set(&env, "ENVSEAL_VAULT", vault);
    harness_random_long_secret(r->secret, 80);
    envb_set(&env, VAR, r->secret);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "tests/programs/%s", probe);
    char *argv[16] = {(char *)harness_runfile(path)};
    for (int i = 0; i < nargs && i < 14; i++)
        argv[i + 1] = args[i];
    assert_int_equal(proc_spawn_ex(&r->p, argv, &env, SPAWN_CORE, cwd ? cwd : harness_tmpdir()), 0);
    envb_free(&env);
}

#define ARGS(...) (char *[]){__VA_ARGS__}, (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

/* Waits for the end; no output ever carries the value. Returns the wait status. */
static int finish(struct run *r)
{
    bool leaked;
    int st = proc_finish_secret(&r->p, r->secret, TIMEOUT, &leaked);
    assert_false(leaked);
    return st;
}

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* envprobe's line for a value: "LABEL NAME len:fnv". */
static const char *value_line(const char *label, const char *value)
{
    static char buf[4][256];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s%s" VAR " %zu:%08x", label, label[0] ? " " : "",
             strlen(value), fnv(value));
    return b;
}

/* ---- signal() keeps musl's semantics ---- */

/* musl's signal() always restarts, masks nothing and takes any handler: under the
 * shim (which builds signal() itself) the program must see exactly that. */
static void test_signal_semantics_as_musl(void **state)
{
    (void)state;
    char out[3][1024];
    for (enum lib lib = CONTROL; lib <= STRICT; lib++) {
        struct run r;
        start(&r, lib, "signalprobe-musl", NULL, NULL, NULL, 0);
        int st = finish(&r);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        snprintf(out[lib], sizeof out[lib], "%.*s", (int)r.p.out_len, r.p.out);
    }
    print_message("control:\n%s", out[CONTROL]);
    assert_string_equal(out[RELOCATE], out[CONTROL]);
    assert_string_equal(out[STRICT], out[CONTROL]);
}

/* ---- the value through getenv, environ and main's envp ---- */

/* Strict mode (ENVSEAL_MODE=strict) takes the value out of environ and envp:
 * only its getenv gives it. */
static void test_value_exact_through_getenv_environ_envp(void **state)
{
    (void)state;
    for (enum lib l = CONTROL; l <= STRICT; l++) {
        struct run r;
        start(&r, l, "envprobe-musl", NULL, NULL, ARGS("show:" VAR, "envp:" VAR));
        print_message("%s\n", lib_name[l]);
        int st = finish(&r);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(r.p.out, value_line("", r.secret)));
        const char *const labels[] = {"envp", "environ"};
        for (int i = 0; i < 2; i++) {
            char hidden[64];
            snprintf(hidden, sizeof hidden, "%s " VAR " (null)", labels[i]);
            assert_true(text_has_line(r.p.out,
                                      l == STRICT ? hidden : value_line(labels[i], r.secret)));
        }
    }
}

/* ---- what another process can read while the program runs ---- */

/* Starts envprobe-musl holding the value (kept pointer), runs check, then
 * verifies the program still reads its value intact. */
static void holding(enum lib l, const char *vault, void (*check)(enum lib, struct run *))
{
    struct run r;
    start(&r, l, "envprobe-musl", vault, NULL, ARGS("keep:" VAR, "hold", "check:" VAR));
    assert_true(proc_wait_line(&r.p, "ready 1", TIMEOUT));
    check(l, &r);
    assert_int_equal(write(r.p.in_fd, "go\n", 3), 3);
    assert_true(proc_wait_line(&r.p, "kept " VAR " ok", TIMEOUT));
    int st = finish(&r);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void environ_check(enum lib l, struct run *r)
{
    assert_int_equal(proc_environ_contains(r->p.pid, r->secret), l == CONTROL);
    assert_true(proc_environ_contains(r->p.pid, "PATH="));
}

/* Anonymous vault (readable through /proc/PID/mem): the value is in exactly one
 * mapping, the vault; without envseal it is elsewhere. */
static void scan_check(enum lib l, struct run *r)
{
    struct scan_result s;
    int hits = proc_scan_mem(r->p.pid, r->secret, &s);
    if (l == CONTROL) {
        assert_true(hits >= 1);
        return;
    }
    struct vault_info vi;
    proc_vault_info(r->p.pid, &vi);
    assert_true(vi.found && vi.anonymous && vi.dontdump);
    assert_int_equal(hits, 1);
    assert_true(s.starts[0] >= vi.start && s.starts[0] < vi.end);
}

/* ENVSEAL_VAULT=secretmem: memfd_secret where the kernel has it, which even
 * /proc/PID/mem cannot read. */
static void secretmem_scan_check(enum lib l, struct run *r)
{
    struct vault_info vi;
    proc_vault_info(r->p.pid, &vi);
    struct scan_result s;
    int hits = proc_scan_mem(r->p.pid, r->secret, &s);
    if (l == CONTROL) {
        assert_true(hits >= 1);
        return;
    }
    assert_true(vi.found && vi.dontdump);
    assert_int_equal(hits, vi.secretmem ? 0 : 1);
}

static void gcore_check(enum lib l, struct run *r)
{
    char core[512];
    snprintf(core, sizeof core, "%s/gcore.%d", harness_tmpdir(), (int)r->p.pid);
    assert_int_equal(proc_gcore(r->p.pid, core), 0);
    bool leaked = file_contains(core, r->secret);
    unlink(core);
    assert_int_equal(leaked, l == CONTROL);
}

static void each_lib(const char *vault, void (*check)(enum lib, struct run *))
{
    for (enum lib l = CONTROL; l <= STRICT; l++) {
        print_message("%s\n", lib_name[l]);
        holding(l, vault, check);
    }
}

HARNESS_CASE(test_proc_environ_scrubbed_control_leaks, each_lib(NULL, environ_check))
HARNESS_CASE(test_memory_scan_finds_value_only_in_vault, each_lib("anon", scan_check))
HARNESS_CASE(test_memory_scan_default_vault, each_lib(NULL, scan_check)) /* no setting */
HARNESS_CASE(test_memory_scan_secretmem_vault, each_lib("secretmem", secretmem_scan_check))

static void test_gcore_clean_control_leaks(void **state)
{
    (void)state;
    if (!harness_have("gdb"))
        skip();
    each_lib(NULL, gcore_check);
    each_lib("anon", gcore_check);
}

/* ---- kernel core dumps ---- */

static char core_skip[256];

/* crashprobe-musl MODE dies of sig: same wait status and output with either
 * library as without, a core each time, pieces of the value in the control's
 * core only. */
static void crash(const char *mode, int sig)
{
    if (core_skip[0]) {
        print_message("skipped: %s\n", core_skip);
        skip();
    }
    int control_status = 0;
    char control_out[512] = "";
    for (enum lib l = CONTROL; l <= STRICT; l++) {
        static int seq;
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/core-%d", harness_tmpdir(), ++seq);
        assert_int_equal(mkdir(dir, 0755), 0);
        struct run r;
        start(&r, l, "crashprobe-musl", NULL, dir, ARGS((char *)mode, VAR));
        int st = finish(&r);
        long pieces = harness_core_pieces(dir, r.secret, PIECE);
        rmdir(dir);
        print_message("%s: %s status %#x, %ld pieces in the core\n", mode, lib_name[l], st,
                      pieces);
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == sig);
        assert_true(pieces >= 0); /* a core was written */
        if (l == CONTROL) {
            if (pieces == 0)
                fail_msg("%s: the control's core holds no piece: the check would catch nothing",
                         mode);
            control_status = st;
            snprintf(control_out, sizeof control_out, "%.*s", (int)r.p.out_len, r.p.out);
            continue;
        }
        assert_int_equal(pieces, 0);
        assert_int_equal(st, control_status);
        char out[512];
        snprintf(out, sizeof out, "%.*s", (int)r.p.out_len, r.p.out);
        assert_string_equal(out, control_out);
    }
}

HARNESS_CASE(test_segv_core_clean_control_leaks, crash("simd-after", SIGSEGV))
HARNESS_CASE(test_stack_overflow_core_clean_control_leaks, crash("overflow-thread", SIGSEGV))
HARNESS_CASE(test_abort_core_clean_control_leaks, crash("abort-blocked", SIGABRT))
/* musl's abort raises SIGABRT before it unblocks it, then sets SIG_DFL itself. */
HARNESS_CASE(test_abort_sigabrt_blocked_core_clean, crash("abort-self-blocked", SIGABRT))
HARNESS_CASE(test_abort_in_full_mask_handler_core_clean, crash("abort-in-handler", SIGABRT))
HARNESS_CASE(test_abort_handler_returns_core_clean, crash("abort-handler-returns", SIGABRT))
HARNESS_CASE(test_abort_sigabrt_ignored_core_clean, crash("abort-ignored", SIGABRT))
HARNESS_CASE(test_unset_secret_copies_swept_core_clean, crash("unset-then-crash", SIGSEGV))
HARNESS_CASE(test_replaced_secret_copies_swept_core_clean, crash("replace-then-crash", SIGSEGV))
HARNESS_CASE(test_failed_assert_handler_returns_core_clean,
             crash("assert-handler-returns", SIGABRT))
HARNESS_CASE(test_sighold_then_fault_core_clean, crash("sighold-crash", SIGSEGV))
HARNESS_CASE(test_timer_thread_fault_core_clean, crash("timer-thread", SIGSEGV))
HARNESS_CASE(test_sigsuspend_handler_fault_core_clean, crash("wait-sigsuspend-fault", SIGSEGV))
HARNESS_CASE(test_segv_sent_during_wait_core_clean, crash("wait-sent-segv", SIGSEGV))
/* musl's memcpy moves no value through vector registers: this holds there without
 * the registers zeroed too (crash_test's glibc case is the one that fails without). */
HARNESS_CASE(test_aio_helper_thread_registers_clean, crash("aio-then-crash", SIGSEGV))

/* musl runs an aio request's SIGEV_THREAD function in its I/O thread, every signal
 * blocked: a fault there would kill the process by force, the value in the core. */
HARNESS_CASE(test_aio_notify_thread_fault_core_clean, crash("aio-notify-thread", SIGSEGV))

/* musl's lio_listio sends requests in past aio_write's interposer, and runs the
 * list's own notification in a thread of its making, every signal blocked. */
HARNESS_CASE(test_lio_list_notify_fault_core_clean, crash("lio-list-fault", SIGSEGV))
HARNESS_CASE(test_lio_request_notify_fault_core_clean, crash("lio-request-fault", SIGSEGV))

/* A thread that blocks every signal with a raw rt_sigprocmask is never parked: the
 * crash ends all the same, and the registers it took from its creator are zeroed. */
HARNESS_CASE(test_unparkable_thread_core_clean, crash("unparkable-thread", SIGSEGV))

/* crashprobe-musl MODE exits 0: the same status and output with either library. */
static void same(const char *mode)
{
    int control_status = 0;
    char control_out[512] = "";
    for (enum lib l = CONTROL; l <= STRICT; l++) {
        struct run r;
        start(&r, l, "crashprobe-musl", NULL, NULL, ARGS((char *)mode, VAR));
        int st = finish(&r);
        char out[512];
        snprintf(out, sizeof out, "%.*s", (int)r.p.out_len, r.p.out);
        print_message("%s: %s status %#x\n", mode, lib_name[l], st);
        if (l == CONTROL) {
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
            control_status = st;
            snprintf(control_out, sizeof control_out, "%s", out);
            continue;
        }
        assert_int_equal(st, control_status);
        assert_string_equal(out, control_out);
    }
}

/* musl's timer thread waits for its own signal (32), blocked: envseal's trampoline
 * takes over the six fault signals only, so the timer runs and is deleted. */
HARNESS_CASE(test_periodic_timer_runs_and_stops, same("timer-periodic"))
/* Every notification of a lio_listio list still runs once, and a list that fails
 * leaves the copy of its notification freed (no notification, same error). */
HARNESS_CASE(test_lio_notifications_run_once, same("lio-notify"))

/* Two envseal shims in one process (the envseal-alpine image's LD_PRELOAD and the
 * one envseal run --mode strict adds, or two copies of one): the one initialized
 * first protects the process, the other stays inactive; the crash is swept. */
static void test_two_shims_one_protects(void **state)
{
    (void)state;
    char copy[PATH_MAX], cmd[2 * PATH_MAX + 16], preload[4 * PATH_MAX];
    snprintf(copy, sizeof copy, "%s/copy-libenvseal-musl.so", harness_tmpdir());
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", harness_runfile(lib_file[RELOCATE]), copy);
    assert_int_equal(system(cmd), 0);
    char relocate[PATH_MAX], strict[PATH_MAX];
    snprintf(relocate, sizeof relocate, "%s", harness_runfile(lib_file[RELOCATE]));
    snprintf(strict, sizeof strict, "%s", harness_runfile(lib_file[STRICT]));
    const char *pairs[][2] = {{relocate, strict}, {strict, relocate}, {relocate, copy}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(preload, sizeof preload, "%s:%s", pairs[i][0], pairs[i][1]);
        print_message("LD_PRELOAD: pair %zu\n", i);
        two_shims = preload;
        crash("shared-anon", SIGSEGV);
        two_shims = NULL;
    }
    unlink(copy);
}

/* The glibc build named for a musl program (a mixed image under one LD_PRELOAD):
 * musl's loader cannot load it and the program does not start (127), its main never
 * runs; the control, without the preload, runs (docs/compatibility.md, docs/install.md). */
static void test_glibc_library_stops_a_musl_program(void **state)
{
    (void)state;
    for (int shim = 0; shim < 2; shim++) {
        struct envb env;
        envb_init(&env, false);
        if (shim)
            envb_set(&env, "LD_PRELOAD", harness_runfile("preload/libenvseal.so"));
        envb_set(&env, VAR, "placeholder-value-1234");
        char *argv[] = {(char *)harness_runfile("tests/programs/envprobe-musl"), "show:" VAR,
                        NULL};
        struct proc p;
        assert_int_equal(proc_spawn(&p, argv, &env), 0);
        envb_free(&env);
        int st = proc_finish(&p, TIMEOUT);
        print_message("%s: status %#x\n", shim ? "libenvseal.so" : "control", st);
        assert_true(WIFEXITED(st));
        if (shim) {
            assert_int_equal(WEXITSTATUS(st), 127);
            assert_null(strstr(p.out, VAR)); /* main never ran */
        } else {
            assert_int_equal(WEXITSTATUS(st), 0);
            assert_non_null(strstr(p.out, VAR));
        }
    }
}

/* ---- system() without a shell ---- */

static void no_process_allowed(const void *arg)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_NPROC, &none);
    unpriv_become(arg);
}

/* musl's system returns -1 (errno set) when it cannot start the shell; so does
 * envseal's own (strict mode, a policy that gives the child a secret), where glibc's
 * would return the status of a shell that exited 127. A user allowed no process
 * (RLIMIT_NPROC 0) cannot start one. */
static void test_system_without_shell_returns_as_musl(void **state)
{
    (void)state;
    const char *why;
    if (!unpriv_setup(&why)) {
        print_message("skipped: %s\n", why);
        skip();
    }
    char probe[PATH_MAX], lib[PATH_MAX], out[2][256];
    snprintf(probe, sizeof probe, "%s", unpriv_copy("tests/programs/envprobe-musl", "envprobe-musl"));
    snprintf(lib, sizeof lib, "%s", unpriv_copy(lib_file[STRICT], "libenvseal-strict-musl.so"));
    for (int i = 0; i < 2; i++) {
        struct envb env;
        envb_init(&env, false);
        if (i) {
            envb_set(&env, "LD_PRELOAD", lib);
            envb_set(&env, "ENVSEAL_MODE", "strict");
            envb_set(&env, "ENVSEAL_CHILD_SECRETS", "all");
        }
        char secret[96];
        harness_random_long_secret(secret, 80);
        envb_set(&env, VAR, secret);
        char *argv[] = {probe, "system:exit 3", NULL};
        struct proc p;
        assert_int_equal(proc_spawn_with(&p, argv, &env, no_process_allowed, NULL), 0);
        envb_free(&env);
        int st = proc_finish(&p, TIMEOUT);
        snprintf(out[i], sizeof out[i], "%.*s", (int)p.out_len, p.out);
        print_message("%s: status %#x, %s", i ? lib_name[STRICT] : lib_name[CONTROL], st, out[i]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    unpriv_cleanup();
    assert_non_null(strstr(out[CONTROL], "system rc=-1 ")); /* the shell could not start */
    assert_string_equal(out[1], out[CONTROL]);
}

/* ---- fork and exit ---- */

static void test_fork_and_exit_status_as_without_envseal(void **state)
{
    (void)state;
    for (enum lib l = CONTROL; l <= STRICT; l++) {
        struct run r;
        start(&r, l, "envprobe-musl", "anon", NULL,
              ARGS("fork:" VAR, "show:" VAR, "fork:" VAR, "exit:37"));
        print_message("%s\n", lib_name[l]);
        assert_true(proc_wait_line(&r.p, "parent ok", TIMEOUT));
        assert_true(proc_wait_line(&r.p, value_line("", r.secret), TIMEOUT));
        int st = finish(&r);
        assert_null(strstr(r.p.out, "bad"));
        assert_true(text_has_line(r.p.out, "child ok"));
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 37);
    }
}

/* musl runs every atexit handler, then the libraries' destructors, the last
 * initialised first (LD_PRELOAD's order). envseal wipes from its destructor:
 * the program's exit handlers and the destructors of libraries loaded after it
 * still read the value; a library preloaded before it sees it wiped. */
static void exit_wipe(bool probe_first)
{
    struct run r;
    start(&r, CONTROL, "envprobe-musl", NULL, NULL, ARGS("exit:0"));
    finish(&r); /* only for a fresh value in r.secret */
    char expect[PATH_MAX], preload[2 * PATH_MAX + 2];
    snprintf(expect, sizeof expect, "%s/expect", harness_tmpdir());
    FILE *f = fopen(expect, "w");
    assert_non_null(f);
    fputs(r.secret, f);
    fclose(f);
    char probe[PATH_MAX], shim[PATH_MAX];
    snprintf(probe, sizeof probe, "%s", harness_runfile("tests/programs/libexitprobe-musl.so"));
    snprintf(shim, sizeof shim, "%s", harness_runfile(lib_file[RELOCATE]));
    snprintf(preload, sizeof preload, "%s:%s", probe_first ? probe : shim,
             probe_first ? shim : probe);
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "LD_PRELOAD", preload);
    envb_set(&env, VAR, r.secret);
    envb_set(&env, "ENVSEAL_TEST_NAME", VAR);
    envb_set(&env, "ENVSEAL_TEST_EXPECT", expect);
    char *argv[] = {(char *)harness_runfile("tests/programs/envprobe-musl"), "atexit:" VAR,
                    "exit:5", NULL};
    assert_int_equal(proc_spawn(&r.p, argv, &env), 0);
    envb_free(&env);
    int st = finish(&r);
    unlink(expect);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 5);
    assert_true(text_has_line(r.p.out, value_line("atexit", r.secret)));
    const char *fini = probe_first ? "fini " VAR " (null)" : value_line("fini", r.secret);
    if (!text_has_line(r.p.out, fini))
        fail_msg("no line \"%s\" in:\n%s", fini, r.p.out);
}

HARNESS_CASE(test_exit_wipe_after_later_libraries_destructors, exit_wipe(false))
HARNESS_CASE(test_exit_wipe_before_earlier_libraries_destructors, exit_wipe(true))

/* ---- strict mode: children get secrets only by ENVSEAL_CHILD_SECRETS ---- */

/* strictprobe-musl runs itself again through fn; the child prints what getenv
 * gives it. Without a policy the secret stays behind; with one it crosses. */
static void child_policy(const char *fn)
{
    for (int allowed = 0; allowed < 2; allowed++) {
        struct envb env;
        envb_init(&env, false);
        envb_set(&env, "LD_PRELOAD", harness_runfile(lib_file[STRICT]));
        envb_set(&env, "ENVSEAL_MODE", "strict");
        if (allowed)
            envb_set(&env, "ENVSEAL_CHILD_SECRETS", VAR);
        struct run r;
        harness_random_long_secret(r.secret, 80);
        envb_set(&env, VAR, r.secret);
        char run[40], status[64];
        snprintf(run, sizeof run, "run:%s", fn);
        char *argv[] = {(char *)harness_runfile("tests/programs/strictprobe-musl"), run,
                        "show:" VAR, NULL};
        assert_int_equal(proc_spawn(&r.p, argv, &env), 0);
        envb_free(&env);
        int st = finish(&r);
        print_message("%s, %s: %.*s", fn, allowed ? "allowed" : "default policy",
                      (int)r.p.out_len, r.p.out);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(r.p.out, allowed ? value_line("show", r.secret)
                                                   : "show " VAR " (null)"));
        snprintf(status, sizeof status, "%s status 0", fn);
        if (strncmp(fn, "posix_spawn", 11) == 0)
            assert_true(text_has_line(r.p.out, status));
    }
}

HARNESS_CASE(test_strict_child_policy_execve, child_policy("execve"))
HARNESS_CASE(test_strict_child_policy_execvp, child_policy("execvp"))
HARNESS_CASE(test_strict_child_policy_fexecve, child_policy("fexecve"))
HARNESS_CASE(test_strict_child_policy_posix_spawn, child_policy("posix_spawn"))
HARNESS_CASE(test_strict_child_policy_posix_spawnp, child_policy("posix_spawnp"))

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    harness_core_skip_reason(core_skip, sizeof core_skip);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_exact_through_getenv_environ_envp),
        cmocka_unit_test(test_signal_semantics_as_musl),
        cmocka_unit_test(test_proc_environ_scrubbed_control_leaks),
        cmocka_unit_test(test_memory_scan_finds_value_only_in_vault),
        cmocka_unit_test(test_memory_scan_default_vault),
        cmocka_unit_test(test_memory_scan_secretmem_vault),
        cmocka_unit_test(test_gcore_clean_control_leaks),
        cmocka_unit_test(test_segv_core_clean_control_leaks),
        cmocka_unit_test(test_stack_overflow_core_clean_control_leaks),
        cmocka_unit_test(test_abort_core_clean_control_leaks),
        cmocka_unit_test(test_system_without_shell_returns_as_musl),
        cmocka_unit_test(test_glibc_library_stops_a_musl_program),
        cmocka_unit_test(test_two_shims_one_protects),
        cmocka_unit_test(test_abort_sigabrt_blocked_core_clean),
        cmocka_unit_test(test_abort_in_full_mask_handler_core_clean),
        cmocka_unit_test(test_abort_handler_returns_core_clean),
        cmocka_unit_test(test_abort_sigabrt_ignored_core_clean),
        cmocka_unit_test(test_failed_assert_handler_returns_core_clean),
        cmocka_unit_test(test_unset_secret_copies_swept_core_clean),
        cmocka_unit_test(test_replaced_secret_copies_swept_core_clean),
        cmocka_unit_test(test_sighold_then_fault_core_clean),
        cmocka_unit_test(test_timer_thread_fault_core_clean),
        cmocka_unit_test(test_sigsuspend_handler_fault_core_clean),
        cmocka_unit_test(test_segv_sent_during_wait_core_clean),
        cmocka_unit_test(test_aio_helper_thread_registers_clean),
        cmocka_unit_test(test_aio_notify_thread_fault_core_clean),
        cmocka_unit_test(test_lio_list_notify_fault_core_clean),
        cmocka_unit_test(test_lio_request_notify_fault_core_clean),
        cmocka_unit_test(test_lio_notifications_run_once),
        cmocka_unit_test(test_unparkable_thread_core_clean),
        cmocka_unit_test(test_periodic_timer_runs_and_stops),
        cmocka_unit_test(test_fork_and_exit_status_as_without_envseal),
        cmocka_unit_test(test_exit_wipe_after_later_libraries_destructors),
        cmocka_unit_test(test_exit_wipe_before_earlier_libraries_destructors),
        cmocka_unit_test(test_strict_child_policy_execve),
        cmocka_unit_test(test_strict_child_policy_execvp),
        cmocka_unit_test(test_strict_child_policy_fexecve),
        cmocka_unit_test(test_strict_child_policy_posix_spawn),
        cmocka_unit_test(test_strict_child_policy_posix_spawnp),
    };
    return cmocka_run_group_tests(tests, setup, harness_cleanup_group);
}
