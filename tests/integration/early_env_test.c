/* A library the program links changes the environment in its constructor, which
 * glibc runs before the preloaded shim's (tests/programs/earlyenv.c): it replaces
 * or removes the secret APP_TOKEN, adds the secret EARLY_TOKEN, or empties the
 * environment and adds EARLY_TOKEN. Whatever it did, once the program runs:
 *  - the original value is gone from the block /proc/PID/environ shows (a replaced
 *    or removed entry was left there, nothing pointing at it any more);
 *  - the new value is in the vault and nowhere else in memory (one set while
 *    environ had moved to the heap stayed there, unsealed);
 *  - the program reads what the constructor left (getenv).
 * A string the constructor gave putenv is its own: envseal copies it and never
 * writes it (here on a read-only page, as a literal is: a write would crash the
 * program before main), so the new value is in the vault and in that string; one
 * that left the environment and was freed is forgotten, so that glibc's copy of a
 * secret set later at its address is wiped.
 * Each with a control without envseal, where the original value stays in the
 * block and the new one is found in memory. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "harness.h"

#define WAIT_MS 30000

static struct proc cur;

/* What libearlyenv.so sets: "early-" and the value reversed. */
static void derived(const char *secret, char *out, size_t n)
{
    size_t len = strlen(secret);
    int at = snprintf(out, n, "early-");
    assert_true(at > 0 && len + (size_t)at < n);
    for (size_t i = 0; i < len; i++)
        out[(size_t)at + i] = secret[len - 1 - i];
    out[(size_t)at + len] = '\0';
}

static void early_case(const char *mode, bool shim)
{
    char secret[64], fresh[80];
    harness_random_secret(secret, sizeof secret, mode);
    derived(secret, fresh, sizeof fresh);
    bool replaced = strcmp(mode, "replace") == 0 || strcmp(mode, "putenv-replace") == 0,
         removed = strcmp(mode, "unset") == 0;
    bool callers_string = strcmp(mode, "putenv-add") == 0 ||
                          strcmp(mode, "putenv-replace") == 0 || strcmp(mode, "putenv-many") == 0;
    const char *name = replaced || removed ? "APP_TOKEN" : "EARLY_TOKEN";
    struct envb env;
    envb_init(&env, shim);
    envb_set(&env, "APP_TOKEN", secret);
    envb_set(&env, "EARLY_MODE", mode);
    char show[40];
    snprintf(show, sizeof show, "show:%s", name);
    char *argv[] = {(char *)harness_runfile("tests/programs/earlyprobe"), show, "hold", NULL};
    assert_int_equal(proc_spawn(&cur, argv, &env), 0);
    envb_free(&env);
    assert_true(proc_wait_line(&cur, "ready 1", WAIT_MS));
    char want[160];
    if (removed)
        snprintf(want, sizeof want, "%s (null)", name);
    else
        snprintf(want, sizeof want, "%s", harness_value_line("", name, fresh));
    assert_true(text_has_line(cur.out, want));
    /* the block: replace, unset and clear left the original there, unreferenced */
    bool original_in_block = proc_environ_contains(cur.pid, secret);
    print_message("%s, %s: original in the block %d\n", mode, shim ? "envseal" : "control",
                  original_in_block);
    assert_int_equal(original_in_block, !shim);
    if (!removed) {
        struct scan_result s;
        int hits = proc_scan_mem(cur.pid, fresh, &s);
        if (shim) {
            struct vault_info vi;
            proc_vault_info(cur.pid, &vi);
            assert_true(vi.found);
            assert_int_equal(hits, 1 + callers_string);
            int in_vault = 0;
            for (int i = 0; i < hits && i < SCAN_MAX_HITS; i++)
                in_vault += s.starts[i] >= vi.start && s.starts[i] < vi.end;
            assert_int_equal(in_vault, 1);
        } else {
            assert_true(hits >= 1);
        }
    }
    int st = proc_finish(&cur, WAIT_MS);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

HARNESS_CASE(test_replaced_before_start, early_case("replace", true))
HARNESS_CASE(test_control_replaced_before_start, early_case("replace", false))
HARNESS_CASE(test_removed_before_start, early_case("unset", true))
HARNESS_CASE(test_control_removed_before_start, early_case("unset", false))
HARNESS_CASE(test_added_before_start, early_case("add", true))
HARNESS_CASE(test_control_added_before_start, early_case("add", false))
HARNESS_CASE(test_putenv_read_only_added_before_start, early_case("putenv-add", true))
HARNESS_CASE(test_control_putenv_read_only_added_before_start, early_case("putenv-add", false))
HARNESS_CASE(test_putenv_read_only_replaced_before_start, early_case("putenv-replace", true))
HARNESS_CASE(test_control_putenv_read_only_replaced_before_start,
             early_case("putenv-replace", false))
HARNESS_CASE(test_putenv_more_than_listed_before_start, early_case("putenv-many", true))
HARNESS_CASE(test_control_putenv_more_than_listed_before_start, early_case("putenv-many", false))
HARNESS_CASE(test_putenv_freed_then_secret_set_before_start, early_case("putenv-freed", true))
HARNESS_CASE(test_control_putenv_freed_then_secret_set_before_start,
             early_case("putenv-freed", false))
HARNESS_CASE(test_cleared_and_added_before_start, early_case("clear", true))
HARNESS_CASE(test_control_cleared_and_added_before_start, early_case("clear", false))

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_replaced_before_start, kill_cur),
        cmocka_unit_test_teardown(test_control_replaced_before_start, kill_cur),
        cmocka_unit_test_teardown(test_removed_before_start, kill_cur),
        cmocka_unit_test_teardown(test_control_removed_before_start, kill_cur),
        cmocka_unit_test_teardown(test_added_before_start, kill_cur),
        cmocka_unit_test_teardown(test_control_added_before_start, kill_cur),
        cmocka_unit_test_teardown(test_putenv_read_only_added_before_start, kill_cur),
        cmocka_unit_test_teardown(test_control_putenv_read_only_added_before_start, kill_cur),
        cmocka_unit_test_teardown(test_putenv_read_only_replaced_before_start, kill_cur),
        cmocka_unit_test_teardown(test_control_putenv_read_only_replaced_before_start, kill_cur),
        cmocka_unit_test_teardown(test_putenv_more_than_listed_before_start, kill_cur),
        cmocka_unit_test_teardown(test_control_putenv_more_than_listed_before_start, kill_cur),
        cmocka_unit_test_teardown(test_putenv_freed_then_secret_set_before_start, kill_cur),
        cmocka_unit_test_teardown(test_control_putenv_freed_then_secret_set_before_start,
                                  kill_cur),
        cmocka_unit_test_teardown(test_cleared_and_added_before_start, kill_cur),
        cmocka_unit_test_teardown(test_control_cleared_and_added_before_start, kill_cur),
    };
    return cmocka_run_group_tests(tests, NULL, harness_cleanup_group);
}
