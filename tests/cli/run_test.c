/* `envseal run`: exit status and signals passed through, --secret-file delivered
 * but never visible, settings options, and --redact masking real output streams
 * (split writes, binary data, crashes, kills, early close, EPIPE, a terminal, a
 * thousand secrets, stdout and stderr into one file). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
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

#include "tests/cli/cli_util.h"

#define TIMEOUT 20000
#define MASK "[REDACTED]"

static char shim[4096];

/* argv for: envseal run --library SHIM [opts...] -- PROGRAM-ARGS... */
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
/* argv for: envseal run --redact --library SHIM -- outprobe STEPS... */
#define REDACT_ARGV(...)                                                                      \
    ARGV((char *)envseal_bin(), "run", "--redact", "--library", shim, "--",                   \
         (char *)outprobe_bin(), __VA_ARGS__)

static void env_with(struct envb *e, const char *name, const char *value)
{
    envb_init(e, false);
    if (name)
        envb_set(e, name, value);
}

/* A fresh random API_TOKEN (the secret of most cases) in an environment of its own. */
static void token_env(struct envb *e, char *secret, size_t n)
{
    harness_random_secret(secret, n, "tok");
    env_with(e, "API_TOKEN", secret);
}

/* A wait status that is an exit with code, or a death by sig. */
static void assert_exited(int status, int code)
{
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), code);
}

static void assert_killed_by(int status, int sig)
{
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), sig);
}

static pid_t parse_pid(const char *out)
{
    const char *p = strstr(out, "pid ");
    return p ? (pid_t)atoi(p + 4) : -1;
}

static void test_exit_status_passes_through(void **state)
{
    (void)state;
    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    const char *codes[] = {"exit:0", "exit:3", "exit:255"};
    const int want[] = {0, 3, 255};
    for (int redact = 0; redact < 2; redact++)
        for (int i = 0; i < 3; i++) {
            struct capture c;
            run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim,
                             redact ? "--redact" : "--quiet", "--", (char *)outprobe_bin(),
                             (char *)codes[i]),
                        &env, NULL, &c, TIMEOUT);
            assert_exited(c.status, want[i]);
            capture_free(&c);
        }
    envb_free(&env);
}

/* A program started with stdout closed finds it closed under envseal run too,
 * with or without --redact (envseal opens /dev/null there for itself): /bin/echo
 * fails with EBADF, as in the control without envseal. */
static void test_closed_stdout_stays_closed(void **state)
{
    (void)state;
    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    for (int via = 0; via < 3; via++) {
        struct capture c;
        char *script = via == 2 ? "exec \"$0\" run --library \"$1\" --redact -- /bin/echo hi >&-"
                       : via    ? "exec \"$0\" run --library \"$1\" --quiet -- /bin/echo hi >&-"
                                : "exec /bin/echo hi >&-";
        run_capture(ARGV("/bin/sh", "-c", script, (char *)envseal_bin(), shim), &env, NULL, &c,
                    TIMEOUT);
        assert_exited(c.status, 1);
        assert_non_null(strstr(c.err, "Bad file descriptor"));
        capture_free(&c);
    }
    envb_free(&env);
}

static void test_signal_passes_through(void **state)
{
    (void)state;
    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    const int sigs[] = {SIGTERM, SIGSEGV, SIGKILL, SIGINT, SIGABRT};
    for (int redact = 0; redact < 2; redact++)
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
            char step[32];
            snprintf(step, sizeof step, "kill:%d", sigs[i]);
            struct capture c;
            run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim,
                             redact ? "--redact" : "--quiet", "--", (char *)outprobe_bin(),
                             "out:before", step, "out:after"),
                        &env, NULL, &c, TIMEOUT);
            assert_killed_by(c.status, sigs[i]);
            assert_string_equal(c.out, "before\n"); /* output before the signal kept */
            capture_free(&c);
        }
    envb_free(&env);
}

static void test_redact_relays_sigterm_and_kill(void **state)
{
    (void)state;
    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    /* SIGTERM sent to envseal reaches the program; envseal dies of it too */
    struct proc p;
    assert_int_equal(proc_spawn(&p, REDACT_ARGV("pid", "hold"), &env), 0);
    assert_true(proc_wait_line(&p, "ready", TIMEOUT));
    pid_t child = parse_pid(p.out);
    assert_true(child > 0 && child != p.pid);
    kill(p.pid, SIGTERM);
    /* the program dies of it and envseal reaps it (before stdin is closed) */
    for (int i = 0; i < 2000 && kill(child, 0) == 0; i++)
        usleep(5000);
    assert_int_equal(kill(child, 0), -1);
    int st = proc_finish(&p, TIMEOUT);
    assert_killed_by(st, SIGTERM);

    /* the program killed from outside: same signal, output so far delivered */
    assert_int_equal(proc_spawn(&p, REDACT_ARGV("secret:API_TOKEN", "pid", "hold"), &env), 0);
    assert_true(proc_wait_line(&p, "ready", TIMEOUT));
    child = parse_pid(p.out);
    assert_true(child > 0);
    kill(child, SIGKILL);
    st = proc_finish(&p, TIMEOUT);
    assert_killed_by(st, SIGKILL);
    assert_non_null(strstr(p.out, MASK "\npid "));
    assert_null(strstr(p.out, secret));
    envb_free(&env);
}

/* --redact with a value shorter than 4 bytes: not masked (it would mangle ordinary
 * text), one warning naming it, and with nothing else to mask envseal execs the
 * program (its pid is envseal's). The control: a 4-byte value is masked, and
 * envseal stays the program's parent. */
static void test_redact_short_values_warned_and_exec(void **state)
{
    (void)state;
    for (int len = 3; len <= 4; len++) {
        char secret[8];
        snprintf(secret, sizeof secret, "%.*s", len, "q7Zk");
        struct envb env;
        env_with(&env, "API_TOKEN", secret);
        struct proc p;
        assert_int_equal(proc_spawn(&p, REDACT_ARGV("secret:API_TOKEN", "pid", "hold"), &env),
                         0);
        pid_t envseal_pid = p.pid;
        assert_true(proc_wait_line(&p, "ready", TIMEOUT));
        pid_t child = parse_pid(p.out);
        int st = proc_finish(&p, TIMEOUT);
        assert_exited(st, 0);
        bool shown = strstr(p.out, secret) != NULL; /* "q7Z" alone is no real secret */
        const char *warning = strstr(p.err, "envseal run: ");
        if (len == 3) {
            assert_true(shown);
            assert_int_equal(child, envseal_pid); /* exec'd: nothing to mask */
            assert_non_null(warning);
            assert_non_null(strstr(warning, "API_TOKEN"));
            assert_null(strstr(warning + 1, "envseal run: ")); /* one warning */
        } else {
            assert_false(shown);
            assert_true(child != envseal_pid);
            assert_non_null(strstr(p.out, MASK "\n"));
            assert_null(warning);
        }
        envb_free(&env);
    }
}

static void assert_not_in_proc(pid_t pid, const char *secret)
{
    char path[64];
    assert_false(proc_environ_contains(pid, secret));
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    assert_false(file_contains(path, secret));
}

static void test_secret_file_delivered_not_visible(void **state)
{
    (void)state;
    char secret[64], line[128], file_text[80];
    harness_random_secret(secret, sizeof secret, "sf");
    snprintf(file_text, sizeof file_text, "%s\n", secret); /* trailing newline dropped */
    const char *file = scratch_file("app.secret", file_text, strlen(file_text));
    char opt[600];
    snprintf(opt, sizeof opt, "MYAPP_KEY=%s", file); /* no default pattern covers it */
    snprintf(line, sizeof line, "MYAPP_KEY %zu:%08x", strlen(secret), fnv32(secret));

    /* control: the same value as a plain variable is readable in environ */
    struct envb plain;
    env_with(&plain, "MYAPP_KEY", secret);
    struct proc p;
    assert_int_equal(proc_spawn(&p, ARGV((char *)envprobe_bin(), "hold"), &plain), 0);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    assert_true(proc_environ_contains(p.pid, secret));
    proc_finish(&p, TIMEOUT);
    envb_free(&plain);

    struct envb env;
    env_with(&env, NULL, NULL);
    assert_int_equal(proc_spawn(&p, ARGV((char *)envseal_bin(), "run", "--library", shim,
                                         "--secret-file", opt, "--", (char *)envprobe_bin(),
                                         "show:MYAPP_KEY", "hold"),
                                &env),
                     0);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    assert_true(proc_wait_line(&p, line, 100)); /* received, whole and exact */
    assert_not_in_proc(p.pid, secret);          /* exec: envseal's pid is the program's */
    char maps[64];
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)p.pid);
    assert_true(file_contains(maps, "libenvseal.so"));
    assert_true(WIFEXITED(proc_finish(&p, TIMEOUT)));
    assert_null(memmem(p.out, p.out_len, secret, strlen(secret)));
    assert_null(memmem(p.err, p.err_len, secret, strlen(secret)));
    envb_free(&env);
}

static void test_secret_file_with_redact(void **state)
{
    (void)state;
    char secret[64], inherited[64], line[128];
    harness_random_secret(secret, sizeof secret, "sf");
    harness_random_secret(inherited, sizeof inherited, "tok");
    const char *file = scratch_file("db.secret", secret, strlen(secret));
    char opt[600];
    snprintf(opt, sizeof opt, "DB_PASSWORD=%s", file);
    struct envb env;
    env_with(&env, "API_TOKEN", inherited);
    struct proc p;
    assert_int_equal(proc_spawn(&p, ARGV((char *)envseal_bin(), "run", "--redact", "--library",
                                         shim, "--secret-file", opt, "--",
                                         (char *)outprobe_bin(), "pid", "show:DB_PASSWORD",
                                         "show:API_TOKEN", "secret:DB_PASSWORD",
                                         "secret:API_TOKEN", "hold"),
                                &env),
                     0);
    assert_true(proc_wait_line(&p, "ready", TIMEOUT));
    pid_t child = parse_pid(p.out);
    assert_true(child > 0 && child != p.pid);
    snprintf(line, sizeof line, "DB_PASSWORD %zu:%08x", strlen(secret), fnv32(secret));
    assert_non_null(strstr(p.out, line));
    snprintf(line, sizeof line, "API_TOKEN %zu:%08x", strlen(inherited), fnv32(inherited));
    assert_non_null(strstr(p.out, line));

    /* neither the program nor envseal (its parent) shows either value */
    assert_not_in_proc(child, secret);
    assert_not_in_proc(child, inherited);
    assert_not_in_proc(p.pid, secret);
    assert_not_in_proc(p.pid, inherited); /* envseal scrubbed its own block */
    /* envseal's readable memory holds neither (its copies live in secretmem) */
    struct scan_result r;
    assert_true(proc_scan_mem(p.pid, secret, &r) >= 0);
    for (int i = 0; i < r.hits; i++)
        assert_non_null(strstr(r.names[i], "envseal-vault")); /* only the fallback vault */
    assert_true(proc_scan_mem(p.pid, inherited, &r) >= 0);
    for (int i = 0; i < r.hits; i++)
        assert_non_null(strstr(r.names[i], "envseal-vault"));

    assert_true(WIFEXITED(proc_finish(&p, TIMEOUT)));
    assert_null(memmem(p.out, p.out_len, secret, strlen(secret)));
    assert_null(memmem(p.err, p.err_len, secret, strlen(secret)));
    assert_null(memmem(p.out, p.out_len, inherited, strlen(inherited)));
    assert_string_equal(p.err, MASK "\n" MASK "\n");
    envb_free(&env);

    /* An inherited variable whose name only --secret-file makes a secret (its old
     * value, say a previous credential): gone from envseal's own block too. */
    char old[64];
    harness_random_secret(old, sizeof old, "old");
    snprintf(opt, sizeof opt, "MYAPP_KEY=%s", file);
    env_with(&env, "MYAPP_KEY", old);
    assert_int_equal(proc_spawn(&p, ARGV((char *)envseal_bin(), "run", "--redact", "--library",
                                         shim, "--secret-file", opt, "--",
                                         (char *)outprobe_bin(), "pid", "hold"),
                                &env),
                     0);
    assert_true(proc_wait_line(&p, "ready", TIMEOUT));
    assert_not_in_proc(p.pid, old);
    assert_true(WIFEXITED(proc_finish(&p, TIMEOUT)));
    envb_free(&env);
}

/* A NAME of any length replaces the inherited variable of that name: the program
 * gets one entry, the file's value. */
static void test_secret_file_long_name_replaces_inherited(void **state)
{
    (void)state;
    char name[400], old[64], secret[64], opt[1200], line[600];
    memset(name, 'A', 300);
    snprintf(name + 300, sizeof name - 300, "_TOKEN");
    harness_random_secret(old, sizeof old, "old");
    harness_random_secret(secret, sizeof secret, "new");
    snprintf(opt, sizeof opt, "%s=%s", name, scratch_file("long.secret", secret, strlen(secret)));
    snprintf(line, sizeof line, "%s %zu:%08x", name, strlen(secret), fnv32(secret));
    char show[420];
    snprintf(show, sizeof show, "show:%s", name);
    struct envb env;
    env_with(&env, name, old);
    struct capture c;
    run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-file", opt, "--",
                     (char *)envprobe_bin(), show),
                &env, NULL, &c, TIMEOUT);
    assert_exited(c.status, 0);
    assert_true(text_has_line(c.out, line));
    capture_free(&c);
    envb_free(&env);
}

static void test_secret_file_errors(void **state)
{
    (void)state;
    char secret[64];
    harness_random_secret(secret, sizeof secret, "sf");
    char withnul[80];
    size_t n = (size_t)snprintf(withnul, sizeof withnul, "%s", secret);
    withnul[n / 2] = '\0';
    const char *nulfile = scratch_file("nul.secret", withnul, n);
    const char *good = scratch_file("good.secret", secret, strlen(secret));
    /* Over 128 KiB, newlines where the read stops: too large all the same. */
    size_t bign = 300000;
    char *big = malloc(bign + 16);
    assert_non_null(big);
    memcpy(big, "tok", 3);
    memset(big + 3, '\n', bign);
    memcpy(big + 3 + bign, "MORE", 4);
    const char *bigfile = scratch_file("big.secret", big, bign + 7);
    free(big);
    char o_big[600];
    snprintf(o_big, sizeof o_big, "APP_SECRET=%s", bigfile);
    char o_nul[600], o_missing[600], o_good[600], o_bad[600], o_ld[600];
    snprintf(o_nul, sizeof o_nul, "APP_SECRET=%s", nulfile);
    snprintf(o_missing, sizeof o_missing, "APP_SECRET=%s/none", harness_tmpdir());
    snprintf(o_good, sizeof o_good, "APP_KEY=%s", good);
    snprintf(o_bad, sizeof o_bad, "1APP=%s", good);
    snprintf(o_ld, sizeof o_ld, "LD_AUDIT=%s", good);
    struct {
        char **argv;
        const char *env_name, *env_value;
        int code;
        const char *says;
    } cases[] = {
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-file", o_missing, "--",
              "true"),
         NULL, NULL, 125, "APP_SECRET"},
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-file", o_nul, "--",
              "true"),
         NULL, NULL, 125, "NUL"},
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-file", o_big, "--",
              "true"),
         NULL, NULL, 125, "larger than"},
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-file", o_bad, "--",
              "true"),
         NULL, NULL, 64, "not a valid variable name"},
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-file", o_ld, "--",
              "true"),
         NULL, NULL, 64, "reserved"},
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--exclude", "APP_KEY",
              "--secret-file", o_good, "--", "true"),
         NULL, NULL, 64, "excluded"},
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-file", o_good, "--",
              "true"),
         "ENVSEAL_DISABLE", "1", 64, "ENVSEAL_DISABLE"},
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-file", "NOPATH", "--",
              "true"),
         NULL, NULL, 64, "NAME=PATH"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct envb env;
        env_with(&env, cases[i].env_name, cases[i].env_value);
        struct capture c;
        run_capture(cases[i].argv, &env, NULL, &c, TIMEOUT);
        assert_exited(c.status, cases[i].code);
        assert_non_null(strstr(c.err, cases[i].says));
        assert_int_equal(c.out_len, 0);
        assert_false(capture_contains(&c, secret));
        assert_false(capture_contains(&c, withnul)); /* nor half of it */
        capture_free(&c);
        envb_free(&env);
    }
}

static void test_settings_options(void **state)
{
    (void)state;
    char secret[64];
    harness_random_secret(secret, sizeof secret, "k");
    struct envb env;
    env_with(&env, "ENVSEAL_SECRETS", "FOO_*");
    envb_set(&env, "MYAPP_THING", secret); /* covered only by --secrets */
    envb_set(&env, "LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libz.so.1");
    struct proc p;
    assert_int_equal(proc_spawn(&p, ARGV((char *)envseal_bin(), "run", "--library", shim,
                                         "--vault", "anon", "--secrets", "MYAPP_*",
                                         "--exclude=X_*", "--on-failure", "refuse", "-q", "--",
                                         (char *)envprobe_bin(), "show:MYAPP_THING", "hold"),
                                &env),
                     0);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    char path[64], *environ_text;
    snprintf(path, sizeof path, "/proc/%d/environ", (int)p.pid);
    long n = read_file_all(path, &environ_text);
    assert_true(n > 0);
    for (long i = 0; i < n; i++)
        if (environ_text[i] == '\0')
            environ_text[i] = '\n';
    assert_non_null(strstr(environ_text, "\nENVSEAL_SECRETS=FOO_*,MYAPP_*\n"));
    assert_non_null(strstr(environ_text, "\nENVSEAL_EXCLUDE=X_*\n"));
    assert_non_null(strstr(environ_text, "\nENVSEAL_VAULT=anon\n"));
    assert_non_null(strstr(environ_text, "\nENVSEAL_ON_FAILURE=refuse\n"));
    assert_non_null(strstr(environ_text, "\nENVSEAL_QUIET=1\n"));
    char preload[4200];
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s:/usr/lib/x86_64-linux-gnu/libz.so.1\n",
             shim);
    assert_non_null(strstr(environ_text, preload));
    assert_null(strstr(environ_text, secret)); /* sealed thanks to --secrets */
    free(environ_text);
    struct vault_info vi;
    proc_vault_info(p.pid, &vi);
    assert_true(vi.found && vi.anonymous && !vi.secretmem); /* --vault anon */
    proc_finish(&p, TIMEOUT);
    envb_free(&env);
}

/* Which of API_TOKEN and DB_PASSWORD /proc/PID/environ shows (bit 0, bit 1) for
 * envseal run with the given options (at most 4, NULL-terminated). */
static int visible_after_run(const char *const *opts)
{
    char api[64], db[64];
    harness_random_secret(api, sizeof api, "api");
    harness_random_secret(db, sizeof db, "db");
    struct envb env;
    env_with(&env, "API_TOKEN", api);
    envb_set(&env, "DB_PASSWORD", db);
    char *argv[16] = {(char *)envseal_bin(), "run", "--library", shim};
    int n = 4;
    for (int i = 0; opts[i] && i < 4; i++)
        argv[n++] = (char *)opts[i];
    argv[n++] = "--";
    argv[n++] = (char *)envprobe_bin();
    argv[n++] = "hold";
    argv[n] = NULL;
    struct proc p;
    assert_int_equal(proc_spawn(&p, argv, &env), 0);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    int seen = proc_environ_contains(p.pid, api) | proc_environ_contains(p.pid, db) << 1;
    proc_finish(&p, TIMEOUT);
    envb_free(&env);
    return seen;
}

/* --exclude and --no-defaults change what is sealed: an excluded secret, or one no
 * longer covered once the built-in patterns are off, stays in /proc/PID/environ,
 * while the others go; the control (no option) hides both. */
static void test_exclude_and_no_defaults_take_effect(void **state)
{
    (void)state;
    assert_int_equal(visible_after_run((const char *[]){NULL}), 0);
    assert_int_equal(visible_after_run((const char *[]){"--exclude", "API_*", NULL}), 1);
    assert_int_equal(
        visible_after_run((const char *[]){"--no-defaults", "--secrets", "DB_*", NULL}), 1);
    assert_int_equal(visible_after_run((const char *[]){"--no-defaults", NULL}), 3);
}

/* --mode strict preloads libenvseal-strict.so (found beside envseal): the secret's
 * name and value are gone from environ while getenv still answers; the strict
 * settings reach the program. */
static void test_mode_strict_option(void **state)
{
    (void)state;
    char secret[64], line[128];
    harness_random_secret(secret, sizeof secret, "st");
    snprintf(line, sizeof line, "DB_PASSWORD %zu:%08x", strlen(secret), fnv32(secret));
    struct envb env;
    env_with(&env, "DB_PASSWORD", secret);
    struct proc p;
    assert_int_equal(proc_spawn(&p, ARGV((char *)envseal_bin(), "run", "--mode", "strict",
                                         "--child-secrets", "none", "--strict-secrets",
                                         "DB_*", "--", (char *)envprobe_bin(),
                                         "show:DB_PASSWORD", "hold"),
                                &env),
                     0);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    assert_true(proc_wait_line(&p, line, 100)); /* getenv: the exact value */
    char path[64], *text;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)p.pid);
    assert_true(file_contains(path, "/libenvseal-strict.so"));
    snprintf(path, sizeof path, "/proc/%d/environ", (int)p.pid);
    long n = read_file_all(path, &text);
    assert_true(n > 0);
    assert_null(memmem(text, (size_t)n, "DB_PASSWORD=", 12)); /* not even the name */
    assert_non_null(memmem(text, (size_t)n, "ENVSEAL_MODE=strict", 19));
    assert_non_null(memmem(text, (size_t)n, "ENVSEAL_STRICT_SECRETS=DB_*", 27));
    assert_non_null(memmem(text, (size_t)n, "ENVSEAL_CHILD_SECRETS=none", 26));
    free(text);
    assert_not_in_proc(p.pid, secret);
    assert_true(WIFEXITED(proc_finish(&p, TIMEOUT)));

    /* a value outside the choices is a usage error, before anything runs */
    struct capture c;
    run_capture(ARGV((char *)envseal_bin(), "run", "--mode", "lax", "--", "/bin/true"), &env,
                NULL, &c, TIMEOUT);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 64);
    assert_null(memmem(c.err, c.err_len, secret, strlen(secret)));
    capture_free(&c);
    envb_free(&env);
}

static void test_finds_library_beside_itself(void **state)
{
    (void)state;
    struct envb env;
    env_with(&env, NULL, NULL);
    struct proc p;
    assert_int_equal(proc_spawn(&p, ARGV((char *)envseal_bin(), "run", "--",
                                         (char *)envprobe_bin(), "hold"),
                                &env),
                     0);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    char maps[64];
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)p.pid);
    assert_true(file_contains(maps, "/libenvseal.so"));
    proc_finish(&p, TIMEOUT);
    envb_free(&env);
}

/* A musl program gets libenvseal-musl.so (its loader cannot load the glibc
 * build): the value arrives whole, and environ no longer holds it. */
static void test_musl_program_gets_musl_library(void **state)
{
    (void)state;
    char secret[64], line[128];
    harness_random_secret(secret, sizeof secret, "mu");
    snprintf(line, sizeof line, "APP_TOKEN %zu:%08x", strlen(secret), fnv32(secret));
    struct envb env;
    env_with(&env, "APP_TOKEN", secret);
    struct proc p;
    assert_int_equal(proc_spawn(&p, ARGV((char *)envseal_bin(), "run", "--",
                                         (char *)harness_runfile("tests/programs/envprobe-musl"),
                                         "show:APP_TOKEN", "hold"),
                                &env),
                     0);
    bool ready = proc_wait_line(&p, "ready 1", TIMEOUT);
    if (!ready)
        print_error("stderr: %.*s\n", (int)p.err_len, p.err);
    assert_true(ready);
    assert_true(text_has_line(p.out, line));
    assert_not_in_proc(p.pid, secret);
    char maps[64];
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)p.pid);
    assert_true(file_contains(maps, "/libenvseal-musl.so"));
    assert_true(WIFEXITED(proc_finish(&p, TIMEOUT)));
    envb_free(&env);
}

static void test_unprotectable_program_warned_or_refused(void **state)
{
    (void)state;
    if (!harness_have("gcc")) {
        print_message("skipped: gcc is not installed (scripts/setup.sh installs it)\n");
        skip();
    }
    char src[600], bin[600], cmd[1400];
    snprintf(src, sizeof src, "%s/static_hello.c", harness_tmpdir());
    snprintf(bin, sizeof bin, "%s/static_hello", harness_tmpdir());
    const char *code = "#include <stdio.h>\nint main(void){puts(\"ran\");return 0;}\n";
    scratch_file("static_hello.c", code, strlen(code));
    snprintf(cmd, sizeof cmd, "gcc -static -o '%s' '%s' 2>/dev/null", bin, src);
    if (system(cmd) != 0) {
        print_message("skipped: gcc -static failed (no static libc)\n");
        skip();
    }
    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    struct capture c;
    run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--", bin), &env, NULL,
                &c, TIMEOUT);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    assert_string_equal(c.out, "ran\n");
    assert_non_null(strstr(c.err, "statically linked"));
    capture_free(&c);
    run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--on-failure", "refuse",
                     "--", bin),
                &env, NULL, &c, TIMEOUT);
    assert_exited(c.status, 111);
    assert_int_equal(c.out_len, 0); /* never started */
    assert_non_null(strstr(c.err, "refusing"));
    capture_free(&c);
    /* The same program behind `#!/usr/bin/env -S` (env is not what runs), behind a
     * script whose interpreter is a script (followed, as the kernel follows it), and
     * behind interpreters nested deeper than check follows (which it cannot judge):
     * warned about, or refused. */
    char text[800], inner[700], level[700];
    snprintf(text, sizeof text, "#!/usr/bin/env -S A=1 %s -x\n", bin);
    const char *envs = scratch_file("env-s.sh", text, strlen(text));
    snprintf(text, sizeof text, "#!%s\n", bin);
    snprintf(inner, sizeof inner, "%s", scratch_file("inner.sh", text, strlen(text)));
    snprintf(text, sizeof text, "#!%s\n", inner);
    const char *outer = scratch_file("outer.sh", text, strlen(text));
    assert_int_equal(chmod(envs, 0755) | chmod(inner, 0755) | chmod(outer, 0755), 0);
    snprintf(level, sizeof level, "%s", outer);
    for (int k = 0; k < 4; k++) {
        char file[32];
        snprintf(text, sizeof text, "#!%s\n", level);
        snprintf(file, sizeof file, "deep%d.sh", k);
        snprintf(level, sizeof level, "%s", scratch_file(file, text, strlen(text)));
        assert_int_equal(chmod(level, 0755), 0);
    }
    const char *scripts[] = {envs, outer, level};
    const char *says[] = {"statically linked", "statically linked", "cannot tell"};
    for (int i = 0; i < 3; i++) {
        run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--", (char *)scripts[i]),
                    &env, NULL, &c, TIMEOUT);
        /* (the deepest one the kernel refuses to run too: ELOOP, exit 126) */
        if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != (i == 2 ? 126 : 0) ||
            !strstr(c.err, says[i]))
            fail_msg("%s: status %#x, stderr: %s", scripts[i], (unsigned)c.status,
                     strstr(c.err, secret) ? "(withheld: holds the value)" : c.err);
        capture_free(&c);
        run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--on-failure",
                         "refuse", "--", (char *)scripts[i]),
                    &env, NULL, &c, TIMEOUT);
        assert_exited(c.status, 111);
        assert_int_equal(c.out_len, 0);
        capture_free(&c);
    }
    envb_free(&env);
}

/* envseal run --library LIB --on-failure POLICY -- envprobe, with a secret
 * API_TOKEN. LIB not a shim: under refuse, exit 111 and the program never starts;
 * under warn, the program runs without LIB, its secret in the clear, and exactly
 * one line says so. LIB a shim: preloaded, the secret sealed, no such line. */
static void library_case(const char *lib, const char *policy, bool is_shim, const char *what)
{
    char secret[64], line[128], real[4096], maps[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    snprintf(line, sizeof line, "API_TOKEN %zu:%08x", strlen(secret), fnv32(secret));
    assert_non_null(realpath(lib, real));
    char **argv = ARGV((char *)envseal_bin(), "run", "--library", (char *)lib, "--on-failure",
                       (char *)policy, "--", (char *)envprobe_bin(), "show:API_TOKEN", "hold");
    if (!is_shim && strcmp(policy, "refuse") == 0) {
        struct capture c;
        run_capture(argv, &env, NULL, &c, TIMEOUT);
        if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 111)
            print_error("%s under refuse: status 0x%x, stdout %zu bytes\n", lib, c.status,
                        c.out_len);
        assert_exited(c.status, 111);
        assert_int_equal(c.out_len, 0); /* never started */
        assert_non_null(strstr(c.err, "is not an envseal shim"));
        if (!strstr(c.err, what))
            print_error("want '%s' in: %s\n", what, c.err);
        assert_non_null(strstr(c.err, what)); /* says what the file is */
        assert_null(memmem(c.err, c.err_len, secret, strlen(secret)));
        capture_free(&c);
        envb_free(&env);
        return;
    }
    struct proc p;
    assert_int_equal(proc_spawn(&p, argv, &env), 0);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    assert_true(proc_wait_line(&p, line, 100)); /* the program has its secret */
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)p.pid);
    assert_int_equal(file_contains(maps, real), is_shim);
    /* sealed by the shim, else in the program's environment block */
    assert_int_equal(proc_environ_contains(p.pid, secret), !is_shim);
    assert_true(WIFEXITED(proc_finish(&p, TIMEOUT)));
    assert_null(memmem(p.err, p.err_len, secret, strlen(secret)));
    const char *said = memmem(p.err, p.err_len, "is not an envseal shim", 22);
    if (is_shim) {
        assert_null(said);
    } else {
        assert_non_null(said);
        assert_non_null(memmem(p.err, p.err_len, "NOT sealed", 10));
        size_t lines = 0;
        for (size_t i = 0; i < p.err_len; i++)
            lines += p.err[i] == '\n';
        if (lines != 1)
            print_error("stderr for %s:\n%.*s\n", lib, (int)p.err_len, p.err);
        assert_int_equal(lines, 1); /* one clear line, no loader noise */
    }
    envb_free(&env);
}

static void test_library_must_be_an_envseal_shim(void **state)
{
    (void)state;
    unsigned char noise[4096];
    srand(7);
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (unsigned char)rand();
    char random_file[600];
    snprintf(random_file, sizeof random_file, "%s", scratch_file("random.so", noise, sizeof noise));
    char *bytes;
    long n = read_file_all(shim, &bytes);
    assert_true(n > 8192);
    char cut[600], foreign[600], other_abi[600];
    snprintf(cut, sizeof cut, "%s", scratch_file("cut-shim.so", bytes, (size_t)n / 2));
    /* the shim relabelled for another machine, and one of another ABI */
    uint16_t machine = 183; /* EM_AARCH64 */
    memcpy(bytes + 18, &machine, 2);
    snprintf(foreign, sizeof foreign, "%s", scratch_file("foreign.so", bytes, (size_t)n));
    machine = 62; /* EM_X86_64 */
    memcpy(bytes + 18, &machine, 2);
    static const char head[] = "\x08\0\0\0\x08\0\0\0\x01\0\0\0envseal"; /* + NUL */
    char *note = memmem(bytes, (size_t)n, head, sizeof head);
    assert_non_null(note);
    note[sizeof head] = 2; /* the ABI word, little-endian */
    snprintf(other_abi, sizeof other_abi, "%s", scratch_file("abi2.so", bytes, (size_t)n));
    free(bytes);
    const char *libz = access("/usr/lib/x86_64-linux-gnu/libz.so.1", R_OK) == 0
                           ? "/usr/lib/x86_64-linux-gnu/libz.so.1"
                           : "/lib/x86_64-linux-gnu/libz.so.1";
    assert_int_equal(access(libz, R_OK), 0);
    const char *policies[] = {"refuse", "warn"};
    for (int k = 0; k < 2; k++) {
        library_case(random_file, policies[k], false, "(not an ELF file)");
        library_case(libz, policies[k], false, "without the .note.envseal note");
        library_case(cut, policies[k], false, "a malformed ELF file: ");
        library_case(shim, policies[k], true, NULL);
    }
    library_case(foreign, "refuse", false, "built for another machine");
    library_case(other_abi, "refuse", false, "another version (ABI 2; this envseal needs 1)");

    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    struct capture c;
    /* --quiet silences warnings, not this one: nothing at all is sealed */
    run_capture(ARGV((char *)envseal_bin(), "run", "--library", random_file, "-q", "--",
                     (char *)envprobe_bin(), "show:API_TOKEN"),
                &env, NULL, &c, TIMEOUT);
    assert_exited(c.status, 0);
    assert_non_null(strstr(c.err, "NOT sealed"));
    capture_free(&c);

    /* --mode strict with the relocate-only build: refused before exec under refuse */
    run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--mode", "strict",
                     "--on-failure", "refuse", "--", (char *)envprobe_bin(), "show:API_TOKEN"),
                &env, NULL, &c, TIMEOUT);
    assert_exited(c.status, 111);
    assert_int_equal(c.out_len, 0);
    assert_non_null(strstr(c.err, "needs libenvseal-strict.so"));
    capture_free(&c);
    envb_free(&env);
}

static void test_redact_split_at_every_point(void **state)
{
    (void)state;
    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    size_t len = strlen(secret);
    for (size_t k = 0; k <= len; k++) {
        char step[64];
        snprintf(step, sizeof step, "split:API_TOKEN:%zu", k);
        struct capture c;
        run_capture(REDACT_ARGV(step), &env, NULL, &c, TIMEOUT);
        assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
        assert_string_equal(c.out, "A:" MASK "\n");
        capture_free(&c);
    }
    /* control: without --redact the value is there */
    struct capture c;
    run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--",
                     (char *)outprobe_bin(), "split:API_TOKEN:5"),
                &env, NULL, &c, TIMEOUT);
    assert_non_null(strstr(c.out, secret));
    capture_free(&c);
    envb_free(&env);
}

/* Random bytes (NULs included) with the secrets planted, some overlapping. */
static unsigned char *planted(size_t n, const char *const *secrets, size_t ns, unsigned seed,
                              bool binary)
{
    unsigned char *d = malloc(n);
    srand(seed);
    for (size_t i = 0; i < n; i++)
        d[i] = binary ? (unsigned char)rand() : (unsigned char)(' ' + rand() % 95);
    for (size_t i = 0; i < n / 1000; i++) {
        const char *s = secrets[(size_t)rand() % ns];
        size_t l = strlen(s), at = (size_t)rand() % (n - l);
        memcpy(d + at, s, l);
    }
    return d;
}

static void check_redacted(const struct capture *c, const unsigned char *data, size_t n,
                           const char *const *secrets, size_t ns)
{
    unsigned char *want = malloc(n * (sizeof MASK) + 1);
    size_t wn = reference_mask(secrets, ns, data, n, MASK, want);
    assert_int_equal(c->out_len, wn);
    assert_memory_equal(c->out, want, wn);
    free(want);
    for (size_t k = 0; k < ns; k++)
        assert_false(capture_contains(c, secrets[k]));
}

static void test_redact_binary_stream(void **state)
{
    (void)state;
    char s1[64], s2[40];
    harness_random_secret(s1, sizeof s1, "tok");
    srand(99);
    for (size_t i = 0; i < sizeof s2 - 1; i++)
        s2[i] = (char)(1 + rand() % 255); /* any byte but NUL, '=' included */
    s2[sizeof s2 - 1] = '\0';
    const char *secrets[] = {s1, s2};
    size_t n = 400000;
    unsigned char *data = planted(n, secrets, 2, 5, true);
    const char *file = scratch_file("binary.dat", data, n);
    char step[700];
    snprintf(step, sizeof step, "cat:%s:17", file);
    struct envb env;
    env_with(&env, "API_TOKEN", s1);
    envb_set(&env, "BLOB_SECRET", s2);
    struct capture c;
    run_capture(REDACT_ARGV(step), &env, NULL, &c, TIMEOUT);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    check_redacted(&c, data, n, secrets, 2);
    capture_free(&c);
    free(data);
    envb_free(&env);
}

static void test_redact_crash_keeps_written_bytes(void **state)
{
    (void)state;
    char secret[64];
    harness_random_secret(secret, sizeof secret, "tok");
    const char *secrets[] = {secret};
    size_t n = 300000;
    unsigned char *data = planted(n, secrets, 1, 9, false);
    memcpy(data + n - 12, secret, 12); /* ends in what could begin the secret */
    const char *file = scratch_file("crash.dat", data, n);
    char step[700];
    snprintf(step, sizeof step, "cat:%s:3", file);
    struct envb env;
    env_with(&env, "API_TOKEN", secret);
    struct capture c;
    run_capture(REDACT_ARGV(step, "segv"), &env, NULL, &c, TIMEOUT);
    assert_killed_by(c.status, SIGSEGV);
    check_redacted(&c, data, n, secrets, 1); /* every byte, the held-back tail too */
    capture_free(&c);
    free(data);
    envb_free(&env);
}

static void test_redact_program_closes_stdout_early(void **state)
{
    (void)state;
    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    struct capture c;
    run_capture(REDACT_ARGV("out:first", "secret:API_TOKEN", "close:1", "sleep:100",
                            "err:after-close", "exit:7"),
                &env, NULL, &c, TIMEOUT);
    assert_exited(c.status, 7);
    assert_string_equal(c.out, "first\n" MASK "\n");
    assert_string_equal(c.err, MASK "\nafter-close\n");
    capture_free(&c);
    envb_free(&env);
}

static void test_redact_reader_gone_gives_sigpipe(void **state)
{
    (void)state;
    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    struct proc p;
    assert_int_equal(proc_spawn(&p, REDACT_ARGV("yes"), &env), 0);
    char buf[4096];
    struct pollfd pf = {p.out_fd, POLLIN, 0};
    assert_int_equal(poll(&pf, 1, TIMEOUT), 1);
    assert_true(read(p.out_fd, buf, sizeof buf) > 0);
    close(p.out_fd); /* like `envseal run --redact -- yes | head -1` */
    p.out_fd = -1;
    int st = proc_finish(&p, TIMEOUT);
    assert_true(st != -1); /* did not hang */
    assert_killed_by(st, SIGPIPE);
    envb_free(&env);
}

static void test_redact_stdin_passes_through(void **state)
{
    (void)state;
    char secret[64], text[128];
    harness_random_secret(secret, sizeof secret, "tok");
    snprintf(text, sizeof text, "typed %s here\n", secret);
    const char *in = scratch_file("stdin.txt", text, strlen(text));
    struct envb env;
    env_with(&env, "API_TOKEN", secret);
    struct capture c;
    run_capture(REDACT_ARGV("echo"), &env, in, &c, TIMEOUT);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    assert_string_equal(c.out, "typed " MASK " here\n");
    capture_free(&c);
    envb_free(&env);
}

static void test_redact_on_a_terminal(void **state)
{
    (void)state;
    char secret[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    int master, slave;
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(slave, 1);
        dup2(slave, 2);
        close(master);
        execve(envseal_bin(), REDACT_ARGV("tty", "secret:API_TOKEN", "exit:5"),
               (char *const *)env.v);
        _exit(121);
    }
    close(slave);
    char out[8192];
    size_t len = 0;
    for (;;) {
        struct pollfd pf = {master, POLLIN, 0};
        if (poll(&pf, 1, TIMEOUT) <= 0)
            break;
        ssize_t n = read(master, out + len, sizeof out - 1 - len);
        if (n <= 0)
            break; /* EIO once every writer is gone */
        len += (size_t)n;
    }
    out[len] = '\0';
    int st;
    waitpid(pid, &st, 0);
    close(master);
    assert_exited(st, 5);
    assert_non_null(strstr(out, "tty 1 1")); /* the program sees a terminal on both */
    char *first = strstr(out, MASK);
    assert_non_null(first);
    assert_non_null(strstr(first + 1, MASK)); /* stdout and stderr, one stream */
    assert_null(strstr(out, secret));
    envb_free(&env);
}

static void test_redact_refuses_a_mask_holding_a_secret(void **state)
{
    (void)state;
    char secret[64], mask[96];
    harness_random_secret(secret, sizeof secret, "tok");
    snprintf(mask, sizeof mask, "<%s>", secret);
    struct envb env;
    env_with(&env, "API_TOKEN", secret);
    struct capture c;
    run_capture(ARGV((char *)envseal_bin(), "run", "--redact", "--mask", mask, "--library", shim,
                     "--", (char *)outprobe_bin(), "out:never-started"),
                &env, NULL, &c, TIMEOUT);
    assert_exited(c.status, 125);
    assert_non_null(strstr(c.err, "--mask text contains the value of API_TOKEN"));
    assert_int_equal(c.out_len, 0);
    assert_null(strstr(c.err, secret));
    capture_free(&c);
    /* a custom mask otherwise */
    run_capture(ARGV((char *)envseal_bin(), "run", "--redact", "--mask=***", "--library", shim,
                     "--", (char *)outprobe_bin(), "secret:API_TOKEN"),
                &env, NULL, &c, TIMEOUT);
    assert_string_equal(c.out, "***\n");
    capture_free(&c);
    envb_free(&env);
}

/* sh -c SCRIPT sh SEED PROGRAM...: 1000 variables SVC_<i>_TOKEN=tok-SEED-<i>-x, then
 * PROGRAM (the harness's environment builder holds far fewer). */
#define THOUSAND_SH                                                                            \
    "seed=$1; shift; i=0; while [ $i -lt 1000 ]; do export \"SVC_${i}_TOKEN=tok-$seed-$i-x\"; " \
    "i=$((i+1)); done; exec \"$@\""

static void test_redact_thousand_secrets(void **state)
{
    (void)state;
    char seed[40], value[96];
    harness_random_secret(seed, sizeof seed, "s");
    struct envb env;
    env_with(&env, NULL, NULL);
    struct capture c;
    run_capture(ARGV("/bin/sh", "-c", THOUSAND_SH, "sh", seed, (char *)envseal_bin(), "run",
                     "--redact", "--library", shim, "--", (char *)outprobe_bin(),
                     "secret:SVC_0_TOKEN", "secret:SVC_500_TOKEN", "secret:SVC_999_TOKEN",
                     "out:done"),
                &env, NULL, &c, TIMEOUT);
    if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) /* envseal's message only */
        print_error("status %d, %s\n", c.status, strstr(c.err, "envseal run:") ? c.err : "");
    assert_exited(c.status, 0);
    /* compared without printing: a failure must not show a value */
    assert_true(strcmp(c.out, MASK "\n" MASK "\n" MASK "\ndone\n") == 0);
    assert_true(strcmp(c.err, MASK "\n" MASK "\n" MASK "\n") == 0);
    for (int i = 0; i < 1000; i++) {
        snprintf(value, sizeof value, "tok-%s-%d-x", seed, i);
        assert_false(capture_contains(&c, value));
    }
    capture_free(&c);
    /* control: without --redact the program does print the values */
    run_capture(ARGV("/bin/sh", "-c", THOUSAND_SH, "sh", seed, (char *)envseal_bin(), "run",
                     "--library", shim, "--", (char *)outprobe_bin(), "secret:SVC_500_TOKEN"),
                &env, NULL, &c, TIMEOUT);
    assert_exited(c.status, 0);
    snprintf(value, sizeof value, "tok-%s-500-x", seed);
    assert_true(capture_contains(&c, value));
    capture_free(&c);
    envb_free(&env);
}

/* sh -c SCRIPT sh PROGRAM...: PROGRAM with stderr the same open file as stdout. */
#define MERGED_SH "exec \"$@\" 2>&1"

static void test_redact_stdout_and_stderr_one_file(void **state)
{
    (void)state;
    char secret[64], head[64], tail[64];
    struct envb env;
    token_env(&env, secret, sizeof secret);
    size_t half = strlen(secret) / 2;
    snprintf(head, sizeof head, "head:API_TOKEN:%zu:1", half);
    snprintf(tail, sizeof tail, "tail:API_TOKEN:%zu:2", half);
    char *redact[] = {"/bin/sh", "-c", MERGED_SH, "sh", (char *)envseal_bin(), "run",
                      "--redact", "--library", shim, "--", (char *)outprobe_bin()};
    enum { NR = sizeof redact / sizeof *redact };
    /* > file 2>&1: half the value on stdout, a pause, the rest on stderr */
    char *steps[][6] = {
        {"same12", head, "sleep:50", tail, "out:", NULL},
        {"same12", head, "close:1", "sleep:50", tail, "err:"}, /* stdout gone after its half */
    };
    for (size_t k = 0; k < 2; k++) {
        char *argv[NR + 7] = {0};
        memcpy(argv, redact, sizeof redact);
        memcpy(argv + NR, steps[k], sizeof steps[k]);
        struct capture c;
        run_capture(argv, &env, NULL, &c, TIMEOUT);
        assert_exited(c.status, 0);
        assert_false(capture_contains(&c, secret));
        /* one stream, in order; the program sees one pipe for both, as without us */
        assert_true(strcmp(c.out, "same12 1\n" MASK "\n") == 0); /* no value printed */
        assert_int_equal(c.err_len, 0);
        capture_free(&c);
    }
    /* control: without --redact the file holds the value (and fds 1 and 2 are one) */
    struct capture c;
    run_capture(ARGV("/bin/sh", "-c", MERGED_SH, "sh", (char *)envseal_bin(), "run", "--library",
                     shim, "--", (char *)outprobe_bin(), "same12", head, "sleep:50", tail, "out:"),
                &env, NULL, &c, TIMEOUT);
    assert_true(capture_contains(&c, secret));
    assert_non_null(strstr(c.out, "same12 1\n"));
    capture_free(&c);
    /* stdout and stderr to different files: two streams, each masked on its own */
    run_capture(REDACT_ARGV("same12", "secret:API_TOKEN"), &env, NULL, &c, TIMEOUT);
    assert_true(strcmp(c.out, "same12 0\n" MASK "\n") == 0);
    assert_true(strcmp(c.err, MASK "\n") == 0);
    capture_free(&c);
    envb_free(&env);
}

static void test_usage_and_exec_errors(void **state)
{
    (void)state;
    struct envb env;
    env_with(&env, NULL, NULL);
    struct {
        char **argv;
        int code;
        const char *err;
    } cases[] = {
        {ARGV((char *)envseal_bin()), 64, "Usage"},
        {ARGV((char *)envseal_bin(), "bogus"), 64, "unknown command"},
        {ARGV((char *)envseal_bin(), "run"), 64, "missing PROGRAM"},
        {ARGV((char *)envseal_bin(), "run", "--bogus", "--", "true"), 64, "unknown option"},
        {ARGV((char *)envseal_bin(), "run", "--vault=bogus", "--", "true"), 64, "one of"},
        {ARGV((char *)envseal_bin(), "run", "--quiet=1", "--", "true"), 64, "takes no value"},
        {ARGV((char *)envseal_bin(), "run", "--vault"), 64, "needs a value"},
        {ARGV((char *)envseal_bin(), "run", "--library", "/nonexistent/libenvseal.so", "--",
              "true"),
         125, "cannot find libenvseal.so"},
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--", "no-such-command-xyz"), 127,
         "not found"},
        {ARGV((char *)envseal_bin(), "run", "--library", shim, "--", "/etc/passwd"), 126,
         "Permission denied"},
        {ARGV((char *)envseal_bin(), "check"), 64, "missing PROGRAM"},
        {ARGV((char *)envseal_bin(), "check", "--bogus", "true"), 64, "unknown option"},
        {ARGV((char *)envseal_bin(), "status"), 64, "missing PID"},
        {ARGV((char *)envseal_bin(), "status", "12x"), 64, "not a process id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct capture c;
        run_capture(cases[i].argv, &env, NULL, &c, TIMEOUT);
        assert_true(WIFEXITED(c.status));
        if (WEXITSTATUS(c.status) != cases[i].code || !strstr(c.err, cases[i].err))
            print_error("case %zu: exit %d, stderr: %s\n", i, WEXITSTATUS(c.status), c.err);
        assert_int_equal(WEXITSTATUS(c.status), cases[i].code);
        assert_non_null(strstr(c.err, cases[i].err));
        assert_int_equal(c.out_len, 0); /* errors go to stderr only */
        capture_free(&c);
    }
    /* --help on every command: stdout, exit 0 */
    const char *cmds[] = {NULL, "run", "check", "status"};
    for (size_t i = 0; i < 4; i++) {
        struct capture c;
        if (cmds[i])
            run_capture(ARGV((char *)envseal_bin(), (char *)cmds[i], "--help"), &env, NULL, &c,
                        TIMEOUT);
        else
            run_capture(ARGV((char *)envseal_bin(), "--help"), &env, NULL, &c, TIMEOUT);
        assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
        assert_memory_equal(c.out, "Usage: envseal", 14);
        assert_int_equal(c.err_len, 0);
        capture_free(&c);
    }
    envb_free(&env);
}

int main(void)
{
    struct rlimit nocore = {0, 0};
    setrlimit(RLIMIT_CORE, &nocore); /* the crash tests must leave no core files */
    snprintf(shim, sizeof shim, "%s", harness_shim_path());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_status_passes_through),
        cmocka_unit_test(test_closed_stdout_stays_closed),
        cmocka_unit_test(test_signal_passes_through),
        cmocka_unit_test(test_redact_relays_sigterm_and_kill),
        cmocka_unit_test(test_secret_file_delivered_not_visible),
        cmocka_unit_test(test_secret_file_with_redact),
        cmocka_unit_test(test_secret_file_long_name_replaces_inherited),
        cmocka_unit_test(test_secret_file_errors),
        cmocka_unit_test(test_settings_options),
        cmocka_unit_test(test_exclude_and_no_defaults_take_effect),
        cmocka_unit_test(test_redact_short_values_warned_and_exec),
        cmocka_unit_test(test_mode_strict_option),
        cmocka_unit_test(test_finds_library_beside_itself),
        cmocka_unit_test(test_musl_program_gets_musl_library),
        cmocka_unit_test(test_unprotectable_program_warned_or_refused),
        cmocka_unit_test(test_library_must_be_an_envseal_shim),
        cmocka_unit_test(test_redact_split_at_every_point),
        cmocka_unit_test(test_redact_binary_stream),
        cmocka_unit_test(test_redact_crash_keeps_written_bytes),
        cmocka_unit_test(test_redact_program_closes_stdout_early),
        cmocka_unit_test(test_redact_reader_gone_gives_sigpipe),
        cmocka_unit_test(test_redact_stdin_passes_through),
        cmocka_unit_test(test_redact_on_a_terminal),
        cmocka_unit_test(test_redact_refuses_a_mask_holding_a_secret),
        cmocka_unit_test(test_redact_thousand_secrets),
        cmocka_unit_test(test_redact_stdout_and_stderr_one_file),
        cmocka_unit_test(test_usage_and_exec_errors),
    };
    return cmocka_run_group_tests(tests, NULL, harness_cleanup_group);
}
