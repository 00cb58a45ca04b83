/* A vault that grows at run time (tests/programs/vaultgrow), as a user without
 * privileges (an unused uid, no capabilities) under `ulimit -l 64`: memfd_secret
 * and mlock both count against those 64 KiB, so the first regions get every
 * protection and later ones cannot.
 *  - ENVSEAL_VAULT=secretmem, ENVSEAL_ON_FAILURE=refuse: setenv of the secrets
 *    that do not fit fails with ENOMEM, one line says so, and no region without
 *    memfd_secret is left mapped; under warn, one warning line and every value
 *    works.
 *  - No memory for a new region at all (RLIMIT_AS): setenv fails with ENOMEM, one
 *    line says so, and the refused value is nowhere in the core, where the
 *    control's holds it.
 *  - Forty 2.1 KB secrets then a SIGSEGV: the kernel's core holds none of them
 *    (every value was in the vault, which the crash hook wipes and sweeps); the
 *    control without envseal holds them all (glibc's heap).
 * Both libraries: libenvseal.so and libenvseal-strict.so (strict mode). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "tests/programs/grow_value.h"

#define WAIT_MS 60000
#define MEMLOCK (64 * 1024)

static struct proc cur;
static char dir[PATH_MAX];   /* world-readable copies of the probe and the libraries */
static uid_t user = 0;       /* an unused uid */
static char core_skip[256];  /* why kernel cores cannot be read here, or "" */

static const char *const libs[] = {"libenvseal.so", "libenvseal-strict.so"};

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

/* The runfiles live under /root (mode 0700): an unprivileged user can reach
 * neither the probe nor the libraries there, so they are copied out. */
static void copy_out(const char *rel, const char *name)
{
    char *buf;
    long n = read_file_all(harness_runfile(rel), &buf);
    assert_true(n > 0);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, (size_t)n), n);
    close(fd);
    free(buf);
}

static int setup_group(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        snprintf(core_skip, sizeof core_skip, "not root: cannot switch to another user");
        return 0;
    }
    for (uid_t u = 61000; u < 61100 && !user; u++)
        if (!getpwuid(u))
            user = u;
    snprintf(dir, sizeof dir, "/tmp/envseal-growth-XXXXXX");
    if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
        return -1;
    copy_out("tests/programs/vaultgrow", "vaultgrow");
    copy_out("preload/libenvseal.so", libs[0]);
    copy_out("preload/libenvseal-strict.so", libs[1]);
    char *pat = NULL;
    if (read_file_all("/proc/sys/kernel/core_pattern", &pat) < 0 || pat[0] == '|' ||
        strchr(pat, '/'))
        snprintf(core_skip, sizeof core_skip, "core_pattern does not write ./core files");
    free(pat);
    return 0;
}

static int teardown_group(void **state)
{
    (void)state;
    if (dir[0]) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    harness_cleanup();
    return 0;
}

/* In the child before exec: ulimit -l 64, cores on, cwd = the run's directory,
 * then the unused uid (which drops every capability, CAP_IPC_LOCK included). */
static void become_user(const void *arg)
{
    const char *cwd = arg;
    struct rlimit ml = {MEMLOCK, MEMLOCK}, core = {RLIM_INFINITY, RLIM_INFINITY};
    signal(SIGPIPE, SIG_DFL);
    if (setrlimit(RLIMIT_MEMLOCK, &ml) || setrlimit(RLIMIT_CORE, &core) || chdir(cwd) ||
        setgroups(0, NULL) || setresgid(user, user, user) || setresuid(user, user, user)) {
        dprintf(2, "cannot become uid %u: %s\n", (unsigned)user, strerror(errno));
        _exit(126);
    }
}

struct run {
    int status;
    int stored, refused;
    char err_name[32];
    bool readback_ok;
    int private_mappings;
    int first_refused;   /* with VAULTGROW_AS_AFTER: the first value refused, or -1 */
    char err[4096];      /* the program's stderr (envseal's lines: never a value) */
    char *core;          /* the kernel's core file, or NULL */
    long core_len;
};

static void run_free(struct run *r)
{
    free(r->core);
    r->core = NULL;
}

/* Runs vaultgrow as the unused user in a fresh directory it owns. lib: NULL for
 * none; settings: "VAR=value" entries. */
static void run_probe(struct run *r, const char *lib, const char *const *settings, int count,
                      int size, const char *seed, bool crash)
{
    static int seq;
    memset(r, 0, sizeof *r);
    char cwd[PATH_MAX + 32];
    snprintf(cwd, sizeof cwd, "%s/run-%d", dir, ++seq);
    assert_int_equal(mkdir(cwd, 0700), 0);
    assert_int_equal(chown(cwd, user, user), 0);

    struct envb e;
    envb_init(&e, false);
    envb_set(&e, "HOME", "/");
    char path[PATH_MAX + 64], ld[PATH_MAX + 64];
    if (lib) {
        snprintf(ld, sizeof ld, "%s/%s", dir, lib);
        envb_set(&e, "LD_PRELOAD", ld);
    }
    for (; settings && *settings; settings++) {
        char name[64];
        const char *eq = strchr(*settings, '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - *settings), *settings);
        envb_set(&e, name, eq + 1);
    }
    snprintf(path, sizeof path, "%s/vaultgrow", dir);
    char n[16], s[16];
    snprintf(n, sizeof n, "%d", count);
    snprintf(s, sizeof s, "%d", size);
    char *argv[] = {path, n, s, (char *)seed, crash ? "crash" : NULL, NULL};
    assert_int_equal(proc_spawn_with(&cur, argv, &e, become_user, cwd), 0);
    envb_free(&e);
    r->status = proc_finish(&cur, WAIT_MS);
    snprintf(r->err, sizeof r->err, "%.4000s", cur.err);
    char *line = strstr(cur.out, "stored ");
    if (line)
        sscanf(line, "stored %d refused %d %31s", &r->stored, &r->refused, r->err_name);
    r->readback_ok = strstr(cur.out, "readback ok\n") != NULL;
    line = strstr(cur.out, "private-vault-mappings ");
    r->private_mappings = line ? atoi(line + 23) : -1;
    line = strstr(cur.out, "first-refused ");
    r->first_refused = line ? atoi(line + 14) : -1;

    DIR *d = opendir(cwd);
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        char p[PATH_MAX + 300];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", cwd, de->d_name);
        if (strncmp(de->d_name, "core", 4) == 0 && !r->core)
            r->core_len = read_file_all(p, &r->core);
        unlink(p);
    }
    closedir(d);
    rmdir(cwd);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static bool need_user(void)
{
    if (geteuid() != 0 || !user) {
        print_message("skipped: %s\n", core_skip[0] ? core_skip : "no unused uid");
        return false;
    }
    return true;
}

/* ---- ENVSEAL_VAULT=secretmem, twenty 10 KB secrets set at run time ---- */

static void secretmem_case(const char *lib, bool refuse)
{
    if (!need_user())
        skip();
    char seed[48];
    harness_random_secret(seed, sizeof seed, "s");
    const char *strict[] = {"ENVSEAL_VAULT=secretmem",
                            refuse ? "ENVSEAL_ON_FAILURE=refuse" : "ENVSEAL_ON_FAILURE=warn",
                            strcmp(lib, libs[1]) == 0 ? "ENVSEAL_MODE=strict" : NULL, NULL};
    struct run r;
    run_probe(&r, lib, strict, 20, 10 * 1024, seed + 2, false);
    print_message("%s, %s: status %#x, stored %d, refused %d (%s), readback %s, "
                  "private-pages regions %d; stderr:\n%s", lib, refuse ? "refuse" : "warn",
                  (unsigned)r.status, r.stored, r.refused, r.err_name,
                  r.readback_ok ? "ok" : "bad", r.private_mappings, r.err);
    assert_int_equal(r.status, 0);
    assert_true(r.readback_ok);
    assert_int_equal(count_lines(r.err), 1);
    if (refuse) {
        /* The secretmem the limit allows is used; the rest is refused. */
        if (harness_have_secretmem())
            assert_true(r.stored > 0);
        assert_true(r.refused > 0);
        assert_string_equal(r.err_name, "ENOMEM");
        assert_int_equal(r.private_mappings, 0);
        assert_non_null(strstr(r.err, "refusing a new secret (ENOMEM): memfd_secret unavailable"));
    } else {
        assert_int_equal(r.stored, 20);
        /* The degraded regions are kept, still sized geometrically: not one per value. */
        assert_true(r.private_mappings > 0 && r.private_mappings <= 6);
        assert_non_null(strstr(r.err, "warning: memfd_secret unavailable (ENVSEAL_VAULT=secretmem)"));
    }
    run_free(&r);
}

HARNESS_CASE(test_relocate_secretmem_refuse_fails_setenv_once, secretmem_case(libs[0], true))
HARNESS_CASE(test_relocate_secretmem_warn_warns_once, secretmem_case(libs[0], false))
HARNESS_CASE(test_strict_secretmem_refuse_fails_setenv_once, secretmem_case(libs[1], true))
HARNESS_CASE(test_strict_secretmem_warn_warns_once, secretmem_case(libs[1], false))

/* ---- forty 2.1 KB secrets, then SIGSEGV ---- */

/* How many of the `count` values the core holds. */
static int values_in(const struct run *r, const char *seed, int count, int size)
{
    char *v = malloc((size_t)size + 1);
    int found = 0;
    for (int i = 0; i < count; i++) {
        grow_value(v, (size_t)size, seed, i);
        /* The first 64 bytes: they start with the value's own number. */
        found += mem_contains(r->core, (size_t)r->core_len, v, 64);
    }
    explicit_bzero(v, (size_t)size);
    free(v);
    return found;
}

static void crash_case(const char *lib)
{
    if (!need_user())
        skip();
    if (core_skip[0]) {
        print_message("skipped: %s\n", core_skip);
        skip();
    }
    enum { COUNT = 40, SIZE = 2150 };
    char seed[48];
    harness_random_secret(seed, sizeof seed, "c");
    const char *mode[] = {strcmp(lib, libs[1]) == 0 ? "ENVSEAL_MODE=strict" : NULL, NULL};
    struct run with, without;
    run_probe(&with, lib, mode, COUNT, SIZE, seed + 2, true);
    run_probe(&without, NULL, NULL, COUNT, SIZE, seed + 2, true);
    int in_with = with.core ? values_in(&with, seed + 2, COUNT, SIZE) : -1;
    int in_without = without.core ? values_in(&without, seed + 2, COUNT, SIZE) : -1;
    print_message("%s: status %#x, stored %d, core %ld bytes holds %d of %d values; control: "
                  "status %#x, core %ld bytes holds %d; stderr:\n%s",
                  lib, (unsigned)with.status, with.stored, with.core_len, in_with, COUNT,
                  (unsigned)without.status, without.core_len, in_without, with.err);
    assert_true(WIFSIGNALED(with.status) && WTERMSIG(with.status) == SIGSEGV);
    assert_int_equal(with.status, without.status);
    assert_int_equal(with.stored, COUNT);
    assert_true(with.readback_ok);
    assert_non_null(with.core);
    assert_non_null(without.core);
    assert_int_equal(in_without, COUNT); /* the check can see them */
    assert_int_equal(in_with, 0);
    run_free(&with);
    run_free(&without);
}

/* ---- No memory for a new region at all (RLIMIT_AS), then a crash ---- */

/* 64 secrets of 8 KiB, the address space capped after 32 (vaultgrow): the setenv
 * of a value that needs a new region fails with ENOMEM, with one warning line, the
 * program goes on, and the value is nowhere (the core holds none of it, where a
 * copy in the C library's heap would be left by the sweep, which looks for the
 * vault's values); the control without envseal and without the cap holds it. */
static void no_memory_case(const char *lib)
{
    if (!need_user())
        skip();
    if (core_skip[0]) {
        print_message("skipped: %s\n", core_skip);
        skip();
    }
    char seed[48];
    harness_random_secret(seed, sizeof seed, "m");
    const char *capped[] = {"VAULTGROW_AS_AFTER=32",
                            strcmp(lib, libs[1]) == 0 ? "ENVSEAL_MODE=strict" : NULL, NULL};
    enum { COUNT = 64, SIZE = 8192 };
    struct run r, control;
    run_probe(&r, lib, capped, COUNT, SIZE, seed + 2, true);
    print_message("%s: status %#x, stored %d, refused %d (%s), first refused %d, "
                  "readback %s; stderr:\n%s", lib, (unsigned)r.status, r.stored, r.refused,
                  r.err_name, r.first_refused, r.readback_ok ? "ok" : "bad", r.err);
    assert_true(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSEGV);
    assert_true(r.readback_ok);
    assert_true(r.stored >= 32 && r.refused > 0 && r.first_refused >= 32);
    assert_string_equal(r.err_name, "ENOMEM");
    /* Once, however many are refused (the probe's ulimit -l may add its own line). */
    const char *said = strstr(r.err, "the change was refused (ENOMEM)");
    assert_non_null(said);
    assert_null(strstr(said + 1, "the change was refused (ENOMEM)"));
    assert_non_null(r.core);
    char *v = malloc(SIZE + 1);
    assert_non_null(v);
    grow_value(v, SIZE, seed + 2, r.first_refused);
    bool leaked = mem_contains(r.core, (size_t)r.core_len, v, 64);
    run_probe(&control, NULL, NULL, COUNT, SIZE, seed + 2, true);
    bool found = control.core && mem_contains(control.core, (size_t)control.core_len, v, 64);
    explicit_bzero(v, SIZE);
    free(v);
    print_message("refused value in the core: %s; in the control's: %s\n",
                  leaked ? "yes" : "no", found ? "yes" : "no");
    assert_true(found); /* else the check could catch nothing */
    assert_false(leaked);
    run_free(&r);
    run_free(&control);
}

HARNESS_CASE(test_relocate_no_memory_refused_nowhere, no_memory_case(libs[0]))
HARNESS_CASE(test_strict_no_memory_refused_nowhere, no_memory_case(libs[1]))

HARNESS_CASE(test_relocate_forty_secrets_then_crash_clean_core, crash_case(libs[0]))
HARNESS_CASE(test_strict_forty_secrets_then_crash_clean_core, crash_case(libs[1]))

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_relocate_secretmem_refuse_fails_setenv_once, kill_cur),
        cmocka_unit_test_teardown(test_relocate_secretmem_warn_warns_once, kill_cur),
        cmocka_unit_test_teardown(test_strict_secretmem_refuse_fails_setenv_once, kill_cur),
        cmocka_unit_test_teardown(test_strict_secretmem_warn_warns_once, kill_cur),
        cmocka_unit_test_teardown(test_relocate_no_memory_refused_nowhere, kill_cur),
        cmocka_unit_test_teardown(test_strict_no_memory_refused_nowhere, kill_cur),
        cmocka_unit_test_teardown(test_relocate_forty_secrets_then_crash_clean_core, kill_cur),
        cmocka_unit_test_teardown(test_strict_forty_secrets_then_crash_clean_core, kill_cur),
    };
    cur.pid = 0;
    cur.in_fd = cur.out_fd = cur.err_fd = -1;
    return cmocka_run_group_tests_name("vault_growth", tests, setup_group, teardown_group);
}
