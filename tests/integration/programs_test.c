/* libenvseal.so under real, unmodified programs: python3, perl, bash, dash, node
 * (each running a small script from tests/integration/scripts/) and psql talking to
 * a real PostgreSQL server over TCP with SCRAM authentication. Each program must get
 * exactly its values and keep its exit status, while /proc/PID/environ shows none
 * of the secret bytes; a control run without the shim shows they would be there. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pg_fixture.h"

#define WAIT_MS 30000
#define HOLD_EXIT 7 /* the status every hold script exits with */
#define PG_ROLE "envseal_app"

#define MAX_VARS 6

/* How a variable reaches the program, and whether the program compares it. */
enum use {
    CHECKED,   /* in the environment; the program compares it with HOLD_DIR */
    UNCHECKED, /* in the environment only */
    SET_LATER, /* not in the environment: the program sets it (HOLD_SET) from its
                * HOLD_DIR file by the language's own means, and its child checks it */
};

/* One run's variables; `core` is the random part an attacker must not find. */
struct var {
    const char *name;
    char value[256];
    char core[80];
    bool secret;
    enum use use;
};

struct run {
    struct var v[MAX_VARS];
    int n;
    char dir[PATH_MAX]; /* expected values, one file per name (mode 0600) */
    char names[256];    /* HOLD_NAMES: the names the program checks */
    char set[64];       /* HOLD_SET: the names the program sets itself */
};

/* The program under test; killed by the per-test teardown when an assert fails. */
static struct proc cur;

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

static void add_var(struct run *r, const char *name, bool secret, const char *prefix,
                    const char *tag, const char *suffix, enum use use)
{
    assert_true(r->n < MAX_VARS);
    struct var *v = &r->v[r->n++];
    v->name = name;
    v->secret = secret;
    v->use = use;
    char core[sizeof v->core];
    harness_random_secret(core, sizeof core, tag);
    memcpy(v->core, core, sizeof core);
    snprintf(v->value, sizeof v->value, "%s%s%s", prefix, core, suffix);
    explicit_bzero(core, sizeof core);
    if (use != UNCHECKED) {
        char *list = use == CHECKED ? r->names : r->set;
        size_t cap = use == CHECKED ? sizeof r->names : sizeof r->set;
        size_t l = strlen(list), nl = strlen(name);
        assert_true(l + nl + 2 <= cap);
        if (l)
            list[l++] = ' ';
        memcpy(list + l, name, nl + 1);
    }
}

static void write_value(const char *dir, const char *name, const char *value)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, value, strlen(value)), (ssize_t)strlen(value));
    close(fd);
}

/* A fresh directory holding the expected value of every checked variable. */
static void write_expected(struct run *r)
{
    static int seq;
    snprintf(r->dir, sizeof r->dir, "%s/run-%d", harness_tmpdir(), ++seq);
    assert_int_equal(mkdir(r->dir, 0700), 0);
    for (int i = 0; i < r->n; i++)
        if (r->v[i].use != UNCHECKED)
            write_value(r->dir, r->v[i].name, r->v[i].value);
}

/* The standard set: three secrets and two plain settings, all checked, and a
 * secret the program sets at run time. */
static void standard_vars(struct run *r)
{
    memset(r, 0, sizeof *r);
    add_var(r, "APP_API_TOKEN", true, "", "tok", "", CHECKED);
    add_var(r, "DB_PASSWORD", true, "", "pw", "", CHECKED);
    add_var(r, "DATABASE_URL", true, "postgresql://app:", "url",
            "@db.internal:5432/app?sslmode=require", CHECKED);
    add_var(r, "APP_MODE", false, "production-", "mode", "", CHECKED);
    add_var(r, "APP_REGION", false, "region-", "reg", "", CHECKED);
    add_var(r, "RUNTIME_TOKEN", true, "", "rt", "", SET_LATER);
    write_expected(r);
}

static void build_env(struct envb *e, const struct run *r, bool shim)
{
    envb_init(e, shim);
    for (int i = 0; i < r->n; i++)
        if (r->v[i].use != SET_LATER)
            envb_set(e, r->v[i].name, r->v[i].value);
    envb_set(e, "HOLD_DIR", r->dir);
    envb_set(e, "HOLD_NAMES", r->names);
    envb_set(e, "HOLD_SET", r->set);
    envb_set(e, "HOLD_CHILD", harness_runfile("tests/integration/scripts/check_env.sh"));
    char code[8];
    snprintf(code, sizeof code, "%d", HOLD_EXIT);
    envb_set(e, "HOLD_EXIT", code);
}

/* Prints the program's output for a failure, unless it holds a secret byte run. */
static void show_output(const struct run *r)
{
    const char *bufs[2] = {cur.out, cur.err};
    size_t lens[2] = {cur.out_len, cur.err_len};
    for (int b = 0; b < 2; b++) {
        bool leak = false;
        for (int i = 0; i < r->n; i++)
            leak = leak || (r->v[i].secret && mem_contains(bufs[b], lens[b], r->v[i].core,
                                                           strlen(r->v[i].core)));
        if (leak)
            print_error("  %s: [withheld: it contains a secret]\n", b ? "stderr" : "stdout");
        else
            print_error("  %s: %.2000s\n", b ? "stderr" : "stdout", bufs[b]);
    }
}

static void expect_line(const struct run *r, const char *line)
{
    if (!text_has_line(cur.out, line)) {
        print_error("expected the line \"%s\" from the program\n", line);
        show_output(r);
        fail();
    }
}

/* /proc/PID/environ while the program waits: with the shim no secret (whole value
 * or its random core) and every plain setting; without it, every secret that was
 * in the initial environment. */
static void check_environ(const struct run *r, bool shim, const char *prog)
{
    int bad = 0;
    for (int i = 0; i < r->n; i++) {
        const struct var *v = &r->v[i];
        char entry[320];
        snprintf(entry, sizeof entry, "%s=%s", v->name, v->value);
        if (!v->secret) {
            if (!proc_environ_contains(cur.pid, entry)) {
                print_error("%s: plain setting %s missing from /proc/PID/environ\n", prog,
                            v->name);
                bad++;
            }
            continue;
        }
        bool whole = proc_environ_contains(cur.pid, v->value);
        bool core = proc_environ_contains(cur.pid, v->core);
        if (shim && (whole || core)) {
            print_error("%s: value of %s found in /proc/PID/environ under the shim\n", prog,
                        v->name);
            bad++;
        } else if (!shim && v->use != SET_LATER && !(whole && core)) {
            print_error("%s: control run: %s not in /proc/PID/environ (the check is blind)\n",
                        prog, v->name);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void finish_status(const struct run *r, int want, const char *prog)
{
    int st = proc_finish(&cur, WAIT_MS);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != want) {
        print_error("%s: wait status 0x%x, wanted exit %d\n", prog, (unsigned)st, want);
        show_output(r);
        fail();
    }
}

/* Runs one program with its hold script, with or without the shim. */
static void hold_case(const char *interp, const char *script, bool shim)
{
    if (!harness_have(interp)) {
        print_message("skipping: %s is not installed\n", interp);
        skip();
    }
    struct run r;
    standard_vars(&r);
    struct envb env;
    build_env(&env, &r, shim);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", harness_runfile(script));
    char *argv[] = {(char *)interp, path, NULL};
    assert_int_equal(proc_spawn(&cur, argv, &env), 0);
    envb_free(&env);

    if (!proc_wait_line(&cur, "ready", WAIT_MS)) {
        print_error("%s: no \"ready\" line\n", interp);
        show_output(&r);
        fail();
    }
    expect_line(&r, "values-ok");
    expect_line(&r, "child-ok");
    check_environ(&r, shim, interp);
    finish_status(&r, HOLD_EXIT, interp);
}

#define HOLD_TESTS(fn, interp, script)                                                   \
    static void test_##fn##_sealed(void **s)                                             \
    {                                                                                    \
        (void)s;                                                                         \
        hold_case(interp, "tests/integration/scripts/" script, true);                    \
    }                                                                                    \
    static void test_##fn##_control(void **s)                                            \
    {                                                                                    \
        (void)s;                                                                         \
        hold_case(interp, "tests/integration/scripts/" script, false);                   \
    }

HOLD_TESTS(python3, "/usr/bin/python3", "hold.py")
HOLD_TESTS(perl, "perl", "hold.pl")
HOLD_TESTS(bash, "bash", "hold.sh")
HOLD_TESTS(dash, "dash", "hold.sh")
HOLD_TESTS(node, "node", "hold.js")

/* ---- psql against a real server ---------------------------------------------- */

static void send_line(const char *line)
{
    size_t len = strlen(line);
    assert_int_equal(write(cur.in_fd, line, len), (ssize_t)len);
}

/* psql's variables: PGPASSWORD (the role's password, or a wrong one), two more
 * secrets and two plain settings. Only APP_API_TOKEN, DATABASE_URL and APP_MODE
 * are compared by hold.psql; PGPASSWORD is proved by the login itself. */
static void psql_vars(struct run *r, bool right_password)
{
    memset(r, 0, sizeof *r);
    add_var(r, "PGPASSWORD", true, "", "pg", "", UNCHECKED);
    if (right_password) {
        snprintf(r->v[0].value, sizeof r->v[0].value, "%s", pg_shared.password);
        snprintf(r->v[0].core, sizeof r->v[0].core, "%s", pg_shared.password);
    }
    add_var(r, "APP_API_TOKEN", true, "", "tok", "", CHECKED);
    add_var(r, "DATABASE_URL", true, "postgresql://app:", "url", "@db.internal:5432/app",
            CHECKED);
    add_var(r, "APP_MODE", false, "production-", "mode", "", CHECKED);
    add_var(r, "APP_REGION", false, "region-", "reg", "", UNCHECKED);
    add_var(r, "RUNTIME_TOKEN", true, "", "rt", "", SET_LATER);
    write_expected(r);
}

static void spawn_psql(struct run *r, bool shim)
{
    struct envb env;
    build_env(&env, r, shim);
    pg_fixture_client_env(&env, r->dir);
    char port[16];
    snprintf(port, sizeof port, "%d", pg_shared.server.port);
    char *argv[] = {"psql", "-X", "-w", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", port,
                    "-U", PG_ROLE, "-d", "postgres", NULL};
    assert_int_equal(proc_spawn(&cur, argv, &env), 0);
    envb_free(&env);
}

static void psql_session(bool shim)
{
    pg_fixture_require();
    struct run r;
    psql_vars(&r, true);
    spawn_psql(&r, shim);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "\\i %s\n", harness_runfile("tests/integration/scripts/hold.psql"));
    send_line(cmd);
    if (!proc_wait_line(&cur, "ready", WAIT_MS)) {
        print_error("psql: no \"ready\" line from the server\n");
        show_output(&r);
        fail();
    }
    expect_line(&r, "values-ok");
    expect_line(&r, "child-ok");
    check_environ(&r, shim, "psql");

    /* The same session still answers after the inspection. */
    send_line("select 'still' || '-connected';\n");
    if (!proc_wait_line(&cur, "still-connected", WAIT_MS)) {
        print_error("psql: the session did not answer a second query\n");
        show_output(&r);
        fail();
    }
    /* A failing statement under ON_ERROR_STOP: psql's own exit status 3. */
    send_line("select 1/0;\n");
    finish_status(&r, 3, "psql");
    if (!strstr(cur.err, "division by zero")) {
        print_error("psql: expected the server's error on stderr\n");
        show_output(&r);
        fail();
    }

    /* The server authenticated this role with SCRAM over TCP. */
    assert_true(file_contains(pg_shared.server.log, "user=" PG_ROLE));
    assert_true(
        file_contains(pg_shared.server.log, "identity=\"" PG_ROLE "\" method=scram-sha-256"));
}

HARNESS_CASE(test_psql_sealed, psql_session(true))
HARNESS_CASE(test_psql_control, psql_session(false))

/* A wrong PGPASSWORD is refused by the server: the authentication is real. */
static void test_psql_wrong_password(void **s)
{
    (void)s;
    pg_fixture_require();
    struct run r;
    psql_vars(&r, false);
    spawn_psql(&r, true);
    send_line("select 'connected';\n");
    finish_status(&r, 2, "psql (wrong password)");
    assert_false(text_has_line(cur.out, "connected"));
    if (!strstr(cur.err, "password authentication failed")) {
        print_error("psql: expected a password authentication failure\n");
        show_output(&r);
        fail();
    }
}

static int group_cleanup(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

int main(void)
{
    const struct CMUnitTest programs[] = {
        cmocka_unit_test_teardown(test_python3_sealed, kill_cur),
        cmocka_unit_test_teardown(test_python3_control, kill_cur),
        cmocka_unit_test_teardown(test_perl_sealed, kill_cur),
        cmocka_unit_test_teardown(test_perl_control, kill_cur),
        cmocka_unit_test_teardown(test_bash_sealed, kill_cur),
        cmocka_unit_test_teardown(test_bash_control, kill_cur),
        cmocka_unit_test_teardown(test_dash_sealed, kill_cur),
        cmocka_unit_test_teardown(test_dash_control, kill_cur),
        cmocka_unit_test_teardown(test_node_sealed, kill_cur),
        cmocka_unit_test_teardown(test_node_control, kill_cur),
    };
    const struct CMUnitTest psql[] = {
        cmocka_unit_test_teardown(test_psql_sealed, kill_cur),
        cmocka_unit_test_teardown(test_psql_control, kill_cur),
        cmocka_unit_test_teardown(test_psql_wrong_password, kill_cur),
    };
    cur.pid = 0;
    cur.in_fd = cur.out_fd = cur.err_fd = -1;
    pg_fixture_init(PG_ROLE, &cur);
    int failed = cmocka_run_group_tests_name("programs", programs, NULL, group_cleanup);
    failed += cmocka_run_group_tests_name("psql", psql, pg_fixture_setup, pg_fixture_teardown);
    pg_fixture_done();
    harness_cleanup();
    return failed ? 1 : 0;
}
