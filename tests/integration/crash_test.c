/* Crashes an attacker would choose: a stack overflow (main thread and a later
 * thread), threads that block every signal and then fault, a crash right after or
 * inside a libc copy that leaves slices of the secret in vector registers, a
 * copy that straddles two mappings, and a fault in a worker after the main thread
 * has ended with pthread_exit. Each runs under libenvseal.so and
 * libenvseal-strict.so and once without envseal (the control): the kernel's core
 * file must hold no 12-byte piece of the secret under envseal, the control's must,
 * and the wait status must be the same. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#define VAR "SERVICE_API_TOKEN"
#define PIECE 12 /* the shortest piece of a secret that must not survive */
#define WAIT_MS 10000

enum shim { NONE, RELOCATE, STRICT };
static const char *const shim_name[] = {"control", "libenvseal.so", "libenvseal-strict.so"};

static char secret[96];
static char core_skip[256];

/* ---- Running one crash ---------------------------------------------------------- */

struct setup {
    const char *cwd;
    bool block_segv; /* the probe starts with SIGSEGV blocked, as a parent may leave it */
    bool pid1;       /* the probe starts as PID 1 of a new PID namespace */
};

/* In the child before exec: a new PID namespace whose PID 1 goes on to exec the
 * probe, as a container's entrypoint. This process waits and ends as the probe did,
 * without a core of its own (it holds the test's copy of the secret). */
static void become_pid1(void)
{
    if (unshare(CLONE_NEWPID) != 0)
        _exit(125);
    pid_t pid = fork();
    if (pid < 0)
        _exit(125);
    if (pid == 0)
        return;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            _exit(125);
    const struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    if (WIFSIGNALED(st)) {
        signal(WTERMSIG(st), SIG_DFL);
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_UNBLOCK, &all, NULL);
        raise(WTERMSIG(st));
    }
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 125);
}

static void in_child(const void *arg)
{
    const struct setup *s = arg;
    for (int sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    if (s->block_segv)
        sigaddset(&none, SIGSEGV);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_CORE, &inf);
    if (chdir(s->cwd) != 0)
        _exit(126);
    if (s->pid1)
        become_pid1();
}

struct outcome {
    int status;
    long core_size;     /* -1: no core file */
    long pieces;        /* PIECE-byte pieces of the secret found in the core */
    char out[512];      /* the probe's stdout */
};

/* How many of the secret's PIECE-byte substrings occur in buf. */
static long count_pieces(const char *buf, size_t n)
{
    long found = 0;
    size_t len = strlen(secret);
    for (size_t i = 0; i + PIECE <= len; i++)
        if (mem_contains(buf, n, secret + i, PIECE))
            found++;
    return found;
}

static void read_core(const char *dir, struct outcome *o)
{
    o->core_size = -1;
    DIR *d = opendir(dir);
    assert_non_null(d);
    char path[PATH_MAX + 300];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (strncmp(e->d_name, "core", 4) != 0) { /* a file the probe made */
            unlink(path);
            continue;
        }
        char *buf;
        o->core_size = read_file_all(path, &buf);
        if (o->core_size >= 0) {
            o->pieces = count_pieces(buf, (size_t)o->core_size);
            free(buf);
        }
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static bool no_env_secret; /* the probe starts with no secret in its environment */
static bool in_pid_namespace; /* the probe runs as PID 1 of a new PID namespace */
static const char *two_shims; /* LD_PRELOAD for the shimmed runs instead, or NULL */

/* Starts the probe; *dir gets its working directory (where a core lands). */
static void spawn_probe(struct proc *p, const char *mode, enum shim shim, bool block_segv,
                        char *dir, size_t n)
{
    static int seq;
    snprintf(dir, n, "%s/crash-%d", harness_tmpdir(), ++seq);
    assert_int_equal(mkdir(dir, 0755), 0);
    struct envb env;
    envb_init(&env, false);
    if (shim != NONE) {
        char so[PATH_MAX];
        snprintf(so, sizeof so, "%s",
                 harness_runfile(shim == STRICT ? "preload/libenvseal-strict.so"
                                                : "preload/libenvseal.so"));
        envb_set(&env, "LD_PRELOAD", two_shims ? two_shims : so);
    }
    if (!no_env_secret)
        envb_set(&env, VAR, secret);
    char *argv[] = {(char *)harness_runfile("tests/programs/crashprobe"), (char *)mode, VAR,
                    NULL};
    const struct setup s = {dir, block_segv, in_pid_namespace};
    assert_int_equal(proc_spawn_with(p, argv, &env, in_child, &s), 0);
    envb_free(&env);
}

/* Waits for the probe's end and reads what it left. */
static void finish_probe(struct proc *p, const char *mode, enum shim shim, const char *dir,
                         struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->status = proc_finish(p, 60000);
    snprintf(o->out, sizeof o->out, "%.*s", (int)p->out_len, p->out);
    read_core(dir, o);
    if (p->err_len)
        print_message("%s (%s) stderr: %.*s\n", mode, shim_name[shim],
                      (int)(p->err_len > 300 ? 300 : p->err_len), p->err);
}

static bool start_blocked; /* run_probe's probes start with SIGSEGV blocked */

static void run_probe(const char *mode, enum shim shim, struct outcome *o)
{
    struct proc p;
    char dir[PATH_MAX];
    spawn_probe(&p, mode, shim, start_blocked, dir, sizeof dir);
    finish_probe(&p, mode, shim, dir, o);
}

static bool need_cores(void)
{
    if (core_skip[0]) {
        print_message("skipped: %s\n", core_skip);
        skip();
    }
    return true;
}

/* The probe must die of sig with a core; without envseal the core holds pieces of
 * the secret (else the check could catch nothing), with envseal none, and the wait
 * status is the same. */
static void expect_clean(const char *mode, int sig)
{
    need_cores();
    struct outcome control;
    run_probe(mode, NONE, &control);
    print_message("%s: control status %#x, core %ld bytes, %ld pieces\n", mode, control.status,
                  control.core_size, control.pieces);
    if (!WIFSIGNALED(control.status) || WTERMSIG(control.status) != sig ||
        control.core_size < 0)
        fail_msg("%s: the control did not die of signal %d with a core (status %#x)", mode, sig,
                 control.status);
    if (control.pieces == 0)
        fail_msg("%s: the control core holds no piece of the secret: the check would catch "
                 "nothing",
                 mode);
    for (enum shim s = RELOCATE; s <= STRICT; s++) {
        struct outcome o;
        run_probe(mode, s, &o);
        print_message("%s: %s status %#x, core %ld bytes, %ld pieces\n", mode, shim_name[s],
                      o.status, o.core_size, o.pieces);
        if (o.status != control.status)
            fail_msg("%s: %s: wait status %#x, control %#x", mode, shim_name[s], o.status,
                     control.status);
        if (o.core_size < 0)
            fail_msg("%s: %s: no core file", mode, shim_name[s]);
        if (o.pieces)
            fail_msg("%s: %s: the core holds %ld %d-byte pieces of the secret", mode,
                     shim_name[s], o.pieces, PIECE);
        if (strcmp(o.out, control.out) != 0)
            fail_msg("%s: %s: output differs from the control's:\n%s\n---\n%s", mode,
                     shim_name[s], o.out, control.out);
    }
}

/* ---- Cases ------------------------------------------------------------------------ */

HARNESS_CASE(test_stack_overflow_main, expect_clean("overflow", SIGSEGV))
HARNESS_CASE(test_stack_overflow_thread, expect_clean("overflow-thread", SIGSEGV))
HARNESS_CASE(test_stack_overflow_own_altstack, expect_clean("overflow-own", SIGSEGV))
/* A handler left by setcontext to a getcontext checkpoint (the mask restored past
 * sigprocmask): recovered every time, as without envseal, and the crash swept. */
HARNESS_CASE(test_crash_after_setcontext_recoveries, expect_clean("context-recovery", SIGSEGV))

/* sigsetjmp and getcontext save the kernel's mask, which never holds the fault
 * signals: what the program had blocked of them at the save comes back all the same
 * (read back as without envseal), and the crash after is swept. */
HARNESS_CASE(test_save_points_restore_fault_signal_masks, expect_clean("save-point-masks", SIGSEGV))

/* The jump buffers of save_point_masks, on the heap and uninitialised, under
 * valgrind's memcheck: envseal adds no error (it reads the words beside a saved
 * mask only where a save point of its own wrote them), and the program prints what
 * it prints without envseal. Relocate mode only: valgrind's launcher is static, so
 * strict mode gives the program under it no secret (docs/strict-mode.md). */
static void no_core(const void *arg)
{
    (void)arg;
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
}

/* crashprobe MODE under valgrind (tool options before it), with RLIMIT_CORE 0, the
 * secret in its environment, under libenvseal.so or (NONE) without it; finished. */
static int under_valgrind(struct proc *p, enum shim s, const char *const *tool,
                          const char *mode)
{
    if (!harness_have("valgrind"))
        fail_msg("valgrind is not installed (scripts/setup.sh installs it)");
    struct envb env;
    envb_init(&env, false);
    if (s == RELOCATE)
        envb_set(&env, "LD_PRELOAD", harness_runfile("preload/libenvseal.so"));
    envb_set(&env, VAR, secret);
    char *argv[12] = {"valgrind", "-q"};
    int n = 2;
    for (int i = 0; tool[i] && n < 8; i++)
        argv[n++] = (char *)tool[i];
    argv[n++] = (char *)harness_runfile("tests/programs/crashprobe");
    argv[n++] = (char *)mode;
    argv[n++] = VAR;
    argv[n] = NULL;
    assert_int_equal(proc_spawn_with(p, argv, &env, no_core, NULL), 0);
    envb_free(&env);
    int status = proc_finish(p, 120000);
    print_message("valgrind %s, %s: status %#x\n", mode, shim_name[s], status);
    return status;
}

static void memcheck_readback(void)
{
    char out[2][512];
    for (enum shim s = NONE; s <= RELOCATE; s++) {
        struct proc p;
        int status = under_valgrind(&p, s, (const char *[]){"--tool=memcheck",
                                                            "--error-exitcode=9", NULL},
                                    "save-point-readback");
        snprintf(out[s], sizeof out[s], "%.*s", (int)p.out_len, p.out);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            if (mem_contains(p.err, p.err_len, secret, strlen(secret)))
                fail_msg("memcheck, %s: status %#x (stderr withheld: it holds the secret)",
                         shim_name[s], status);
            fail_msg("memcheck, %s: status %#x; valgrind said:\n%.*s", shim_name[s], status,
                     (int)(p.err_len > 2000 ? 2000 : p.err_len), p.err);
        }
    }
    if (strcmp(out[RELOCATE], out[NONE]) != 0)
        fail_msg("memcheck: output differs from the control's:\n%s\n---\n%s", out[RELOCATE],
                 out[NONE]);
}
HARNESS_CASE(test_save_points_clean_under_memcheck, memcheck_readback())

/* A real fault (a NULL store) under valgrind: valgrind reports it and the process
 * dies of SIGSEGV, as without envseal (the control); envseal's death by the same
 * signal must not look to valgrind like a fault of its own. */
static void valgrind_fault(void)
{
    int status[2];
    for (enum shim s = NONE; s <= RELOCATE; s++) {
        struct proc p;
        status[s] = under_valgrind(&p, s, (const char *[]){NULL}, "simd-after");
        if (mem_contains(p.err, p.err_len, "impossible", 10))
            fail_msg("valgrind, %s: valgrind stopped with an internal error", shim_name[s]);
    }
    assert_true(WIFSIGNALED(status[NONE]) && WTERMSIG(status[NONE]) == SIGSEGV);
    assert_int_equal(status[RELOCATE], status[NONE]);
}
HARNESS_CASE(test_fault_under_valgrind_as_without_envseal, valgrind_fault())

/* swapcontext to the context it saves into resumes in place, as without envseal. */
HARNESS_CASE(test_swapcontext_to_itself_resumes_in_place, expect_clean("swap-self", SIGSEGV))

/* An alternate stack set inside a handler that returns is undone by the kernel;
 * envseal's record of it too, so the program's later disable reaches the kernel
 * and an abort after the stack is unmapped dies as without envseal, swept. */
HARNESS_CASE(test_altstack_set_in_handler_is_undone, expect_clean("altstack-in-handler", SIGABRT))

/* A SIGSEGV handler of the program's left by longjmp, which restores no mask: the
 * kernel keeps SIGSEGV blocked, so a later crash dies at once; with envseal it
 * is swept first. By siglongjmp to a sigsetjmp that saved the mask: the probes go
 * on as without envseal, and the crash is swept. */
HARNESS_CASE(test_crash_after_longjmp_out_of_handler, expect_clean("probe-longjmp", SIGSEGV))
HARNESS_CASE(test_crash_after_siglongjmp_probes, expect_clean("probe-siglongjmp", SIGSEGV))
/* A fault inside the program's own SIGSEGV handler, and a fault while the program
 * blocks SIGSEGV with a handler installed: the kernel kills at once without
 * (re)running the handler; with envseal the same death, swept. */
HARNESS_CASE(test_fault_inside_own_handler, expect_clean("own-handler-fault", SIGSEGV))
HARNESS_CASE(test_fault_blocked_with_own_handler, expect_clean("own-handler-blocked", SIGSEGV))

/* An alternate stack of the program's too small for the crash handler (no handler
 * of its own): the signal frame would not fit (abort), or on_fatal would run off
 * its end into the page below (segv). */
HARNESS_CASE(test_small_own_altstack_abort, expect_clean("small-altstack-abort", SIGABRT))
HARNESS_CASE(test_small_own_altstack_fault, expect_clean("small-altstack-segv", SIGSEGV))
HARNESS_CASE(test_blocked_thread_faults, expect_clean("blocked-thread", SIGSEGV))
HARNESS_CASE(test_blocked_main_faults, expect_clean("blocked-main", SIGSEGV))
HARNESS_CASE(test_blocked_by_thread_attributes, expect_clean("blocked-attr", SIGSEGV))
HARNESS_CASE(test_registers_after_copy, expect_clean("simd-after", SIGSEGV))
HARNESS_CASE(test_registers_inside_memcpy, expect_clean("simd-inside", SIGSEGV))
HARNESS_CASE(test_straddle_mlock, expect_clean("straddle", SIGSEGV))
HARNESS_CASE(test_straddle_madvise, expect_clean("straddle-madvise", SIGSEGV))
/* abort() when its first SIGABRT does not end the process: the C library then sets
 * SIG_DFL itself, past sigaction, and raises it again. */
HARNESS_CASE(test_abort_with_sigabrt_ignored, expect_clean("abort-ignored", SIGABRT))
HARNESS_CASE(test_abort_handler_returns, expect_clean("abort-handler-returns", SIGABRT))
HARNESS_CASE(test_abort_handler_resets_and_returns, expect_clean("abort-handler-resets", SIGABRT))
HARNESS_CASE(test_abort_with_sigabrt_blocked, expect_clean("abort-self-blocked", SIGABRT))
HARNESS_CASE(test_abort_in_handler_with_full_mask, expect_clean("abort-in-handler", SIGABRT))
HARNESS_CASE(test_failed_assert_handler_returns, expect_clean("assert-handler-returns", SIGABRT))
/* The program copied the value, then took it out of the environment (as one hiding
 * it from its children does): its copies are swept all the same. */
HARNESS_CASE(test_unset_secret_copies_swept, expect_clean("unset-then-crash", SIGSEGV))
HARNESS_CASE(test_replaced_secret_copies_swept, expect_clean("replace-then-crash", SIGSEGV))
HARNESS_CASE(test_cleared_secret_copies_swept, expect_clean("clearenv-then-crash", SIGSEGV))
HARNESS_CASE(test_putenv_removed_secret_copies_swept,
             expect_clean("putenv-name-then-crash", SIGSEGV))
/* Two envseal shims in one process (an /etc/ld.so.preload shim and another in
 * LD_PRELOAD, as envseal run --mode strict in a container whose base layer preloads
 * libenvseal.so; or two copies of one): the one initialized first protects the
 * process, the other stays inactive, and the crash is swept as with one. */
static void two_shims_case(void)
{
    char copy[PATH_MAX], cmd[2 * PATH_MAX + 16], preload[4 * PATH_MAX];
    snprintf(copy, sizeof copy, "%s/copy-libenvseal.so", harness_tmpdir());
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", harness_runfile("preload/libenvseal.so"), copy);
    assert_int_equal(system(cmd), 0);
    char relocate[PATH_MAX], strict[PATH_MAX];
    snprintf(relocate, sizeof relocate, "%s", harness_runfile("preload/libenvseal.so"));
    snprintf(strict, sizeof strict, "%s", harness_runfile("preload/libenvseal-strict.so"));
    const char *pairs[][2] = {{relocate, strict}, {strict, relocate}, {relocate, copy}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(preload, sizeof preload, "%s:%s", pairs[i][0], pairs[i][1]);
        print_message("LD_PRELOAD: pair %zu\n", i);
        two_shims = preload;
        expect_clean("shared-anon", SIGSEGV);
        two_shims = NULL;
    }
    unlink(copy);
}
HARNESS_CASE(test_two_shims_one_protects, two_shims_case())
/* The probe must end as without envseal (exit 0 there), with the same output. */
static void expect_same(const char *mode)
{
    struct outcome control;
    run_probe(mode, NONE, &control);
    print_message("%s: control status %#x\n", mode, control.status);
    assert_true(WIFEXITED(control.status) && WEXITSTATUS(control.status) == 0);
    for (enum shim s = RELOCATE; s <= STRICT; s++) {
        struct outcome o;
        run_probe(mode, s, &o);
        print_message("%s: %s status %#x\n", mode, shim_name[s], o.status);
        if (o.status != control.status)
            fail_msg("%s: %s: wait status %#x, control %#x", mode, shim_name[s], o.status,
                     control.status);
        if (strcmp(o.out, control.out) != 0)
            fail_msg("%s: %s: output differs from the control's:\n%s\n---\n%s", mode,
                     shim_name[s], o.out, control.out);
    }
}

/* abort's handler takes the program out of abort, which goes on without envseal:
 * it goes on with envseal too (no death by the SIGABRT of a later kill(), of a
 * nested signal, or of a handler that returned elsewhere). */
HARNESS_CASE(test_abort_left_by_builtin_jump_goes_on, expect_same("abort-left-by-builtin-jump"))
HARNESS_CASE(test_abort_nested_kill_goes_on, expect_same("abort-nested-kill"))
HARNESS_CASE(test_abort_context_rewritten_goes_on, expect_same("abort-context-rewritten"))
/* A copy in shared anonymous memory, which the default coredump_filter dumps. */
HARNESS_CASE(test_shared_anonymous_copy, expect_clean("shared-anon", SIGSEGV))

/* The main thread has ended with pthread_exit: /proc/self then names a zombie
 * with no memory, and the sweep must still find the worker's copy. */
HARNESS_CASE(test_fault_after_main_thread_exit, expect_clean("main-exit", SIGSEGV))
/* The same with the copy in a file mapped shared, which the program's
 * coredump_filter has the kernel dump: the sweep reads the filter still. */
HARNESS_CASE(test_fault_after_main_thread_exit_filter, expect_clean("main-exit-shared", SIGSEGV))

HARNESS_CASE(test_abort_with_blocking_worker, expect_clean("abort-blocked", SIGABRT))
HARNESS_CASE(test_fault_in_handler_with_full_mask, expect_clean("handler-fault", SIGSEGV))

/* A container's entrypoint is PID 1 of its PID namespace: the kernel drops every
 * signal sent to it at SIG_DFL, but a fault ends it, with a core; envseal hooks the
 * fault signals there. An abort ends it too: the SIGABRTs it raises are dropped,
 * and its last resort, an instruction that faults, is a SIGSEGV. */
static void need_pid_namespace(void)
{
    need_cores();
    pid_t pid = fork(); /* can a PID namespace be made here? */
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(unshare(CLONE_NEWPID) == 0 ? 0 : 1);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        print_message("skipped: no PID namespace can be made here\n");
        skip();
    }
    in_pid_namespace = true; /* until pid1_done, which runs whatever the outcome */
}

static void pid1_case(const char *mode, int sig)
{
    need_pid_namespace();
    expect_clean(mode, sig);
}

/* A fork child of PID 1 is not the namespace's init: a signal sent to it ends it,
 * and its core is swept (SIGQUIT, raised by the child itself). */
static void test_pid1_fork_child_signal_swept(void **state)
{
    (void)state;
    need_pid_namespace();
    struct outcome control, o;
    run_probe("fork-child-quit", NONE, &control);
    print_message("control: %s core %ld bytes, %ld pieces\n", control.out, control.core_size,
                  control.pieces);
    assert_non_null(strstr(control.out, "child: signaled 1 sig 3 core 1\n"));
    assert_true(control.pieces > 0);
    for (enum shim s = RELOCATE; s <= STRICT; s++) {
        run_probe("fork-child-quit", s, &o);
        print_message("%s: %s core %ld bytes, %ld pieces\n", shim_name[s], o.out, o.core_size,
                      o.pieces);
        assert_string_equal(o.out, control.out);
        assert_int_equal(o.status, control.status);
        assert_true(o.core_size >= 0);
        assert_int_equal(o.pieces, 0);
    }
}

static int pid1_done(void **state)
{
    (void)state;
    in_pid_namespace = false;
    return 0;
}

HARNESS_CASE(test_pid1_fault_swept, pid1_case("simd-after", SIGSEGV))
HARNESS_CASE(test_pid1_abort_swept, pid1_case("abort-ignored", SIGSEGV))

/* The System V and BSD mask functions, which libc builds on its own sigprocmask:
 * a fault with SIGSEGV blocked through them still reaches the sweep, one released
 * through them is released (the raise ends the process), and each reads back the
 * others' changes as without envseal. */
HARNESS_CASE(test_sighold_then_fault, expect_clean("sighold-crash", SIGSEGV))
HARNESS_CASE(test_sigblock_then_fault, expect_clean("sigblock-crash", SIGSEGV))
HARNESS_CASE(test_sigrelse_then_raise, expect_clean("sigrelse-raise", SIGSEGV))
HARNESS_CASE(test_legacy_masks_read_back, expect_same("legacy-masks"))

/* A wait with a temporary mask of every signal but the one waited for: a fault in
 * that signal's handler still reaches the sweep, and the handler reads the mask
 * back, and the program its own after the wait, as without envseal. */
HARNESS_CASE(test_sigsuspend_handler_fault, expect_clean("wait-sigsuspend-fault", SIGSEGV))
HARNESS_CASE(test_ppoll_handler_fault, expect_clean("wait-ppoll-fault", SIGSEGV))
HARNESS_CASE(test_pselect_handler_fault, expect_clean("wait-pselect-fault", SIGSEGV))
HARNESS_CASE(test_epoll_pwait_handler_fault, expect_clean("wait-epoll-fault", SIGSEGV))
HARNESS_CASE(test_wait_masks_read_back, expect_same("wait-masks"))
HARNESS_CASE(test_fortified_ppoll_handler_fault,
             expect_clean("wait-ppoll-fortified-fault", SIGSEGV))

/* A SIGSEGV sent during such a wait, which blocks it, waits as without envseal, and
 * ends the process once the wait puts the program's mask back. */
HARNESS_CASE(test_segv_sent_during_wait_ends_after_it, expect_clean("wait-sent-segv", SIGSEGV))

/* aio_write starts the C library's helper thread, which blocks every signal and
 * inherits the caller's registers, where the value passed just before. */
HARNESS_CASE(test_aio_helper_thread_registers_clean, expect_clean("aio-then-crash", SIGSEGV))

/* An aio request's SIGEV_THREAD function: glibc runs it in a thread with no signal
 * blocked, so this holds with or without envseal's trampoline (musl_test's case is
 * the one that fails without it); the aiocb goes in twice. */
HARNESS_CASE(test_aio_notify_thread_fault, expect_clean("aio-notify-thread", SIGSEGV))

/* The same through lio_listio. glibc runs those functions with no signal blocked,
 * but its I/O thread, which cannot be parked, starts with the caller's registers:
 * 52 pieces of the value in the core until lio_listio zeroed them (musl_test's
 * cases fail without the trampolines). */
HARNESS_CASE(test_lio_list_notify_fault, expect_clean("lio-list-fault", SIGSEGV))
HARNESS_CASE(test_lio_request_notify_fault, expect_clean("lio-request-fault", SIGSEGV))
HARNESS_CASE(test_lio_notifications_run_once, expect_same("lio-notify"))

/* A thread that blocks every signal past envseal (a raw rt_sigprocmask) never
 * arrives when parked before the sweep: the crash still ends, swept, once no thread
 * has arrived for 50 ms (signals.md, "Other threads"). Also timed: the run under
 * envseal lasts at least those 50 ms (a lower bound only: nothing here is a speed
 * figure). */
static double run_ms(const char *mode, enum shim shim, struct outcome *o)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    run_probe(mode, shim, o);
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

static void test_unparkable_thread_crash_ends(void **state)
{
    (void)state;
    expect_clean("unparkable-thread", SIGSEGV);
    struct outcome c, o;
    double control_ms = run_ms("unparkable-thread", NONE, &c);
    double envseal_ms = run_ms("unparkable-thread", RELOCATE, &o);
    print_message("unparkable-thread: control %.1f ms, libenvseal.so %.1f ms\n", control_ms,
                  envseal_ms);
    assert_int_equal(o.status, c.status);
    assert_true(envseal_ms >= 50.0);
}

/* getaddrinfo_a's and mq_notify's helper threads in glibc block every signal and
 * start with the caller's registers; neither call is interposed. signals.md says
 * what these show: called right after the value passed through the registers,
 * the calls' own work leaves no piece of it in the helper's (the control's pieces
 * are its heap copy). */
HARNESS_CASE(test_gai_helper_thread_no_piece, expect_clean("gai-then-crash", SIGSEGV))
HARNESS_CASE(test_mq_helper_thread_no_piece, expect_clean("mq-then-crash", SIGSEGV))

/* A periodic SIGEV_THREAD timer runs and is deleted as without envseal (musl's timer
 * thread keeps its own signal blocked: musl_test runs this too). */
HARNESS_CASE(test_periodic_timer_runs_and_stops, expect_same("timer-periodic"))

/* A SIGEV_THREAD timer's function runs in a thread the C library makes with every
 * signal blocked: a fault there still reaches the sweep, and the function still
 * reads SIGSEGV back as blocked. */
HARNESS_CASE(test_timer_thread_fault, expect_clean("timer-thread", SIGSEGV))

/* A parent left SIGSEGV blocked across exec: a fault still reaches the sweep, and
 * the program still reads SIGSEGV as blocked. */
static void test_blocked_across_exec(void **state)
{
    (void)state;
    start_blocked = true;
    expect_clean("inherited", SIGSEGV);
    start_blocked = false;
}

/* A handler that blocks every signal and returns: the kernel puts the old mask
 * back, and the program reads SIGSEGV unblocked again; its crash reporter's
 * re-raise, and a raise at SIG_DFL, kill it swept. */
HARNESS_CASE(test_handler_return_restores_mask, expect_clean("handler-mask", SIGSEGV))
HARNESS_CASE(test_raise_after_handler_return, expect_clean("handler-mask-raise", SIGSEGV))

/* A vfork child's mask before exec is the child's: the parent still reads SIGSEGV
 * unblocked, and its crash is swept; a parent that blocks SIGSEGV keeps a raised
 * one pending after its child unblocked everything. */
HARNESS_CASE(test_vfork_child_mask_stays_its_own, expect_clean("vfork-mask", SIGSEGV))
static void expect_output(const char *mode, const char *control_line, const char *shim_line);
static void test_vfork_child_unmask_stays_its_own(void **state)
{
    (void)state;
    expect_output("vfork-unmask", NULL, NULL);
}

/* kill -SEGV to a program that blocks SIGSEGV: it stays pending, the program lives
 * and sees it pending, as without envseal. */
static void test_sent_signal_stays_pending(void **state)
{
    (void)state;
    char out[3][512];
    int status[3];
    for (enum shim s = NONE; s <= STRICT; s++) {
        struct proc p;
        char dir[PATH_MAX];
        spawn_probe(&p, "held-kill", s, false, dir, sizeof dir);
        assert_true(proc_wait_line(&p, "ready", WAIT_MS));
        assert_int_equal(kill(p.pid, SIGSEGV), 0);
        assert_int_equal(write(p.in_fd, "x\n", 2), 2);
        assert_true(proc_wait_line(&p, "pending 1", WAIT_MS));
        struct outcome o;
        finish_probe(&p, "held-kill", s, dir, &o);
        status[s] = o.status;
        snprintf(out[s], sizeof out[s], "%s", o.out);
        print_message("held-kill: %s status %#x\n", shim_name[s], o.status);
    }
    for (enum shim s = RELOCATE; s <= STRICT; s++) {
        assert_int_equal(status[s], status[NONE]);
        assert_string_equal(out[s], out[NONE]);
    }
    assert_true(WIFEXITED(status[NONE]) && WEXITSTATUS(status[NONE]) == 0);
}

/* A fault signal sent while the program blocks it stays pending until the program
 * unblocks it, then kills the process (swept), as without envseal: sent by another
 * process (kill) to a program that blocks everything, and raised by the program. */
HARNESS_CASE(test_sent_signal_delivered_at_unblock, expect_clean("held-unblock", SIGSEGV))
HARNESS_CASE(test_raised_signal_delivered_at_unblock, expect_clean("held-raise", SIGSEGV))

/* kill -SEGV to a process whose main thread blocks everything: the kernel gives it
 * to the worker that does not block it, which dies of it (swept). */
HARNESS_CASE(test_sent_signal_reaches_unblocked_thread, expect_clean("held-worker", SIGSEGV))

/* Runs mode without envseal and with each library; it must exit 0 and print what
 * the control prints, except that a line the control prints as `control_line`
 * reads `shim_line` under envseal (NULL: no exception). */
static void expect_output(const char *mode, const char *control_line, const char *shim_line)
{
    struct outcome control;
    run_probe(mode, NONE, &control);
    print_message("%s control:\n%s", mode, control.out);
    assert_true(WIFEXITED(control.status) && WEXITSTATUS(control.status) == 0);
    char want[sizeof control.out + 128];
    snprintf(want, sizeof want, "%s", control.out);
    if (control_line) {
        char *at = strstr(want, control_line);
        assert_non_null(at);
        size_t n = strlen(control_line), m = strlen(shim_line);
        memmove(at + m, at + n, strlen(at + n) + 1);
        memcpy(at, shim_line, m);
    }
    for (enum shim s = RELOCATE; s <= STRICT; s++) {
        struct outcome o;
        run_probe(mode, s, &o);
        if (strcmp(o.out, want) != 0)
            fail_msg("%s: %s prints:\n%s\nexpected:\n%s", mode, shim_name[s], o.out, want);
        assert_int_equal(o.status, control.status);
    }
}

/* A program that blocks SIGSEGV and takes it with sigtimedwait, then with a signalfd,
 * gets it each time with its sender, as without envseal. */
static void test_sent_signal_taken_by_sigwait(void **state)
{
    (void)state;
    expect_output("held-sigwait", NULL, NULL);
}

/* The documented limit: the first SIGBUS sent while the program blocks it interrupts
 * poll (EINTR) under envseal; the second, sent while the first is still pending,
 * meets it blocked for real and interrupts nothing. */
static void test_sent_signal_interrupts_once(void **state)
{
    (void)state;
    expect_output("held-eintr", "poll 0 timeout", "poll -1 Interrupted system call");
}

/* A process that starts with no secret installs nothing at start-up; the first
 * secret it sets brings the hooks in, so a stack overflow right after is swept. */
static void test_first_secret_set_at_run_time(void **state)
{
    (void)state;
    need_cores();
    no_env_secret = true;
    struct outcome o[3];
    for (enum shim s = NONE; s <= STRICT; s++) {
        struct proc p;
        char dir[PATH_MAX];
        spawn_probe(&p, "late-secret", s, false, dir, sizeof dir);
        assert_true(proc_wait_line(&p, "ready", WAIT_MS));
        char line[128];
        snprintf(line, sizeof line, "%s\n", secret);
        assert_int_equal(write(p.in_fd, line, strlen(line)), (ssize_t)strlen(line));
        finish_probe(&p, "late-secret", s, dir, &o[s]);
        print_message("late-secret: %s status %#x, core %ld bytes, %ld pieces\n", shim_name[s],
                      o[s].status, o[s].core_size, o[s].pieces);
    }
    no_env_secret = false;
    assert_true(WIFSIGNALED(o[NONE].status) && WTERMSIG(o[NONE].status) == SIGSEGV);
    assert_true(o[NONE].core_size >= 0 && o[NONE].pieces > 0);
    for (enum shim s = RELOCATE; s <= STRICT; s++) {
        assert_int_equal(o[s].status, o[NONE].status);
        assert_true(o[s].core_size >= 0);
        assert_int_equal(o[s].pieces, 0);
    }
}

/* A SIGTERM with such a stack set: the same death as without envseal, no core. */
static void test_small_own_altstack_term(void **state)
{
    (void)state;
    struct outcome control;
    run_probe("small-altstack-term", NONE, &control);
    assert_true(WIFSIGNALED(control.status) && WTERMSIG(control.status) == SIGTERM);
    for (enum shim s = RELOCATE; s <= STRICT; s++) {
        struct outcome o;
        run_probe("small-altstack-term", s, &o);
        if (o.status != control.status || o.core_size >= 0)
            fail_msg("%s: wait status %#x (control %#x), core %ld bytes", shim_name[s],
                     o.status, control.status, o.core_size);
    }
}

/* What sigaltstack reports is what it would report without envseal. */
static void test_altstack_view(void **state)
{
    (void)state;
    struct outcome control;
    run_probe("altstack", NONE, &control);
    assert_true(WIFEXITED(control.status) && WEXITSTATUS(control.status) == 0);
    print_message("control:\n%s", control.out);
    for (enum shim s = RELOCATE; s <= STRICT; s++) {
        struct outcome o;
        run_probe("altstack", s, &o);
        if (strcmp(o.out, control.out) != 0)
            fail_msg("%s reports:\n%s\ncontrol:\n%s", shim_name[s], o.out, control.out);
        assert_int_equal(o.status, control.status);
    }
}

/* ---- Setup ------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN); /* a probe that died early fails an assertion instead */
    harness_random_long_secret(secret, 80);
    harness_core_skip_reason(core_skip, sizeof core_skip);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stack_overflow_main),
        cmocka_unit_test(test_stack_overflow_thread),
        cmocka_unit_test(test_stack_overflow_own_altstack),
        cmocka_unit_test(test_altstack_set_in_handler_is_undone),
        cmocka_unit_test(test_crash_after_setcontext_recoveries),
        cmocka_unit_test(test_save_points_restore_fault_signal_masks),
        cmocka_unit_test(test_save_points_clean_under_memcheck),
        cmocka_unit_test(test_fault_under_valgrind_as_without_envseal),
        cmocka_unit_test(test_swapcontext_to_itself_resumes_in_place),
        cmocka_unit_test(test_crash_after_longjmp_out_of_handler),
        cmocka_unit_test(test_crash_after_siglongjmp_probes),
        cmocka_unit_test(test_fault_inside_own_handler),
        cmocka_unit_test(test_fault_blocked_with_own_handler),
        cmocka_unit_test(test_small_own_altstack_abort),
        cmocka_unit_test(test_small_own_altstack_fault),
        cmocka_unit_test(test_small_own_altstack_term),
        cmocka_unit_test(test_blocked_thread_faults),
        cmocka_unit_test(test_blocked_main_faults),
        cmocka_unit_test(test_blocked_by_thread_attributes),
        cmocka_unit_test(test_registers_after_copy),
        cmocka_unit_test(test_registers_inside_memcpy),
        cmocka_unit_test(test_straddle_mlock),
        cmocka_unit_test(test_straddle_madvise),
        cmocka_unit_test(test_shared_anonymous_copy),
        cmocka_unit_test(test_two_shims_one_protects),
        cmocka_unit_test(test_unset_secret_copies_swept),
        cmocka_unit_test(test_replaced_secret_copies_swept),
        cmocka_unit_test(test_cleared_secret_copies_swept),
        cmocka_unit_test(test_putenv_removed_secret_copies_swept),
        cmocka_unit_test(test_abort_with_sigabrt_ignored),
        cmocka_unit_test(test_abort_handler_returns),
        cmocka_unit_test(test_abort_handler_resets_and_returns),
        cmocka_unit_test(test_abort_with_sigabrt_blocked),
        cmocka_unit_test(test_abort_in_handler_with_full_mask),
        cmocka_unit_test(test_failed_assert_handler_returns),
        cmocka_unit_test(test_abort_left_by_builtin_jump_goes_on),
        cmocka_unit_test(test_abort_nested_kill_goes_on),
        cmocka_unit_test(test_abort_context_rewritten_goes_on),
        cmocka_unit_test(test_fault_after_main_thread_exit),
        cmocka_unit_test(test_fault_after_main_thread_exit_filter),
        cmocka_unit_test(test_abort_with_blocking_worker),
        cmocka_unit_test(test_fault_in_handler_with_full_mask),
        cmocka_unit_test(test_blocked_across_exec),
        cmocka_unit_test(test_sighold_then_fault),
        cmocka_unit_test(test_sigblock_then_fault),
        cmocka_unit_test(test_sigrelse_then_raise),
        cmocka_unit_test(test_legacy_masks_read_back),
        cmocka_unit_test(test_timer_thread_fault),
        cmocka_unit_test(test_sigsuspend_handler_fault),
        cmocka_unit_test(test_ppoll_handler_fault),
        cmocka_unit_test(test_pselect_handler_fault),
        cmocka_unit_test(test_epoll_pwait_handler_fault),
        cmocka_unit_test(test_wait_masks_read_back),
        cmocka_unit_test(test_fortified_ppoll_handler_fault),
        cmocka_unit_test(test_segv_sent_during_wait_ends_after_it),
        cmocka_unit_test(test_periodic_timer_runs_and_stops),
        cmocka_unit_test(test_aio_helper_thread_registers_clean),
        cmocka_unit_test(test_aio_notify_thread_fault),
        cmocka_unit_test(test_lio_list_notify_fault),
        cmocka_unit_test(test_lio_request_notify_fault),
        cmocka_unit_test(test_lio_notifications_run_once),
        cmocka_unit_test(test_unparkable_thread_crash_ends),
        cmocka_unit_test(test_gai_helper_thread_no_piece),
        cmocka_unit_test(test_mq_helper_thread_no_piece),
        cmocka_unit_test_teardown(test_pid1_fault_swept, pid1_done),
        cmocka_unit_test_teardown(test_pid1_abort_swept, pid1_done),
        cmocka_unit_test_teardown(test_pid1_fork_child_signal_swept, pid1_done),
        cmocka_unit_test(test_handler_return_restores_mask),
        cmocka_unit_test(test_raise_after_handler_return),
        cmocka_unit_test(test_vfork_child_mask_stays_its_own),
        cmocka_unit_test(test_vfork_child_unmask_stays_its_own),
        cmocka_unit_test(test_sent_signal_stays_pending),
        cmocka_unit_test(test_sent_signal_delivered_at_unblock),
        cmocka_unit_test(test_raised_signal_delivered_at_unblock),
        cmocka_unit_test(test_sent_signal_reaches_unblocked_thread),
        cmocka_unit_test(test_sent_signal_taken_by_sigwait),
        cmocka_unit_test(test_sent_signal_interrupts_once),
        cmocka_unit_test(test_first_secret_set_at_run_time),
        cmocka_unit_test(test_altstack_view),
    };
    return cmocka_run_group_tests(tests, setup, harness_cleanup_group);
}
