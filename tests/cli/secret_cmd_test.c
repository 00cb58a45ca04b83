/* `envseal run --secret-cmd NAME=COMMAND`: the command's standard output becomes
 * NAME, sealed, with a real secret manager (`pass`, a throwaway GnuPG key made
 * here, offline); order, trailing newlines, stderr passed through, what the
 * command's environment holds, and every failure stopping envseal with 125 before
 * the program starts, without the output in any message. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
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

#define TIMEOUT 30000
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

static char shim[4096];
static char gpg_home[64]; /* short: gpg-agent's socket path must fit */
static char store[128];
static char pass_secret[64]; /* the value stored in pass as test/db */
static const char *pass_skip;

static void assert_exited_why(int status, int code, const struct capture *c)
{
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
        fprintf(stderr, "status %#x, want exit %d; stderr:\n%s\n", (unsigned)status, code,
                c ? c->err : "");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), code);
}

static void assert_exited(int status, int code)
{
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), code);
}

/* "NAME len:fnv", the line envprobe prints for a value. */
static const char *probe_line(const char *name, const char *value)
{
    static char buf[4][256];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s %zu:%08x", name, strlen(value), fnv32(value));
    return b;
}

static bool sh(const char *cmd)
{
    return system(cmd) == 0;
}

/* A throwaway GnuPG key without passphrase and a password store holding test/db. */
static int setup_group(void **state)
{
    (void)state;
    snprintf(shim, sizeof shim, "%s", harness_shim_path());
    if (!harness_have("pass") || !harness_have("gpg")) {
        pass_skip = "pass or gpg not installed (scripts/setup.sh installs them)";
        return 0;
    }
    snprintf(gpg_home, sizeof gpg_home, "/tmp/envseal-gpg-XXXXXX");
    if (!mkdtemp(gpg_home))
        return -1;
    snprintf(store, sizeof store, "%s/store", gpg_home);
    setenv("GNUPGHOME", gpg_home, 1);
    setenv("PASSWORD_STORE_DIR", store, 1);
    harness_random_secret(pass_secret, sizeof pass_secret, "pw");
    if (!sh("gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key "
            "'envseal test <envseal@test.invalid>' default default never 2>/dev/null") ||
        !sh("pass init envseal@test.invalid >/dev/null")) {
        pass_skip = "could not make a GnuPG key and a password store";
        return 0;
    }
    FILE *f = popen("pass insert -m test/db >/dev/null", "w");
    if (!f)
        return -1;
    fprintf(f, "%s\n", pass_secret);
    return pclose(f) == 0 ? 0 : -1;
}

static int teardown_group(void **state)
{
    (void)state;
    if (gpg_home[0]) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "gpgconf --kill gpg-agent; rm -rf '%s'", gpg_home);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", gpg_home);
    }
    harness_cleanup();
    return 0;
}

/* The test's environment for envseal: PATH, HOME, the store's settings. */
static void base_env(struct envb *e)
{
    envb_init(e, false);
    if (gpg_home[0]) {
        envb_set(e, "GNUPGHOME", gpg_home);
        envb_set(e, "PASSWORD_STORE_DIR", store);
    }
}

static void test_pass_show_sealed_and_delivered(void **state)
{
    (void)state;
    if (pass_skip) {
        print_message("skipped: %s\n", pass_skip);
        skip();
    }
    /* control: pass itself prints the stored value (compared, never shown) */
    struct envb env;
    base_env(&env);
    struct capture c;
    run_capture(ARGV("/usr/bin/pass", "show", "test/db"), &env, NULL, &c, TIMEOUT);
    if (c.status != 0)
        fprintf(stderr, "pass show failed:\n%s\n", c.err);
    assert_exited_why(c.status, 0, &c);
    assert_true(c.out_len == strlen(pass_secret) + 1 &&
                memcmp(c.out, pass_secret, c.out_len - 1) == 0);
    capture_free(&c);

    struct proc p;
    assert_int_equal(proc_spawn(&p, ARGV((char *)envseal_bin(), "run", "--library", shim,
                                         "--secret-cmd", "DB_PASSWORD=pass show test/db", "--",
                                         (char *)envprobe_bin(), "show:DB_PASSWORD", "hold"),
                                &env),
                     0);
    assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
    assert_true(text_has_line(p.out, probe_line("DB_PASSWORD", pass_secret)));
    /* the program's environment block and arguments do not hold it */
    assert_false(proc_environ_contains(p.pid, pass_secret));
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)p.pid);
    assert_false(file_contains(path, pass_secret));
    assert_exited(proc_finish(&p, TIMEOUT), 0);
    assert_null(memmem(p.out, p.out_len, pass_secret, strlen(pass_secret)));
    assert_null(memmem(p.err, p.err_len, pass_secret, strlen(pass_secret)));
    envb_free(&env);
}

/* Two commands run in option order (the second reads what the first left), and
 * trailing newlines (\n, \r\n) are dropped as for --secret-file. */
static void test_order_and_trailing_newlines(void **state)
{
    (void)state;
    char a[64], mark[PATH_MAX], cmd1[PATH_MAX + 200], cmd2[PATH_MAX + 200];
    harness_random_secret(a, sizeof a, "ca");
    snprintf(mark, sizeof mark, "%s/order.mark", harness_tmpdir());
    unlink(mark);
    snprintf(cmd1, sizeof cmd1, "A_TOKEN=printf 'first' > '%s'; printf '%s\\n\\r\\n\\n'", mark,
             a);
    snprintf(cmd2, sizeof cmd2, "B_TOKEN=cat '%s'; printf %%s -second", mark);
    struct envb env;
    base_env(&env);
    struct capture c;
    run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-cmd", cmd1,
                     "--secret-cmd", cmd2, "--", (char *)envprobe_bin(), "show:A_TOKEN",
                     "show:B_TOKEN"),
                &env, NULL, &c, TIMEOUT);
    assert_exited_why(c.status, 0, &c);
    assert_true(text_has_line(c.out, probe_line("A_TOKEN", a)));
    assert_true(text_has_line(c.out, probe_line("B_TOKEN", "first-second")));
    assert_false(capture_contains(&c, a));
    capture_free(&c);
    envb_free(&env);
}

/* A --secret-cmd value is masked by --redact like a --secret-file one: the program
 * writes it to stdout and stderr, and only the mask arrives; the control, the same
 * run without --redact, shows the value. */
static void test_secret_cmd_value_masked_by_redact(void **state)
{
    (void)state;
    char a[64], cmd[200];
    harness_random_secret(a, sizeof a, "rd");
    snprintf(cmd, sizeof cmd, "CMD_TOKEN=printf %%s '%s'", a);
    for (int redact = 0; redact < 2; redact++) {
        struct envb env;
        base_env(&env);
        struct capture c;
        char *argv[12] = {(char *)envseal_bin(), "run", "--library", shim, "--secret-cmd", cmd};
        int n = 6;
        if (redact)
            argv[n++] = "--redact";
        argv[n++] = "--";
        argv[n++] = (char *)outprobe_bin();
        argv[n++] = "secret:CMD_TOKEN";
        argv[n] = NULL;
        run_capture(argv, &env, NULL, &c, TIMEOUT);
        assert_exited(c.status, 0); /* stderr not shown: the control's holds the value */
        assert_int_equal(capture_contains(&c, a), !redact);
        if (redact) {
            assert_true(text_has_line(c.out, "[REDACTED]"));
            assert_true(text_has_line(c.err, "[REDACTED]"));
        }
        capture_free(&c);
        envb_free(&env);
    }
}

/* The command's stderr reaches envseal's; it sees envseal's environment but not
 * a value read before it (--secret-file), and not the shim. */
static void test_stderr_and_environment_of_the_command(void **state)
{
    (void)state;
    char f[64];
    harness_random_secret(f, sizeof f, "cf");
    const char *file = scratch_file("cmd.secret", f, strlen(f));
    char ofile[PATH_MAX + 32];
    snprintf(ofile, sizeof ofile, "FILE_TOKEN=%s", file);
    struct envb env;
    base_env(&env);
    envb_set(&env, "PLAIN_SETTING", "plain");
    struct capture c;
    run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-file", ofile,
                     "--secret-cmd",
                     "C_TOKEN=echo note-from-command >&2; printf '%s/%s/%s' "
                     "\"${PLAIN_SETTING-unset}\" \"${FILE_TOKEN-unset}\" \"${LD_PRELOAD-unset}\"",
                     "--", (char *)envprobe_bin(), "show:C_TOKEN", "show:FILE_TOKEN"),
                &env, NULL, &c, TIMEOUT);
    assert_exited_why(c.status, 0, &c);
    assert_true(text_has_line(c.err, "note-from-command"));
    assert_true(text_has_line(c.out, probe_line("C_TOKEN", "plain/unset/unset")));
    assert_true(text_has_line(c.out, probe_line("FILE_TOKEN", f)));
    assert_false(capture_contains(&c, f));
    capture_free(&c);
    envb_free(&env);
}

/* A command line refused for what its names say (an excluded NAME, ENVSEAL_DISABLE)
 * runs no command: no passphrase prompt, no secret manager's log entry for nothing.
 * The control: the same command line without the refusal runs it. */
static void test_refused_command_line_runs_no_command(void **state)
{
    (void)state;
    char marker[PATH_MAX], opt[PATH_MAX + 64];
    snprintf(marker, sizeof marker, "%s/ran", harness_tmpdir());
    snprintf(opt, sizeof opt, "E_TOKEN=touch '%s'; echo value-of-e", marker);
    for (int c = 0; c < 3; c++) {
        unlink(marker);
        struct envb env;
        base_env(&env);
        envb_set(&env, "PATH", "/usr/bin:/bin");
        if (c == 2)
            envb_set(&env, "ENVSEAL_DISABLE", "1");
        struct capture cap;
        run_capture(c == 1 ? ARGV((char *)envseal_bin(), "run", "--library", shim, "--exclude",
                                  "E_TOKEN", "--secret-cmd", opt, "--", "/bin/true")
                           : ARGV((char *)envseal_bin(), "run", "--library", shim,
                                  "--secret-cmd", opt, "--", "/bin/true"),
                    &env, NULL, &cap, TIMEOUT);
        bool ran = access(marker, F_OK) == 0;
        if (c == 0) {
            assert_exited_why(cap.status, 0, &cap);
            assert_true(ran); /* the control */
        } else {
            assert_exited_why(cap.status, 64, &cap);
            assert_false(ran);
        }
        capture_free(&cap);
        envb_free(&env);
    }
}

/* While its --secret-cmd commands run (a passphrase prompt may take minutes),
 * envseal already holds secrets: it is not dumpable then, so the user's other
 * processes cannot read its memory (/proc/PID/mem belongs to root). The control: a
 * dumpable shell of that user finds its own /proc/PID/mem its user's. */
static void test_not_dumpable_while_commands_run(void **state)
{
    (void)state;
    const char *why;
    if (!unpriv_setup(&why)) {
        print_message("skipped: %s\n", why);
        skip();
    }
    const char *nobody_envseal = unpriv_copy("cli/envseal", "envseal");
    const char *nobody_shim = unpriv_copy("preload/libenvseal.so", "libenvseal.so");
    const char *cmd = "stat -c \"owner %u\" /proc/$PPID/mem >&2; echo value-of-the-command";
    char owner_user[32];
    snprintf(owner_user, sizeof owner_user, "owner %u", (unsigned)unpriv_uid());
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "PATH", "/usr/bin:/bin");
    char opt[256];
    snprintf(opt, sizeof opt, "D_TOKEN=%s", cmd);
    struct proc p;
    /* the control: a dumpable process of that user, reading its own */
    assert_int_equal(proc_spawn_with(&p,
                                     ARGV("/bin/sh", "-c", "stat -c \"owner %u\" /proc/$$/mem >&2"),
                                     &env, unpriv_become, NULL),
                     0);
    int st = proc_finish(&p, TIMEOUT);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_true(text_has_line(p.err, owner_user)); /* the control */
    assert_int_equal(proc_spawn_with(&p, ARGV((char *)nobody_envseal, "run", "--library",
                                              (char *)nobody_shim, "--secret-cmd", opt, "--",
                                              "/bin/true"),
                                     &env, unpriv_become, NULL),
                     0);
    st = proc_finish(&p, TIMEOUT);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !text_has_line(p.err, "owner 0"))
        fail_msg("status %#x, stderr: %s", (unsigned)st, p.err);
    envb_free(&env);
}

/* envseal's own copies of the values could not be locked (RLIMIT_MEMLOCK 0, no
 * CAP_IPC_LOCK): one line, and under --on-failure refuse exit 111 before the program
 * starts and before the --secret-cmd runs. The control: the same run with the limit
 * as it was says nothing. */
static void test_unlocked_own_copies_are_said(void **state)
{
    (void)state;
    char f[64];
    harness_random_secret(f, sizeof f, "ml");
    char ofile[2 * PATH_MAX + 64], marker[PATH_MAX];
    snprintf(marker, sizeof marker, "%s/memlock-ran", harness_tmpdir());
    snprintf(ofile, sizeof ofile, "M_TOKEN=touch '%s'; cat '%s'", marker,
             scratch_file("memlock.secret", f, strlen(f)));
    struct envb env;
    base_env(&env);
    envb_set(&env, "PATH", "/usr/bin:/bin");
    const char *line = "could not be locked in memory";
    for (int limited = 0; limited < 2; limited++)
        for (int refuse = 0; refuse < 2; refuse++) {
            struct proc p;
            unlink(marker);
            assert_int_equal(
                proc_spawn_ex(&p,
                              ARGV((char *)envseal_bin(), "run", "--library", shim,
                                   "--on-failure", refuse ? "refuse" : "warn", "--secret-cmd",
                                   ofile, "--", "/bin/true"),
                              &env, limited ? SPAWN_NO_MEMLOCK : 0, NULL),
                0);
            int st = proc_finish(&p, TIMEOUT);
            int want = limited && refuse ? 111 : 0;
            bool ran = access(marker, F_OK) == 0; /* refused: before the command runs */
            if (!WIFEXITED(st) || WEXITSTATUS(st) != want || ran != (want == 0) ||
                (strstr(p.err, line) != NULL) != (limited != 0) || strstr(p.err, f))
                fail_msg("limited %d refuse %d: status %#x, stderr: %s", limited, refuse,
                         (unsigned)st, strstr(p.err, f) ? "(withheld: holds the value)" : p.err);
        }
    envb_free(&env);
}

/* Each failure: exit 125, one line naming NAME and the command's status, the
 * program never started, the output nowhere. */
static void test_failures_stop_before_the_program(void **state)
{
    (void)state;
    char s[64];
    harness_random_secret(s, sizeof s, "cx");
    char exit3[128], killed[128], nul[128];
    snprintf(exit3, sizeof exit3, "DB_PASSWORD=printf %s; exit 3", s);
    snprintf(killed, sizeof killed, "DB_PASSWORD=printf %s; kill -TERM $$", s);
    snprintf(nul, sizeof nul, "DB_PASSWORD=printf %.8s; printf '\\000'; printf %s", s, s + 8);
    struct {
        const char *opt, *says;
        int code;
    } cases[] = {
        {exit3, "exited with status 3", 125},
        {killed, "killed by signal 15 (SIGTERM)", 125},
        {"DB_PASSWORD=true", "printed nothing", 125},
        {"DB_PASSWORD=printf '\\n\\n'", "printed nothing", 125},
        {"DB_PASSWORD=head -c 200000 /dev/zero | tr '\\0' a", "larger than", 125},
        {nul, "NUL byte", 125},
        {"DB_PASSWORD", "wants NAME=COMMAND", 64},
        {"LD_AUDIT=true", "reserved", 64},
        {"1X=true", "not a valid variable name", 64},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct envb env;
        base_env(&env);
        struct capture c;
        run_capture(ARGV((char *)envseal_bin(), "run", "--library", shim, "--secret-cmd",
                         (char *)cases[i].opt, "--", (char *)envprobe_bin(), "show:PATH"),
                    &env, NULL, &c, TIMEOUT);
        assert_exited_why(c.status, cases[i].code, &c);
        assert_non_null(strstr(c.err, cases[i].says));
        if (cases[i].code == 125)
            assert_non_null(strstr(c.err, "--secret-cmd DB_PASSWORD"));
        assert_int_equal(c.out_len, 0); /* the program did not run */
        assert_false(capture_contains(&c, s));
        assert_false(capture_contains(&c, s + 8)); /* nor a piece of it */
        capture_free(&c);
        envb_free(&env);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_show_sealed_and_delivered),
        cmocka_unit_test(test_order_and_trailing_newlines),
        cmocka_unit_test(test_secret_cmd_value_masked_by_redact),
        cmocka_unit_test(test_stderr_and_environment_of_the_command),
        cmocka_unit_test(test_failures_stop_before_the_program),
        cmocka_unit_test(test_refused_command_line_runs_no_command),
        cmocka_unit_test(test_not_dumpable_while_commands_run),
        cmocka_unit_test(test_unlocked_own_copies_are_said),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
