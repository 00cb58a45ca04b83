/* Concurrent changes to the environment: tests/programs/envstress races a thread
 * that sets, replaces and unsets a secret name against one that adds and removes
 * plain names (glibc reallocates environ and frees the old array all the time).
 * glibc alone survives it (the control); under libenvseal.so and
 * libenvseal-strict.so the program must end exactly as the control does, and the
 * same program linked with the shim's sources must run clean under ThreadSanitizer
 * and AddressSanitizer. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "harness.h"

#define RACE_MS "2500"
#define WAIT_MS 120000

static struct proc cur;

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

struct outcome {
    int status;
    char out[256];
};

/* Runs program (a runfile) for RACE_MS with LD_PRELOAD=preload (a runfile, or NULL),
 * ENVSEAL_MODE=mode (unless NULL) and a secret of its own in the initial environment. */
static void run(const char *program, const char *preload, const char *mode, struct outcome *o)
{
    struct envb e;
    envb_init(&e, false);
    char secret[64];
    harness_random_secret(secret, sizeof secret, "stress");
    envb_set(&e, "STRESS_SECRET_TOKEN", secret);
    explicit_bzero(secret, sizeof secret);
    if (preload)
        envb_set(&e, "LD_PRELOAD", harness_runfile(preload));
    if (mode)
        envb_set(&e, "ENVSEAL_MODE", mode);
    envb_set(&e, "TSAN_OPTIONS", "halt_on_error=1:exitcode=66:report_signal_unsafe=0");
    envb_set(&e, "ASAN_OPTIONS", "halt_on_error=1:exitcode=67:detect_leaks=1");
    char *argv[] = {(char *)harness_runfile(program), RACE_MS, NULL};
    assert_int_equal(proc_spawn(&cur, argv, &e), 0);
    envb_free(&e);
    o->status = proc_finish(&cur, WAIT_MS);
    snprintf(o->out, sizeof o->out, "%.200s", cur.out);
}

static const char *describe(int st, char *buf, size_t n)
{
    if (st == -1)
        snprintf(buf, n, "timeout");
    else if (WIFEXITED(st))
        snprintf(buf, n, "exit %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        snprintf(buf, n, "status %#x", (unsigned)st);
    return buf;
}

/* Sanitizer reports and envstress's lines hold addresses, stacks and check names,
 * never values: safe to show. */
static void show(void)
{
    print_error("stdout: %.1000s\nstderr: %.8000s\n", cur.out, cur.err);
}

/* The run under test ended as the control did: same wait status, same output. */
static void expect_like_control(const char *what, const struct outcome *with)
{
    struct outcome control;
    run("tests/programs/envstress", NULL, NULL, &control);
    char a[96], b[96];
    print_message("%s: %s; control without envseal: %s\n", what, describe(with->status, a, sizeof a),
                  describe(control.status, b, sizeof b));
    if (control.status != 0 || strcmp(control.out, "envstress ok\n") != 0)
        fail_msg("the control run itself failed (%s): the stress is unsound", b);
    if (with->status != control.status || strcmp(with->out, control.out) != 0)
        fail_msg("%s ended unlike the control: %s, output \"%.200s\"", what, a, with->out);
}

static void shim_case(const char *lib, const char *mode)
{
    struct outcome o;
    run("tests/programs/envstress", lib, mode, &o);
    if (o.status != 0)
        show();
    expect_like_control(lib, &o);
}

HARNESS_CASE(test_relocate_concurrent_setenv_like_glibc,
             shim_case("preload/libenvseal.so", NULL))
HARNESS_CASE(test_strict_concurrent_setenv_like_glibc,
             shim_case("preload/libenvseal-strict.so", "strict"))
HARNESS_CASE(test_strict_library_relocate_mode_concurrent_setenv_like_glibc,
             shim_case("preload/libenvseal-strict.so", "relocate"))

/* A sanitizer build must exit 0 with "envstress ok" and no report at all. */
static void sanitizer_case(const char *program, bool strict, const char *banner)
{
    struct outcome o;
    run(program, NULL, strict ? "strict" : NULL, &o);
    char a[96];
    print_message("%s: %s\n", program, describe(o.status, a, sizeof a));
    if (o.status != 0 || strcmp(o.out, "envstress ok\n") != 0 || strstr(cur.err, banner)) {
        show();
        fail_msg("%s: %s", program, a);
    }
}

HARNESS_CASE(test_tsan_relocate_clean,
             sanitizer_case("tests/integration/env_stress_thread", false, "ThreadSanitizer"))
HARNESS_CASE(test_tsan_strict_clean,
             sanitizer_case("tests/integration/env_stress_thread_strict", true, "ThreadSanitizer"))
HARNESS_CASE(test_asan_relocate_clean,
             sanitizer_case("tests/integration/env_stress_address", false, "AddressSanitizer"))
HARNESS_CASE(test_asan_strict_clean,
             sanitizer_case("tests/integration/env_stress_address_strict", true,
                            "AddressSanitizer"))

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_relocate_concurrent_setenv_like_glibc, kill_cur),
        cmocka_unit_test_teardown(test_strict_concurrent_setenv_like_glibc, kill_cur),
        cmocka_unit_test_teardown(test_strict_library_relocate_mode_concurrent_setenv_like_glibc,
                                  kill_cur),
        cmocka_unit_test_teardown(test_tsan_relocate_clean, kill_cur),
        cmocka_unit_test_teardown(test_tsan_strict_clean, kill_cur),
        cmocka_unit_test_teardown(test_asan_relocate_clean, kill_cur),
        cmocka_unit_test_teardown(test_asan_strict_clean, kill_cur),
    };
    cur.pid = 0;
    cur.in_fd = cur.out_fd = cur.err_fd = -1;
    int failed = cmocka_run_group_tests_name("env_stress", tests, NULL, NULL);
    harness_cleanup();
    return failed ? 1 : 0;
}
