/* Runs the strict-mode stress program (built with -fsanitize=thread) and checks
 * that ThreadSanitizer reports no race; then its --race control, whose deliberate
 * unsynchronised wipe of a vault value ThreadSanitizer must report. */
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

#define WAIT_MS 240000
#define TSAN_EXIT 66

static struct proc cur;

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

static int run_stress(const char *arg)
{
    struct envb e;
    envb_init(&e, false);
    char secret[80];
    harness_random_secret(secret, sizeof secret, "stable");
    envb_set(&e, "STRESS_STABLE_TOKEN", secret);
    explicit_bzero(secret, sizeof secret);
    envb_set(&e, "ENVSEAL_MODE", "strict");
    /* named one by one: the stress program's children would run without envseal */
    envb_set(&e, "ENVSEAL_CHILD_SECRETS", "STRESS_STABLE_TOKEN,STRESS_A_TOKEN,STRESS_B_TOKEN");
    envb_set(&e, "TSAN_OPTIONS", "halt_on_error=1:exitcode=66:report_signal_unsafe=0");
    char *argv[] = {(char *)harness_runfile("tests/integration/strict_tsan_stress"),
                    (char *)arg, NULL};
    assert_int_equal(proc_spawn(&cur, argv, &e), 0);
    envb_free(&e);
    return proc_finish(&cur, WAIT_MS);
}

/* Reports hold addresses and stacks, never values: safe to show. */
static void show(void)
{
    print_error("stdout: %.2000s\nstderr: %.6000s\n", cur.out, cur.err);
}

static void test_tsan_stress_getenv_against_setenv_is_race_free(void **s)
{
    (void)s;
    int st = run_stress(NULL);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || strstr(cur.err, "ThreadSanitizer")) {
        print_error("wait status 0x%x\n", (unsigned)st);
        show();
        fail();
    }
    assert_non_null(strstr(cur.out, ", 0 failures"));
}

static void test_tsan_control_reports_unsynchronised_wipe(void **s)
{
    (void)s;
    int st = run_stress("--race");
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != TSAN_EXIT ||
        !strstr(cur.err, "WARNING: ThreadSanitizer: data race")) {
        print_error("the control race was not reported (status 0x%x)\n", (unsigned)st);
        show();
        fail();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_tsan_stress_getenv_against_setenv_is_race_free, kill_cur),
        cmocka_unit_test_teardown(test_tsan_control_reports_unsynchronised_wipe, kill_cur),
    };
    cur.pid = 0;
    cur.in_fd = cur.out_fd = cur.err_fd = -1;
    int failed = cmocka_run_group_tests_name("strict_tsan", tests, NULL, NULL);
    harness_cleanup();
    return failed ? 1 : 0;
}
