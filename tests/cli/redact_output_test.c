/* Where `envseal run --redact` writes the program's output, and what happens when
 * it cannot: each case runs the program alone first (the control) and then under
 * --redact, and the caller must see the same:
 *  - stdout /dev/full: a write error, said, and exit status 1 (not 0); stderr
 *    /dev/full, or a stderr reader gone, leave a program's exit 0 as it is;
 *  - a reader that goes away after the program has written everything and exited:
 *    the program's status, 0, as without envseal;
 *  - stdout a socket nobody reads: SIGTERM still ends the job, whether the program
 *    dies of it or exits 0 on it;
 *  - what a program writes on SIGTERM reaches a reader that starts late;
 *  - stdout and stderr opened twice for appending to one file (>>log 2>>log):
 *    their lines keep the program's order. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/cli/cli_util.h"

#define TIMEOUT 20000

static char shim[4096];

/* argv for `sh -c SCRIPT`, alone (redact 0) or under envseal run --redact (1) */
#define SH(redact, script)                                                                    \
    ((redact) ? (char *[]){(char *)envseal_bin(), "run", "--redact", "--library", shim, "--",  \
                           "/bin/sh", "-c", script, NULL}                                     \
              : (char *[]){"/bin/sh", "-c", script, NULL})

static void token_env(struct envb *e)
{
    char secret[64];
    harness_random_secret(secret, sizeof secret, "tok");
    envb_init(e, false);
    envb_set(e, "API_TOKEN", secret);
}

/* The wait status of pid within ms, or -1 (then it is killed). */
static int finish(pid_t pid, int ms)
{
    int st;
    for (int i = 0; i < ms / 10; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return st;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, cap - 1) : 0;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

static void test_full_disk_is_a_failure(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    const char *errpath = scratch_file("err.txt", "", 0);
    for (int redact = 0; redact < 2; redact++) {
        int full = open("/dev/full", O_WRONLY);
        int err = open(errpath, O_WRONLY | O_TRUNC);
        assert_true(full >= 0 && err >= 0);
        pid_t pid = spawn_with_fds(SH(redact, "exec /bin/echo hello"), &env, full, err);
        close(full);
        close(err);
        int st = finish(pid, TIMEOUT);
        char text[4096];
        read_file(errpath, text, sizeof text);
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 1))
            fail_msg("redact %d: status %#x, stderr [%s]", redact, st, text);
        assert_non_null(strstr(text, "No space left on device"));
    }
    envb_free(&env);
}

/* The reader leaves after the first bytes; the program wrote everything and
 * exited 0 meanwhile (under --redact its output waited in envseal): 0 both ways
 * for a program that ignores SIGPIPE, as many do by design. */
static void test_reader_gone_after_program_exit_keeps_status(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = spawn_with_fds(
            SH(redact, "trap '' PIPE; head -c 1500000 /dev/zero; exit 0"), &env, p[1], 2);
        close(p[1]);
        char buf[4096];
        assert_true(read(p[0], buf, sizeof buf) > 0);
        usleep(500000);
        close(p[0]);
        int st = finish(pid, TIMEOUT);
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            fail_msg("redact %d: status %#x", redact, st);
    }
    envb_free(&env);
}

/* Errors on stderr (a full device, a reader gone) do not fail a program that
 * exits 0, as without envseal. */
static void test_stderr_errors_keep_status(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++)
        for (int kind = 0; kind < 2; kind++) {
            int p[2] = {-1, -1}, err;
            if (kind == 0) {
                err = open("/dev/full", O_WRONLY | O_CLOEXEC);
            } else {
                assert_int_equal(pipe2(p, O_CLOEXEC), 0);
                close(p[0]); /* no reader */
                err = p[1];
            }
            int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
            pid_t pid = spawn_with_fds(
                SH(redact, "trap '' PIPE; echo out; echo warn >&2; echo more >&2; exit 0"), &env,
                out, err);
            close(out);
            close(err);
            int st = finish(pid, TIMEOUT);
            if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
                fail_msg("redact %d, %s: status %#x", redact, kind ? "EPIPE" : "ENOSPC", st);
        }
    envb_free(&env);
}

/* A program that writes a summary on SIGTERM and then dies of it, read by a
 * reader that starts late: the summary arrives (envseal does not drop output it
 * was given because it was sent the signal). */
static void test_output_written_on_sigterm_arrives(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        static char script[] =
            "import os, signal\n"
            "def on_term(s, f):\n"
            "    os.write(1, b'\\nSUMMARY\\n')\n"
            "    signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "signal.signal(signal.SIGTERM, on_term)\n"
            "os.write(1, b'x' * 1200000)\n"
            "while True:\n"
            "    signal.pause()\n";
        int out;
        pid_t pid = spawn_python_into_pipe(script, redact, shim, &env, &out);
        assert_true(pid > 0);
        usleep(300000);
        kill(pid, SIGTERM);
        usleep(500000); /* the reader starts late */
        bool summary;
        size_t total = read_to_end_finding(out, "SUMMARY", &summary);
        close(out);
        int st = finish(pid, TIMEOUT);
        if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) || !summary)
            fail_msg("redact %d: status %#x, %zu bytes, summary %s", redact, st, total,
                     summary ? "there" : "missing");
    }
    envb_free(&env);
}

static void test_unread_socket_sigterm_ends_the_job(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        for (int graceful = 0; graceful < 3; graceful++) { /* 2: SIGUSR1, no handler */
            int sv[2];
            assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
            /* graceful: exits 0 on SIGTERM, even from a blocked write */
            static char py[] = "import os, signal\n"
                               "signal.signal(signal.SIGTERM, lambda s, f: os._exit(0))\n"
                               "while True:\n"
                               "    os.write(1, b'y\\n' * 1000)\n";
            char *const alone[] = {"/usr/bin/python3", "-c", py, NULL};
            char *const under[] = {(char *)envseal_bin(), "run", "--redact", "--library", shim,
                                   "--", "/usr/bin/python3", "-c", py, NULL};
            char *const *argv =
                graceful == 1 ? (redact ? under : alone) : SH(redact, "exec yes");
            pid_t pid = spawn_with_fds(argv, &env, sv[1], 2);
            close(sv[1]);
            usleep(300000); /* the socket's buffers are full */
            int sig = graceful == 2 ? SIGUSR1 : SIGTERM;
            kill(pid, sig);
            int st = finish(pid, 8000);
            close(sv[0]);
            bool ok = graceful == 1 ? WIFEXITED(st) && WEXITSTATUS(st) == 0
                                    : WIFSIGNALED(st) && WTERMSIG(st) == sig;
            if (!ok)
                fail_msg("redact %d, graceful %d: status %#x", redact, graceful, st);
        }
    }
    envb_free(&env);
}

static void test_one_file_appended_twice_keeps_order(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    const char *path = scratch_file("log.txt", "", 0);
    char expect[4096] = "";
    for (int redact = 0; redact < 2; redact++) {
        int t = open(path, O_WRONLY | O_TRUNC);
        close(t);
        int out = open(path, O_WRONLY | O_APPEND), err = open(path, O_WRONLY | O_APPEND);
        pid_t pid = spawn_with_fds(
            SH(redact, "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done"), &env, out,
            err);
        close(out);
        close(err);
        int st = finish(pid, TIMEOUT);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        char got[4096];
        read_file(path, got, sizeof got);
        if (!redact)
            snprintf(expect, sizeof expect, "%s", got);
        else if (strcmp(got, expect) != 0)
            fail_msg("order: control [%s], --redact [%s]", expect, got);
    }
    assert_non_null(strstr(expect, "out1\nerr1\nout2\n"));
    envb_free(&env);
}

int main(void)
{
    snprintf(shim, sizeof shim, "%s", harness_shim_path());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_disk_is_a_failure),
        cmocka_unit_test(test_reader_gone_after_program_exit_keeps_status),
        cmocka_unit_test(test_stderr_errors_keep_status),
        cmocka_unit_test(test_output_written_on_sigterm_arrives),
        cmocka_unit_test(test_unread_socket_sigterm_ends_the_job),
        cmocka_unit_test(test_one_file_appended_twice_keeps_order),
    };
    return cmocka_run_group_tests(tests, NULL, harness_cleanup_group);
}
