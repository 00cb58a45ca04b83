/* libenvseal-strict.so: strict secrets are not in environ, main's envp or
 * /proc/PID/environ, getenv/secure_getenv/__secure_getenv serve them from the vault,
 * and every exec and spawn form hands children exactly what ENVSEAL_CHILD_SECRETS
 * allows. Real programs: a C probe, python3, perl, bash, dash, node, psql (with a
 * real PostgreSQL server), curl and git. Relocate mode in the same library, and
 * libenvseal.so given ENVSEAL_MODE=strict, are covered too. Values are compared by
 * hash or in memory and never printed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pg_fixture.h"

#define WAIT_MS 30000
#define STRICT_SO "preload/libenvseal-strict.so"
#define RELOCATE_SO "preload/libenvseal.so"
#define PROBE "tests/programs/strictprobe"
#define PG_ROLE "envseal_strict"

static struct proc cur;

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

/* ---- values ---------------------------------------------------------------- */

struct values {
    char tok[80];  /* APP_API_TOKEN: a secret */
    char pw[80];   /* DB_PASSWORD: a secret */
    char mode[80]; /* APP_MODE: a plain setting */
};

static void new_values(struct values *v)
{
    harness_random_secret(v->tok, sizeof v->tok, "tok");
    harness_random_secret(v->pw, sizeof v->pw, "pw");
    harness_random_secret(v->mode, sizeof v->mode, "mode");
}

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The probe's line for NAME holding value (NULL: unset). */
static const char *value_line(const char *label, const char *name, const char *value)
{
    static char bufs[8][160];
    static int next;
    char *b = bufs[next++ % 8];
    if (value)
        snprintf(b, sizeof bufs[0], "%s %s %zu:%08x", label, name, strlen(value), fnv(value));
    else
        snprintf(b, sizeof bufs[0], "%s %s (null)", label, name);
    return b;
}

/* Every secret of a run, for withholding output that contains one. */
static const char *secrets[8];
static int nsecrets;

static void watch(const char *secret)
{
    if (nsecrets < 8)
        secrets[nsecrets++] = secret;
}

static bool leaks(const char *buf, size_t len)
{
    for (int i = 0; i < nsecrets; i++)
        if (mem_contains(buf, len, secrets[i], strlen(secrets[i])))
            return true;
    return false;
}

static void show_output(void)
{
    const char *bufs[2] = {cur.out, cur.err};
    size_t lens[2] = {cur.out_len, cur.err_len};
    for (int b = 0; b < 2; b++) {
        if (leaks(bufs[b], lens[b]))
            print_error("  %s: [withheld: it contains a secret]\n", b ? "stderr" : "stdout");
        else
            print_error("  %s: %.3000s\n", b ? "stderr" : "stdout", bufs[b]);
    }
}

static void expect_line(const char *line)
{
    if (!text_has_line(cur.out, line)) {
        print_error("expected the line \"%s\"\n", line);
        show_output();
        fail();
    }
}

static void expect_no_line(const char *line)
{
    if (text_has_line(cur.out, line)) {
        print_error("unexpected line \"%s\"\n", line);
        show_output();
        fail();
    }
}

static void expect_exit(int want)
{
    int st = proc_finish(&cur, WAIT_MS);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != want) {
        print_error("wait status 0x%x, wanted exit %d\n", (unsigned)st, want);
        show_output();
        fail();
    }
}

/* ---- environments and runs ---------------------------------------------------- */

/* PATH, HOME, LANG, TMPDIR; LD_PRELOAD=lib (NULL: no preload); the three values. */
static void base_env(struct envb *e, const char *lib, const struct values *v)
{
    envb_init(e, false);
    if (lib)
        envb_set(e, "LD_PRELOAD", harness_runfile(lib));
    nsecrets = 0;
    if (v) {
        envb_set(e, "APP_API_TOKEN", v->tok);
        envb_set(e, "DB_PASSWORD", v->pw);
        envb_set(e, "APP_MODE", v->mode);
        watch(v->tok);
        watch(v->pw);
    }
}

/* base_env with fresh values. */
/* A random hex seed for the probe's derive(SEED,K), and derive(seed, 1). */
static void new_seed(char *seed, size_t n, char *d1, size_t dn)
{
    harness_random_secret(seed, n, "s");
    memmove(seed, seed + 2, strlen(seed + 2) + 1); /* hex only: derive maps it */
    harness_derive(seed, "1", d1, dn);
}

/* The probe step "VERB:NAME:SEED:1" for a new seed (verb_name: "VERB:NAME"), and the
 * value it sets, derive(SEED, 1). */
static void derived_step(char *step, size_t n, const char *verb_name, char *d1, size_t dn)
{
    char seed[40];
    new_seed(seed, sizeof seed, d1, dn);
    snprintf(step, n, "%s:%s:1", verb_name, seed);
}

static void new_env(struct envb *e, const char *lib, struct values *v)
{
    new_values(v);
    base_env(e, lib, v);
}

static void start(char *const argv[], struct envb *e)
{
    assert_int_equal(proc_spawn(&cur, argv, e), 0);
    envb_free(e);
}

/* Runs the probe with the steps (NULL-terminated). */
static void start_probe(struct envb *e, const char *const *steps)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)harness_runfile(PROBE);
    for (; *steps && n < 63; steps++)
        argv[n++] = (char *)*steps;
    argv[n] = NULL;
    start(argv, e);
}

static void wait_ready(const char *line)
{
    if (!proc_wait_line(&cur, line, WAIT_MS)) {
        print_error("no \"%s\" line\n", line);
        show_output();
        fail();
    }
}

/* While the program holds: its /proc/PID/environ and readable memory outside the
 * vault hold none of the secrets. */
static void expect_sealed_memory(const char *const *vals, int n)
{
    for (int i = 0; i < n; i++) {
        assert_false(proc_environ_contains(cur.pid, vals[i]));
        struct scan_result r;
        assert_true(proc_scan_mem(cur.pid, vals[i], &r) >= 0);
        for (int h = 0; h < r.hits; h++)
            if (!strstr(r.names[h], "envseal-vault") && !strstr(r.names[h], "secretmem"))
                fail_msg("a secret value found in mapping \"%s\"", r.names[h]);
    }
}

/* For programs that keep their own copies (python's and node's script reads the
 * expected value; libpq keeps the password): /proc/PID/environ only. */
static void expect_proc_environ_clean(const char *const *vals, int n)
{
    for (int i = 0; i < n; i++)
        assert_false(proc_environ_contains(cur.pid, vals[i]));
}

/* ---- the C program ------------------------------------------------------------ */

static void test_c_getenv_secure_getenv_old_secure_getenv_from_vault(void **s)
{
    (void)s;
    struct values v;
    struct envb e;
    new_env(&e, STRICT_SO, &v);
    const char *steps[] = {"whence", "show:APP_API_TOKEN", "secure:APP_API_TOKEN",
                           "oldsecure:APP_API_TOKEN", "show:DB_PASSWORD", "show:APP_MODE",
                           "environ:APP_API_TOKEN", "envp:APP_API_TOKEN", "environ:DB_PASSWORD",
                           "envp:DB_PASSWORD", "environ:APP_MODE", "envp:APP_MODE", "hold", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line("getenv from libenvseal-strict.so");
    expect_line(value_line("show", "APP_API_TOKEN", v.tok));
    expect_line(value_line("secure", "APP_API_TOKEN", v.tok));
    expect_line(value_line("oldsecure", "APP_API_TOKEN", v.tok));
    expect_line(value_line("show", "DB_PASSWORD", v.pw));
    expect_line(value_line("show", "APP_MODE", v.mode));
    expect_line("environ APP_API_TOKEN absent");
    expect_line("envp APP_API_TOKEN absent");
    expect_line("environ DB_PASSWORD absent");
    expect_line("envp DB_PASSWORD absent");
    expect_line("environ APP_MODE present");
    expect_line("envp APP_MODE present");
    const char *vals[] = {v.tok, v.pw};
    expect_sealed_memory(vals, 2);
    assert_true(proc_environ_contains(cur.pid, v.mode));
    expect_exit(0);
}

/* The same probe without any preload: every check above would have failed. */
static void test_control_without_shim_secrets_in_environ_and_proc(void **s)
{
    (void)s;
    struct values v;
    struct envb e;
    new_env(&e, NULL, &v);
    const char *steps[] = {"whence", "environ:APP_API_TOKEN", "envp:APP_API_TOKEN", "hold", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line("getenv from libc.so.6");
    expect_line("environ APP_API_TOKEN present");
    expect_line("envp APP_API_TOKEN present");
    assert_true(proc_environ_contains(cur.pid, v.tok));
    struct scan_result r;
    assert_true(proc_scan_mem(cur.pid, v.tok, &r) > 0);
    expect_exit(0);
}

/* setenv/putenv/unsetenv/clearenv of strict names: visible through getenv only,
 * never in environ, and a replaced or removed value is gone from memory. */
static void test_setenv_family_consistent_and_old_values_wiped(void **s)
{
    (void)s;
    struct values v;
    new_values(&v);
    char seed[40], d1[64], d2[64], d3[64];
    new_seed(seed, sizeof seed, d1, sizeof d1);
    harness_derive(seed, "2", d2, sizeof d2);
    harness_derive(seed, "3", d3, sizeof d3);
    struct envb e;
    base_env(&e, STRICT_SO, &v);
    envb_set(&e, "ENVSEAL_VAULT", "anon"); /* a readable vault: a missed wipe shows */
    watch(d1);
    watch(d2);
    watch(d3);
    char set1[80], set2[80], put3[80];
    snprintf(set1, sizeof set1, "set:NEW_TOKEN:%s:1", seed);
    snprintf(set2, sizeof set2, "set:NEW_TOKEN:%s:2", seed);
    snprintf(put3, sizeof put3, "put:OTHER_SECRET:%s:3", seed);
    const char *steps[] = {set1, "show:NEW_TOKEN", "environ:NEW_TOKEN", set2, "show:NEW_TOKEN",
                           put3, "show:OTHER_SECRET", "environ:OTHER_SECRET",
                           "unset:APP_API_TOKEN", "show:APP_API_TOKEN", "hold",
                           "clear", "show:NEW_TOKEN", "show:OTHER_SECRET", "show:DB_PASSWORD",
                           "show:APP_MODE", "hold", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line("set NEW_TOKEN rc=0");
    expect_line(value_line("show", "NEW_TOKEN", d1));
    expect_line(value_line("show", "NEW_TOKEN", d2));
    expect_line("environ NEW_TOKEN absent");
    expect_line("put OTHER_SECRET rc=0");
    expect_line(value_line("show", "OTHER_SECRET", d3));
    expect_line("environ OTHER_SECRET absent");
    expect_line("unset APP_API_TOKEN rc=0");
    expect_line(value_line("show", "APP_API_TOKEN", NULL));
    /* The replaced value and the removed one are nowhere in readable memory but the
     * vault, which keeps a copy of each for the crash sweep (never served: the
     * lines above). */
    struct scan_result r;
    const char *gone[] = {d1, v.tok};
    expect_sealed_memory(gone, 2);
    assert_int_equal(proc_scan_mem(cur.pid, d1, &r), 1);
    assert_int_equal(proc_scan_mem(cur.pid, v.tok, &r), 1);
    const char *live[] = {d2, d3, v.pw};
    expect_sealed_memory(live, 3);
    assert_int_equal(write(cur.in_fd, "\n", 1), 1);
    wait_ready("ready 2");
    expect_line("clear rc=0");
    expect_line(value_line("show", "NEW_TOKEN", NULL));
    expect_line(value_line("show", "OTHER_SECRET", NULL));
    expect_line(value_line("show", "DB_PASSWORD", NULL));
    expect_line(value_line("show", "APP_MODE", NULL));
    expect_sealed_memory(live, 3); /* the vault's copies for the sweep alone */
    expect_exit(0);
}

/* An initial environment that names a secret twice (execve allows it): getenv
 * answers the first, as glibc's does, and unsetenv removes both, from getenv and
 * (under envseal) from memory. The control runs the same probe without envseal. */
static void duplicate_case(const char *lib)
{
    char first[64], second[64];
    harness_random_secret(first, sizeof first, "one");
    harness_random_secret(second, sizeof second, "two");
    struct envb e;
    base_env(&e, lib, NULL);
    if (lib)
        envb_set(&e, "ENVSEAL_VAULT", "anon"); /* a readable vault: a missed wipe shows */
    envb_set(&e, "DB_PASSWORD", first);
    char *dup;
    assert_true(asprintf(&dup, "DB_PASSWORD=%s", second) > 0);
    assert_true(e.n < ENVB_MAX);
    e.v[e.n++] = dup; /* envb_set would replace the first */
    e.v[e.n] = NULL;
    watch(first);
    watch(second);
    const char *steps[] = {"show:DB_PASSWORD", "unset:DB_PASSWORD", "show:DB_PASSWORD", "hold",
                           NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line(value_line("show", "DB_PASSWORD", first));
    expect_line("unset DB_PASSWORD rc=0");
    expect_line(value_line("show", "DB_PASSWORD", NULL));
    if (lib) { /* only the copies the vault keeps for the crash sweep */
        const char *gone[] = {first, second};
        expect_sealed_memory(gone, 2);
    }
    expect_exit(0);
}

HARNESS_CASE(test_duplicate_secret_unset_removes_both, duplicate_case(STRICT_SO))

/* A program that assigns environ itself: an empty array of its own, then environ as
 * it was, then NULL. getenv of the strict secret answers as glibc's does on the
 * same environ: nothing, the value, nothing (the control, without envseal). */
static void environ_assigned_case(const char *lib)
{
    struct values v;
    struct envb e;
    new_env(&e, lib, &v);
    const char *steps[] = {"show:DB_PASSWORD", "environ-empty", "show:DB_PASSWORD",
                           "environ-back", "show:DB_PASSWORD", "environ-null",
                           "show:DB_PASSWORD", "environ-back", "hold", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    const char *want[] = {value_line("show", "DB_PASSWORD", v.pw),
                          value_line("show", "DB_PASSWORD", NULL)};
    const char *order[] = {want[0], want[1], want[0], want[1]};
    const char *at = cur.out;
    for (int i = 0; i < 4; i++) {
        const char *hit = strstr(at, order[i]);
        if (!hit) {
            print_error("step %d: no \"%s\" in order\n", i, order[i]);
            show_output();
            fail();
        }
        at = hit + strlen(order[i]);
    }
    expect_exit(0);
}

/* environ = NULL, then setenv of what to keep (clearenv(3)'s fallback): getenv finds
 * the value just set, as with glibc alone (the control); putting the saved environ
 * back finds the other secret again, as it does without envseal. */
static void environ_null_then_set_case(const char *lib)
{
    struct values v;
    struct envb e;
    new_env(&e, lib, &v);
    char set[80], d1[64];
    derived_step(set, sizeof set, "set:DB_PASSWORD", d1, sizeof d1);
    const char *steps[] = {"environ-null", set, "show:DB_PASSWORD", "environ-back",
                           "show:APP_API_TOKEN", "hold", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line("set DB_PASSWORD rc=0");
    expect_line(value_line("show", "DB_PASSWORD", d1));
    expect_line(value_line("show", "APP_API_TOKEN", v.tok));
    expect_exit(0);
}

/* After environ = NULL and a setenv, a child started with the new environ gets none
 * of the strict secrets set before (the control: glibc's new environment holds none),
 * even under ENVSEAL_CHILD_SECRETS=all. */
static void environ_null_child_case(const char *lib)
{
    struct values v;
    struct envb e;
    new_env(&e, lib, &v);
    envb_set(&e, "ENVSEAL_CHILD_SECRETS", "all");
    const char *steps[] = {"environ-null", "set:APP_MODE:0123abcd:1", "run:execv",
                           "show:APP_API_TOKEN", "show:DB_PASSWORD", NULL};
    start_probe(&e, steps);
    expect_exit(0); /* the whole output read */
    expect_line(value_line("show", "APP_API_TOKEN", NULL));
    expect_line(value_line("show", "DB_PASSWORD", NULL));
}

/* A child made by _Fork (no fork handlers) that unsets a strict secret and clears
 * its environment leaves the parent's value in the memfd_secret pages they share. */
static void raw_fork_unset_case(const char *lib)
{
    struct values v;
    struct envb e;
    new_env(&e, lib, &v);
    envb_set(&e, "ENVSEAL_VAULT", "secretmem");
    const char *steps[] = {"rawunset:DB_PASSWORD", "show:DB_PASSWORD", NULL};
    start_probe(&e, steps);
    expect_exit(0); /* the whole output read */
    expect_line("rawunset parent ok");
    expect_line(value_line("show", "DB_PASSWORD", v.pw));
}

HARNESS_CASE(test_raw_fork_child_unset_keeps_parent_secret, raw_fork_unset_case(STRICT_SO))
HARNESS_CASE(test_control_raw_fork_child_unset_without_shim, raw_fork_unset_case(NULL))
HARNESS_CASE(test_environ_null_strict_secrets_reach_no_child, environ_null_child_case(STRICT_SO))
HARNESS_CASE(test_control_environ_null_child_without_shim, environ_null_child_case(NULL))

/* environ = NULL, then setenv of a strict secret without overwriting, first or
 * after a variable that is not a secret (which makes glibc start the new
 * environment): the name is not in the new environment, so the value is set, as
 * with glibc (the control). */
static void environ_null_then_keep_case(const char *lib, bool other_first, bool put_back)
{
    struct values v;
    struct envb e;
    new_env(&e, lib, &v);
    char keep[80], d1[64];
    derived_step(keep, sizeof keep, "keep:APP_API_TOKEN", d1, sizeof d1);
    const char *first[] = {"environ-null", keep, "show:APP_API_TOKEN", NULL};
    const char *other[] = {"environ-null", "set:APP_MODE:0123abcd:1", keep,
                           "show:APP_API_TOKEN", NULL};
    const char *const *steps = other_first ? other : first;
    /* The environment put back holds the name: nothing is set then. */
    const char *back[] = {"environ-null", "set:APP_MODE:0123abcd:1", "environ-back", keep,
                          "show:APP_API_TOKEN", NULL};
    if (put_back)
        steps = back;
    start_probe(&e, steps);
    expect_exit(0); /* the whole output read */
    expect_line("keep APP_API_TOKEN rc=0");
    expect_line(value_line("show", "APP_API_TOKEN", put_back ? v.tok : d1));
}

HARNESS_CASE(test_environ_null_then_setenv_keep_sets_it,
             environ_null_then_keep_case(STRICT_SO, false, false))
HARNESS_CASE(test_control_environ_null_then_setenv_keep_without_shim,
             environ_null_then_keep_case(NULL, false, false))
HARNESS_CASE(test_environ_null_other_then_setenv_keep_sets_it,
             environ_null_then_keep_case(STRICT_SO, true, false))
HARNESS_CASE(test_control_environ_null_other_then_setenv_keep_without_shim,
             environ_null_then_keep_case(NULL, true, false))
HARNESS_CASE(test_environ_put_back_then_setenv_keep_keeps_it,
             environ_null_then_keep_case(STRICT_SO, true, true))
HARNESS_CASE(test_control_environ_put_back_then_setenv_keep_without_shim,
             environ_null_then_keep_case(NULL, true, true))
/* The saved environment put back after two such sections, or after one and then a
 * new name set on the array put back (glibc copies it into a new one): the name is still
 * in the environment, so nothing is set, as with glibc (the control). */
static void put_back_again_case(const char *lib, bool twice)
{
    struct values v;
    struct envb e;
    new_env(&e, lib, &v);
    char keep[80], d1[64];
    derived_step(keep, sizeof keep, "keep:APP_API_TOKEN", d1, sizeof d1);
    const char *again[] = {"environ-null", "set:APP_MODE:0123abcd:1", "environ-back",
                           twice ? "environ-null" : "set:APP_COLOR:4567cdef:1",
                           twice ? "set:APP_MODE:4567cdef:1" : keep,
                           twice ? "environ-back" : "show:APP_API_TOKEN",
                           twice ? keep : NULL, "show:APP_API_TOKEN", NULL};
    start_probe(&e, again);
    expect_exit(0); /* the whole output read */
    expect_line("keep APP_API_TOKEN rc=0");
    expect_line(value_line("show", "APP_API_TOKEN", v.tok));
}

HARNESS_CASE(test_environ_put_back_twice_then_setenv_keep_keeps_it,
             put_back_again_case(STRICT_SO, true))
HARNESS_CASE(test_control_environ_put_back_twice_without_shim, put_back_again_case(NULL, true))
HARNESS_CASE(test_environ_put_back_set_then_setenv_keep_keeps_it,
             put_back_again_case(STRICT_SO, false))
HARNESS_CASE(test_control_environ_put_back_set_without_shim, put_back_again_case(NULL, false))
/* A temporary environment of the program's own, emptied by unsetenv, then the
 * saved one put back: the strict secrets are there, as with glibc (the control). */
static void environ_temp_unset_case(const char *lib)
{
    struct values v;
    struct envb e;
    new_env(&e, lib, &v);
    const char *steps[] = {"environ-temp", "unset:LANG", "unset:TZ", "environ-back",
                           "show:DB_PASSWORD", NULL};
    start_probe(&e, steps);
    expect_exit(0); /* the whole output read */
    expect_line("unset TZ rc=0");
    expect_line(value_line("show", "DB_PASSWORD", v.pw));
}

HARNESS_CASE(test_temporary_environ_emptied_keeps_strict_secrets,
             environ_temp_unset_case(STRICT_SO))
HARNESS_CASE(test_control_temporary_environ_emptied_without_shim, environ_temp_unset_case(NULL))
HARNESS_CASE(test_environ_null_then_setenv_strict_secret, environ_null_then_set_case(STRICT_SO))
HARNESS_CASE(test_control_environ_null_then_setenv_without_shim, environ_null_then_set_case(NULL))
HARNESS_CASE(test_environ_assigned_empty_hides_strict_secret, environ_assigned_case(STRICT_SO))
HARNESS_CASE(test_control_environ_assigned_empty_without_shim, environ_assigned_case(NULL))
HARNESS_CASE(test_control_duplicate_secret_unset_removes_both, duplicate_case(NULL))

/* Control: glibc alone keeps a replaced setenv value in its heap. */
static void test_control_glibc_keeps_replaced_value(void **s)
{
    (void)s;
    char seed[40], d1[64];
    new_seed(seed, sizeof seed, d1, sizeof d1);
    struct envb e;
    base_env(&e, NULL, NULL);
    watch(d1);
    char set1[80], set2[80];
    snprintf(set1, sizeof set1, "set:NEW_TOKEN:%s:1", seed);
    snprintf(set2, sizeof set2, "set:NEW_TOKEN:%s:2", seed);
    const char *steps[] = {set1, set2, "environ:NEW_TOKEN", "hold", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line("environ NEW_TOKEN present");
    struct scan_result r;
    assert_true(proc_scan_mem(cur.pid, d1, &r) > 0);
    expect_exit(0);
}

static void test_fork_child_and_parent_keep_strict_secret(void **s)
{
    (void)s;
    struct values v;
    struct envb e;
    new_env(&e, STRICT_SO, &v);
    const char *steps[] = {"fork:APP_API_TOKEN", "show:APP_API_TOKEN", NULL};
    start_probe(&e, steps);
    expect_exit(0);
    expect_line("child ok");
    expect_line("parent ok");
    expect_line(value_line("show", "APP_API_TOKEN", v.tok));
}

/* ENVSEAL_MODE=relocate in the strict library: what libenvseal.so does. */
static void test_relocate_mode_in_strict_library_matches_libenvseal(void **s)
{
    (void)s;
    struct values v;
    struct envb e;
    new_env(&e, STRICT_SO, &v);
    envb_set(&e, "ENVSEAL_MODE", "relocate");
    const char *steps[] = {"show:APP_API_TOKEN", "environ:APP_API_TOKEN", "envp:APP_API_TOKEN",
                           "hold", "run:execve", "show:APP_API_TOKEN", "show:DB_PASSWORD", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line(value_line("show", "APP_API_TOKEN", v.tok));
    expect_line("environ APP_API_TOKEN present");
    expect_line("envp APP_API_TOKEN present");
    assert_false(proc_environ_contains(cur.pid, v.tok));
    assert_false(proc_environ_contains(cur.pid, v.pw));
    expect_exit(0);
    /* Children inherit every secret, as with libenvseal.so. */
    assert_int_equal(strstr(cur.out, "show APP_API_TOKEN") != NULL, 1);
    const char *after = strstr(cur.out, "ready 1");
    assert_non_null(after);
    assert_non_null(strstr(after, value_line("show", "APP_API_TOKEN", v.tok)));
    assert_non_null(strstr(after, value_line("show", "DB_PASSWORD", v.pw)));
}

/* ENVSEAL_STRICT_SECRETS narrows strict mode to some names; other secrets are
 * relocated (in environ, pointing into the vault). */
static void test_strict_secrets_setting_selects_names(void **s)
{
    (void)s;
    struct values v;
    struct envb e;
    new_env(&e, STRICT_SO, &v);
    envb_set(&e, "ENVSEAL_STRICT_SECRETS", "APP_API_*");
    envb_set(&e, "ENVSEAL_CHILD_SECRETS", "none");
    const char *steps[] = {"show:APP_API_TOKEN", "show:DB_PASSWORD", "environ:APP_API_TOKEN",
                           "environ:DB_PASSWORD", "hold", "run:execv", "show:APP_API_TOKEN",
                           "show:DB_PASSWORD", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line(value_line("show", "APP_API_TOKEN", v.tok));
    expect_line(value_line("show", "DB_PASSWORD", v.pw));
    expect_line("environ APP_API_TOKEN absent");
    expect_line("environ DB_PASSWORD present");
    const char *vals[] = {v.tok, v.pw};
    expect_sealed_memory(vals, 2);
    expect_exit(0);
    const char *after = strstr(cur.out, "ready 1");
    assert_non_null(after);
    /* The child: the strict one withheld by policy, the relocated one inherited. */
    assert_non_null(strstr(after, value_line("show", "APP_API_TOKEN", NULL)));
    assert_non_null(strstr(after, value_line("show", "DB_PASSWORD", v.pw)));
}

static int count_lines(const char *buf)
{
    int n = 0;
    for (; *buf; buf++)
        n += *buf == '\n';
    return n;
}

/* libenvseal.so cannot do strict mode: it says so in one line and relocates. */
static void test_relocate_library_given_strict_mode_one_line_then_relocates(void **s)
{
    (void)s;
    struct values v;
    struct envb e;
    new_env(&e, RELOCATE_SO, &v);
    envb_set(&e, "ENVSEAL_MODE", "strict");
    const char *steps[] = {"whence", "show:APP_API_TOKEN", "environ:APP_API_TOKEN", "hold", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line("getenv from libc.so.6");
    expect_line(value_line("show", "APP_API_TOKEN", v.tok));
    expect_line("environ APP_API_TOKEN present");
    assert_false(proc_environ_contains(cur.pid, v.tok));
    expect_exit(0);
    if (count_lines(cur.err) != 1 || !strstr(cur.err, "needs libenvseal-strict.so")) {
        print_error("wanted exactly one line naming libenvseal-strict.so\n");
        show_output();
        fail();
    }
}

static void test_relocate_library_given_strict_mode_refuse_exits_111(void **s)
{
    (void)s;
    struct values v;
    struct envb e;
    new_env(&e, RELOCATE_SO, &v);
    envb_set(&e, "ENVSEAL_MODE", "strict");
    envb_set(&e, "ENVSEAL_ON_FAILURE", "refuse");
    const char *steps[] = {"show:APP_MODE", NULL};
    start_probe(&e, steps);
    expect_exit(111);
    assert_int_equal(cur.out_len, 0); /* main never ran */
    assert_int_equal(count_lines(cur.err), 1);
    assert_non_null(strstr(cur.err, "refusing to start: ENVSEAL_MODE=strict needs "
                                    "libenvseal-strict.so"));
}

/* ---- children: every exec and spawn form -------------------------------------- */

/* The probe runs itself through FN; the child prints what it received. */
static void child_case(const char *fn, const char *policy, const struct values *v,
                       bool tok_expected)
{
    struct envb e;
    base_env(&e, STRICT_SO, v);
    if (policy)
        envb_set(&e, "ENVSEAL_CHILD_SECRETS", policy);
    char run[40];
    snprintf(run, sizeof run, "run:%s", fn);
    const char *steps[] = {run, "show:APP_API_TOKEN", "show:DB_PASSWORD", "show:APP_MODE", NULL};
    start_probe(&e, steps);
    expect_exit(0);
    expect_line(value_line("show", "APP_API_TOKEN", tok_expected ? v->tok : NULL));
    expect_line(value_line("show", "DB_PASSWORD", NULL));
    expect_line(value_line("show", "APP_MODE", v->mode));
    if (strncmp(fn, "posix_spawn", 11) == 0 || strcmp(fn, "system") == 0) {
        char st[64];
        snprintf(st, sizeof st, "%s status 0", fn);
        expect_line(st);
    } else if (strcmp(fn, "popen") == 0) {
        expect_line("pclose status 0");
    }
}

/* A program that sets its process title copies environ to the heap and zeroes the
 * initial block, the ENVSEAL_CHILD_SECRETS entry included: its children under the
 * same policy still get the allowed secret, as without envseal. */
static void test_child_policy_after_process_title(void **s)
{
    (void)s;
    struct values v;
    new_values(&v);
    struct envb e;
    base_env(&e, STRICT_SO, &v);
    envb_set(&e, "ENVSEAL_CHILD_SECRETS", "APP_API_*");
    const char *steps[] = {"title", "run:execv", "show:APP_API_TOKEN", NULL};
    start_probe(&e, steps);
    expect_exit(0);
    expect_line(value_line("show", "APP_API_TOKEN", v.tok));
}

/* Default policy (none): no secret crosses; ENVSEAL_CHILD_SECRETS=APP_API_*: that
 * one does, DB_PASSWORD still not. */
#define CHILD_TEST(fn)                                                                   \
    static void test_child_policy_##fn(void **s)                                         \
    {                                                                                    \
        (void)s;                                                                         \
        struct values v;                                                                 \
        new_values(&v);                                                                  \
        child_case(#fn, NULL, &v, false);                                                \
        child_case(#fn, "APP_API_*", &v, true);                                          \
    }

CHILD_TEST(execve)
CHILD_TEST(execv)
CHILD_TEST(execvp)
CHILD_TEST(execvpe)
CHILD_TEST(execl)
CHILD_TEST(execle)
CHILD_TEST(execlp)
CHILD_TEST(fexecve)
CHILD_TEST(execveat)
CHILD_TEST(posix_spawn)
CHILD_TEST(posix_spawnp)
CHILD_TEST(system)
CHILD_TEST(popen)

/* An explicit envp that itself holds a secret: withheld unless the policy allows
 * it, and then the caller's value (not the vault's) is what the child gets. */
static void test_execve_explicit_envp_caller_secret_follows_policy(void **s)
{
    (void)s;
    struct values v;
    new_values(&v);
    char seed[40], d1[64];
    new_seed(seed, sizeof seed, d1, sizeof d1);
    char xenv[80];
    snprintf(xenv, sizeof xenv, "xenv:APP_API_TOKEN:%s:1", seed);
    for (int allowed = 0; allowed < 2; allowed++) {
        struct envb e;
        base_env(&e, STRICT_SO, &v);
        watch(d1);
        if (allowed)
            envb_set(&e, "ENVSEAL_CHILD_SECRETS", "APP_API_TOKEN");
        const char *steps[] = {xenv, "xplain:EXTRA_PLAIN=yes", "run:execve",
                               "show:APP_API_TOKEN", "show:EXTRA_PLAIN", NULL};
        start_probe(&e, steps);
        expect_exit(0);
        expect_line(value_line("show", "APP_API_TOKEN", allowed ? d1 : NULL));
        expect_line(value_line("show", "EXTRA_PLAIN", "yes"));
    }
}

/* A hand-built envp (emptied, then one plain variable, no preload): even an allowed
 * secret is not added to it (docs/strict-mode.md), as without envseal. */
static void test_execve_hand_built_envp_gets_no_secret(void **s)
{
    (void)s;
    struct values v;
    struct envb e;
    new_env(&e, STRICT_SO, &v);
    envb_set(&e, "ENVSEAL_CHILD_SECRETS", "APP_API_TOKEN,NOT_SET_TOKEN");
    const char *steps[] = {"xempty", "xplain:PATH=/usr/bin:/bin", "run:execve", "whence",
                           "environ:APP_API_TOKEN", "show:APP_API_TOKEN", "show:DB_PASSWORD",
                           NULL};
    start_probe(&e, steps);
    expect_exit(0);
    expect_line("getenv from libc.so.6");
    expect_line("environ APP_API_TOKEN absent");
    expect_line(value_line("show", "APP_API_TOKEN", NULL));
    expect_line(value_line("show", "DB_PASSWORD", NULL));
}

/* A failed exec returns its own errno and leaves the process as it was. */
static void test_failed_exec_and_spawn_keep_errno_and_secrets(void **s)
{
    (void)s;
    struct values v;
    struct envb e;
    new_env(&e, STRICT_SO, &v);
    envb_set(&e, "ENVSEAL_CHILD_SECRETS", "all");
    const char *steps[] = {"fail:execve", "fail:posix_spawn", "show:APP_API_TOKEN",
                           "environ:APP_API_TOKEN", "hold", NULL};
    start_probe(&e, steps);
    wait_ready("ready 1");
    expect_line("fail execve errno=2");
    expect_line("fail posix_spawn errno=2");
    expect_line(value_line("show", "APP_API_TOKEN", v.tok));
    expect_line("environ APP_API_TOKEN absent");
    const char *vals[] = {v.tok, v.pw};
    expect_sealed_memory(vals, 2);
    expect_exit(0);
}

/* ---- real programs ------------------------------------------------------------- */

static char value_dir[PATH_MAX];

/* HOLD_DIR with one file per value, for scripts to compare against. */
static void write_value_file(const char *name, const char *value)
{
    if (!value_dir[0]) {
        snprintf(value_dir, sizeof value_dir, "%s/values", harness_tmpdir());
        mkdir(value_dir, 0700);
    }
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", value_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, value, strlen(value)), (ssize_t)strlen(value));
    close(fd);
}

static void require(const char *cmd)
{
    if (!harness_have(cmd)) {
        print_message("skipping: %s is not installed\n", cmd);
        skip();
    }
}

static const char python_script[] =
    "import ctypes, os, sys\n"
    "want = open(os.path.join(os.environ['HOLD_DIR'], 'APP_API_TOKEN')).read()\n"
    "seen = 'APP_API_TOKEN' in os.environ or os.getenv('APP_API_TOKEN') is not None\n"
    "print('environ-sees' if seen else 'environ-hidden')\n"
    "g = ctypes.CDLL(None).getenv\n"
    "g.restype = ctypes.c_char_p\n"
    "print('libc-getenv-ok' if g(b'APP_API_TOKEN') == want.encode() else 'libc-getenv-bad')\n"
    "print('ready', flush=True)\n"
    "sys.stdin.read()\n";

/* python3 builds os.environ from environ: in strict mode it does not see the secret
 * (libc's getenv, through ctypes, still does). With libenvseal.so it does. */
static void python_case(const char *lib, bool strict)
{
    require("/usr/bin/python3");
    struct values v;
    new_values(&v);
    write_value_file("APP_API_TOKEN", v.tok);
    struct envb e;
    base_env(&e, lib, &v);
    envb_set(&e, "HOLD_DIR", value_dir);
    char *argv[] = {"/usr/bin/python3", "-c", (char *)python_script, NULL};
    start(argv, &e);
    wait_ready("ready");
    expect_line(strict ? "environ-hidden" : "environ-sees");
    expect_line("libc-getenv-ok");
    const char *vals[] = {v.tok, v.pw};
    expect_proc_environ_clean(vals, 2);
    expect_exit(0);
}

HARNESS_CASE(test_python3_strict_does_not_see_secret, python_case(STRICT_SO, true))
HARNESS_CASE(test_python3_relocate_sees_secret, python_case(RELOCATE_SO, false))

static void test_perl_strict_does_not_see_secret(void **s)
{
    (void)s;
    require("perl");
    for (int strict = 1; strict >= 0; strict--) {
        struct values v;
        struct envb e;
        new_env(&e, strict ? STRICT_SO : RELOCATE_SO, &v);
        char *argv[] = {"perl", "-e",
                        "print exists $ENV{APP_API_TOKEN} ? \"environ-sees\\n\" : "
                        "\"environ-hidden\\n\"; print exists $ENV{APP_MODE} ? \"plain-ok\\n\" "
                        ": \"plain-missing\\n\";",
                        NULL};
        start(argv, &e);
        expect_exit(0);
        expect_line(strict ? "environ-hidden" : "environ-sees");
        expect_line("plain-ok");
    }
}

/* A shell in strict mode: the variable is not set, and a child `env` (run without
 * the preload, so it prints exactly what it received) shows no secret under the
 * default policy; with a policy naming them it shows them (the control; a child
 * without envseal gets only secrets the policy names one by one). */
static void shell_case(const char *sh)
{
    require(sh);
    for (int allow = 0; allow < 2; allow++) {
        struct values v;
        struct envb e;
        new_env(&e, STRICT_SO, &v);
        if (allow)
            envb_set(&e, "ENVSEAL_CHILD_SECRETS", "APP_API_TOKEN,DB_PASSWORD");
        char *argv[] = {(char *)sh, "-c",
                        "if [ -z \"${APP_API_TOKEN+x}\" ]; then echo shell-hidden; "
                        "else echo shell-sees; fi; env -u LD_PRELOAD env; echo done",
                        NULL};
        start(argv, &e);
        expect_exit(0);
        expect_line("shell-hidden");
        expect_line("done");
        bool tok = mem_contains(cur.out, cur.out_len, v.tok, strlen(v.tok));
        bool pw = mem_contains(cur.out, cur.out_len, v.pw, strlen(v.pw));
        if (tok != (bool)allow || pw != (bool)allow) {
            print_error("%s: child env %s the secrets (policy %s)\n", sh,
                        tok || pw ? "shows" : "lacks", allow ? "named" : "default");
            fail();
        }
        assert_true(mem_contains(cur.out, cur.out_len, v.mode, strlen(v.mode)));
    }
}

HARNESS_CASE(test_bash_strict_hides_secret_child_env_prints_none, shell_case("bash"))
HARNESS_CASE(test_dash_strict_hides_secret_child_env_prints_none, shell_case("dash"))

static const char node_script[] =
    "const fs = require('fs');\n"
    "const path = require('path');\n"
    "const cp = require('child_process');\n"
    "const want = fs.readFileSync(path.join(process.env.HOLD_DIR, 'APP_API_TOKEN'), 'utf8');\n"
    "console.log(process.env.APP_API_TOKEN === want ? 'values-ok' : 'values-bad');\n"
    "console.log(Object.keys(process.env).includes('APP_API_TOKEN') ? 'enumerated' : "
    "'not-enumerated');\n"
    "const r = cp.spawnSync('env', ['-u', 'LD_PRELOAD', 'env']);\n"
    "console.log(r.stdout.toString().includes(want) ? 'child-has-secret' : 'child-no-secret');\n"
    "console.log('ready');\n"
    "process.stdin.resume();\n"
    "process.stdin.on('end', () => process.exit(0));\n";

/* node reads process.env through getenv: the secret works, yet is not enumerated,
 * and children get it only by policy. */
static void test_node_strict_reads_secret_children_by_policy(void **s)
{
    (void)s;
    require("node");
    for (int allow = 0; allow < 2; allow++) {
        struct values v;
        new_values(&v);
        write_value_file("APP_API_TOKEN", v.tok);
        struct envb e;
        base_env(&e, STRICT_SO, &v);
        envb_set(&e, "HOLD_DIR", value_dir);
        if (allow)
            envb_set(&e, "ENVSEAL_CHILD_SECRETS", "APP_API_TOKEN");
        char *argv[] = {"node", "-e", (char *)node_script, NULL};
        start(argv, &e);
        wait_ready("ready");
        expect_line("values-ok");
        expect_line("not-enumerated");
        expect_line(allow ? "child-has-secret" : "child-no-secret");
        const char *vals[] = {v.tok, v.pw};
        expect_proc_environ_clean(vals, 2);
        expect_exit(0);
    }
}

/* ---- curl: proxy credentials through a local proxy ---------------------------- */

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void base64(const char *in, char *out)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)(unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = '\0';
}

/* Accepts one request (waiting at most WAIT_MS), answers it; true when it carried
 * exactly the expected Proxy-Authorization. */
static bool serve_proxy_once(int lfd, const char *want_header)
{
    struct pollfd p = {lfd, POLLIN, 0};
    if (poll(&p, 1, WAIT_MS) != 1)
        return false;
    int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return false;
    char req[8192];
    size_t len = 0;
    while (len < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
        struct pollfd q = {c, POLLIN, 0};
        if (poll(&q, 1, WAIT_MS) != 1)
            break;
        ssize_t n = read(c, req + len, sizeof req - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        req[len] = '\0';
    }
    bool ok = strstr(req, want_header) != NULL;
    const char *reply = ok ? "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\n"
                             "proxy-ok\n"
                           : "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: "
                             "0\r\nConnection: close\r\n\r\n";
    if (write(c, reply, strlen(reply)) < 0)
        ok = false;
    explicit_bzero(req, sizeof req);
    close(c);
    return ok;
}

/* curl reads http_proxy (made a secret here) through getenv. */
static void curl_case(const char *lib)
{
    require("curl");
    struct values v;
    new_values(&v);
    int port, lfd = listen_local(&port);
    char proxy[200], cred[120], b64[200], header[260];
    snprintf(proxy, sizeof proxy, "http://envseal:%s@127.0.0.1:%d", v.tok, port);
    snprintf(cred, sizeof cred, "envseal:%s", v.tok);
    base64(cred, b64);
    snprintf(header, sizeof header, "Proxy-Authorization: Basic %s\r\n", b64);
    struct envb e;
    base_env(&e, lib, &v);
    envb_set(&e, "ENVSEAL_SECRETS", "http_proxy");
    envb_set(&e, "http_proxy", proxy);
    char *argv[] = {"curl", "-sS", "--max-time", "20", "http://envseal.invalid/check", NULL};
    start(argv, &e);
    bool ok = serve_proxy_once(lfd, header);
    close(lfd);
    explicit_bzero(header, sizeof header);
    explicit_bzero(cred, sizeof cred);
    explicit_bzero(b64, sizeof b64);
    explicit_bzero(proxy, sizeof proxy);
    expect_exit(0);
    assert_true(ok);
    expect_line("proxy-ok");
}

HARNESS_CASE(test_curl_strict_proxy_credentials_from_vault, curl_case(STRICT_SO))
HARNESS_CASE(test_curl_relocate_proxy_credentials_from_vault, curl_case(RELOCATE_SO))

/* ---- git: a config value from GIT_CONFIG_VALUE_0 (made a secret) --------------- */

/* Only the config from the environment: envseal.token (the secret) and an alias
 * `childenv` that prints a child's environment. */
static void git_env(struct envb *e, const char *lib, const struct values *v)
{
    base_env(e, lib, v);
    envb_set(e, "ENVSEAL_SECRETS", "GIT_CONFIG_VALUE_*");
    envb_set(e, "GIT_CONFIG_NOSYSTEM", "1");
    envb_set(e, "HOME", harness_tmpdir());
    envb_set(e, "GIT_CONFIG_COUNT", "2");
    envb_set(e, "GIT_CONFIG_KEY_0", "envseal.token");
    envb_set(e, "GIT_CONFIG_VALUE_0", v->tok);
    envb_set(e, "GIT_CONFIG_KEY_1", "alias.childenv");
    envb_set(e, "GIT_CONFIG_VALUE_1", "!env -u LD_PRELOAD env");
}

static void git_case(const char *lib, bool strict)
{
    require("git");
    struct values v;
    new_values(&v);
    struct envb e;
    git_env(&e, lib, &v);
    char *argv[] = {"git", "config", "--get", "envseal.token", NULL};
    start(argv, &e);
    expect_exit(0);
    char want[100];
    snprintf(want, sizeof want, "%s\n", v.tok);
    assert_true(cur.out_len == strlen(want) && memcmp(cur.out, want, cur.out_len) == 0);

    /* An alias child: the secret reaches it in relocate mode, not in strict mode. */
    git_env(&e, lib, &v);
    char *argv2[] = {"git", "childenv", NULL};
    start(argv2, &e);
    expect_exit(0);
    assert_true(mem_contains(cur.out, cur.out_len, "GIT_CONFIG_KEY_0=envseal.token", 30));
    assert_int_equal(mem_contains(cur.out, cur.out_len, v.tok, strlen(v.tok)), !strict);
}

HARNESS_CASE(test_git_strict_reads_config_secret_children_withheld, git_case(STRICT_SO, true))
HARNESS_CASE(test_git_relocate_reads_config_secret, git_case(RELOCATE_SO, false))

/* ---- psql against a real server ------------------------------------------------- */

static void pg_env(struct envb *e, const char *policy)
{
    base_env(e, STRICT_SO, NULL);
    envb_set(e, "PGPASSWORD", pg_shared.password);
    watch(pg_shared.password);
    pg_fixture_client_env(e, harness_tmpdir());
    char port[16];
    snprintf(port, sizeof port, "%d", pg_shared.server.port);
    envb_set(e, "PGPORT", port);
    envb_set(e, "PGHOST", "127.0.0.1");
    envb_set(e, "PGUSER", PG_ROLE);
    envb_set(e, "PGDATABASE", "postgres");
    if (policy)
        envb_set(e, "ENVSEAL_CHILD_SECRETS", policy);
}

/* psql itself in strict mode: libpq reads PGPASSWORD through getenv. The binary,
 * not Debian's /usr/bin/psql: that is a Perl wrapper (pg_wrapper) which re-executes
 * the binary from Perl's %ENV, so it needs a child policy (see the bash cases). */
static void test_psql_strict_connects_password_not_in_environ(void **s)
{
    (void)s;
    pg_fixture_require();
    struct envb e;
    pg_env(&e, NULL);
    char *argv[] = {PG_BINDIR "/psql", "-X", "-w", "-q", "-A", "-t", NULL};
    start(argv, &e);
    const char *q = "select 'rea' || 'dy';\n";
    assert_int_equal(write(cur.in_fd, q, strlen(q)), (ssize_t)strlen(q));
    wait_ready("ready");
    const char *vals[] = {pg_shared.password};
    expect_proc_environ_clean(vals, 1);
    expect_exit(0);
    assert_true(
        file_contains(pg_shared.server.log, "identity=\"" PG_ROLE "\" method=scram-sha-256"));
}

/* bash -c 'psql ...': bash never sees PGPASSWORD; the policy hands it to psql. */
static void bash_psql(const char *policy)
{
    pg_fixture_require();
    struct envb e;
    pg_env(&e, policy);
    char *argv[] = {"bash", "-c",
                    "echo \"bash sees [${PGPASSWORD-}]\" | sed 's/\\[.\\+\\]/[set]/'; "
                    "psql -X -w -A -t -c \"select 'conn' || 'ected'\"; echo \"psql=$?\"",
                    NULL};
    start(argv, &e);
    expect_exit(0);
    expect_line("bash sees []");
}

static void test_bash_psql_policy_passes_pgpassword_to_psql(void **s)
{
    (void)s;
    bash_psql("PGPASSWORD");
    expect_line("connected");
    expect_line("psql=0");
}

static void test_bash_psql_default_policy_withholds_pgpassword(void **s)
{
    (void)s;
    bash_psql(NULL);
    expect_no_line("connected");
    expect_line("psql=2");
    assert_non_null(strstr(cur.err, "no password supplied"));
}

int main(void)
{
    const struct CMUnitTest c_program[] = {
        cmocka_unit_test_teardown(test_c_getenv_secure_getenv_old_secure_getenv_from_vault,
                                  kill_cur),
        cmocka_unit_test_teardown(test_control_without_shim_secrets_in_environ_and_proc,
                                  kill_cur),
        cmocka_unit_test_teardown(test_setenv_family_consistent_and_old_values_wiped, kill_cur),
        cmocka_unit_test_teardown(test_duplicate_secret_unset_removes_both, kill_cur),
        cmocka_unit_test_teardown(test_control_duplicate_secret_unset_removes_both, kill_cur),
        cmocka_unit_test_teardown(test_environ_assigned_empty_hides_strict_secret, kill_cur),
        cmocka_unit_test_teardown(test_environ_null_then_setenv_strict_secret, kill_cur),
        cmocka_unit_test_teardown(test_temporary_environ_emptied_keeps_strict_secrets, kill_cur),
        cmocka_unit_test_teardown(test_control_temporary_environ_emptied_without_shim, kill_cur),
        cmocka_unit_test_teardown(test_environ_null_then_setenv_keep_sets_it, kill_cur),
        cmocka_unit_test_teardown(test_control_environ_null_then_setenv_keep_without_shim,
                                  kill_cur),
        cmocka_unit_test_teardown(test_environ_null_other_then_setenv_keep_sets_it, kill_cur),
        cmocka_unit_test_teardown(test_control_environ_null_other_then_setenv_keep_without_shim,
                                  kill_cur),
        cmocka_unit_test_teardown(test_environ_put_back_then_setenv_keep_keeps_it, kill_cur),
        cmocka_unit_test_teardown(test_control_environ_put_back_then_setenv_keep_without_shim,
                                  kill_cur),
        cmocka_unit_test_teardown(test_environ_put_back_twice_then_setenv_keep_keeps_it,
                                  kill_cur),
        cmocka_unit_test_teardown(test_control_environ_put_back_twice_without_shim, kill_cur),
        cmocka_unit_test_teardown(test_environ_put_back_set_then_setenv_keep_keeps_it,
                                  kill_cur),
        cmocka_unit_test_teardown(test_control_environ_put_back_set_without_shim, kill_cur),
        cmocka_unit_test_teardown(test_environ_null_strict_secrets_reach_no_child, kill_cur),
        cmocka_unit_test_teardown(test_raw_fork_child_unset_keeps_parent_secret, kill_cur),
        cmocka_unit_test_teardown(test_control_raw_fork_child_unset_without_shim, kill_cur),
        cmocka_unit_test_teardown(test_control_environ_null_child_without_shim, kill_cur),
        cmocka_unit_test_teardown(test_control_environ_null_then_setenv_without_shim, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_after_process_title, kill_cur),
        cmocka_unit_test_teardown(test_control_environ_assigned_empty_without_shim, kill_cur),
        cmocka_unit_test_teardown(test_control_glibc_keeps_replaced_value, kill_cur),
        cmocka_unit_test_teardown(test_fork_child_and_parent_keep_strict_secret, kill_cur),
        cmocka_unit_test_teardown(test_relocate_mode_in_strict_library_matches_libenvseal,
                                  kill_cur),
        cmocka_unit_test_teardown(test_strict_secrets_setting_selects_names, kill_cur),
        cmocka_unit_test_teardown(test_relocate_library_given_strict_mode_one_line_then_relocates,
                                  kill_cur),
        cmocka_unit_test_teardown(test_relocate_library_given_strict_mode_refuse_exits_111,
                                  kill_cur),
    };
    const struct CMUnitTest children[] = {
        cmocka_unit_test_teardown(test_child_policy_execve, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_execv, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_execvp, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_execvpe, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_execl, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_execle, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_execlp, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_fexecve, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_execveat, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_posix_spawn, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_posix_spawnp, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_system, kill_cur),
        cmocka_unit_test_teardown(test_child_policy_popen, kill_cur),
        cmocka_unit_test_teardown(test_execve_explicit_envp_caller_secret_follows_policy,
                                  kill_cur),
        cmocka_unit_test_teardown(test_execve_hand_built_envp_gets_no_secret, kill_cur),
        cmocka_unit_test_teardown(test_failed_exec_and_spawn_keep_errno_and_secrets, kill_cur),
    };
    const struct CMUnitTest programs[] = {
        cmocka_unit_test_teardown(test_python3_strict_does_not_see_secret, kill_cur),
        cmocka_unit_test_teardown(test_python3_relocate_sees_secret, kill_cur),
        cmocka_unit_test_teardown(test_perl_strict_does_not_see_secret, kill_cur),
        cmocka_unit_test_teardown(test_bash_strict_hides_secret_child_env_prints_none, kill_cur),
        cmocka_unit_test_teardown(test_dash_strict_hides_secret_child_env_prints_none, kill_cur),
        cmocka_unit_test_teardown(test_node_strict_reads_secret_children_by_policy, kill_cur),
        cmocka_unit_test_teardown(test_curl_strict_proxy_credentials_from_vault, kill_cur),
        cmocka_unit_test_teardown(test_curl_relocate_proxy_credentials_from_vault, kill_cur),
        cmocka_unit_test_teardown(test_git_strict_reads_config_secret_children_withheld,
                                  kill_cur),
        cmocka_unit_test_teardown(test_git_relocate_reads_config_secret, kill_cur),
    };
    const struct CMUnitTest psql[] = {
        cmocka_unit_test_teardown(test_psql_strict_connects_password_not_in_environ, kill_cur),
        cmocka_unit_test_teardown(test_bash_psql_policy_passes_pgpassword_to_psql, kill_cur),
        cmocka_unit_test_teardown(test_bash_psql_default_policy_withholds_pgpassword, kill_cur),
    };
    cur.pid = 0;
    cur.in_fd = cur.out_fd = cur.err_fd = -1;
    pg_fixture_init(PG_ROLE, &cur);
    int failed = cmocka_run_group_tests_name("strict_c_program", c_program, NULL, NULL);
    failed += cmocka_run_group_tests_name("strict_children", children, NULL, NULL);
    failed += cmocka_run_group_tests_name("strict_programs", programs, NULL, NULL);
    failed += cmocka_run_group_tests_name("strict_psql", psql, pg_fixture_setup,
                                          pg_fixture_teardown);
    pg_fixture_done();
    harness_cleanup();
    return failed ? 1 : 0;
}
