/* A real third-party musl program under libenvseal-musl.so: dash, built with
 * musl-gcc from Debian's source package (musl_dash.sh, cached). A script reads the
 * secret from its environment as any shell script does; the program gets the
 * exact value, /proc/PID/environ holds none of it, a kernel core of SIGSEGV or
 * SIGABRT sent while it waits holds no piece of it, and the exit and wait statuses
 * and the output are those of the control run without envseal, which leaks in
 * /proc/PID/environ and in its core. Under strict mode the script sees no secret
 * (a shell imports environ). Needs root (apt-get source on a cold cache). */
#define _GNU_SOURCE
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define TIMEOUT 20000
#define VAR "APP_TOKEN"
#define PIECE 12 /* the shortest piece of a secret a core must not hold */

/* dash writes the value it sees to a private file (compared, never printed), its
 * length to stdout, then waits on stdin and exits 7. */
#define SCRIPT                                                                                \
    "umask 077; printf %s \"$" VAR "\" >got; echo len ${#" VAR "}; echo ready; read x; exit 7"

static char dash[PATH_MAX];
static char core_skip[256];
static bool not_root; /* every case skips: musl_dash.sh needs root */

struct run {
    struct proc p;
    char secret[96];
    char dir[PATH_MAX];
};

/* Runs dash -c SCRIPT in a fresh directory, with envseal or without (strict:
 * libenvseal-strict-musl.so). */
static void start_lib(struct run *r, bool shim, bool strict)
{
    if (not_root) {
        print_message("skipped: not root (musl_dash.sh runs apt-get)\n");
        skip();
    }
    static int seq;
    snprintf(r->dir, sizeof r->dir, "%s/run-%d", harness_tmpdir(), ++seq);
    assert_int_equal(mkdir(r->dir, 0700), 0);
    struct envb env;
    envb_init(&env, false);
    if (shim)
        envb_set(&env, "LD_PRELOAD",
                 harness_runfile(strict ? "preload/libenvseal-strict-musl.so"
                                        : "preload/libenvseal-musl.so"));
    if (strict)
        envb_set(&env, "ENVSEAL_MODE", "strict");
    harness_random_long_secret(r->secret, 80);
    envb_set(&env, VAR, r->secret);
    char *argv[] = {dash, "-c", SCRIPT, NULL};
    assert_int_equal(proc_spawn_ex(&r->p, argv, &env, SPAWN_CORE, r->dir), 0);
    envb_free(&env);
    assert_true(proc_wait_line(&r->p, "ready", TIMEOUT));
}

static void start(struct run *r, bool shim)
{
    start_lib(r, shim, false);
}

/* The file dash wrote holds exactly the value (then goes); its length line too. */
static void assert_value_received(struct run *r)
{
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/got", r->dir);
    assert_true(file_is_exactly(path, r->secret));
    char len[32];
    snprintf(len, sizeof len, "len %zu", strlen(r->secret));
    assert_true(text_has_line(r->p.out, len));
}

/* Ends the run; no output carries the value. Returns the wait status. */
static int finish(struct run *r)
{
    bool leaked;
    int st = proc_finish_secret(&r->p, r->secret, TIMEOUT, &leaked);
    assert_false(leaked);
    return st;
}

/* finish, keeping the output for the comparison with the control. */
static int finish_keep(struct run *r, char *out, size_t n)
{
    int st = finish(r);
    snprintf(out, n, "%.*s", (int)r->p.out_len, r->p.out);
    return st;
}

static void test_value_and_exit_status_as_without_envseal(void **state)
{
    (void)state;
    int status[2];
    char out[2][256];
    for (int shim = 0; shim < 2; shim++) {
        struct run r;
        start(&r, shim);
        assert_value_received(&r);
        status[shim] = finish_keep(&r, out[shim], sizeof out[shim]);
        print_message("%s: status %#x\n", shim ? "libenvseal-musl.so" : "control",
                      status[shim]);
        rmdir(r.dir);
    }
    assert_true(WIFEXITED(status[0]) && WEXITSTATUS(status[0]) == 7);
    assert_int_equal(status[1], status[0]);
    assert_string_equal(out[1], out[0]);
}

static void test_proc_environ_scrubbed_control_leaks(void **state)
{
    (void)state;
    for (int shim = 0; shim < 2; shim++) {
        struct run r;
        start(&r, shim);
        bool leaks = proc_environ_contains(r.p.pid, r.secret);
        assert_value_received(&r);
        finish(&r);
        rmdir(r.dir);
        print_message("%s: /proc/PID/environ %s the value\n",
                      shim ? "libenvseal-musl.so" : "control", leaks ? "holds" : "lacks");
        assert_int_equal(leaks, !shim);
    }
}

/* sig sent while dash waits in `read`: same wait status and output as the
 * control, a core each time, pieces of the value in the control's core only. */
static void crash(int sig)
{
    if (core_skip[0]) {
        print_message("skipped: %s\n", core_skip);
        skip();
    }
    int status[2];
    char out[2][256];
    for (int shim = 0; shim < 2; shim++) {
        struct run r;
        start(&r, shim);
        assert_value_received(&r);
        assert_int_equal(kill(r.p.pid, sig), 0);
        status[shim] = finish_keep(&r, out[shim], sizeof out[shim]);
        long pieces = harness_core_pieces(r.dir, r.secret, PIECE);
        rmdir(r.dir);
        print_message("%s %s: status %#x, %ld pieces in the core\n", strsignal(sig),
                      shim ? "libenvseal-musl.so" : "control", status[shim], pieces);
        assert_true(WIFSIGNALED(status[shim]) && WTERMSIG(status[shim]) == sig);
        assert_true(pieces >= 0); /* a core was written */
        if (!shim && pieces == 0)
            fail_msg("the control's core holds no piece: the check would catch nothing");
        if (shim)
            assert_int_equal(pieces, 0);
    }
    assert_int_equal(status[1], status[0]);
    assert_string_equal(out[1], out[0]);
}

/* Strict mode takes secrets out of environ, where a shell imports its variables
 * from: the script sees none (envseal check calls dash "environ-reads"). */
static void test_strict_mode_shell_sees_no_secret(void **state)
{
    (void)state;
    struct run r;
    start_lib(&r, true, true);
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/got", r.dir);
    assert_false(file_is_exactly(path, r.secret));
    assert_true(text_has_line(r.p.out, "len 0"));
    assert_false(proc_environ_contains(r.p.pid, r.secret));
    finish(&r);
    rmdir(r.dir);
}

HARNESS_CASE(test_segv_core_clean_control_leaks, crash(SIGSEGV))
HARNESS_CASE(test_abort_core_clean_control_leaks, crash(SIGABRT))

/* ---- system() and popen() under strict mode, /bin/sh being musl's ---- */

/* In the child before exec: a private mount namespace where /bin/sh is the musl
 * dash, as on Alpine (the host's /bin/sh is glibc's, which cannot load the musl
 * library). */
static void musl_bin_sh(const void *arg)
{
    (void)arg;
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(dash, "/bin/sh", NULL, MS_BIND, NULL) != 0)
        _exit(125);
}

/* strictprobe-musl runs itself again through system() or popen() (so through
 * /bin/sh); the child prints what getenv gives it. Without a policy the secret
 * stays behind; with one it crosses. */
static void shell_child_policy(const char *fn)
{
    if (not_root) {
        print_message("skipped: not root\n");
        skip();
    }
    for (int allowed = 0; allowed < 2; allowed++) {
        struct envb env;
        envb_init(&env, false);
        envb_set(&env, "LD_PRELOAD", harness_runfile("preload/libenvseal-strict-musl.so"));
        envb_set(&env, "ENVSEAL_MODE", "strict");
        if (allowed)
            envb_set(&env, "ENVSEAL_CHILD_SECRETS", VAR);
        char secret[96];
        harness_random_long_secret(secret, 80);
        envb_set(&env, VAR, secret);
        char run[40];
        snprintf(run, sizeof run, "run:%s", fn);
        char *argv[] = {(char *)harness_runfile("tests/programs/strictprobe-musl"), run,
                        "show:" VAR, NULL};
        struct proc p;
        assert_int_equal(proc_spawn_with(&p, argv, &env, musl_bin_sh, NULL), 0);
        envb_free(&env);
        int st = proc_finish(&p, 30000);
        print_message("%s, %s: %.*s", fn, allowed ? "allowed" : "default policy",
                      (int)p.out_len, p.out);
        assert_false(strstr(p.out, secret) || strstr(p.err, secret));
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(p.out, allowed ? harness_value_line("show", VAR, secret)
                                                 : "show " VAR " (null)"));
    }
}

HARNESS_CASE(test_strict_child_policy_system, shell_child_policy("system"))
HARNESS_CASE(test_strict_child_policy_popen, shell_child_policy("popen"))

/* musl_dash.sh builds dash once (cached) and prints its path. */
static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    harness_core_skip_reason(core_skip, sizeof core_skip);
    if (geteuid() != 0) {
        not_root = true;
        return 0;
    }
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "bash %s", harness_runfile("tests/integration/musl_dash.sh"));
    FILE *f = popen(cmd, "r");
    if (!f || !fgets(dash, sizeof dash, f)) {
        if (f)
            pclose(f);
        fprintf(stderr, "musl_dash_test: musl_dash.sh printed no program\n");
        return -1;
    }
    dash[strcspn(dash, "\n")] = '\0';
    return pclose(f) == 0 && access(dash, X_OK) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_and_exit_status_as_without_envseal),
        cmocka_unit_test(test_proc_environ_scrubbed_control_leaks),
        cmocka_unit_test(test_segv_core_clean_control_leaks),
        cmocka_unit_test(test_abort_core_clean_control_leaks),
        cmocka_unit_test(test_strict_mode_shell_sees_no_secret),
        cmocka_unit_test(test_strict_child_policy_system),
        cmocka_unit_test(test_strict_child_policy_popen),
    };
    return cmocka_run_group_tests(tests, setup, harness_cleanup_group);
}
