/* A program that gains privilege at exec (set-user-ID root here), with envseal
 * loaded through /etc/ld.so.preload as in the container layer, started by a user
 * without privileges: nothing in that user's environment may steer envseal inside
 * it (docs/threat-model.md, "Set-user-ID programs").
 *  - The attack: a hand-off (ENVSEAL_HANDOFF naming a sealed memfd the user made,
 *    with ENVSEAL_SECRETS covering the name) put GCONV_PATH back after glibc had
 *    removed it, and a set-user-ID copy of glibc's iconv loaded the user's gconv
 *    module as root. Controls: the module runs where GCONV_PATH reaches iconv
 *    (root starts it: nothing is gained at exec), and not where the user sets
 *    GCONV_PATH directly (glibc's own removal).
 *  - Settings: ENVSEAL_DISABLE=1 no longer leaves a secret in a set-user-ID
 *    program's environment block; the same program without the bit honours it.
 * Each run has a private mount namespace whose /etc is an overlay holding
 * ld.so.preload: the machine's own /etc is never written. Needs root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "unpriv.h"

#define WAIT_MS 30000
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define HANDOFF_FD 7

static const char *skip_why;
static const char *shim, *strict_shim, *iconv_suid, *probe, *probe_suid;
static char gconv_dir[512], ran_path[600];
static struct proc cur;

/* What the child does before exec, in this order. */
struct start {
    bool preload;        /* /etc/ld.so.preload names the shim (private namespace) */
    bool strict;         /* ...libenvseal-strict.so rather than libenvseal.so */
    const char *payload; /* a sealed memfd at HANDOFF_FD holding these bytes */
    size_t payload_len;
    bool unprivileged; /* become the unused uid */
};

static void write_or_die(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t n = strlen(text);
    if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) != 0)
        _exit(125);
}

static void in_child(const void *arg)
{
    const struct start *s = arg;
    if (s->preload) {
        char up[600], work[600], opts[1400];
        snprintf(up, sizeof up, "%s/ovl-%d-up", unpriv_dir(), (int)getpid());
        snprintf(work, sizeof work, "%s/ovl-%d-work", unpriv_dir(), (int)getpid());
        snprintf(opts, sizeof opts, "lowerdir=/etc,upperdir=%s,workdir=%s", up, work);
        if (mkdir(up, 0755) != 0 || mkdir(work, 0755) != 0 || unshare(CLONE_NEWNS) != 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount("overlay", "/etc", "overlay", 0, opts) != 0) {
            dprintf(2, "cannot put an /etc/ld.so.preload in a namespace: %s\n", strerror(errno));
            _exit(125);
        }
        char line[600];
        snprintf(line, sizeof line, "%s\n", s->strict ? strict_shim : shim);
        write_or_die("/etc/ld.so.preload", line);
    }
    if (s->payload) {
        int fd = memfd_create("envseal-handoff", MFD_ALLOW_SEALING);
        if (fd < 0 || write(fd, s->payload, s->payload_len) != (ssize_t)s->payload_len ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0 ||
            dup2(fd, HANDOFF_FD) != HANDOFF_FD)
            _exit(125);
    }
    if (s->unprivileged)
        unpriv_become(NULL);
}

static void skip_unless_ready(void)
{
    if (skip_why) {
        print_message("skipped: %s\n", skip_why);
        skip();
    }
}

/* "ran euid N" when the gconv module ran, "" when it did not. */
static const char *module_ran(void)
{
    static char text[64];
    char *buf = NULL;
    long n = read_file_all(ran_path, &buf);
    snprintf(text, sizeof text, "%.*s", n > 0 ? (int)n : 0, n > 0 ? buf : "");
    free(buf);
    return text;
}

/* iconv from the module's charset, as root or as the user, with or without
 * envseal; returns the wait status. */
static int run_iconv(const struct start *s, struct envb *env)
{
    unlink(ran_path);
    assert_int_equal(proc_spawn_with(&cur, ARGV((char *)iconv_suid, "-f", "PROBE", "-t",
                                                "UTF-8", "/dev/null"),
                                     env, in_child, s),
                     0);
    int st = proc_finish(&cur, WAIT_MS);
    print_message("iconv: status %d, stderr: %.*s", st, (int)cur.err_len, cur.err);
    return st;
}

/* GCONV_PATH set directly, no envseal: started by root, nothing is gained at exec
 * and the module runs as root; started by the user, glibc removes the variable. */
static void direct_gconv_path_case(bool unprivileged)
{
    skip_unless_ready();
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "GCONV_PATH", gconv_dir);
    const struct start s = {.preload = false, .unprivileged = unprivileged};
    int st = run_iconv(&s, &env);
    assert_string_equal(module_ran(), unprivileged ? "" : "ran euid 0\n");
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    envb_free(&env);
}

HARNESS_CASE(test_control_module_runs_where_gconv_path_reaches_iconv,
             direct_gconv_path_case(false))
HARNESS_CASE(test_control_glibc_removes_gconv_path_for_setuid, direct_gconv_path_case(true))

/* The user's hand-off of GCONV_PATH=<the module's directory>, as envseal run would
 * make it: ENVSEAL_HANDOFF, one slot, and the entry in a sealed memfd (s->payload,
 * in buf); ENVSEAL_SECRETS makes the name a secret. Run as the user, with envseal
 * in /etc/ld.so.preload. */
static void gconv_handoff(struct envb *env, struct start *s, char *buf, size_t size)
{
    envb_init(env, false);
    char fd[8];
    snprintf(fd, sizeof fd, "%d", HANDOFF_FD);
    envb_set(env, "ENVSEAL_HANDOFF", fd);
    envb_set(env, "ENVSEAL_HANDOFF_SLOT", "");
    envb_set(env, "ENVSEAL_SECRETS", "GCONV_PATH");
    static const char magic[] = "envseal-handoff-1";
    int n = snprintf(buf + sizeof magic, size - sizeof magic, "GCONV_PATH=%s", gconv_dir);
    assert_true(n > 0 && (size_t)n < size - sizeof magic);
    memcpy(buf, magic, sizeof magic);
    *s = (struct start){.preload = true, .payload = buf,
                        .payload_len = sizeof magic + (size_t)n + 1, .unprivileged = true};
}

static void test_setuid_iconv_takes_no_handoff(void **state)
{
    (void)state;
    skip_unless_ready();
    char payload[1024];
    struct envb env;
    struct start s;
    gconv_handoff(&env, &s, payload, sizeof payload);
    int st = run_iconv(&s, &env);
    assert_string_equal(module_ran(), "");
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1); /* as in the control */
    assert_non_null(strstr(cur.err, "envseal: "));
    assert_non_null(strstr(cur.err, "were not received"));
    envb_free(&env);
}

/* The same hand-off to a set-user-ID probe: it runs as root, and neither the
 * handed variable nor the slot reaches its environment. */
static void test_setuid_probe_environment_untouched_by_handoff(void **state)
{
    (void)state;
    skip_unless_ready();
    char payload[1024];
    struct envb env;
    struct start s;
    gconv_handoff(&env, &s, payload, sizeof payload);
    assert_int_equal(proc_spawn_with(&cur, ARGV((char *)probe_suid, "ids", "show:GCONV_PATH",
                                                "show:ENVSEAL_HANDOFF_SLOT",
                                                "show:ENVSEAL_HANDOFF"),
                                     &env, in_child, &s),
                     0);
    int st = proc_finish(&cur, WAIT_MS);
    char ids[64];
    snprintf(ids, sizeof ids, "ids %u 0", (unsigned)unpriv_uid());
    assert_true(text_has_line(cur.out, ids));
    assert_true(text_has_line(cur.out, "GCONV_PATH (null)"));
    assert_true(text_has_line(cur.out, "ENVSEAL_HANDOFF_SLOT (null)"));
    assert_true(text_has_line(cur.out, "ENVSEAL_HANDOFF (null)"));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    envb_free(&env);
}

/* ENVSEAL_DISABLE=1 from the user: a set-user-ID program seals its secret anyway
 * (the block /proc/PID/environ shows no longer holds it); the same program without
 * the bit (control) is left alone, as the setting says. */
static void disable_case(bool setuid)
{
    skip_unless_ready();
    char secret[64];
    harness_random_secret(secret, sizeof secret, setuid ? "su" : "pl");
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "ENVSEAL_DISABLE", "1");
    envb_set(&env, "APP_TOKEN", secret);
    const struct start s = {.preload = true, .unprivileged = true};
    assert_int_equal(proc_spawn_with(&cur, ARGV((char *)(setuid ? probe_suid : probe), "ids",
                                                "show:APP_TOKEN", "hold"),
                                     &env, in_child, &s),
                     0);
    assert_true(proc_wait_line(&cur, "ready 1", WAIT_MS));
    char ids[64];
    snprintf(ids, sizeof ids, "ids %u %u", (unsigned)unpriv_uid(),
             setuid ? 0u : (unsigned)unpriv_uid());
    assert_true(text_has_line(cur.out, ids));
    assert_true(text_has_line(cur.out, harness_value_line("", "APP_TOKEN", secret)));
    assert_int_equal(proc_environ_contains(cur.pid, secret), !setuid);
    int st = proc_finish(&cur, WAIT_MS);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    envb_free(&env);
}

/* libenvseal-strict.so in a set-user-ID program: secure_getenv answers NULL there,
 * as glibc's does under secure execution, while getenv still gives the value (and
 * the block holds none of it); the same program without the bit (control) gets the
 * value from secure_getenv. */
static void strict_secure_getenv_case(bool setuid)
{
    skip_unless_ready();
    char secret[64];
    harness_random_secret(secret, sizeof secret, setuid ? "ss" : "sp");
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "APP_TOKEN", secret);
    const struct start s = {.preload = true, .strict = true, .unprivileged = true};
    assert_int_equal(proc_spawn_with(&cur, ARGV((char *)(setuid ? probe_suid : probe), "ids",
                                                "secure:APP_TOKEN", "show:APP_TOKEN", "hold"),
                                     &env, in_child, &s),
                     0);
    assert_true(proc_wait_line(&cur, "ready 1", WAIT_MS));
    char ids[64], secure[128];
    snprintf(ids, sizeof ids, "ids %u %u", (unsigned)unpriv_uid(),
             setuid ? 0u : (unsigned)unpriv_uid());
    assert_true(text_has_line(cur.out, ids));
    snprintf(secure, sizeof secure, "secure APP_TOKEN %zu:", setuid ? (size_t)0 : strlen(secret));
    assert_non_null(strstr(cur.out, secure));
    assert_true(text_has_line(cur.out, harness_value_line("", "APP_TOKEN", secret)));
    assert_false(proc_environ_contains(cur.pid, secret)); /* strict: sealed either way */
    int st = proc_finish(&cur, WAIT_MS);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    envb_free(&env);
}

HARNESS_CASE(test_strict_setuid_secure_getenv_null, strict_secure_getenv_case(true))
HARNESS_CASE(test_control_strict_plain_secure_getenv_value, strict_secure_getenv_case(false))

HARNESS_CASE(test_setuid_probe_ignores_disable, disable_case(true))
HARNESS_CASE(test_control_plain_probe_honours_disable, disable_case(false))

static const char *copy_with_mode(const char *from, const char *name, mode_t mode)
{
    const char *p = unpriv_copy(from, name);
    return p && chmod(p, mode) == 0 ? p : NULL;
}

static int setup_group(void **state)
{
    (void)state;
    if (!unpriv_setup(&skip_why))
        return 0;
    shim = copy_with_mode("preload/libenvseal.so", "libenvseal.so", 0755);
    strict_shim = copy_with_mode("preload/libenvseal-strict.so", "libenvseal-strict.so", 0755);
    iconv_suid = copy_with_mode("/usr/bin/iconv", "iconv-suid", 04755);
    probe = copy_with_mode("tests/programs/envprobe", "envprobe", 0755);
    probe_suid = copy_with_mode("tests/programs/envprobe", "envprobe-suid", 04755);
    snprintf(gconv_dir, sizeof gconv_dir, "%s/gconv", unpriv_dir());
    snprintf(ran_path, sizeof ran_path, "%s/ran", gconv_dir);
    char module[600], modules[600];
    snprintf(module, sizeof module, "%s/probe.so", gconv_dir);
    snprintf(modules, sizeof modules, "%s/gconv-modules", gconv_dir);
    if (!shim || !strict_shim || !iconv_suid || !probe || !probe_suid || mkdir(gconv_dir, 0755) != 0)
        return -1;
    char *so;
    long n = read_file_all(harness_runfile("tests/programs/gconvprobe.so"), &so);
    FILE *m = fopen(module, "w");
    bool ok = n > 0 && m && fwrite(so, 1, (size_t)n, m) == (size_t)n;
    free(so);
    if (m)
        ok = fclose(m) == 0 && ok;
    FILE *f = fopen(modules, "w");
    ok = ok && f && fputs("module PROBE// INTERNAL probe 1\nmodule INTERNAL PROBE// probe 1\n", f) >= 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    return ok && chmod(module, 0755) == 0 ? 0 : -1;
}

static int teardown_group(void **state)
{
    (void)state;
    unpriv_cleanup();
    harness_cleanup();
    return 0;
}

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_control_module_runs_where_gconv_path_reaches_iconv,
                                  kill_cur),
        cmocka_unit_test_teardown(test_control_glibc_removes_gconv_path_for_setuid, kill_cur),
        cmocka_unit_test_teardown(test_setuid_iconv_takes_no_handoff, kill_cur),
        cmocka_unit_test_teardown(test_setuid_probe_environment_untouched_by_handoff, kill_cur),
        cmocka_unit_test_teardown(test_setuid_probe_ignores_disable, kill_cur),
        cmocka_unit_test_teardown(test_control_plain_probe_honours_disable, kill_cur),
        cmocka_unit_test_teardown(test_strict_setuid_secure_getenv_null, kill_cur),
        cmocka_unit_test_teardown(test_control_strict_plain_secure_getenv_value, kill_cur),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
