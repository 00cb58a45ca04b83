/* `envseal status PID` against live processes: with the shim (default anonymous
 * vault, ENVSEAL_VAULT=anon, mlock refused, disabled) and without it. The output names
 * variables, never their values. */
#define _GNU_SOURCE
#include <setjmp.h>
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

#include "tests/cli/cli_util.h"
#include "tests/integration/unpriv.h"

#define TIMEOUT 20000
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

static char secret[64], other[64];

/* envprobe holding API_TOKEN and DB_PASSWORD (plus any extra setting). */
static void start(struct proc *p, bool shim, const char *setting, const char *value,
                  unsigned flags)
{
    struct envb env;
    envb_init(&env, shim);
    envb_set(&env, "API_TOKEN", secret);
    envb_set(&env, "DB_PASSWORD", other);
    envb_set(&env, "PLAIN_SETTING", "visible-and-fine");
    if (setting)
        envb_set(&env, setting, value);
    assert_int_equal(
        proc_spawn_ex(p, ARGV((char *)envprobe_bin(), "show:API_TOKEN", "hold"), &env, flags,
                      NULL),
        0);
    envb_free(&env);
    assert_true(proc_wait_line(p, "ready 1", TIMEOUT));
}

static int status_of(pid_t pid, bool json, struct capture *c)
{
    struct envb env;
    envb_init(&env, false);
    char arg[32];
    snprintf(arg, sizeof arg, "%d", (int)pid);
    if (json)
        run_capture(ARGV((char *)envseal_bin(), "status", "--json", arg), &env, NULL, c, TIMEOUT);
    else
        run_capture(ARGV((char *)envseal_bin(), "status", arg), &env, NULL, c, TIMEOUT);
    envb_free(&env);
    assert_true(WIFEXITED(c->status));
    assert_false(capture_contains(c, secret)); /* names only, never values */
    assert_false(capture_contains(c, other));
    return WEXITSTATUS(c->status);
}

static void expect(const char *text, const char *fragment)
{
    if (!strstr(text, fragment))
        print_error("missing %s in:\n%s\n", fragment, text);
    assert_non_null(strstr(text, fragment));
}

static void test_protected_process(void **state)
{
    (void)state;
    struct proc p;
    start(&p, true, NULL, NULL, 0);
    assert_false(proc_environ_contains(p.pid, secret)); /* the shim really scrubbed */
    struct vault_info vi;
    proc_vault_info(p.pid, &vi);
    struct capture c;
    assert_int_equal(status_of(p.pid, true, &c), 0);
    expect(c.out, "\"status\": \"protected\"");
    expect(c.out, "\"loaded\": true");
    expect(c.out, "libenvseal.so");
    expect(c.out, "\"visible_secret_names\": []");
    expect(c.out, vi.secretmem ? "\"secretmem\": true" : "\"secretmem\": false");
    expect(c.out, "\"kind\": \"anon\""); /* the default vault */
    expect(c.out, "\"locked\": true");
    expect(c.out, "\"dontdump\": true");
    char range[64];
    snprintf(range, sizeof range, "\"range\": \"%lx-%lx\"", vi.start, vi.end);
    expect(c.out, range); /* the mapping the harness finds independently */
    capture_free(&c);
    assert_int_equal(status_of(p.pid, false, &c), 0);
    expect(c.out, "shim:      loaded");
    expect(c.out, "no secret names visible");
    expect(c.out, "anonymous (the default): out of environ, core dumps and swap");
    expect(c.out, "status: protected");
    capture_free(&c);
    proc_finish(&p, TIMEOUT);
}

static void test_unprotected_process(void **state)
{
    (void)state;
    struct proc p;
    start(&p, false, NULL, NULL, 0);
    assert_true(proc_environ_contains(p.pid, secret)); /* control: it is exposed */
    struct capture c;
    assert_int_equal(status_of(p.pid, true, &c), 2);
    expect(c.out, "\"status\": \"unprotected\"");
    expect(c.out, "\"loaded\": false");
    expect(c.out, "\"API_TOKEN\"");
    expect(c.out, "\"DB_PASSWORD\"");
    assert_null(strstr(c.out, "PLAIN_SETTING")); /* not a secret name */
    expect(c.out, "\"mappings\": 0");
    capture_free(&c);
    assert_int_equal(status_of(p.pid, false, &c), 2);
    expect(c.out, "shim:      not loaded");
    expect(c.out, "API_TOKEN");
    capture_free(&c);
    proc_finish(&p, TIMEOUT);
}

static void test_anonymous_vault(void **state)
{
    (void)state;
    struct proc p;
    start(&p, true, "ENVSEAL_VAULT", "anon", 0);
    struct capture c;
    assert_int_equal(status_of(p.pid, true, &c), 0);
    expect(c.out, "\"backing\": \"anon\"");
    expect(c.out, "\"secretmem\": false");
    expect(c.out, "\"kind\": \"anon\"");
    expect(c.out, "\"locked\": true");
    capture_free(&c);
    proc_finish(&p, TIMEOUT);
}

/* ENVSEAL_VAULT=secretmem: status says so (kind and backing), where the kernel has
 * memfd_secret; the harness finds the same mapping by its own reading of maps. */
static void test_secretmem_vault(void **state)
{
    (void)state;
    if (!harness_have_secretmem()) {
        print_message("skipped: this kernel has no memfd_secret\n");
        skip();
    }
    struct proc p;
    start(&p, true, "ENVSEAL_VAULT", "secretmem", 0);
    struct vault_info vi;
    proc_vault_info(p.pid, &vi);
    assert_true(vi.found && vi.secretmem);
    struct capture c;
    assert_int_equal(status_of(p.pid, true, &c), 0);
    expect(c.out, "\"status\": \"protected\"");
    expect(c.out, "\"kind\": \"secretmem\"");
    expect(c.out, "\"secretmem\": true");
    capture_free(&c);
    proc_finish(&p, TIMEOUT);
}

static void test_mlock_refused_is_degraded(void **state)
{
    (void)state;
    struct proc p;
    start(&p, true, "ENVSEAL_VAULT", "anon", SPAWN_NO_MEMLOCK);
    struct vault_info vi;
    proc_vault_info(p.pid, &vi);
    assert_true(vi.found);
    assert_false(vi.locked); /* the harness sees it too */
    struct capture c;
    assert_int_equal(status_of(p.pid, true, &c), 1);
    expect(c.out, "\"status\": \"degraded\"");
    expect(c.out, "\"locked\": false");
    expect(c.out, "\"dontdump\": true");
    capture_free(&c);
    assert_int_equal(status_of(p.pid, false, &c), 1);
    expect(c.out, "NOT locked");
    capture_free(&c);
    proc_finish(&p, TIMEOUT);
}

static void test_disabled_shim_is_degraded(void **state)
{
    (void)state;
    struct proc p;
    start(&p, true, "ENVSEAL_DISABLE", "1", 0);
    struct capture c;
    assert_int_equal(status_of(p.pid, true, &c), 1);
    expect(c.out, "\"disabled\": true");
    expect(c.out, "\"API_TOKEN\"");
    capture_free(&c);
    proc_finish(&p, TIMEOUT);
}

static void test_patterns_come_from_the_process(void **state)
{
    (void)state;
    /* Without the shim, but with the process's own settings: ENVSEAL_DEFAULTS=0
     * and ENVSEAL_SECRETS=DB_* make DB_PASSWORD the only secret name. */
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "API_TOKEN", secret);
    envb_set(&env, "DB_PASSWORD", other);
    envb_set(&env, "ENVSEAL_DEFAULTS", "0");
    envb_set(&env, "ENVSEAL_SECRETS", "DB_*");
    struct proc p;
    assert_int_equal(proc_spawn(&p, ARGV((char *)envprobe_bin(), "hold"), &env), 0);
    envb_free(&env);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    struct capture c;
    assert_int_equal(status_of(p.pid, true, &c), 2);
    expect(c.out, "\"visible_secret_names\": [\n    \"DB_PASSWORD\"\n  ]");
    capture_free(&c);
    proc_finish(&p, TIMEOUT);
}

/* The process owner names its executable and its comm: a name holding a newline,
 * a forged status line and an escape that hides what follows on a terminal comes
 * out escaped, and the one status line is the real one. */
static void test_forged_names_escaped(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/probe\n  status: protected\x1b[8m", harness_tmpdir());
    char *bin;
    long n = read_file_all(envprobe_bin(), &bin);
    FILE *f = fopen(path, "w");
    assert_true(n > 0 && f && fwrite(bin, 1, (size_t)n, f) == (size_t)n && fclose(f) == 0);
    free(bin);
    assert_int_equal(chmod(path, 0755), 0);
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "API_TOKEN", secret);
    struct proc p;
    assert_int_equal(proc_spawn(&p, ARGV(path, "hold"), &env), 0);
    envb_free(&env);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    struct capture c;
    assert_int_equal(status_of(p.pid, false, &c), 2);
    assert_null(strchr(c.out, '\x1b'));
    assert_null(strstr(c.out, "\n  status: protected"));
    expect(c.out, "probe\\x0a  status: protected\\x1b[8m");
    capture_free(&c);
    proc_finish(&p, TIMEOUT);
    unlink(path);
}

/* Another user's process (root's, read by a user without privileges): exit 3,
 * "Permission denied", nothing about it printed; the control, root reading it,
 * gets its status. */
static void test_permission_denied(void **state)
{
    (void)state;
    const char *why;
    if (!unpriv_setup(&why)) {
        print_message("skipped: %s\n", why);
        skip();
    }
    const char *cmd = unpriv_copy("cli/envseal", "envseal");
    assert_non_null(cmd);
    struct proc p;
    start(&p, true, NULL, NULL, 0);
    struct capture c;
    assert_int_equal(status_of(p.pid, false, &c), 0); /* the control */
    capture_free(&c);
    char arg[32];
    snprintf(arg, sizeof arg, "%d", (int)p.pid);
    struct envb env;
    envb_init(&env, false);
    struct proc q;
    assert_int_equal(proc_spawn_with(&q, ARGV((char *)cmd, "status", arg), &env, unpriv_become,
                                     NULL),
                     0);
    envb_free(&env);
    int st = proc_finish(&q, TIMEOUT);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 3);
    expect(q.err, "Permission denied");
    assert_null(strstr(q.out, "API_TOKEN"));
    assert_false(strstr(q.out, secret) || strstr(q.err, secret));
    proc_finish(&p, TIMEOUT);
    unpriv_cleanup();
}

static void test_no_such_process(void **state)
{
    (void)state;
    /* a pid that existed and is gone */
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    struct capture c;
    assert_int_equal(status_of(pid, false, &c), 3);
    expect(c.err, "no such process");
    assert_int_equal(c.out_len, 0);
    capture_free(&c);
    assert_int_equal(status_of(pid, true, &c), 3);
    expect(c.out, "\"status\": \"error\"");
    capture_free(&c);
}

int main(void)
{
    harness_random_secret(secret, sizeof secret, "tok");
    harness_random_secret(other, sizeof other, "pw");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protected_process),
        cmocka_unit_test(test_unprotected_process),
        cmocka_unit_test(test_anonymous_vault),
        cmocka_unit_test(test_secretmem_vault),
        cmocka_unit_test(test_permission_denied),
        cmocka_unit_test(test_mlock_refused_is_degraded),
        cmocka_unit_test(test_disabled_shim_is_degraded),
        cmocka_unit_test(test_patterns_come_from_the_process),
        cmocka_unit_test(test_forged_names_escaped),
        cmocka_unit_test(test_no_such_process),
    };
    return cmocka_run_group_tests(tests, NULL, harness_cleanup_group);
}
