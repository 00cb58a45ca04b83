/* A program started with 50,000 secret variables (tests/programs/manyenv) gets
 * every value back through getenv under libenvseal.so (all of them in environ,
 * pointing into the vault) and libenvseal-strict.so in strict mode (none in
 * environ), as it does without envseal. Untimed: bench/startup_secrets measures
 * the start-up cost. */
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

#define SECRETS 50000
#define WAIT_MS 120000

static struct proc cur;

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

/* Runs manyenv with SECRETS secrets under lib (a runfile, or NULL) and setting;
 * wants its one line to say that every value asked was equal (and in the vault
 * under envseal), and that environ held in_environ secrets, all equal. */
static void many_case(const char *lib, const char *setting, long in_environ)
{
    char seed[48], n[16], line[128];
    harness_random_secret(seed, sizeof seed, "m");
    snprintf(n, sizeof n, "%d", SECRETS);
    struct envb e;
    envb_init(&e, false);
    char *argv[] = {(char *)harness_runfile("tests/programs/manyenv"), "spawn", n, seed + 2,
                    lib ? (char *)harness_runfile(lib) : "", (char *)setting, NULL};
    assert_int_equal(proc_spawn(&cur, argv, &e), 0);
    envb_free(&e);
    int st = proc_finish(&cur, WAIT_MS);
    snprintf(line, sizeof line,
             "manyenv %d: getenv ok %d of %d (in the vault %d), environ %ld ok %ld", SECRETS,
             SECRETS / 25, SECRETS / 25, lib ? SECRETS / 25 : 0, in_environ, in_environ);
    print_message("%s: status %#x, %.200s", lib ? lib : "without envseal", (unsigned)st,
                  cur.out);
    if (st != 0 || !text_has_line(cur.out, line))
        fail_msg("wanted \"%s\" and exit 0; stderr: %.2000s", line, cur.err);
}

HARNESS_CASE(test_control_without_envseal, many_case(NULL, NULL, SECRETS))
HARNESS_CASE(test_relocate_fifty_thousand_secrets, many_case("preload/libenvseal.so", NULL, SECRETS))
HARNESS_CASE(test_strict_fifty_thousand_secrets,
             many_case("preload/libenvseal-strict.so", "ENVSEAL_MODE=strict", 0))

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_control_without_envseal, kill_cur),
        cmocka_unit_test_teardown(test_relocate_fifty_thousand_secrets, kill_cur),
        cmocka_unit_test_teardown(test_strict_fifty_thousand_secrets, kill_cur),
    };
    cur.pid = 0;
    cur.in_fd = cur.out_fd = cur.err_fd = -1;
    int failed = cmocka_run_group_tests_name("many_secrets", tests, NULL, NULL);
    harness_cleanup();
    return failed ? 1 : 0;
}
