/* libenvseal.so under a plain C program (tests/programs/envprobe): what an attacker
 * with read access to the process (its /proc files, its memory, a gcore dump) can
 * find of a secret, and that the program still gets exactly its values. Each
 * protection check has a control run without the shim that finds the secret. */
#define _GNU_SOURCE
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define TIMEOUT 20000
enum backing { DEFAULT_VAULT, ANON_VAULT, SECRETMEM_VAULT };

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The line envprobe prints for a value: "LABEL NAME len:fnv". */
static char *expect_line(const char *label, const char *name, const char *value)
{
    static char buf[4][256];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s%s%s %zu:%08x", label, label[0] ? " " : "", name, strlen(value),
             fnv(value));
    return b;
}

struct run {
    struct proc p;
    struct envb env;
    char secret[64];
};

/* Starts envprobe with APP_TOKEN=<random> (+ PLAIN_SETTING) and steps; waits for
 * the first "ready 1" when the steps hold. */
static void start(struct run *r, bool shim, enum backing b, unsigned flags, char **steps,
                  int nsteps)
{
    envb_init(&r->env, shim);
    harness_random_secret(r->secret, sizeof r->secret, "es");
    envb_set(&r->env, "APP_TOKEN", r->secret);
    envb_set(&r->env, "PLAIN_SETTING", "visible-setting");
    if (b == ANON_VAULT)
        envb_set(&r->env, "ENVSEAL_VAULT", "anon");
    else if (b == SECRETMEM_VAULT)
        envb_set(&r->env, "ENVSEAL_VAULT", "secretmem");
    char *argv[32] = {(char *)harness_runfile("tests/programs/envprobe")};
    for (int i = 0; i < nsteps && i < 30; i++)
        argv[i + 1] = steps[i];
    assert_int_equal(proc_spawn_ex(&r->p, argv, &r->env, flags, harness_tmpdir()), 0);
}

static void finish(struct run *r, int want_status)
{
    int st = proc_finish(&r->p, TIMEOUT);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == want_status))
        fprintf(stderr, "probe stdout:\n%s\nprobe stderr:\n%s\n", r->p.out, r->p.err);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), want_status);
    /* No message, from the shim or anything else, ever carries a value. */
    assert_false(strstr(r->p.err, r->secret) || strstr(r->p.out, r->secret));
    envb_free(&r->env);
}

static bool out_has(struct run *r, const char *line)
{
    return proc_wait_line(&r->p, line, TIMEOUT);
}

static void resume(struct run *r)
{
    assert_int_equal(write(r->p.in_fd, "go\n", 3), 3);
}

#define STEPS(...) (char *[]){__VA_ARGS__}, (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

/* ---- the initial environment ---- */

static void test_value_exact_through_getenv_environ_envp_secure_getenv(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, DEFAULT_VAULT, 0,
          STEPS("show:APP_TOKEN", "envp:APP_TOKEN", "secure:APP_TOKEN", "show:PLAIN_SETTING"));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    assert_true(out_has(&r, expect_line("envp", "APP_TOKEN", r.secret)));
    assert_true(out_has(&r, expect_line("environ", "APP_TOKEN", r.secret)));
    assert_true(out_has(&r, expect_line("secure", "APP_TOKEN", r.secret)));
    assert_true(out_has(&r, expect_line("", "PLAIN_SETTING", "visible-setting")));
    finish(&r, 0);
}

static void check_environ(bool shim)
{
    struct run r;
    start(&r, shim, DEFAULT_VAULT, 0, STEPS("keep:APP_TOKEN", "hold", "check:APP_TOKEN"));
    assert_true(out_has(&r, "ready 1"));
    assert_int_equal(proc_environ_contains(r.p.pid, r.secret), !shim);
    assert_true(proc_environ_contains(r.p.pid, "PLAIN_SETTING=visible-setting"));
    if (shim) /* the whole entry is gone, name included */
        assert_false(proc_environ_contains(r.p.pid, "APP_TOKEN"));
    resume(&r);
    assert_true(out_has(&r, "kept APP_TOKEN ok"));
    finish(&r, 0);
}

HARNESS_CASE(test_proc_environ_scrubbed, check_environ(true))
HARNESS_CASE(test_control_proc_environ_leaks_without_shim, check_environ(false))

/* ---- memory and dumps ---- */

static void test_memory_scan_secretmem_vault(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, SECRETMEM_VAULT, 0, STEPS("keep:APP_TOKEN", "hold", "check:APP_TOKEN"));
    assert_true(out_has(&r, "ready 1"));
    struct vault_info vi;
    proc_vault_info(r.p.pid, &vi);
    if (!vi.secretmem) {
        proc_kill(&r.p);
        skip(); /* memfd_secret unavailable here: the fallback test covers this host */
    }
    assert_true(vi.found && vi.locked && vi.dontdump);
    struct scan_result s;
    assert_int_equal(proc_scan_mem(r.p.pid, r.secret, &s), 0);
    assert_true(s.unreadable >= 1); /* secretmem refuses even /proc/PID/mem */
    resume(&r);
    assert_true(out_has(&r, "kept APP_TOKEN ok"));
    finish(&r, 0);
}

/* ENVSEAL_VAULT=secretmem really is memfd_secret: /proc/PID/maps shows "secretmem"
 * (skipped where the kernel has no memfd_secret). */
static void test_secretmem_setting_maps_secretmem(void **state)
{
    (void)state;
    if (!harness_have_secretmem())
        skip();
    struct run r;
    start(&r, true, SECRETMEM_VAULT, 0, STEPS("keep:APP_TOKEN", "hold", "check:APP_TOKEN"));
    assert_true(out_has(&r, "ready 1"));
    struct vault_info vi;
    proc_vault_info(r.p.pid, &vi);
    assert_true(vi.found && vi.secretmem && vi.locked && vi.dontdump);
    resume(&r);
    assert_true(out_has(&r, "kept APP_TOKEN ok"));
    finish(&r, 0);
}

/* The anonymous vault (ENVSEAL_VAULT=anon, and the default: memfd_secret is taken
 * on request only) holds the only readable copy, in private locked pages of a named
 * memfd. */
static void anon_scan_check(enum backing b)
{
    struct run r;
    start(&r, true, b, 0, STEPS("keep:APP_TOKEN", "hold", "check:APP_TOKEN"));
    assert_true(out_has(&r, "ready 1"));
    struct vault_info vi;
    proc_vault_info(r.p.pid, &vi);
    assert_true(vi.found && vi.anonymous && !vi.secretmem);
    assert_true(vi.locked);
    assert_true(vi.dontdump);
    struct scan_result s;
    assert_int_equal(proc_scan_mem(r.p.pid, r.secret, &s), 1);
    assert_true(s.starts[0] >= vi.start && s.starts[0] < vi.end);
    resume(&r);
    assert_true(out_has(&r, "kept APP_TOKEN ok"));
    finish(&r, 0);
}

HARNESS_CASE(test_memory_scan_fallback_vault_only, anon_scan_check(ANON_VAULT))
HARNESS_CASE(test_default_vault_is_anon, anon_scan_check(DEFAULT_VAULT))

static void test_control_memory_scan_without_shim(void **state)
{
    (void)state;
    struct run r;
    start(&r, false, DEFAULT_VAULT, 0, STEPS("keep:APP_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    struct scan_result s;
    assert_true(proc_scan_mem(r.p.pid, r.secret, &s) >= 1);
    finish(&r, 0);
}

static void gcore_check(bool shim, enum backing b)
{
    if (!harness_have("gdb"))
        skip();
    struct run r;
    start(&r, shim, b, 0, STEPS("keep:APP_TOKEN", "hold", "check:APP_TOKEN"));
    assert_true(out_has(&r, "ready 1"));
    char core[512];
    snprintf(core, sizeof core, "%s/gcore.%d", harness_tmpdir(), (int)r.p.pid);
    assert_int_equal(proc_gcore(r.p.pid, core), 0);
    bool leaked = file_contains(core, r.secret);
    unlink(core);
    assert_int_equal(leaked, !shim);
    resume(&r); /* the program carries on after the dump, value intact */
    assert_true(out_has(&r, "kept APP_TOKEN ok"));
    finish(&r, 0);
}

HARNESS_CASE(test_gcore_clean_secretmem_vault, gcore_check(true, SECRETMEM_VAULT))
HARNESS_CASE(test_gcore_clean_fallback_vault, gcore_check(true, ANON_VAULT))
HARNESS_CASE(test_control_gcore_leaks_without_shim, gcore_check(false, DEFAULT_VAULT))

/* ---- fork ---- */

static void fork_check(enum backing b)
{
    struct run r;
    start(&r, true, b, 0, STEPS("fork:APP_TOKEN", "show:APP_TOKEN", "fork:APP_TOKEN"));
    assert_true(out_has(&r, "child ok"));
    assert_true(out_has(&r, "parent ok"));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    finish(&r, 0);
    assert_null(strstr(r.p.out, "bad"));
}

HARNESS_CASE(test_fork_child_exit_keeps_parent_secret_secretmem, fork_check(SECRETMEM_VAULT))
HARNESS_CASE(test_fork_child_exit_keeps_parent_secret_fallback, fork_check(ANON_VAULT))

/* A child made without the fork handlers (_Fork, clone with SIGCHLD alone) shares
 * the parent's memfd_secret pages: its setenv of the secret and its exit wipe must
 * leave the parent's value as it was, as without envseal (the control). */
static void rawfork_check(bool shim, const char *how)
{
    struct run r;
    char step[64];
    snprintf(step, sizeof step, "rawfork:%s:APP_TOKEN", how);
    start(&r, shim, SECRETMEM_VAULT, 0, STEPS(step, "show:APP_TOKEN"));
    if (out_has(&r, "no namespace")) {
        finish(&r, 0);
        print_message("skipped: no PID namespace could be made here\n");
        skip();
    }
    assert_true(out_has(&r, "child ok"));
    assert_true(out_has(&r, "parent ok"));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    finish(&r, 0);
}

/* That child's own vfork child stores a secret after the parent stored one: it
 * writes into the pages the child still shares with the parent, unless they are
 * made the child's first; the parent's value stays as it was. */
static void rawfork_vfork_check(bool shim)
{
    struct run r;
    start(&r, shim, SECRETMEM_VAULT, 0, STEPS("rawforkvfork"));
    assert_true(out_has(&r, "rawforkvfork parent ok"));
    finish(&r, 0);
}

HARNESS_CASE(test_raw_fork_child_vfork_store_keeps_parent_secret, rawfork_vfork_check(true))
HARNESS_CASE(test_control_raw_fork_child_vfork_store_without_shim, rawfork_vfork_check(false))
HARNESS_CASE(test_raw_fork_child_keeps_parent_secret_secretmem, rawfork_check(true, "_Fork"))
HARNESS_CASE(test_clone_child_keeps_parent_secret_secretmem, rawfork_check(true, "clone"))
HARNESS_CASE(test_control_raw_fork_child_without_shim, rawfork_check(false, "_Fork"))
/* The same where parent and child are both PID 1 (of nested PID namespaces): the
 * child's pid is no proof that the pages are its own. */
HARNESS_CASE(test_nested_init_raw_fork_child_keeps_parent_secret,
             rawfork_check(true, "nested"))
HARNESS_CASE(test_control_nested_init_raw_fork_without_shim, rawfork_check(false, "nested"))

/* A vfork child runs in its parent's memory until it execs. One whose exec fails
 * and that then calls exit(), is killed by a signal (Ctrl-C between vfork and exec,
 * with the handler reset to SIG_DFL as CPython's child does) or aborts (a core
 * possible, so the sweep would run): the parent's secret and its own heap copy of
 * it are intact afterwards, as without envseal (the controls). */
static void vfork_case(bool shim, const char *how)
{
    struct run r;
    char step[64];
    snprintf(step, sizeof step, "vfork:%s:APP_TOKEN", how);
    start(&r, shim, ANON_VAULT, 0, STEPS(step, "show:APP_TOKEN"));
    bool ok = out_has(&r, "vfork parent ok");
    if (!ok)
        fprintf(stderr, "probe stdout:\n%s\n", r.p.out);
    assert_true(ok);
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    finish(&r, 0);
}

HARNESS_CASE(test_vfork_child_exit_leaves_parent_secret, vfork_case(true, "exit"))
HARNESS_CASE(test_vfork_child_killed_leaves_parent_secret, vfork_case(true, "term"))
HARNESS_CASE(test_vfork_child_abort_leaves_parent_secret_and_heap, vfork_case(true, "abort"))
HARNESS_CASE(test_control_vfork_child_exit_without_shim, vfork_case(false, "exit"))
HARNESS_CASE(test_control_vfork_child_killed_without_shim, vfork_case(false, "term"))
HARNESS_CASE(test_control_vfork_child_abort_without_shim, vfork_case(false, "abort"))

/* ---- setenv, putenv, unsetenv, clearenv (fallback vault: readable by the scan) ---- */

/* Runs steps that end in "hold"; returns the run with the probe holding. */
static void scan_expect(struct run *r, const char *value, int hits)
{
    struct scan_result s;
    struct vault_info vi;
    proc_vault_info(r->p.pid, &vi);
    int n = proc_scan_mem(r->p.pid, value, &s);
    if (n != hits)
        for (int i = 0; i < s.hits; i++)
            fprintf(stderr, "found in mapping %lx %s\n", s.starts[i], s.names[i]);
    assert_int_equal(n, hits);
    if (hits == 1)
        assert_true(vi.found && s.starts[0] >= vi.start && s.starts[0] < vi.end);
}

static void setenv_check(bool shim)
{
    struct run r;
    char seed[64], v1[80], v2[80];
    harness_random_secret(seed, sizeof seed, "s");
    harness_derive(seed + 2, "1", v1, sizeof v1);
    harness_derive(seed + 2, "2", v2, sizeof v2);
    char set1[128], set2[128];
    snprintf(set1, sizeof set1, "set:NEW_TOKEN:%s:1", seed + 2);
    snprintf(set2, sizeof set2, "set:NEW_TOKEN:%s:2", seed + 2);
    start(&r, shim, ANON_VAULT, 0,
          STEPS(set1, "keep:NEW_TOKEN", "hold", set2, "show:NEW_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, expect_line("", "NEW_TOKEN", v1)) || true);
    if (!shim) { /* control: glibc's setenv leaves a copy in the heap */
        struct scan_result s;
        assert_true(proc_scan_mem(r.p.pid, v1, &s) >= 1);
        proc_kill(&r.p);
        envb_free(&r.env);
        return;
    }
    scan_expect(&r, v1, 1); /* only the vault holds the value */
    resume(&r);
    assert_true(out_has(&r, "ready 2"));
    assert_true(out_has(&r, expect_line("", "NEW_TOKEN", v2)));
    /* The replaced value was wiped where it was; the one copy left is the vault's,
     * kept for the crash sweep (never served: NEW_TOKEN reads v2). */
    scan_expect(&r, v1, 1);
    scan_expect(&r, v2, 1);
    resume(&r);
    finish(&r, 0);
}

HARNESS_CASE(test_setenv_secret_lives_only_in_vault_and_replacement_wipes, setenv_check(true))
HARNESS_CASE(test_control_setenv_leaves_heap_copy_without_shim, setenv_check(false))

/* A getenv pointer the program kept across a replacement of that secret (POSIX
 * lets the string be overwritten) must never come to read another secret: the
 * released slot is not handed to XYZ_TOKEN, a name of APP_TOKEN's length whose
 * value would sit exactly under the old pointer. The control: glibc alone leaves
 * the old value there. */
static void stale_pointer_check(bool shim)
{
    struct run r;
    char seed[64], v1[80], v2[80], set1[128], set2[128];
    harness_random_secret(seed, sizeof seed, "s");
    harness_derive(seed + 2, "1", v1, sizeof v1);
    harness_derive(seed + 2, "2", v2, sizeof v2);
    snprintf(set1, sizeof set1, "set:APP_TOKEN:%s:1", seed + 2);
    snprintf(set2, sizeof set2, "set:XYZ_TOKEN:%s:2", seed + 2);
    start(&r, shim, ANON_VAULT, 0, STEPS("keep:APP_TOKEN", set1, set2, "kept:APP_TOKEN"));
    char other[128], old[128];
    snprintf(other, sizeof other, "kept APP_TOKEN %zu:%08x", strlen(v2), fnv(v2));
    snprintf(old, sizeof old, "kept APP_TOKEN %zu:%08x", strlen(r.secret), fnv(r.secret));
    assert_true(out_has(&r, shim ? "kept APP_TOKEN 0:811c9dc5" /* "" */ : old));
    assert_null(strstr(r.p.out, other));
    finish(&r, 0);
}

HARNESS_CASE(test_kept_pointer_never_reads_another_secret, stale_pointer_check(true))
HARNESS_CASE(test_control_kept_pointer_reads_old_value_without_shim, stale_pointer_check(false))

/* A library initialized before envseal (the program's own shared libraries, an
 * earlier preload; here libctorprobe.so, preloaded after the shim) that keeps the
 * pointer getenv returned for a secret reads an empty string once envseal's
 * start-up has moved the value into the vault and zeroed the initial copy; getenv
 * itself still answers. The control, without envseal, reads the value. */
static void ctor_kept_check(bool shim)
{
    struct run r;
    envb_init(&r.env, false);
    harness_random_secret(r.secret, sizeof r.secret, "es");
    envb_set(&r.env, "APP_TOKEN", r.secret);
    envb_set(&r.env, "CTORPROBE_KEEP", "APP_TOKEN");
    const char *ctor = harness_runfile("tests/programs/libctorprobe.so");
    char preload[8192];
    snprintf(preload, sizeof preload, "%s%s%s", shim ? harness_shim_path() : "", shim ? " " : "",
             ctor);
    envb_set(&r.env, "LD_PRELOAD", preload);
    char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"), "ctorkept:APP_TOKEN",
                    "show:APP_TOKEN", NULL};
    assert_int_equal(proc_spawn_ex(&r.p, argv, &r.env, 0, harness_tmpdir()), 0);
    char line[128];
    snprintf(line, sizeof line, "ctorkept APP_TOKEN %zu:%08x", strlen(r.secret), fnv(r.secret));
    assert_true(out_has(&r, shim ? "ctorkept APP_TOKEN 0:811c9dc5" /* "" */ : line));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    finish(&r, 0);
}

HARNESS_CASE(test_pointer_kept_before_startup_reads_empty, ctor_kept_check(true))
HARNESS_CASE(test_control_pointer_kept_before_startup_without_shim, ctor_kept_check(false))

static void test_putenv_secret_copied_into_vault(void **state)
{
    (void)state;
    struct run r;
    char seed[64], v1[80], put[128];
    harness_random_secret(seed, sizeof seed, "s");
    harness_derive(seed + 2, "1", v1, sizeof v1);
    snprintf(put, sizeof put, "put:NEW_TOKEN:%s:1", seed + 2);
    start(&r, true, ANON_VAULT, 0, STEPS(put, "show:NEW_TOKEN", "hold", "unset:NEW_TOKEN",
                                         "show:NEW_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, expect_line("", "NEW_TOKEN", v1)));
    scan_expect(&r, v1, 1);
    resume(&r);
    assert_true(out_has(&r, "ready 2"));
    assert_true(out_has(&r, "NEW_TOKEN (null)"));
    scan_expect(&r, v1, 1); /* unsetenv wiped it; the vault keeps a copy for the sweep */
    resume(&r);
    finish(&r, 0);
}

static void test_setenv_replacing_initial_secret_wipes_it(void **state)
{
    (void)state;
    struct run r;
    char seed[64], v1[80], set1[128];
    harness_random_secret(seed, sizeof seed, "s");
    harness_derive(seed + 2, "1", v1, sizeof v1);
    snprintf(set1, sizeof set1, "set:APP_TOKEN:%s:1", seed + 2);
    start(&r, true, ANON_VAULT, 0, STEPS(set1, "show:APP_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", v1)));
    scan_expect(&r, r.secret, 1); /* only the vault's copy for the crash sweep */
    scan_expect(&r, v1, 1);
    finish(&r, 0);
}

static void test_unsetenv_initial_secret_wipes_it(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, ANON_VAULT, 0, STEPS("unset:APP_TOKEN", "show:APP_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, "APP_TOKEN (null)"));
    scan_expect(&r, r.secret, 1); /* only the vault's copy for the crash sweep */
    finish(&r, 0);
}

/* main's envp after environ moved (a new name was added): glibc alone leaves an
 * unset secret there, envseal wipes it all the same, so the stale array's entry
 * reads NAME= with an empty value, never the old value (docs/configuration.md); the
 * only copy left is the one the vault keeps for the crash sweep. */
static void stale_envp_check(bool shim)
{
    struct run r;
    start(&r, shim, ANON_VAULT, 0,
          STEPS("set:PLAIN_ADDED:ab:1", "unset:APP_TOKEN", "envp:APP_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, "environ APP_TOKEN (null)"));
    if (shim) {
        assert_true(out_has(&r, "envp APP_TOKEN 0:811c9dc5")); /* "" */
        scan_expect(&r, r.secret, 1); /* only the vault's copy for the crash sweep */
    } else {
        assert_true(out_has(&r, expect_line("envp", "APP_TOKEN", r.secret)));
    }
    resume(&r);
    finish(&r, 0);
}

HARNESS_CASE(test_unset_secret_wiped_under_stale_envp, stale_envp_check(true))
HARNESS_CASE(test_control_stale_envp_keeps_unset_value_without_shim, stale_envp_check(false))

static void test_clearenv_wipes_every_secret(void **state)
{
    (void)state;
    struct run r;
    char seed[64], v1[80], set1[128];
    harness_random_secret(seed, sizeof seed, "s");
    harness_derive(seed + 2, "1", v1, sizeof v1);
    snprintf(set1, sizeof set1, "set:NEW_TOKEN:%s:1", seed + 2);
    start(&r, true, ANON_VAULT, 0,
          STEPS(set1, "clear", "show:APP_TOKEN", "show:NEW_TOKEN", "set:AFTER_TOKEN:ab:3",
                "show:AFTER_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, "clear rc=0"));
    assert_true(out_has(&r, "APP_TOKEN (null)"));
    assert_true(out_has(&r, "NEW_TOKEN (null)"));
    assert_true(out_has(&r, expect_line("", "AFTER_TOKEN", "drv3-qr")));
    scan_expect(&r, r.secret, 1); /* clearenv wiped both where they were; */
    scan_expect(&r, v1, 1);       /* the vault keeps a copy of each for the sweep */
    finish(&r, 0);
}

static void test_nonsecret_setenv_behaves_as_glibc(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, DEFAULT_VAULT, 0,
          STEPS("set:PLAIN_SETTING:12:4", "show:PLAIN_SETTING", "unset:PLAIN_SETTING",
                "show:PLAIN_SETTING"));
    assert_true(out_has(&r, "set PLAIN_SETTING rc=0"));
    assert_true(out_has(&r, expect_line("", "PLAIN_SETTING", "drv4-hi")));
    assert_true(out_has(&r, "PLAIN_SETTING (null)"));
    finish(&r, 0);
}

/* ---- exit ---- */

/* lib: the shim to preload (libenvseal.so, or libenvseal-strict.so: same exit path). */
static void exit_wipe_check(enum backing b, const char *lib)
{
    struct run r;
    char expect_file[512];
    envb_init(&r.env, false);
    start(&r, true, b, 0, STEPS("atexit:APP_TOKEN", "show:APP_TOKEN"));
    proc_kill(&r.p); /* restart with the late probe preloaded after the shim */
    snprintf(expect_file, sizeof expect_file, "%s/expect", harness_tmpdir());
    FILE *f = fopen(expect_file, "w");
    fputs(r.secret, f);
    fclose(f);
    char preload[2048];
    snprintf(preload, sizeof preload, "%s:%s", lib,
             harness_runfile("tests/programs/libexitprobe.so"));
    envb_set(&r.env, "LD_PRELOAD", preload);
    envb_set(&r.env, "ENVSEAL_TEST_NAME", "APP_TOKEN");
    envb_set(&r.env, "ENVSEAL_TEST_EXPECT", expect_file);
    char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"), "atexit:APP_TOKEN",
                    "exit:5", NULL};
    assert_int_equal(proc_spawn(&r.p, argv, &r.env), 0);
    int st = proc_finish(&r.p, TIMEOUT);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 5);
    /* The program's own exit handler still reads the secret... */
    assert_non_null(strstr(r.p.out, expect_line("atexit", "APP_TOKEN", r.secret)));
    /* ...so does a library's destructor, which runs after them... */
    assert_non_null(strstr(r.p.out, expect_line("fini", "APP_TOKEN", r.secret)));
    /* ...and after envseal's wipe, getenv gives NULL and the vault holds nothing. */
    assert_non_null(strstr(r.p.out, "late getenv null"));
    assert_non_null(strstr(r.p.out, "late vault clean"));
    unlink(expect_file);
    envb_free(&r.env);
}

HARNESS_CASE(test_exit_wipe_after_atexit_handlers_secretmem,
             exit_wipe_check(SECRETMEM_VAULT, harness_shim_path()))
HARNESS_CASE(test_exit_wipe_after_atexit_handlers_fallback,
             exit_wipe_check(ANON_VAULT, harness_shim_path()))
HARNESS_CASE(test_exit_wipe_after_atexit_handlers_strict,
             exit_wipe_check(DEFAULT_VAULT, harness_runfile("preload/libenvseal-strict.so")))

/* dlopen then dlclose of the shim, then fork and exit: its signal, fork and exit
 * handlers must not outlive its code (it is linked -z nodelete; without that this
 * program dies of SIGSEGV at the fork). Both libraries. */
static void test_dlclose_leaves_the_shim_in_place(void **state)
{
    (void)state;
    const char *libs[] = {harness_shim_path(), harness_runfile("preload/libenvseal-strict.so")};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        struct envb env;
        envb_init(&env, false);
        envb_set(&env, "APP_TOKEN", "dlclose-case-value");
        char *argv[] = {(char *)harness_runfile("tests/programs/dlprobe"), (char *)libs[i], NULL};
        struct proc p;
        assert_int_equal(proc_spawn(&p, argv, &env), 0);
        int st = proc_finish(&p, TIMEOUT);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail_msg("%s: dlprobe ended with status %#x", libs[i], st);
        assert_non_null(strstr(p.out, "dlprobe ok"));
        envb_free(&env);
    }
}

static int count_lines_with(const char *buf, const char *needle)
{
    int n = 0;
    for (const char *s = buf; (s = strstr(s, needle)) != NULL; s++)
        n++;
    return n;
}

/* libenvseal-strict.so loaded with dlopen: the program's getenv is libc's, so
 * strict mode would take secrets out of its reach. The library says so in one
 * line and seals in relocate mode: getenv still answers, the block is scrubbed;
 * with ENVSEAL_ON_FAILURE=refuse it stops the program. Control: the block holds
 * the value when envseal is disabled. */
static void test_dlopen_strict_falls_back_to_relocate(void **state)
{
    (void)state;
    const char *strict = harness_runfile("preload/libenvseal-strict.so");
    char *argv[] = {(char *)harness_runfile("tests/programs/dlprobe"), (char *)strict,
                    "APP_TOKEN", NULL};
    for (int run = 0; run < 3; run++) { /* control, strict library, refuse */
        struct envb env;
        envb_init(&env, false);
        envb_set(&env, "APP_TOKEN", "dlopen-strict-case-value");
        if (run == 0)
            envb_set(&env, "ENVSEAL_DISABLE", "1");
        if (run == 2)
            envb_set(&env, "ENVSEAL_ON_FAILURE", "refuse");
        struct proc p;
        assert_int_equal(proc_spawn(&p, argv, &env), 0);
        int st = proc_finish(&p, TIMEOUT);
        if (run == 2) {
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 111);
            assert_non_null(strstr(p.err, "refusing to start"));
        } else {
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
            assert_true(text_has_line(p.out, "getenv APP_TOKEN same"));
            assert_true(text_has_line(p.out, run == 0 ? "block 1" : "block 0"));
            assert_int_equal(count_lines_with(p.err, "loaded with dlopen"), run);
        }
        envb_free(&env);
    }
}

/* Preloaded after another library whose getenv passes calls on (as bash's own
 * getenv is the process's, not libc's), the strict library keeps strict mode: no
 * warning, getenv answers through the chain, and the secret is in neither environ
 * nor /proc/PID/environ (control without envseal: in both). */
static void test_strict_after_another_getenv_stays_strict(void **state)
{
    (void)state;
    for (int shim = 0; shim < 2; shim++) {
        struct envb env;
        envb_init(&env, false);
        char secret[64], preload[8192];
        harness_random_secret(secret, sizeof secret, "gf");
        envb_set(&env, "APP_TOKEN", secret);
        snprintf(preload, sizeof preload, "%s%s%s",
                 harness_runfile("tests/programs/libgetenvfirst.so"), shim ? ":" : "",
                 shim ? harness_runfile("preload/libenvseal-strict.so") : "");
        envb_set(&env, "LD_PRELOAD", preload);
        char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"), "show:APP_TOKEN",
                        "envp:APP_TOKEN", "hold", NULL};
        struct proc p;
        assert_int_equal(proc_spawn(&p, argv, &env), 0);
        assert_true(proc_wait_line(&p, "ready 1", TIMEOUT));
        assert_int_equal(proc_environ_contains(p.pid, secret), !shim);
        int st = proc_finish(&p, TIMEOUT);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(p.out, expect_line("", "APP_TOKEN", secret)));
        assert_true(text_has_line(p.out, shim ? "environ APP_TOKEN (null)"
                                              : expect_line("environ", "APP_TOKEN", secret)));
        assert_int_equal(count_lines_with(p.err, "envseal"), 0);
        envb_free(&env);
    }
}

static void test_exit_status_unchanged(void **state)
{
    (void)state;
    for (int shim = 0; shim < 2; shim++) {
        struct run r;
        start(&r, shim, DEFAULT_VAULT, 0, STEPS("show:APP_TOKEN", "exit:37"));
        finish(&r, 37);
    }
}

/* ---- degradation ---- */

static void test_mlock_refused_still_sealed_one_warning(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, DEFAULT_VAULT, SPAWN_NO_MEMLOCK, STEPS("show:APP_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    assert_false(proc_environ_contains(r.p.pid, r.secret));
    struct vault_info vi;
    proc_vault_info(r.p.pid, &vi);
    assert_true(vi.found && !vi.secretmem && !vi.locked && vi.dontdump);
    finish(&r, 0);
    assert_int_equal(count_lines_with(r.p.err, "envseal:"), 1);
    assert_non_null(strstr(r.p.err, "mlock refused"));
}

/* errno after calls that succeed is what the C library leaves: a secret stored
 * where mlock is refused (the value still sealed, one warning) sets no ENOMEM, and
 * putenv("") behaves as libc's own (glibc: 0 with EINVAL). Against the control. */
static void test_errno_after_success_as_without(void **state)
{
    (void)state;
    char lines[2][128];
    for (int shim = 0; shim < 2; shim++) {
        struct run r;
        start(&r, shim, DEFAULT_VAULT, SPAWN_NO_MEMLOCK,
              STEPS("errno:NEW_TOKEN:8f3a9c:1"));
        finish(&r, 0);
        const char *at = strstr(r.p.out, "errno ");
        assert_non_null(at);
        snprintf(lines[shim], sizeof lines[shim], "%.*s", (int)strcspn(at, "\n"), at);
        print_message("%s: %s\n", shim ? "envseal" : "control", lines[shim]);
    }
    assert_string_equal(lines[1], lines[0]);
}

static void test_refuse_setting_stops_program_with_exit_111(void **state)
{
    (void)state;
    struct run r;
    envb_init(&r.env, true);
    start(&r, true, DEFAULT_VAULT, SPAWN_NO_MEMLOCK, STEPS("show:APP_TOKEN"));
    proc_kill(&r.p);
    envb_set(&r.env, "ENVSEAL_ON_FAILURE", "refuse");
    char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"), "show:APP_TOKEN", NULL};
    assert_int_equal(proc_spawn_ex(&r.p, argv, &r.env, SPAWN_NO_MEMLOCK, NULL), 0);
    finish(&r, 111);
    assert_null(strstr(r.p.out, "APP_TOKEN")); /* main never ran */
    assert_int_equal(count_lines_with(r.p.err, "envseal:"), 1);
    assert_non_null(strstr(r.p.err, "refusing to start"));
}

/* RLIMIT_AS leaves room for the program and its vault, not for the crash sweep's
 * scratch area (about 10 MiB): the secret is sealed, and one line says the sweep
 * is off; ENVSEAL_ON_FAILURE=refuse stops the program (111) before main. A secret
 * first set at run time gets the same line, in either library. The control, with no secret in a
 * process that never stores one, maps nothing and says nothing. */
static void test_sweep_unmappable_one_warning_or_refused(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, DEFAULT_VAULT, SPAWN_SMALL_AS, STEPS("show:APP_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    assert_false(proc_environ_contains(r.p.pid, r.secret));
    resume(&r);
    finish(&r, 0);
    assert_int_equal(count_lines_with(r.p.err, "envseal:"), 1);
    assert_int_equal(count_lines_with(r.p.err, "warning: the crash sweep is off"), 1);

    start(&r, true, DEFAULT_VAULT, SPAWN_SMALL_AS, STEPS("show:APP_TOKEN"));
    proc_kill(&r.p);
    envb_set(&r.env, "ENVSEAL_ON_FAILURE", "refuse");
    char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"), "show:APP_TOKEN", NULL};
    assert_int_equal(proc_spawn_ex(&r.p, argv, &r.env, SPAWN_SMALL_AS, NULL), 0);
    finish(&r, 111);
    assert_null(strstr(r.p.out, "APP_TOKEN")); /* main never ran */
    assert_int_equal(count_lines_with(r.p.err, "envseal:"), 1);
    assert_int_equal(count_lines_with(r.p.err, "refusing to start: the crash sweep is off"), 1);

    char *probe = (char *)harness_runfile("tests/programs/envprobe");
    char *steps[2][4] = {{probe, "show:PATH", NULL}, {probe, "show:PATH", "set:DB_PASSWORD:sweep:40", NULL}};
    for (int run = 0; run < 4; run++) { /* libenvseal.so, then the strict library */
        int store = run & 1;
        struct envb none;
        envb_init(&none, true);
        if (run >= 2) {
            envb_set(&none, "LD_PRELOAD", harness_runfile("preload/libenvseal-strict.so"));
            envb_set(&none, "ENVSEAL_MODE", "strict");
        }
        struct proc p;
        assert_int_equal(proc_spawn_ex(&p, steps[store], &none, SPAWN_SMALL_AS, NULL), 0);
        envb_free(&none);
        int st = proc_finish(&p, TIMEOUT);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_int_equal(count_lines_with(p.err, "warning: the crash sweep is off"), store);
    }
}

/* The probe again, in r's environment with one setting changed (NULL: left out),
 * mlock refused. */
static void respawn_degraded(struct run *r, const char *name, const char *value, char *step)
{
    proc_kill(&r->p);
    if (value)
        envb_set(&r->env, name, value);
    char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"), step, NULL};
    assert_int_equal(proc_spawn_ex(&r->p, argv, &r->env, SPAWN_NO_MEMLOCK, NULL), 0);
}

/* ENVSEAL_QUIET: the degraded vault is used without a word; the control (the same
 * run without the setting) says it in one line. */
static void test_quiet_silences_degraded_warning(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, DEFAULT_VAULT, SPAWN_NO_MEMLOCK, STEPS("show:APP_TOKEN"));
    finish(&r, 0);
    assert_int_equal(count_lines_with(r.p.err, "envseal:"), 1);
    start(&r, true, DEFAULT_VAULT, SPAWN_NO_MEMLOCK, STEPS("show:APP_TOKEN", "hold"));
    respawn_degraded(&r, "ENVSEAL_QUIET", "1", "hold");
    assert_true(out_has(&r, "ready 1"));
    assert_false(proc_environ_contains(r.p.pid, r.secret));
    struct vault_info vi;
    proc_vault_info(r.p.pid, &vi);
    assert_true(vi.found && !vi.locked); /* degraded indeed */
    resume(&r);
    finish(&r, 0);
    assert_int_equal(r.p.err_len, 0);
}

/* ENVSEAL_ON_FAILURE=refuse with mlock refused: a program with no secret starts, as
 * a system-wide setting needs; the control, with one secret, is refused (111). */
static void test_program_without_secret_never_refused(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, DEFAULT_VAULT, SPAWN_NO_MEMLOCK, STEPS("show:PLAIN_SETTING"));
    respawn_degraded(&r, "ENVSEAL_ON_FAILURE", "refuse", "show:PLAIN_SETTING");
    finish(&r, 111);
    envb_init(&r.env, true);
    envb_set(&r.env, "PLAIN_SETTING", "visible-setting");
    envb_set(&r.env, "ENVSEAL_ON_FAILURE", "refuse");
    respawn_degraded(&r, "ENVSEAL_VAULT", "secretmem", "show:PLAIN_SETTING");
    assert_true(out_has(&r, expect_line("", "PLAIN_SETTING", "visible-setting")));
    finish(&r, 0);
    assert_int_equal(r.p.err_len, 0);
}

/* A misspelt policy keeps the default (warn: the degraded program runs) and says so
 * in one line naming the setting, beside the degradation's; quiet says neither. */
static void test_malformed_setting_keeps_default_one_line(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, DEFAULT_VAULT, SPAWN_NO_MEMLOCK, STEPS("show:APP_TOKEN"));
    respawn_degraded(&r, "ENVSEAL_ON_FAILURE", "refsue", "show:APP_TOKEN");
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    finish(&r, 0);
    assert_int_equal(count_lines_with(r.p.err, "envseal:"), 2);
    assert_int_equal(count_lines_with(r.p.err, "ignoring malformed setting ENVSEAL_ON_FAILURE"),
                     1);
    start(&r, true, DEFAULT_VAULT, SPAWN_NO_MEMLOCK, STEPS("show:APP_TOKEN"));
    envb_set(&r.env, "ENVSEAL_ON_FAILURE", "refsue");
    respawn_degraded(&r, "ENVSEAL_QUIET", "1", "show:APP_TOKEN");
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    finish(&r, 0);
    assert_int_equal(r.p.err_len, 0);
}

/* ENVSEAL_MODE=strict where both libraries are preloaded (envseal run --mode strict
 * in an image whose /etc/ld.so.preload names libenvseal.so), in either order, under
 * refuse: libenvseal.so stands down for libenvseal-strict.so, so the program runs in
 * strict mode (the secret out of environ, getenv still answering) without a word.
 * The control: libenvseal.so alone refuses (111). */
static void test_strict_asked_with_both_libraries_runs_strict(void **state)
{
    (void)state;
    char relocate[PATH_MAX], strict[PATH_MAX], both[2 * PATH_MAX + 2];
    snprintf(relocate, sizeof relocate, "%s", harness_runfile("preload/libenvseal.so"));
    snprintf(strict, sizeof strict, "%s", harness_runfile("preload/libenvseal-strict.so"));
    for (int order = 0; order < 3; order++) {
        struct run r;
        start(&r, true, DEFAULT_VAULT, 0, STEPS("show:APP_TOKEN"));
        proc_kill(&r.p);
        snprintf(both, sizeof both, "%s:%s", order == 1 ? strict : relocate,
                 order == 1 ? relocate : strict);
        envb_set(&r.env, "LD_PRELOAD", order == 2 ? relocate : both);
        envb_set(&r.env, "ENVSEAL_MODE", "strict");
        envb_set(&r.env, "ENVSEAL_ON_FAILURE", "refuse");
        char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"), "envp:APP_TOKEN",
                        "show:APP_TOKEN", NULL};
        assert_int_equal(proc_spawn(&r.p, argv, &r.env), 0);
        if (order == 2) { /* the control */
            finish(&r, 111);
            continue;
        }
        assert_true(out_has(&r, "environ APP_TOKEN (null)")); /* strict mode */
        assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
        finish(&r, 0);
        assert_int_equal(r.p.err_len, 0);
    }
}

/* ---- what envseal needs, taken away (a seccomp filter: tests/programs/denysyscall) */

struct denial {
    const char *nr, *err, *arg, *value; /* the system call, its errno, arg == value */
};

/* envprobe show:APP_TOKEN (and hold) under the filter, with (shim) or without envseal
 * and with the settings given as NAME, VALUE pairs (NULL-terminated). */
static void denied_start(struct run *r, const struct denial *d, bool shim, bool hold,
                         const char *const *settings)
{
    envb_init(&r->env, shim);
    harness_random_secret(r->secret, sizeof r->secret, "es");
    envb_set(&r->env, "APP_TOKEN", r->secret);
    for (int i = 0; settings && settings[i]; i += 2)
        envb_set(&r->env, settings[i], settings[i + 1]);
    char *argv[12];
    int n = 0;
    argv[n++] = (char *)harness_runfile("tests/programs/denysyscall");
    argv[n++] = (char *)d->nr;
    argv[n++] = (char *)d->err;
    if (d->arg) {
        argv[n++] = (char *)d->arg;
        argv[n++] = (char *)d->value;
    }
    argv[n++] = "--";
    argv[n++] = (char *)harness_runfile("tests/programs/envprobe");
    argv[n++] = "show:APP_TOKEN";
    if (hold)
        argv[n++] = "hold";
    argv[n] = NULL;
    assert_int_equal(proc_spawn(&r->p, argv, &r->env), 0);
}

/* refuse: exit 111 with one line, main never ran. */
static void expect_refused(const struct denial *d, const char *const *settings)
{
    struct run r;
    denied_start(&r, d, true, false, settings);
    finish(&r, 111);
    assert_null(strstr(r.p.out, "APP_TOKEN"));
    assert_int_equal(count_lines_with(r.p.err, "envseal:"), 1);
    assert_non_null(strstr(r.p.err, "refusing to start"));
}

/* The control: the same filter without envseal takes nothing the program needs. */
static void expect_control_runs(const struct denial *d)
{
    struct run r;
    denied_start(&r, d, false, false, NULL);
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    finish(&r, 0);
    assert_int_equal(r.p.err_len, 0);
}

/* memfd_secret unavailable at start-up (ENOSYS): ENVSEAL_VAULT=secretmem warns in
 * one line and seals into private pages, or refuses (111); auto falls back silently,
 * under either policy, to private pages just as locked and left out of dumps. */
static void test_secretmem_unavailable_at_start(void **state)
{
    (void)state;
    const struct denial d = {"447", "38", NULL, NULL}; /* memfd_secret, ENOSYS */
    expect_control_runs(&d);
    struct run r;
    denied_start(&r, &d, true, true,
                 (const char *[]){"ENVSEAL_VAULT", "secretmem", NULL});
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    assert_false(proc_environ_contains(r.p.pid, r.secret));
    struct vault_info vi;
    proc_vault_info(r.p.pid, &vi);
    assert_true(vi.found && !vi.secretmem && vi.locked && vi.dontdump);
    resume(&r);
    finish(&r, 0);
    assert_int_equal(count_lines_with(r.p.err, "envseal:"), 1);
    assert_non_null(strstr(r.p.err, "memfd_secret unavailable"));
    expect_refused(&d, (const char *[]){"ENVSEAL_VAULT", "secretmem", "ENVSEAL_ON_FAILURE",
                                        "refuse", NULL});
    for (int refuse = 0; refuse < 2; refuse++) { /* private pages, still locked, undumped */
        denied_start(&r, &d, true, true,
                     (const char *[]){"ENVSEAL_VAULT", "auto", "ENVSEAL_ON_FAILURE",
                                      refuse ? "refuse" : "warn", NULL});
        assert_true(out_has(&r, "ready 1"));
        assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
        assert_false(proc_environ_contains(r.p.pid, r.secret));
        proc_vault_info(r.p.pid, &vi);
        assert_true(vi.found && !vi.secretmem && vi.locked && vi.dontdump);
        resume(&r);
        finish(&r, 0);
        assert_int_equal(r.p.err_len, 0);
    }
}

/* ENVSEAL_PTRACE=deny that cannot be applied (prctl(PR_SET_DUMPABLE) refused):
 * exit 111. The control: the same filter, without the setting, runs. */
static void test_ptrace_deny_unapplied_refuses(void **state)
{
    (void)state;
    const struct denial d = {"157", "1", "0", "4"}; /* prctl(PR_SET_DUMPABLE, ...), EPERM */
    expect_control_runs(&d);
    struct run r;
    denied_start(&r, &d, true, false, NULL);
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    finish(&r, 0);
    expect_refused(&d, (const char *[]){"ENVSEAL_PTRACE", "deny", NULL});
}

/* No vault memory at all (the vault's PROT_NONE reservation refused): the secrets
 * stay where they were, with one warning line, or the program is refused (111). */
static void test_no_vault_memory_warns_or_refuses(void **state)
{
    (void)state;
    const struct denial d = {"9", "12", "2", "0"}; /* mmap(..., PROT_NONE, ...), ENOMEM */
    expect_control_runs(&d);
    struct run r;
    denied_start(&r, &d, true, true, NULL);
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    assert_true(proc_environ_contains(r.p.pid, r.secret)); /* left where it was */
    resume(&r);
    finish(&r, 0);
    assert_int_equal(count_lines_with(r.p.err, "envseal:"), 1);
    assert_non_null(strstr(r.p.err, "no vault memory"));
    expect_refused(&d, (const char *[]){"ENVSEAL_ON_FAILURE", "refuse", NULL});
}

/* Both libraries preloaded, ENVSEAL_MODE unset (libenvseal-strict.so added to
 * LD_PRELOAD where /etc/ld.so.preload names libenvseal.so): whichever starts first
 * protects the process. Where that is libenvseal-strict.so, strict mode, without a
 * word; where it is libenvseal.so, relocate mode with one line saying strict mode
 * is not in effect, or a refusal (111) under refuse. Never relocate mode silently. */
static void test_both_libraries_never_lose_strict_silently(void **state)
{
    (void)state;
    char relocate[PATH_MAX], strict[PATH_MAX], copy[PATH_MAX], cmd[3 * PATH_MAX];
    char preload[3 * PATH_MAX + 3];
    snprintf(relocate, sizeof relocate, "%s", harness_runfile("preload/libenvseal.so"));
    snprintf(strict, sizeof strict, "%s", harness_runfile("preload/libenvseal-strict.so"));
    snprintf(copy, sizeof copy, "%s/copy-libenvseal-strict.so", harness_tmpdir());
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", strict, copy);
    assert_int_equal(system(cmd), 0);
    /* Both orders of the two, and three with a second copy of the strict one. */
    const char *orders[][3] = {{relocate, strict, NULL},
                               {strict, relocate, NULL},
                               {strict, copy, relocate},
                               {relocate, strict, copy},
                               {strict, relocate, copy}};
    int strict_runs = 0, warned_runs = 0;
    for (int order = 0; order < 5; order++)
        for (int refuse = 0; refuse < 2; refuse++) {
            struct run r;
            start(&r, true, DEFAULT_VAULT, 0, STEPS("show:APP_TOKEN"));
            proc_kill(&r.p);
            snprintf(preload, sizeof preload, "%s:%s%s%s", orders[order][0], orders[order][1],
                     orders[order][2] ? ":" : "", orders[order][2] ? orders[order][2] : "");
            envb_set(&r.env, "LD_PRELOAD", preload);
            if (refuse)
                envb_set(&r.env, "ENVSEAL_ON_FAILURE", "refuse");
            char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"),
                            "envp:APP_TOKEN", "show:APP_TOKEN", NULL};
            assert_int_equal(proc_spawn(&r.p, argv, &r.env), 0);
            int st = proc_finish(&r.p, TIMEOUT);
            bool in_environ = !strstr(r.p.out, "environ APP_TOKEN (null)");
            int lines = count_lines_with(r.p.err, "envseal:");
            print_message("order %d, refuse %d: status %#x, %s, %d lines\n", order, refuse, st,
                          in_environ ? "relocate" : "strict", lines);
            assert_false(strstr(r.p.err, r.secret) || strstr(r.p.out, r.secret));
            if (WIFEXITED(st) && WEXITSTATUS(st) == 111) { /* refused, main never ran */
                assert_true(refuse);
                assert_null(strstr(r.p.out, "APP_TOKEN"));
                assert_int_equal(lines, 1);
                warned_runs++;
            } else if (in_environ) { /* relocate mode: said */
                assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
                assert_false(refuse);
                assert_true(lines >= 1); /* one per strict library loaded */
                assert_non_null(strstr(r.p.err, "not strict mode"));
                warned_runs++;
            } else { /* strict mode: silent */
                assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
                assert_int_equal(lines, 0);
                strict_runs++;
            }
            envb_free(&r.env);
        }
    print_message("%d runs in strict mode, %d said otherwise\n", strict_runs, warned_runs);
    unlink(copy);
}

static void test_forced_fallback_vault(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, ANON_VAULT, 0, STEPS("show:APP_TOKEN", "hold"));
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, expect_line("", "APP_TOKEN", r.secret)));
    struct vault_info vi;
    proc_vault_info(r.p.pid, &vi);
    assert_true(vi.found && vi.anonymous && vi.locked && vi.dontdump);
    finish(&r, 0);
    assert_int_equal(r.p.err_len, 0); /* fully protected: not a word on stderr */
}

static void test_loader_variables_never_sealed(void **state)
{
    (void)state;
    struct run r;
    envb_init(&r.env, true);
    start(&r, true, DEFAULT_VAULT, 0, STEPS("show:APP_TOKEN"));
    proc_kill(&r.p);
    envb_set(&r.env, "ENVSEAL_SECRETS", "*");
    envb_set(&r.env, "GLIBC_TUNABLES", "glibc.malloc.check=0");
    char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"), "show:PLAIN_SETTING",
                    "hold", NULL};
    assert_int_equal(proc_spawn(&r.p, argv, &r.env), 0);
    assert_true(out_has(&r, "ready 1"));
    assert_true(out_has(&r, expect_line("", "PLAIN_SETTING", "visible-setting")));
    assert_false(proc_environ_contains(r.p.pid, "visible-setting")); /* '*' sealed it */
    assert_true(proc_environ_contains(r.p.pid, "LD_PRELOAD="));
    assert_true(proc_environ_contains(r.p.pid, "GLIBC_TUNABLES=glibc.malloc.check=0"));
    assert_true(proc_environ_contains(r.p.pid, "ENVSEAL_SECRETS=*"));
    finish(&r, 0);
}

static void test_overflow_past_secret_detected_at_exit(void **state)
{
    (void)state;
    struct run r;
    start(&r, true, DEFAULT_VAULT, 0, STEPS("overflow:APP_TOKEN", "exit:3"));
    finish(&r, 3); /* detection reports; it does not change the exit status */
    assert_non_null(strstr(r.p.err, "vault overflow detected"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_exact_through_getenv_environ_envp_secure_getenv),
        cmocka_unit_test(test_proc_environ_scrubbed),
        cmocka_unit_test(test_control_proc_environ_leaks_without_shim),
        cmocka_unit_test(test_memory_scan_secretmem_vault),
        cmocka_unit_test(test_default_vault_is_anon),
        cmocka_unit_test(test_secretmem_setting_maps_secretmem),
        cmocka_unit_test(test_memory_scan_fallback_vault_only),
        cmocka_unit_test(test_control_memory_scan_without_shim),
        cmocka_unit_test(test_gcore_clean_secretmem_vault),
        cmocka_unit_test(test_gcore_clean_fallback_vault),
        cmocka_unit_test(test_control_gcore_leaks_without_shim),
        cmocka_unit_test(test_vfork_child_exit_leaves_parent_secret),
        cmocka_unit_test(test_vfork_child_killed_leaves_parent_secret),
        cmocka_unit_test(test_vfork_child_abort_leaves_parent_secret_and_heap),
        cmocka_unit_test(test_control_vfork_child_exit_without_shim),
        cmocka_unit_test(test_control_vfork_child_killed_without_shim),
        cmocka_unit_test(test_control_vfork_child_abort_without_shim),
        cmocka_unit_test(test_fork_child_exit_keeps_parent_secret_secretmem),
        cmocka_unit_test(test_fork_child_exit_keeps_parent_secret_fallback),
        cmocka_unit_test(test_raw_fork_child_keeps_parent_secret_secretmem),
        cmocka_unit_test(test_clone_child_keeps_parent_secret_secretmem),
        cmocka_unit_test(test_control_raw_fork_child_without_shim),
        cmocka_unit_test(test_nested_init_raw_fork_child_keeps_parent_secret),
        cmocka_unit_test(test_control_nested_init_raw_fork_without_shim),
        cmocka_unit_test(test_setenv_secret_lives_only_in_vault_and_replacement_wipes),
        cmocka_unit_test(test_control_setenv_leaves_heap_copy_without_shim),
        cmocka_unit_test(test_kept_pointer_never_reads_another_secret),
        cmocka_unit_test(test_control_kept_pointer_reads_old_value_without_shim),
        cmocka_unit_test(test_pointer_kept_before_startup_reads_empty),
        cmocka_unit_test(test_control_pointer_kept_before_startup_without_shim),
        cmocka_unit_test(test_putenv_secret_copied_into_vault),
        cmocka_unit_test(test_setenv_replacing_initial_secret_wipes_it),
        cmocka_unit_test(test_unsetenv_initial_secret_wipes_it),
        cmocka_unit_test(test_unset_secret_wiped_under_stale_envp),
        cmocka_unit_test(test_control_stale_envp_keeps_unset_value_without_shim),
        cmocka_unit_test(test_clearenv_wipes_every_secret),
        cmocka_unit_test(test_nonsecret_setenv_behaves_as_glibc),
        cmocka_unit_test(test_exit_wipe_after_atexit_handlers_secretmem),
        cmocka_unit_test(test_exit_wipe_after_atexit_handlers_fallback),
        cmocka_unit_test(test_exit_wipe_after_atexit_handlers_strict),
        cmocka_unit_test(test_exit_status_unchanged),
        cmocka_unit_test(test_dlclose_leaves_the_shim_in_place),
        cmocka_unit_test(test_dlopen_strict_falls_back_to_relocate),
        cmocka_unit_test(test_strict_after_another_getenv_stays_strict),
        cmocka_unit_test(test_mlock_refused_still_sealed_one_warning),
        cmocka_unit_test(test_errno_after_success_as_without),
        cmocka_unit_test(test_raw_fork_child_vfork_store_keeps_parent_secret),
        cmocka_unit_test(test_control_raw_fork_child_vfork_store_without_shim),
        cmocka_unit_test(test_sweep_unmappable_one_warning_or_refused),
        cmocka_unit_test(test_refuse_setting_stops_program_with_exit_111),
        cmocka_unit_test(test_quiet_silences_degraded_warning),
        cmocka_unit_test(test_program_without_secret_never_refused),
        cmocka_unit_test(test_malformed_setting_keeps_default_one_line),
        cmocka_unit_test(test_strict_asked_with_both_libraries_runs_strict),
        cmocka_unit_test(test_secretmem_unavailable_at_start),
        cmocka_unit_test(test_ptrace_deny_unapplied_refuses),
        cmocka_unit_test(test_no_vault_memory_warns_or_refuses),
        cmocka_unit_test(test_both_libraries_never_lose_strict_silently),
        cmocka_unit_test(test_forced_fallback_vault),
        cmocka_unit_test(test_loader_variables_never_sealed),
        cmocka_unit_test(test_overflow_past_secret_detected_at_exit),
    };
    return cmocka_run_group_tests(tests, NULL, harness_cleanup_group);
}
