/* The vault is wiped before a process dies of a terminating signal, also of the
 * ones that write no core (SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGALRM, SIGPIPE, a
 * real-time signal), and of a core-dumping one with core dumps disabled; and when
 * it ends with exit or quick_exit (glibc and musl), after the program's handlers.
 *
 * How it is observed: the test traces envprobe with PTRACE_O_TRACEEXIT, so the
 * kernel stops the dying process in do_exit, before its memory is released, and
 * scans every readable mapping through /proc/PID/mem there. The vault is forced to
 * the anonymous fallback (ENVSEAL_VAULT=anon): memfd_secret pages cannot be read
 * through /proc/PID/mem at all. The controls are SIGKILL, which no handler can see,
 * and _exit, which runs no exit handler: at the same exit stop the secret is still
 * in the vault, so the scan can fail. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/integration/harness.h"

#define TIMEOUT_MS 20000

struct death {
    int hits_at_exit;   /* mappings holding the secret at the exit stop, -1 if none seen */
    int vault_readable; /* the vault mapping was found and read at the exit stop */
    int status;         /* final wait status */
    bool quick_saw_it;  /* the program's at_quick_exit handler read the value */
    int in_vault;       /* of hits_at_exit, the ones in the vault's mapping */
    long core_pieces;   /* 12-byte pieces of the secret in the core; -1: no core read */
};

/* How the probe ends once it holds: a signal sent to it, or a step of its own. */
struct ending {
    int sig;          /* sent to it; 0: none */
    const char *step; /* envprobe step it runs when told to go on (exit:7, ...) */
    bool musl;        /* envprobe-musl under libenvseal-musl.so */
    bool no_handler;  /* the probe registers no at_quick_exit handler of its own */
    bool ctor_quick;  /* a library initialized before envseal registers one first */
    bool unset_first; /* the probe unsets DB_PASSWORD first (a copy kept for the sweep) */
    bool vfork_first; /* no secret at start: a vfork child sets DB_PASSWORD (the
                         process's first secret), then the probe sets API_TOKEN */
    bool copy;        /* the probe keeps a heap copy of DB_PASSWORD (the program's own) */
    bool core;        /* a core can be written (RLIMIT_CORE unlimited, in a scratch
                         directory), so a core-dumping signal runs the sweep */
    bool no_proc;     /* the probe runs in a mount namespace where /proc is unmounted */
    bool no_fds;      /* the probe takes every free file descriptor before it holds */
};

/* Set up in the probe before its exec: a core can be written, in `dir`; /proc
 * unmounted in a mount namespace of its own. 125: the namespace cannot be had. */
struct setup {
    const struct ending *how;
    const char *dir;
};

static void in_probe(const void *arg)
{
    const struct setup *su = arg;
    if (su->how->core) {
        struct rlimit core;
        getrlimit(RLIMIT_CORE, &core);
        core.rlim_cur = core.rlim_max;
        if (setrlimit(RLIMIT_CORE, &core) != 0 || chdir(su->dir) != 0)
            _exit(126);
    }
    if (su->how->no_proc &&
        (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
         umount2("/proc", MNT_DETACH) != 0 || access("/proc/self", F_OK) == 0))
        _exit(125);
}

static bool vault_is_readable(pid_t pid, const struct vault_info *vi)
{
    char path[64], byte;
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool ok = fseeko(f, (off_t)vi->start, SEEK_SET) == 0 && fread(&byte, 1, 1, f) == 1;
    fclose(f);
    return ok;
}

/* Whether the line "quick DB_PASSWORD len:fnv" follows the probe's first line,
 * "DB_PASSWORD len:fnv": its at_quick_exit handler read the value intact. */
static bool quick_handler_saw_value(struct proc *p)
{
    char first[128], want[160];
    size_t n = strcspn(p->out, "\n");
    snprintf(first, sizeof first, "%.*s", (int)n, p->out);
    snprintf(want, sizeof want, "quick %s", first);
    return strncmp(first, "DB_PASSWORD ", 12) == 0 && proc_wait_line(p, want, TIMEOUT_MS);
}

struct at_exit_scan {
    const struct ending *how;
    const char *secret;
    const struct vault_info *vi;
    struct death *d;
};

/* At the exit stop: is the vault still readable, which mappings hold the secret. */
static void scan_at_exit(pid_t pid, void *arg)
{
    struct at_exit_scan *a = arg;
    struct scan_result r;
    a->d->vault_readable = vault_is_readable(pid, a->vi);
    a->d->hits_at_exit = proc_scan_mem(pid, a->secret, &r);
    for (int i = 0; i < r.hits && i < SCAN_MAX_HITS; i++) {
        a->d->in_vault += r.starts[i] >= a->vi->start && r.starts[i] < a->vi->end;
        printf("# %s: secret in mapping %#lx %s (vault %#lx)\n",
               a->how->step ? a->how->step : strsignal(a->how->sig), r.starts[i], r.names[i],
               a->vi->start);
    }
}

/* Starts envprobe under the shim holding SECRET in DB_PASSWORD, ends it as told,
 * and follows it to its death with ptrace, scanning its memory at the exit stop. */
static void end_by(const struct ending *how, struct death *d)
{
    char secret[96], seed[48];
    harness_random_secret(secret, sizeof secret, "dw");
    char set_first[128], set_second[128];
    if (how->vfork_first) { /* the secret is DB_PASSWORD's value: derive(seed, 1) */
        harness_random_secret(seed, sizeof seed, "vf");
        harness_derive(seed, "1", secret, sizeof secret);
        snprintf(set_first, sizeof set_first, "vforkset:DB_PASSWORD:%s:1", seed);
        snprintf(set_second, sizeof set_second, "set:API_TOKEN:%s:2", seed);
    }
    struct envb env;
    envb_init(&env, !how->musl);
    if (how->musl)
        envb_set(&env, "LD_PRELOAD", harness_runfile("preload/libenvseal-musl.so"));
    if (how->ctor_quick) { /* preloaded after the shim: initialized before it */
        char both[8192];
        snprintf(both, sizeof both, "%s %s", harness_shim_path(),
                 harness_runfile("tests/programs/libctorprobe.so"));
        envb_set(&env, "LD_PRELOAD", both);
        envb_set(&env, "CTORPROBE_QUICK", "1");
    }
    if (!how->vfork_first)
        envb_set(&env, "DB_PASSWORD", secret);
    envb_set(&env, "ENVSEAL_VAULT", "anon");
    const char *probe = how->musl ? "tests/programs/envprobe-musl" : "tests/programs/envprobe";
    char *argv[10] = {(char *)harness_runfile(probe), "show:DB_PASSWORD",
                      how->no_handler ? "show:DB_PASSWORD" : "quick:DB_PASSWORD",
                      how->unset_first ? "unset:DB_PASSWORD" : "show:DB_PASSWORD"};
    int argc = 4;
    if (how->vfork_first) {
        argv[1] = set_first;
        argv[2] = set_second;
    }
    if (how->copy)
        argv[argc++] = "copy:DB_PASSWORD";
    if (how->no_fds)
        argv[argc++] = "nofds";
    argv[argc++] = "hold";
    argv[argc++] = (char *)how->step;
    argv[argc] = NULL;
    struct setup su = {how, harness_tmpdir()};
    struct proc p;
    assert_int_equal(proc_spawn_with(&p, argv, &env, in_probe, &su), 0);
    envb_free(&env);
    if (!proc_wait_line(&p, "ready 1", TIMEOUT_MS)) {
        int st = proc_finish(&p, TIMEOUT_MS);
        if (how->no_proc && WIFEXITED(st) && WEXITSTATUS(st) == 125)
            skip(); /* no mount namespace to be had here */
        fail_msg("the probe did not hold (status %#x)", (unsigned)st);
    }
    if (how->copy)
        assert_true(text_has_line(p.out, "copied DB_PASSWORD yes"));
    struct vault_info vi;
    proc_vault_info(p.pid, &vi);
    assert_true(vi.found && vi.anonymous); /* the anonymous vault, readable by the tracer */

    assert_int_equal(proc_trace_exit(p.pid), 0);
    if (how->sig)
        assert_int_equal(kill(p.pid, how->sig), 0);
    else
        assert_int_equal(write(p.in_fd, "\n", 1), 1); /* ends the hold */
    d->hits_at_exit = -1;
    d->vault_readable = 0;
    d->in_vault = 0;
    d->core_pieces = -1;
    struct at_exit_scan scan = {how, secret, &vi, d};
    d->status = proc_follow_to_exit(p.pid, scan_at_exit, &scan);
    assert_int_not_equal(d->status, -1);
    p.pid = 0; /* reaped above: only the pipes are left to close */
    if (how->core) {
        char why[256];
        harness_core_skip_reason(why, sizeof why);
        long pieces = harness_core_pieces(harness_tmpdir(), secret, 12);
        if (!why[0])
            d->core_pieces = pieces;
        printf("# core: %ld pieces of 12 bytes%s%s\n", pieces, why[0] ? ", not counted: " : "",
               why);
    }
    d->quick_saw_it = quick_handler_saw_value(&p);
    proc_kill(&p);
}

static void die_by(int sig, struct death *d)
{
    end_by(&(struct ending){.sig = sig}, d);
}

static void assert_wiped_and_same_death(int sig)
{
    struct death d;
    die_by(sig, &d);
    assert_true(WIFSIGNALED(d.status));
    assert_int_equal(WTERMSIG(d.status), sig);
    assert_true(d.vault_readable);        /* the scan really covered the vault */
    assert_int_equal(d.hits_at_exit, 0);  /* and found the secret nowhere */
}

static void test_control_sigkill_leaves_the_secret(void **state)
{
    (void)state;
    struct death d;
    die_by(SIGKILL, &d);
    assert_true(WIFSIGNALED(d.status) && WTERMSIG(d.status) == SIGKILL);
    assert_true(d.vault_readable);
    assert_true(d.hits_at_exit >= 1); /* the method sees a secret that is there */
}

/* Ends with status 7 by the step; the vault was read at the exit stop and held no
 * copy of the secret there. */
static void assert_ending_wipes(const struct ending *how, struct death *d)
{
    end_by(how, d);
    assert_true(WIFEXITED(d->status));
    assert_int_equal(WEXITSTATUS(d->status), 7);
    assert_true(d->vault_readable);
    assert_int_equal(d->hits_at_exit, 0);
}

static void assert_exit_wipes(const char *step, bool musl, struct death *d)
{
    assert_ending_wipes(&(struct ending){.step = step, .musl = musl}, d);
}

static void test_exit_wipes(void **state)
{
    (void)state;
    struct death d;
    assert_exit_wipes("exit:7", false, &d);
}

/* A secret the program unset: the vault keeps a copy for the crash sweep, and the
 * exit wipe takes it too. */
static void test_exit_wipes_unset_secret_copy(void **state)
{
    (void)state;
    struct death d;
    assert_ending_wipes(&(struct ending){.step = "exit:7", .unset_first = true}, &d);
}

/* Its control: at _exit, which runs no handler, the copy is still there. */
static void test_control_underscore_exit_leaves_unset_copy(void **state)
{
    (void)state;
    struct death d;
    end_by(&(struct ending){.step = "_exit:7", .unset_first = true}, &d);
    assert_true(WIFEXITED(d.status) && WEXITSTATUS(d.status) == 7);
    assert_true(d.vault_readable);
    assert_true(d.hits_at_exit >= 1);
}

/* quick_exit runs no atexit handler: the wipe is an at_quick_exit handler too, run
 * after the program's own (which still reads the value). */
static void test_quick_exit_wipes(void **state)
{
    (void)state;
    struct death d;
    assert_exit_wipes("quick_exit:7", false, &d);
    assert_true(d.quick_saw_it);
}

/* A program that registers no at_quick_exit handler: quick_exit still wipes. */
static void test_quick_exit_without_handlers_wipes(void **state)
{
    (void)state;
    struct death d;
    assert_ending_wipes(&(struct ending){.step = "quick_exit:7", .no_handler = true}, &d);
}

/* A library whose constructor, run before envseal's, registers an at_quick_exit
 * handler first: the wipe still runs, after the program's handler. */
static void test_quick_exit_wipes_after_early_library_handler(void **state)
{
    (void)state;
    struct death d;
    assert_ending_wipes(&(struct ending){.step = "quick_exit:7", .ctor_quick = true}, &d);
    assert_true(d.quick_saw_it);
}

static void test_quick_exit_wipes_musl(void **state)
{
    (void)state;
    struct death d;
    assert_exit_wipes("quick_exit:7", true, &d);
    assert_true(d.quick_saw_it);
}

/* _exit runs no handler at all (a documented limit): the same scan finds the
 * secret at the exit stop. */
static void test_control_underscore_exit_leaves_the_secret(void **state)
{
    (void)state;
    struct death d;
    end_by(&(struct ending){.step = "_exit:7"}, &d);
    assert_true(WIFEXITED(d.status) && WEXITSTATUS(d.status) == 7);
    assert_true(d.vault_readable);
    assert_true(d.hits_at_exit >= 1);
}

HARNESS_CASE(test_sigterm_wipes, assert_wiped_and_same_death(SIGTERM))
HARNESS_CASE(test_sigint_wipes, assert_wiped_and_same_death(SIGINT))
HARNESS_CASE(test_sighup_wipes, assert_wiped_and_same_death(SIGHUP))
HARNESS_CASE(test_sigusr1_wipes, assert_wiped_and_same_death(SIGUSR1))
HARNESS_CASE(test_sigalrm_wipes, assert_wiped_and_same_death(SIGALRM))
HARNESS_CASE(test_sigpipe_wipes, assert_wiped_and_same_death(SIGPIPE))
HARNESS_CASE(test_realtime_signal_wipes, assert_wiped_and_same_death(SIGRTMIN + 5))

/* RLIMIT_CORE is 0 for the spawned program (set in main): the default
 * action is still "core", no file is written, and the vault is wiped all the same. */
HARNESS_CASE(test_sigquit_without_core_wipes, assert_wiped_and_same_death(SIGQUIT))

/* Every other signal whose default action ends the process, each against the same
 * scan (the SIGKILL control above shows it finds a secret that is there): the
 * terminating ones, every real-time signal, and the core-dumping ones with no core
 * to write (RLIMIT_CORE 0; signals_test sweeps their cores). A signal left out of
 * envseal's hooks would leave the vault unwiped here. */
static void test_every_fatal_signal_wipes(void **state)
{
    (void)state;
    static const int listed[] = {SIGUSR2, SIGSTKFLT, SIGVTALRM, SIGPROF, SIGIO,  SIGPWR,
                                 SIGILL,  SIGTRAP,   SIGBUS,    SIGFPE,  SIGSYS, SIGXCPU,
                                 SIGXFSZ, SIGSEGV,   SIGABRT};
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++)
        assert_wiped_and_same_death(listed[i]);
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
        if (sig != SIGRTMIN + 5) /* test_realtime_signal_wipes */
            assert_wiped_and_same_death(sig);
}

/* A vfork child stores the process's first secret (before its exec); the parent
 * then stores another and ends by SIGTERM, or by exit: the child's secret is wiped
 * all the same (it ran in the parent's memory, so its store is the parent's). */
static void test_vfork_child_first_secret_wiped_at_sigterm(void **state)
{
    (void)state;
    struct death d;
    end_by(&(struct ending){.sig = SIGTERM, .vfork_first = true}, &d);
    assert_true(WIFSIGNALED(d.status) && WTERMSIG(d.status) == SIGTERM);
    assert_true(d.vault_readable);
    assert_int_equal(d.hits_at_exit, 0);
}

static void test_vfork_child_first_secret_wiped_at_exit(void **state)
{
    (void)state;
    struct death d;
    assert_ending_wipes(&(struct ending){.step = "exit:7", .vfork_first = true}, &d);
}

/* Their control: at SIGKILL the secret the vfork child set is found in the vault. */
static void test_control_vfork_child_first_secret_sigkill(void **state)
{
    (void)state;
    struct death d;
    end_by(&(struct ending){.sig = SIGKILL, .vfork_first = true}, &d);
    assert_true(WIFSIGNALED(d.status) && WTERMSIG(d.status) == SIGKILL);
    assert_true(d.vault_readable);
    assert_true(d.hits_at_exit >= 1);
}

/* The same with the memfd_secret vault, whose pages /proc/PID/mem cannot read:
 * the probe looks at the value's bytes itself at the very end of exit, after
 * every handler (envprobe's exitcheck). A vfork child stores the process's first
 * secret (and a second: the child's second store must not take the region for a
 * fork child's); the parent's exit wipes them. The control, without envseal,
 * finds every byte still there. */
static const char *vfork_first_exitcheck(bool envseal, const char *vault, char *line, size_t n)
{
    char seed[48], set[128];
    harness_random_secret(seed, sizeof seed, "vs");
    snprintf(set, sizeof set, "vforkset2:DB_PASSWORD:%s:1", seed);
    struct envb env;
    envb_init(&env, envseal);
    if (vault)
        envb_set(&env, "ENVSEAL_VAULT", vault);
    char *argv[] = {(char *)harness_runfile("tests/programs/envprobe"), set,
                    "exitcheck:DB_PASSWORD", "exit:7", NULL};
    struct proc p;
    assert_int_equal(proc_spawn(&p, argv, &env), 0);
    envb_free(&env);
    int st = proc_finish(&p, TIMEOUT_MS);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    const char *at = strstr(p.out, "exitcheck DB_PASSWORD ");
    assert_non_null(at);
    snprintf(line, n, "%.*s", (int)strcspn(at, "\n"), at);
    print_message("%s %s: %s\n", envseal ? "envseal" : "control", vault ? vault : "", line);
    return line;
}

static void test_vfork_child_first_secret_wiped_at_exit_secretmem(void **state)
{
    (void)state;
    if (!harness_have_secretmem())
        skip();
    char line[128];
    unsigned nonzero, len;
    vfork_first_exitcheck(false, NULL, line, sizeof line);
    assert_int_equal(sscanf(line, "exitcheck DB_PASSWORD %u of %u", &nonzero, &len), 2);
    assert_true(len > 0 && nonzero == len); /* the control: every byte there */
    static const char *const vaults[] = {"secretmem", "auto", "anon"};
    for (size_t i = 0; i < 3; i++) {
        vfork_first_exitcheck(true, vaults[i], line, sizeof line);
        assert_int_equal(sscanf(line, "exitcheck DB_PASSWORD %u of %u", &nonzero, &len), 2);
        assert_true(len > 0);
        assert_int_equal(nonzero, 0);
    }
}

/* The sweep needs /proc and three free file descriptors (signals.md, "Sweep
 * failures"): without them the vault is still wiped, and only the program's own
 * copies stay. The probe keeps a heap copy and dies of SIGSEGV with a core to
 * write; at the exit stop the vault's mapping holds no copy, the heap's does (no
 * sweep ran), and so does the core. The twin with /proc and free descriptors
 * shows the same heap copy is swept there, so the copy left is the failure's. */
static void die_by_fault_with_copy(struct ending how, struct death *d)
{
    how.sig = SIGSEGV;
    how.copy = how.core = true;
    end_by(&how, d);
    assert_true(WIFSIGNALED(d->status));
    assert_int_equal(WTERMSIG(d->status), SIGSEGV);
    assert_true(d->vault_readable);
}

static void assert_vault_wiped_copy_left(struct ending how)
{
    struct death d;
    die_by_fault_with_copy(how, &d);
    assert_int_equal(d.in_vault, 0);     /* the vault was wiped */
    assert_true(d.hits_at_exit >= 1);    /* the program's copy was not swept */
    assert_true(d.core_pieces != 0);     /* nor in the core (-1: none to read) */
}

static void test_fault_without_proc_wipes_vault_only(void **state)
{
    (void)state;
    assert_vault_wiped_copy_left((struct ending){.no_proc = true});
}

static void test_fault_without_free_fds_wipes_vault_only(void **state)
{
    (void)state;
    assert_vault_wiped_copy_left((struct ending){.no_fds = true});
}

static void test_fault_with_proc_and_fds_sweeps_the_copy(void **state)
{
    (void)state;
    struct death d;
    die_by_fault_with_copy((struct ending){0}, &d);
    assert_int_equal(d.hits_at_exit, 0);
    assert_true(d.core_pieces <= 0); /* 0, or no core file to read here */
}

/* Their control: at SIGKILL the vault's mapping holds the secret, so the scan of
 * the vault above can find one. */
static void test_control_sigkill_with_copy_vault_holds_it(void **state)
{
    (void)state;
    struct death d;
    end_by(&(struct ending){.sig = SIGKILL, .copy = true}, &d);
    assert_true(WIFSIGNALED(d.status) && WTERMSIG(d.status) == SIGKILL);
    assert_true(d.in_vault >= 1);
    assert_true(d.hits_at_exit >= 2);
}

int main(void)
{
    /* Inherited: SIGQUIT must write no core here. The hard limit stays, so a case
     * that wants a core can raise the soft one again. */
    struct rlimit no_core;
    getrlimit(RLIMIT_CORE, &no_core);
    no_core.rlim_cur = 0;
    setrlimit(RLIMIT_CORE, &no_core);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_sigkill_leaves_the_secret),
        cmocka_unit_test(test_vfork_child_first_secret_wiped_at_sigterm),
        cmocka_unit_test(test_vfork_child_first_secret_wiped_at_exit),
        cmocka_unit_test(test_control_vfork_child_first_secret_sigkill),
        cmocka_unit_test(test_vfork_child_first_secret_wiped_at_exit_secretmem),
        cmocka_unit_test(test_sigterm_wipes),
        cmocka_unit_test(test_sigint_wipes),
        cmocka_unit_test(test_sighup_wipes),
        cmocka_unit_test(test_sigusr1_wipes),
        cmocka_unit_test(test_sigalrm_wipes),
        cmocka_unit_test(test_sigpipe_wipes),
        cmocka_unit_test(test_realtime_signal_wipes),
        cmocka_unit_test(test_every_fatal_signal_wipes),
        cmocka_unit_test(test_sigquit_without_core_wipes),
        cmocka_unit_test(test_control_underscore_exit_leaves_the_secret),
        cmocka_unit_test(test_exit_wipes),
        cmocka_unit_test(test_exit_wipes_unset_secret_copy),
        cmocka_unit_test(test_control_underscore_exit_leaves_unset_copy),
        cmocka_unit_test(test_quick_exit_wipes),
        cmocka_unit_test(test_quick_exit_without_handlers_wipes),
        cmocka_unit_test(test_quick_exit_wipes_after_early_library_handler),
        cmocka_unit_test(test_quick_exit_wipes_musl),
        cmocka_unit_test(test_control_sigkill_with_copy_vault_holds_it),
        cmocka_unit_test(test_fault_with_proc_and_fds_sweeps_the_copy),
        cmocka_unit_test(test_fault_without_proc_wipes_vault_only),
        cmocka_unit_test(test_fault_without_free_fds_wipes_vault_only),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    harness_cleanup();
    return failed;
}
