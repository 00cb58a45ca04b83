/* Fork and the environment lock: a program with a second thread whose fork
 * handlers change the environment, or whose signal handler forks while the
 * interrupted thread is inside setenv (tests/programs/forkenv). glibc takes no
 * environment lock in fork, so both run to the end without envseal (the control);
 * under libenvseal.so, libenvseal-strict.so and (fork handlers only: musl's own
 * fork from such a handler can hang without envseal) the musl build they must end
 * the same way, with the same output, not hang (envseal's own lock, taken around
 * fork once a second thread exists, once held the program's handlers out for ever). */
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

#define WAIT_MS 20000

static struct proc cur;

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

enum lib { CONTROL, RELOCATE, STRICT, MUSL };
static const char *const lib_path[] = {NULL, "preload/libenvseal.so",
                                       "preload/libenvseal-strict.so",
                                       "preload/libenvseal-musl.so"};

/* Runs forkenv (forkenv-musl for MUSL) with args under lib; returns the wait status
 * (-1: it hung and was killed), its output in out. */
static int run(enum lib l, char *const *args, char *out, size_t n)
{
    char *argv[4] = {(char *)harness_runfile(l == MUSL ? "tests/programs/forkenv-musl"
                                                        : "tests/programs/forkenv"),
                     args[0], args[1], NULL};
    struct envb env;
    envb_init(&env, false);
    if (lib_path[l])
        envb_set(&env, "LD_PRELOAD", harness_runfile(lib_path[l]));
    assert_int_equal(proc_spawn(&cur, argv, &env), 0);
    envb_free(&env);
    int st = proc_finish(&cur, WAIT_MS);
    snprintf(out, n, "%.*s", (int)cur.out_len, cur.out);
    return st;
}

/* last: the last library to run it under (MUSL, or STRICT where musl itself
 * hangs: its fork takes its malloc lock, which an interrupted setenv may hold). */
static void same_as_control(char *const *args, enum lib last)
{
    char control[1024], out[1024];
    int cst = run(CONTROL, args, control, sizeof control);
    print_message("control: status %#x, %s", (unsigned)cst, control);
    assert_true(WIFEXITED(cst) && WEXITSTATUS(cst) == 0);
    for (enum lib l = RELOCATE; l <= last; l++) {
        int st = run(l, args, out, sizeof out);
        print_message("%s: status %#x, %s", lib_path[l], (unsigned)st, out);
        if (st == -1)
            fail_msg("%s: the program hung (killed after %d ms)", lib_path[l], WAIT_MS);
        assert_int_equal(st, cst);
        assert_string_equal(out, control);
    }
}

HARNESS_CASE(test_fork_handlers_change_the_environment,
             same_as_control((char *[]){"handlers", NULL}, MUSL))
HARNESS_CASE(test_fork_in_signal_handler_during_setenv,
             same_as_control((char *[]){"handler-fork", "300"}, STRICT))

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fork_handlers_change_the_environment, kill_cur),
        cmocka_unit_test_teardown(test_fork_in_signal_handler_during_setenv, kill_cur),
    };
    int failed = cmocka_run_group_tests_name("fork_env", tests, NULL, NULL);
    harness_cleanup();
    return failed ? 1 : 0;
}
