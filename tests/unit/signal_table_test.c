/* The platform's signal tables: the mask of signals envseal hooks at start-up
 * (platform_fatal_signals) is exactly the signals whose default action terminates
 * the process, with or without a core, SIGKILL excepted, as
 * platform_signal_default describes them and signal(7) lists them. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "preload/platform/platform.h"

static void test_fatal_mask_agrees_with_defaults(void **state)
{
    (void)state;
    uint64_t mask = platform_fatal_signals();
    for (int sig = 1; sig <= platform_signal_max(); sig++) {
        enum sig_default d = platform_signal_default(sig);
        int expect = (d == SIGDEF_TERMINATE || d == SIGDEF_CORE) && sig != SIGKILL;
        if (!!(mask >> (sig - 1) & 1) != expect)
            fail_msg("signal %d: mask says %d", sig, (int)(mask >> (sig - 1) & 1));
    }
}

static void test_defaults_follow_signal_7(void **state)
{
    (void)state;
    const int core[] = {SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV,
                        SIGXCPU, SIGXFSZ, SIGSYS};
    const int term[] = {SIGHUP, SIGINT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2,
                        SIGSTKFLT, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGKILL, SIGRTMIN,
                        SIGRTMAX};
    const int other[] = {SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGSTOP, SIGTSTP, SIGTTIN,
                         SIGTTOU};
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
        assert_int_equal(platform_signal_default(core[i]), SIGDEF_CORE);
    for (size_t i = 0; i < sizeof term / sizeof term[0]; i++)
        assert_int_equal(platform_signal_default(term[i]), SIGDEF_TERMINATE);
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        enum sig_default d = platform_signal_default(other[i]);
        assert_true(d == SIGDEF_IGNORE || d == SIGDEF_STOP);
    }
    assert_int_equal(__builtin_popcountll(platform_fatal_signals()), 64 - 9);
}

static void on_usr2(int sig)
{
    (void)sig;
}

/* platform_signal_dispositions reads /proc/self/status: the bits must be what
 * sigaction reports for every signal, here with one ignored and one caught. */
static void test_dispositions_read_from_proc(void **state)
{
    (void)state;
    struct sigaction ign = {.sa_handler = SIG_IGN}, catch = {.sa_handler = on_usr2}, old1, old2;
    assert_int_equal(sigaction(SIGUSR1, &ign, &old1), 0);
    assert_int_equal(sigaction(SIGUSR2, &catch, &old2), 0);
    uint64_t ignored = 0, caught = 0;
    assert_true(platform_signal_dispositions(&ignored, &caught));
    for (int sig = 1; sig <= 64; sig++) {
        struct sigaction cur;
        if (sigaction(sig, NULL, &cur) != 0)
            continue; /* SIGKILL and glibc's own 32 and 33 still answer; others skip */
        int is_ign = cur.sa_handler == SIG_IGN, is_caught = !is_ign && cur.sa_handler != SIG_DFL;
        if (!!(ignored >> (sig - 1) & 1) != is_ign || !!(caught >> (sig - 1) & 1) != is_caught)
            fail_msg("signal %d: /proc says ignored %d caught %d", sig,
                     (int)(ignored >> (sig - 1) & 1), (int)(caught >> (sig - 1) & 1));
    }
    assert_true(ignored >> (SIGUSR1 - 1) & 1);
    assert_true(caught >> (SIGUSR2 - 1) & 1);
    sigaction(SIGUSR1, &old1, NULL);
    sigaction(SIGUSR2, &old2, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fatal_mask_agrees_with_defaults),
        cmocka_unit_test(test_defaults_follow_signal_7),
        cmocka_unit_test(test_dispositions_read_from_proc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
