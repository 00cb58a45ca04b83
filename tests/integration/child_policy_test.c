/* Strict mode's child policy never fills an emptied environment
 * (docs/strict-mode.md, "The child policy"). With ENVSEAL_CHILD_SECRETS=GITHUB_TOKEN
 * under libenvseal-strict.so, a program starts envprobe (which prints what its
 * getenv returns) after emptying, hand-building or trimming the environment it
 * passes: the child gets the secret exactly when it gets it without envseal (the
 * control: the same program, the secret a plain variable, no preload). Programs
 * that pass their environment on still give it. A child that will run without
 * envseal gets only the secrets the policy names one by one. */
#define _GNU_SOURCE
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define WAIT_MS 30000

static struct proc cur;

/* sh -c CMD: every case is one command line. */
#define ARGV_SH(cmd) ((char *[]){"/bin/sh", "-c", (char *)(cmd), NULL})

static const char *probe(void)
{
    return harness_runfile("tests/programs/envprobe");
}

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

/* What else a case gives the parent: the secret's name (GITHUB_TOKEN when NULL),
 * one more setting of envseal's ("NAME=value"), the library's path (the runfile
 * when NULL). */
struct parent {
    const char *name;
    const char *setting;
    const char *lib;
};

/* Runs the parent program (a shell command line; %s is the probe) with the secret,
 * under strict mode with `policy` or, for the control, without envseal; returns
 * whether the child's getenv returned the exact value (and fails on a wrong one). */
static bool child_gets_as(const char *cmdline, bool envseal, const char *policy,
                          const struct parent *pa)
{
    char secret[64], cmd[4096], shown[64];
    const char *name = pa->name ? pa->name : "GITHUB_TOKEN";
    harness_random_secret(secret, sizeof secret, "gh");
    snprintf(cmd, sizeof cmd, cmdline, probe());
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, name, secret);
    if (envseal) {
        envb_set(&env, "LD_PRELOAD",
                 pa->lib ? pa->lib : harness_runfile("preload/libenvseal-strict.so"));
        envb_set(&env, "ENVSEAL_CHILD_SECRETS", policy);
        if (pa->setting) {
            char setting[256];
            snprintf(setting, sizeof setting, "%s", pa->setting);
            char *eq = strchr(setting, '=');
            assert_non_null(eq);
            *eq = '\0';
            envb_set(&env, setting, eq + 1);
        }
    }
    assert_int_equal(proc_spawn(&cur, ARGV_SH(cmd), &env), 0);
    int st = proc_finish(&cur, WAIT_MS);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fprintf(stderr, "%s: status %#x\n%s\n", cmd, (unsigned)st, cur.err);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    bool has = text_has_line(cur.out, harness_value_line("", name, secret));
    snprintf(shown, sizeof shown, "%s (null)", name);
    if (!has && !text_has_line(cur.out, shown))
        fprintf(stderr, "%s: the child printed neither the value nor (null):\n%s\n", cmd,
                cur.out);
    assert_true(has || text_has_line(cur.out, shown));
    assert_null(strstr(cur.out, secret));
    envb_free(&env);
    return has;
}

static bool child_gets(const char *cmdline, bool envseal, const char *policy)
{
    return child_gets_as(cmdline, envseal, policy, &(struct parent){0});
}

/* The child gets the secret under envseal exactly when it does without it. */
static void same_as_without(const char *cmdline, bool want)
{
    bool control = child_gets(cmdline, false, NULL);
    bool sealed = child_gets(cmdline, true, "GITHUB_TOKEN");
    if (control != want || sealed != want)
        fprintf(stderr, "%s: child has the secret without envseal: %d, under envseal: %d "
                        "(want %d)\n",
                cmdline, control, sealed, want);
    assert_int_equal(control, want);
    assert_int_equal(sealed, want);
}

#define P "'%s' show:GITHUB_TOKEN"
#define P_LATER "'%%s' show:GITHUB_TOKEN" /* P inside a format printed first */
#define PY "/usr/bin/python3 -c \"import os, subprocess; "
#define PROBE_PY "['%s', 'show:GITHUB_TOKEN']"

/* Emptied or hand-built environments: no secret. */
HARNESS_CASE(test_env_i, same_as_without("env -i " P, false))
HARNESS_CASE(test_env_i_with_a_variable, same_as_without("env -i HOME=/tmp " P, false))
HARNESS_CASE(test_python_subprocess_env_empty,
             same_as_without(PY "subprocess.run(" PROBE_PY ", env={}, check=True)\"", false))
HARNESS_CASE(test_python_subprocess_env_hand_built,
             same_as_without(PY "subprocess.run(" PROBE_PY ", env={'PATH': '/bin'}, check=True)\"",
                             false))
HARNESS_CASE(test_python_environ_clear,
             same_as_without(PY "os.environ.clear(); subprocess.run(" PROBE_PY ", check=True)\"",
                             false))
HARNESS_CASE(test_ruby_env_clear,
             same_as_without("ruby -e \"ENV.clear; system('%s', 'show:GITHUB_TOKEN')\"", false))
HARNESS_CASE(test_perl_env_emptied,
             same_as_without("perl -e '%%ENV = (); exec \"%s\", \"show:GITHUB_TOKEN\"'", false))
HARNESS_CASE(test_bash_exec_c, same_as_without("bash -c 'exec -c \"$0\" show:GITHUB_TOKEN' '%s'",
                                               false))
/* Hand-built environments that keep LD_PRELOAD (so the child runs with envseal)
 * are still hand-built: no secret, as without envseal. */
HARNESS_CASE(test_env_i_keeping_ld_preload,
             same_as_without("env -i LD_PRELOAD=\"$LD_PRELOAD\" " P, false))
HARNESS_CASE(test_python_subprocess_env_hand_built_keeping_ld_preload,
             same_as_without(PY "subprocess.run(" PROBE_PY ", env={'PATH': '/bin', "
                                "'LD_PRELOAD': os.environ.get('LD_PRELOAD', '')}, check=True)\"",
                             false))
/* unsetenv of the secret (coreutils env -u, Python os.unsetenv): not inherited. */
HARNESS_CASE(test_unsetenv_env_u, same_as_without("env -u GITHUB_TOKEN " P, false))
HARNESS_CASE(test_python_unsetenv,
             same_as_without(PY "os.unsetenv('GITHUB_TOKEN'); subprocess.run(" PROBE_PY
                                ", check=True)\"",
                             false))

/* The program's environment passed on: the allowed secret crosses, as without envseal. */
HARNESS_CASE(test_passed_on_exec, same_as_without("exec " P, true))
HARNESS_CASE(test_passed_on_bash, same_as_without("bash -c '\"$0\" show:GITHUB_TOKEN' '%s'", true))
HARNESS_CASE(test_passed_on_python_default,
             same_as_without(PY "subprocess.run(" PROBE_PY ", check=True)\"", true))
HARNESS_CASE(test_passed_on_python_env_copy,
             same_as_without(PY "subprocess.run(" PROBE_PY ", env=dict(os.environ), check=True)\"",
                             true))
HARNESS_CASE(test_passed_on_env, same_as_without("env " P, true))

/* A child that will run without envseal (LD_PRELOAD removed from the environment
 * passed on): only a secret the policy names one by one; `all` and patterns do not
 * reach it. The control (no envseal) always has it. */
static void test_unprotected_child_gets_only_named_secrets(void **state)
{
    (void)state;
    const char *cmd = "env -u LD_PRELOAD " P;
    assert_true(child_gets(cmd, false, NULL));
    assert_true(child_gets(cmd, true, "GITHUB_TOKEN"));
    assert_false(child_gets(cmd, true, "GITHUB_*"));
    assert_false(child_gets(cmd, true, "all"));
    /* ... while a child that loads envseal gets it under the pattern and `all` */
    assert_true(child_gets("env " P, true, "GITHUB_*"));
    assert_true(child_gets("env " P, true, "all"));
}

/* A child that will not load envseal although its environment names it: a
 * statically linked program (most Go programs). It gets only the secrets named one
 * by one, as above; the control has it. */
static void test_static_child_gets_only_named_secrets(void **state)
{
    (void)state;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "env '%s' show:GITHUB_TOKEN",
             harness_runfile("tests/programs/envprobe_static"));
    assert_true(child_gets(cmd, false, NULL));
    assert_true(child_gets(cmd, true, "GITHUB_TOKEN"));
    assert_false(child_gets(cmd, true, "GITHUB_*"));
    assert_false(child_gets(cmd, true, "all"));
}

/* The dynamic loader run as the program (`ld-linux-x86-64.so.2 PROGRAM`) has no
 * interpreter itself, yet loads envseal into the program it runs: `all` crosses. */
static void test_loader_run_as_program_passes_allowed(void **state)
{
    (void)state;
    char loader[PATH_MAX] = "", line[PATH_MAX + 128], cmd[2 * PATH_MAX];
    FILE *maps = fopen("/proc/self/maps", "r"); /* this test's own loader */
    assert_non_null(maps);
    while (!loader[0] && fgets(line, sizeof line, maps)) {
        char *path = strchr(line, '/');
        if (path && strstr(path, "/ld-linux")) {
            path[strcspn(path, "\n")] = '\0';
            snprintf(loader, sizeof loader, "%s", path);
        }
    }
    fclose(maps);
    assert_true(loader[0] != '\0');
    snprintf(cmd, sizeof cmd, "env '%s' '%s' show:GITHUB_TOKEN", loader, probe());
    assert_true(child_gets(cmd, false, NULL));
    assert_true(child_gets(cmd, true, "all"));
}

/* Root running a set-user-ID-root program (su, mount, passwd): the kernel does no
 * secure execution there and the loader applies LD_PRELOAD, so `all` crosses. */
static void test_setuid_root_program_run_by_root_passes_allowed(void **state)
{
    (void)state;
    if (getuid() != 0)
        skip();
    char copy[PATH_MAX], cmd[3 * PATH_MAX + 64];
    snprintf(copy, sizeof copy, "%s/envprobe-suid", harness_tmpdir());
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chmod 4755 '%s'", probe(), copy, copy);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "env '%s' show:GITHUB_TOKEN", copy);
    assert_true(child_gets(cmd, false, NULL));
    assert_true(child_gets(cmd, true, "all"));
    unlink(copy);
}

/* A program whose effective ids differ from its real ones (setpriv, as a
 * privilege-dropping daemon leaves itself): every exec it makes is a secure one, so
 * the child runs without envseal, and `all` does not cross. The control has it. */
static void test_split_ids_exec_gets_only_named(void **state)
{
    (void)state;
    if (getuid() != 0 || !harness_have("setpriv"))
        skip();
    const char *cmd = "setpriv --ruid 65534 --euid 0 env " P;
    assert_true(child_gets(cmd, false, NULL));
    assert_false(child_gets(cmd, true, "all"));
}

/* A script is judged by its interpreter: one run by /bin/sh (which loads envseal)
 * passes `all` on, as the dynamically linked probe it runs shows; so does one
 * without "#!" started by execvp, which runs it with /bin/sh. */
static void test_script_child_judged_by_its_interpreter(void **state)
{
    (void)state;
    char text[1024], cmd[1200];
    snprintf(text, sizeof text, "#!/bin/sh\nexec '%s' show:GITHUB_TOKEN\n", probe());
    const char *script = harness_scratch("policy-script", text);
    assert_int_equal(chmod(script, 0755), 0);
    snprintf(cmd, sizeof cmd, "env '%s'", script);
    assert_true(child_gets(cmd, false, NULL));
    assert_true(child_gets(cmd, true, "all"));
    assert_true(child_gets(cmd, true, "GITHUB_*"));
    /* Without "#!": env's execvp runs it with /bin/sh, as glibc does on ENOEXEC. */
    snprintf(text, sizeof text, "exec '%s' show:GITHUB_TOKEN\n", probe());
    script = harness_scratch("policy-script-plain", text);
    assert_int_equal(chmod(script, 0755), 0);
    snprintf(cmd, sizeof cmd, "env '%s'", script);
    assert_true(child_gets(cmd, false, NULL));
    assert_true(child_gets(cmd, true, "all"));
}

/* A hand-built environment that copies both LD_PRELOAD and the process's own
 * ENVSEAL_CHILD_SECRETS passes the policy on on purpose: the allowed secret crosses
 * (without envseal such an environment holds no secret). A different policy in it
 * is not this process's: nothing crosses. */
static void test_hand_built_passing_the_policy_on(void **state)
{
    (void)state;
    const char *keep = "env -i LD_PRELOAD=\"$LD_PRELOAD\" "
                       "ENVSEAL_CHILD_SECRETS=\"$ENVSEAL_CHILD_SECRETS\" " P;
    assert_false(child_gets(keep, false, NULL));
    assert_true(child_gets(keep, true, "GITHUB_TOKEN"));
    assert_false(child_gets("env -i LD_PRELOAD=\"$LD_PRELOAD\" ENVSEAL_CHILD_SECRETS=all " P, true,
                            "GITHUB_TOKEN"));
}

/* The settings the parent started with decide what its children seal: a
 * hand-built environment that kept LD_PRELOAD and ENVSEAL_CHILD_SECRETS but not
 * ENVSEAL_SECRETS would give the child a secret its envseal does not seal (in its
 * /proc/PID/environ), so it gets nothing, as without envseal; copying every setting
 * passes the policy on. A copy of environ with a setting of its own added
 * (ENVSEAL_DISABLE=1) is a child that will not hold the secret: only named ones. */
static void test_hand_built_without_the_settings_gets_nothing(void **state)
{
    (void)state;
    const struct parent own = {.name = "MY_CRED", .setting = "ENVSEAL_SECRETS=MY_CRED"};
    const char *keep_two = "env -i LD_PRELOAD=\"$LD_PRELOAD\" "
                           "ENVSEAL_CHILD_SECRETS=\"$ENVSEAL_CHILD_SECRETS\" '%s' show:MY_CRED";
    const char *keep_all = "env -i LD_PRELOAD=\"$LD_PRELOAD\" "
                           "ENVSEAL_CHILD_SECRETS=\"$ENVSEAL_CHILD_SECRETS\" "
                           "ENVSEAL_SECRETS=\"$ENVSEAL_SECRETS\" '%s' show:MY_CRED";
    assert_false(child_gets_as(keep_two, false, NULL, &own));
    assert_false(child_gets_as(keep_two, true, "all", &own));
    assert_true(child_gets_as(keep_all, true, "all", &own));
    assert_true(child_gets("env " P, true, "all"));
    assert_false(child_gets("env ENVSEAL_DISABLE=1 " P, true, "all"));
    assert_true(child_gets("env ENVSEAL_DISABLE=1 " P, true, "GITHUB_TOKEN"));
}

/* A relative LD_PRELOAD is opened by the loader in the directory the exec runs in:
 * after a cd away from the library the child runs without envseal, and `all` does
 * not reach it (the control has the variable either way). */
static void test_relative_preload_judged_where_the_exec_runs(void **state)
{
    (void)state;
    char lib[PATH_MAX], there[PATH_MAX + 128], away[PATH_MAX + 128];
    snprintf(lib, sizeof lib, "%s", harness_runfile("preload/libenvseal-strict.so"));
    char *slash = strrchr(lib, '/');
    assert_non_null(slash);
    *slash = '\0';
    snprintf(there, sizeof there, "cd '%s' && env LD_PRELOAD=./libenvseal-strict.so " P_LATER,
             lib);
    snprintf(away, sizeof away, "cd / && env LD_PRELOAD=./libenvseal-strict.so " P_LATER);
    assert_true(child_gets(there, true, "all"));
    assert_true(child_gets(away, false, NULL));
    assert_false(child_gets(away, true, "all"));
    assert_true(child_gets(away, true, "GITHUB_TOKEN"));
}

/* A second LD_PRELOAD entry without envseal (glibc's loader reads the last): the
 * child runs without it, and `all` does not reach it. */
static void test_second_empty_preload_entry(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "'%s' dup-preload " P_LATER,
             harness_runfile("tests/programs/policyexec"));
    assert_true(child_gets(cmd, false, NULL));
    assert_false(child_gets(cmd, true, "all"));
}

/* posix_spawn with a chdir file action: a relative program path names the file in
 * that directory. Here ./envprobe there is the static one: `all` must not reach it,
 * though ./envprobe where the parent runs is the dynamic one. */
static void test_spawn_chdir_judges_the_file_run(void **state)
{
    (void)state;
    char here[PATH_MAX], there[PATH_MAX], cmd[8 * PATH_MAX];
    snprintf(here, sizeof here, "%s/spawn-here", harness_tmpdir());
    snprintf(there, sizeof there, "%s/spawn-there", harness_tmpdir());
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s' && cp '%s' '%s/envprobe' && cp '%s' '%s/envprobe'",
             here, there, probe(), here, harness_runfile("tests/programs/envprobe_static"), there);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' spawn-chdir '%s' ./envprobe show:GITHUB_TOKEN", here,
             harness_runfile("tests/programs/policyexec"), there);
    assert_true(child_gets(cmd, false, NULL));
    assert_false(child_gets(cmd, true, "all"));
}

/* A world-readable directory under /tmp for the cases that run as another user
 * (the test's own files live under root's home). */
static char shared[64];

static const char *shared_dir(void)
{
    if (!shared[0]) {
        snprintf(shared, sizeof shared, "/tmp/envseal-policy-XXXXXX");
        assert_non_null(mkdtemp(shared));
        assert_int_equal(chmod(shared, 0755), 0);
    }
    return shared;
}

static void remove_shared_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", shared);
    if (shared[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", shared);
}

/* Python drops to nobody for good (no capability kept) and execs its arguments. */
#define AS_NOBODY                                                                          \
    "/usr/bin/python3 -c \"import os, sys; os.setgroups([]); "                              \
    "os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534); "                \
    "os.execv(sys.argv[1], sys.argv[1:])\" "

/* A library the user the exec runs as cannot read (here: under root's home, for
 * a program that dropped to nobody) is not loaded there: `all` does not cross. The
 * reference with a readable copy of the library shows that it would. */
static void test_preload_unreadable_after_dropping_privileges(void **state)
{
    (void)state;
    if (getuid() != 0)
        skip();
    char cmd[8 * PATH_MAX], lib[PATH_MAX], prog[PATH_MAX];
    snprintf(lib, sizeof lib, "%s/libenvseal-strict.so", shared_dir());
    snprintf(prog, sizeof prog, "%s/envprobe", shared_dir());
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && cp '%s' '%s' && chmod 755 '%s' '%s'",
             harness_runfile("preload/libenvseal-strict.so"), lib, probe(), prog, lib, prog);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, AS_NOBODY "'%s' show:GITHUB_TOKEN", prog);
    assert_true(child_gets(cmd, false, NULL));
    assert_false(child_gets(cmd, true, "all")); /* LD_PRELOAD: the runfile, under /root */
    assert_true(child_gets_as(cmd, true, "all", &(struct parent){.lib = lib}));
}

/* execvp runs the first executable file of that name in PATH, even one its user
 * cannot read (mode 0711), which envseal then cannot judge: here a static program,
 * before a dynamic one of the same name. `all` does not cross to it; with PATH
 * naming only the dynamic one, it does. */
static void test_execute_only_file_first_in_path(void **state)
{
    (void)state;
    if (getuid() != 0)
        skip();
    char cmd[16 * PATH_MAX], lib[PATH_MAX];
    const char *d = shared_dir();
    snprintf(lib, sizeof lib, "%s/libenvseal-strict.so", d);
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/d1' '%s/d2' && cp '%s' '%s' && chmod 755 '%s' && "
             "cp '%s' '%s/d1/show' && chmod 711 '%s/d1/show' && cp '%s' '%s/d2/show' && "
             "chmod 755 '%s/d1' '%s/d2' '%s/d2/show'",
             d, d, harness_runfile("preload/libenvseal-strict.so"), lib, lib,
             harness_runfile("tests/programs/envprobe_static"), d, d, probe(), d, d, d, d);
    assert_int_equal(system(cmd), 0);
    const struct parent pa = {.lib = lib};
    snprintf(cmd, sizeof cmd, AS_NOBODY "/usr/bin/env PATH='%s/d1:%s/d2' show show:GITHUB_TOKEN", d, d);
    assert_true(child_gets_as(cmd, false, NULL, &pa));
    assert_false(child_gets_as(cmd, true, "all", &pa));
    snprintf(cmd, sizeof cmd, AS_NOBODY "/usr/bin/env PATH='%s/d2' show show:GITHUB_TOKEN", d);
    assert_true(child_gets_as(cmd, true, "all", &pa));
}

/* After os.environ.clear() (unsetenv of every variable), libc's getenv no longer
 * finds the strict secret either, as without envseal. */
static void test_python_environ_clear_forgets_strict_secret(void **state)
{
    (void)state;
    char *argv[] = {"/usr/bin/python3", "-c",
                    "import ctypes, os\n"
                    "g = ctypes.CDLL(None).getenv\n"
                    "g.restype = ctypes.c_char_p\n"
                    "before = g(b'GITHUB_TOKEN') is not None\n"
                    "os.environ.clear()\n"
                    "print('before', before, 'after', g(b'GITHUB_TOKEN') is not None)\n",
                    NULL};
    for (int sealed = 0; sealed < 2; sealed++) {
        struct envb env;
        envb_init(&env, false);
        envb_set(&env, "GITHUB_TOKEN", "gh-value-not-secret-here");
        if (sealed)
            envb_set(&env, "LD_PRELOAD", harness_runfile("preload/libenvseal-strict.so"));
        assert_int_equal(proc_spawn(&cur, argv, &env), 0);
        int st = proc_finish(&cur, WAIT_MS);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(cur.out, "before True after False"));
        envb_free(&env);
    }
}

/* envseal's own system() (strict mode, a policy that gives the shell a secret)
 * ignores SIGINT and SIGQUIT while it waits, as glibc's does: both sent to the
 * program during system("sleep 1") change nothing, and it goes on. The control:
 * glibc's system, without envseal. */
static void test_system_ignores_sigint_and_sigquit_while_waiting(void **state)
{
    (void)state;
    char out[2][256];
    int status[2];
    for (int shim = 0; shim < 2; shim++) {
        char secret[64];
        harness_random_secret(secret, sizeof secret, "gh");
        struct envb env;
        envb_init(&env, false);
        envb_set(&env, "GITHUB_TOKEN", secret);
        if (shim) {
            envb_set(&env, "LD_PRELOAD", harness_runfile("preload/libenvseal-strict.so"));
            envb_set(&env, "ENVSEAL_CHILD_SECRETS", "GITHUB_TOKEN");
        }
        char *argv[] = {(char *)probe(), "system:sleep 1", "exit:0", NULL};
        assert_int_equal(proc_spawn(&cur, argv, &env), 0);
        envb_free(&env);
        assert_true(proc_wait_line(&cur, "system start", WAIT_MS));
        usleep(300 * 1000); /* the shell runs */
        assert_int_equal(kill(cur.pid, SIGINT), 0);
        assert_int_equal(kill(cur.pid, SIGQUIT), 0);
        status[shim] = proc_finish(&cur, WAIT_MS);
        snprintf(out[shim], sizeof out[shim], "%.*s", (int)cur.out_len, cur.out);
        print_message("%s: status %#x\n", shim ? "libenvseal-strict.so" : "control", status[shim]);
    }
    assert_true(WIFEXITED(status[0]) && WEXITSTATUS(status[0]) == 0);
    assert_int_equal(status[1], status[0]);
    assert_string_equal(out[1], out[0]);
    assert_non_null(strstr(out[0], "system rc=0 "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_env_i, kill_cur),
        cmocka_unit_test_teardown(test_env_i_with_a_variable, kill_cur),
        cmocka_unit_test_teardown(test_python_subprocess_env_empty, kill_cur),
        cmocka_unit_test_teardown(test_python_subprocess_env_hand_built, kill_cur),
        cmocka_unit_test_teardown(test_python_environ_clear, kill_cur),
        cmocka_unit_test_teardown(test_ruby_env_clear, kill_cur),
        cmocka_unit_test_teardown(test_perl_env_emptied, kill_cur),
        cmocka_unit_test_teardown(test_bash_exec_c, kill_cur),
        cmocka_unit_test_teardown(test_env_i_keeping_ld_preload, kill_cur),
        cmocka_unit_test_teardown(test_python_subprocess_env_hand_built_keeping_ld_preload,
                                  kill_cur),
        cmocka_unit_test_teardown(test_unsetenv_env_u, kill_cur),
        cmocka_unit_test_teardown(test_python_unsetenv, kill_cur),
        cmocka_unit_test_teardown(test_passed_on_exec, kill_cur),
        cmocka_unit_test_teardown(test_passed_on_bash, kill_cur),
        cmocka_unit_test_teardown(test_passed_on_python_default, kill_cur),
        cmocka_unit_test_teardown(test_passed_on_python_env_copy, kill_cur),
        cmocka_unit_test_teardown(test_passed_on_env, kill_cur),
        cmocka_unit_test_teardown(test_unprotected_child_gets_only_named_secrets, kill_cur),
        cmocka_unit_test_teardown(test_static_child_gets_only_named_secrets, kill_cur),
        cmocka_unit_test_teardown(test_script_child_judged_by_its_interpreter, kill_cur),
        cmocka_unit_test_teardown(test_loader_run_as_program_passes_allowed, kill_cur),
        cmocka_unit_test_teardown(test_setuid_root_program_run_by_root_passes_allowed, kill_cur),
        cmocka_unit_test_teardown(test_split_ids_exec_gets_only_named, kill_cur),
        cmocka_unit_test_teardown(test_hand_built_passing_the_policy_on, kill_cur),
        cmocka_unit_test_teardown(test_hand_built_without_the_settings_gets_nothing, kill_cur),
        cmocka_unit_test_teardown(test_relative_preload_judged_where_the_exec_runs, kill_cur),
        cmocka_unit_test_teardown(test_second_empty_preload_entry, kill_cur),
        cmocka_unit_test_teardown(test_spawn_chdir_judges_the_file_run, kill_cur),
        cmocka_unit_test_teardown(test_preload_unreadable_after_dropping_privileges, kill_cur),
        cmocka_unit_test_teardown(test_execute_only_file_first_in_path, kill_cur),
        cmocka_unit_test_teardown(test_python_environ_clear_forgets_strict_secret, kill_cur),
        cmocka_unit_test_teardown(test_system_ignores_sigint_and_sigquit_while_waiting, kill_cur),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    remove_shared_dir();
    harness_cleanup();
    return failed;
}
