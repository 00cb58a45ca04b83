/* `envseal run --redact` under job control: what the caller sees must be what it
 * would see of the program alone. Each case runs the program without envseal
 * first (the control, which shows the check can tell) and then under --redact:
 *  - a program that stops itself is reported stopped; continuing the group
 *    continues it;
 *  - SIGTSTP sent to envseal's pid stops the program, SIGCONT continues it;
 *  - a signal the program sends to its own process group reaches it once;
 *  - raw mode set through stdout (as curses does) reaches the real terminal, a
 *    flag set through stdin and stdout stays set, a restore just before exit is
 *    not lost, and envseal's EXTPROC is not left behind;
 *  - a multi-line secret printed after `stty sane` is masked, lines end as before;
 *  - Ctrl-Z stops envseal while its own reader has stopped reading;
 *  - once the program has exited, SIGTERM ends envseal even while a background
 *    child still holds the output open;
 *  - a caller that ignores SIGCHLD still gets the program's exit status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/cli/cli_util.h"
#include "tests/integration/unpriv.h"

#define TIMEOUT 20000

static char shim[4096];

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
/* outprobe STEPS..., alone (redact 0) or under envseal run --redact (1) */
#define PROBE(redact, ...)                                                                    \
    ((redact) ? ARGV((char *)envseal_bin(), "run", "--redact", "--library", shim, "--",       \
                     (char *)outprobe_bin(), __VA_ARGS__)                                     \
              : ARGV((char *)outprobe_bin(), __VA_ARGS__))

static void token_env(struct envb *e)
{
    char secret[64];
    harness_random_secret(secret, sizeof secret, "tok");
    envb_init(e, false);
    envb_set(e, "API_TOKEN", secret);
}

/* As a job-control shell starts a job: in a process group of its own. */
static void own_group(const void *arg)
{
    (void)arg;
    setpgid(0, 0);
}

/* The stop signal pid reports within ms; 0 when none, -1 when it ended. */
static int wait_stopped(pid_t pid, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        int st;
        if (waitpid(pid, &st, WUNTRACED | WNOHANG) == pid)
            return WIFSTOPPED(st) ? WSTOPSIG(st) : -1;
        usleep(10000);
    }
    return 0;
}

/* The state letter of /proc/PID/stat ('T' stopped, 'S' sleeping...), '?' if gone. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return '?';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

static bool wait_state(pid_t pid, bool stopped, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        if ((proc_state(pid) == 'T') == stopped)
            return true;
        usleep(10000);
    }
    return false;
}

static pid_t number_after(const char *text, const char *word)
{
    const char *p = strstr(text, word);
    return p ? (pid_t)atoi(p + strlen(word)) : -1;
}

/* Ctrl-Z: SIGTSTP to the job started by own_group; the stop its leader reports
 * (0 none, -1 ended), then the job is killed. */
static int ctrl_z(struct proc *p)
{
    kill(-p->pid, SIGTSTP);
    int sig = wait_stopped(p->pid, 5000);
    kill(-p->pid, SIGKILL);
    proc_finish(p, TIMEOUT);
    return sig;
}

static void test_program_stopping_itself_is_reported(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        struct proc p;
        assert_int_equal(
            proc_spawn_with(&p, PROBE(redact, "kill:19", "out:after"), &env, own_group, NULL),
            0);
        assert_int_equal(wait_stopped(p.pid, TIMEOUT), SIGSTOP);
        kill(-p.pid, SIGCONT); /* `fg`: the whole job */
        int st = proc_finish(&p, TIMEOUT);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(p.out, "after"));
    }
    envb_free(&env);
}

static void test_sigtstp_to_the_pid_stops_the_program(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        struct proc p;
        assert_int_equal(proc_spawn_with(&p, PROBE(redact, "pid", "hold", "out:after"), &env,
                                         own_group, NULL),
                         0);
        assert_true(proc_wait_line(&p, "ready", TIMEOUT));
        pid_t program = number_after(p.out, "pid ");
        assert_true(program > 0);
        kill(p.pid, SIGTSTP); /* the pid the caller knows */
        assert_int_equal(wait_stopped(p.pid, TIMEOUT), SIGTSTP);
        assert_true(wait_state(program, true, TIMEOUT));
        kill(p.pid, SIGCONT);
        assert_true(wait_state(program, false, TIMEOUT));
        int st = proc_finish(&p, TIMEOUT);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(p.out, "after"));
    }
    envb_free(&env);
}

static void test_signal_to_own_group_arrives_once(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        struct proc p;
        char step[32];
        snprintf(step, sizeof step, "groupsig:%d", SIGUSR1);
        assert_int_equal(proc_spawn_with(&p, PROBE(redact, step), &env, own_group, NULL), 0);
        int st = proc_finish(&p, TIMEOUT);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        if (!text_has_line(p.out, "groupsig 1"))
            fail_msg("redact %d: %s", redact, p.out);
    }
    envb_free(&env);
}

/* Signals beyond the usual few, sent to the pid the caller knows (a container's
 * STOPSIGNAL: SIGWINCH for httpd, SIGRTMIN+3 for systemd; SIGPWR; SIGVTALRM): the
 * program gets each, as it would alone. */
static void test_any_signal_to_the_pid_reaches_the_program(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    const int sigs[] = {SIGWINCH, SIGRTMIN + 3, SIGPWR, SIGVTALRM, SIGURG};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        for (int redact = 0; redact < 2; redact++) {
            char script[160];
            snprintf(script, sizeof script,
                     "trap 'echo got; exit 7' %d; echo ready; while :; do sleep 0.05; done",
                     sigs[i]);
            char *alone[] = {"/bin/bash", "-c", script, NULL};
            char *sealed[] = {(char *)envseal_bin(), "run", "--redact", "--library", shim,
                              "--", "/bin/bash", "-c", script, NULL};
            struct proc p;
            assert_int_equal(proc_spawn(&p, redact ? sealed : alone, &env), 0);
            assert_true(proc_wait_line(&p, "ready", TIMEOUT));
            kill(p.pid, sigs[i]);
            int st = proc_finish(&p, TIMEOUT);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 7 || !text_has_line(p.out, "got"))
                fail_msg("signal %d, redact %d: status %#x, output: %s", sigs[i], redact,
                         (unsigned)st, p.out);
        }
    envb_free(&env);
}

/* Reads fd into buf (appending) until needle is in it or ms pass. */
static bool read_until(int fd, char *buf, size_t cap, size_t *len, const char *needle, int ms)
{
    for (int waited = 0; !strstr(buf, needle) && waited < ms; waited += 50) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 50) == 1) {
            ssize_t n = read(fd, buf + *len, cap - 1 - *len);
            if (n <= 0)
                return false;
            *len += (size_t)n;
            buf[*len] = '\0';
        }
    }
    return strstr(buf, needle) != NULL;
}

/* Starts argv as the session leader of a new pseudo-terminal (stdin, stdout and
 * stderr on it), as a terminal emulator starts a shell; *master is the terminal. */
static pid_t start_on_terminal(char *const argv[], const struct envb *env, int *master)
{
    int slave;
    assert_int_equal(openpty(master, &slave, NULL, NULL, NULL), 0);
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        ioctl(slave, TIOCSCTTY, 0);
        dup2(slave, 0);
        dup2(slave, 1);
        dup2(slave, 2);
        close(*master);
        execve(argv[0], argv, (char *const *)env->v);
        _exit(121);
    }
    close(slave);
    return pid;
}

static bool lflag_set(int master, tcflag_t flag)
{
    struct termios t;
    return tcgetattr(master, &t) == 0 && (t.c_lflag & flag);
}

static bool canonical(int master)
{
    return lflag_set(master, ICANON);
}

/* Waits up to ms for the terminal's flag to be as wanted. */
static bool wait_lflag(int master, tcflag_t flag, bool on, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        if (lflag_set(master, flag) == on)
            return true;
        usleep(10000);
    }
    return lflag_set(master, flag) == on;
}

static void test_raw_mode_through_stdout_reaches_the_terminal(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        int master;
        pid_t pid = start_on_terminal(PROBE(redact, "rawkey", "exit:3"), &env, &master);
        assert_true(canonical(master));
        char out[8192] = "";
        size_t len = 0;
        assert_true(read_until(master, out, sizeof out, &len, "raw", TIMEOUT));
        /* the terminal itself is in non-canonical mode: a key without Enter is read */
        bool raw = wait_lflag(master, ICANON, false, 5000);
        assert_int_equal(write(master, "q", 1), 1);
        bool got = read_until(master, out, sizeof out, &len, "key q", 3000);
        /* applied once the output before it is out */
        bool restored = got && wait_lflag(master, ICANON, true, 5000);
        if (!got)
            assert_int_equal(write(master, "\n", 1), 1); /* let the program end */
        int st;
        waitpid(pid, &st, 0);
        close(master);
        if (!raw || !got || !restored)
            fail_msg("redact %d: raw %d, key read %d, modes restored %d", redact, raw, got,
                     restored);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    }
    envb_free(&env);
}

/* Echo turned off through stdin and then through stdout, as a password prompt may:
 * off on the terminal (a flag the program sets is set, not toggled), then on. */
static void test_echo_off_through_both_stays_off(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        int master;
        pid_t pid = start_on_terminal(PROBE(redact, "noecho"), &env, &master);
        char out[8192] = "";
        size_t len = 0;
        assert_true(read_until(master, out, sizeof out, &len, "noecho", TIMEOUT));
        usleep(300000); /* any mirroring of the second change has happened */
        bool off = !lflag_set(master, ECHO);
        assert_int_equal(write(master, "\n", 1), 1);
        bool back = read_until(master, out, sizeof out, &len, "\necho", TIMEOUT) &&
                    wait_lflag(master, ECHO, true, 5000);
        int st;
        waitpid(pid, &st, 0);
        close(master);
        if (!off || !back)
            fail_msg("redact %d: echo off %d, back on %d", redact, off, back);
    }
    envb_free(&env);
}

/* Raw mode through stdout, restored just before _exit: the terminal ends cooked.
 * The restore and the end of the stream arrive together; ten runs. */
static void test_restore_just_before_exit_reaches_the_terminal(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++)
        for (int run = 0; run < 10; run++) {
            int master;
            pid_t pid = start_on_terminal(PROBE(redact, "rawexit"), &env, &master);
            char out[8192] = "";
            size_t len = 0;
            assert_true(read_until(master, out, sizeof out, &len, "raw", TIMEOUT));
            while (read_until(master, out, sizeof out, &len, "never", 200))
                ; /* until EIO: every writer is gone */
            int st;
            waitpid(pid, &st, 0);
            bool cooked = canonical(master) && lflag_set(master, ISIG);
            close(master);
            if (!cooked)
                fail_msg("redact %d, run %d: terminal left raw", redact, run);
        }
    envb_free(&env);
}

/* A program that copies its stdout's modes to stdin must not leave envseal's
 * EXTPROC on the terminal (no echo, no Ctrl-C after it). */
static void test_copied_modes_leave_no_extproc(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        int master;
        pid_t pid = start_on_terminal(PROBE(redact, "copy10", "out:done"), &env, &master);
        char out[8192] = "";
        size_t len = 0;
        assert_true(read_until(master, out, sizeof out, &len, "done", TIMEOUT));
        int st;
        waitpid(pid, &st, 0);
        bool extproc = lflag_set(master, EXTPROC);
        close(master);
        if (extproc)
            fail_msg("redact %d: EXTPROC left on the terminal", redact);
    }
    envb_free(&env);
}

/* A multi-line secret printed after the program turned output processing back on
 * (`stty sane`, as `reset` does: ONLCR): masked all the same, and every line of the
 * output ends in "\r\n" as without envseal, not "\r\r\n". The control prints it. */
static void test_multiline_secret_after_stty_sane(void **state)
{
    (void)state;
    char one[48], two[48], value[128];
    harness_random_secret(one, sizeof one, "pem1");
    harness_random_secret(two, sizeof two, "pem2");
    snprintf(value, sizeof value, "%s\n%s", one, two);
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "API_TOKEN", value);
    static const char script[] = "stty sane <&2; printf '%s\\n' \"$API_TOKEN\"; echo done";
    for (int redact = 0; redact < 2; redact++) {
        char *alone[] = {"/bin/sh", "-c", (char *)script, NULL};
        char *sealed[] = {(char *)envseal_bin(), "run", "--redact", "--library", shim, "--",
                          "/bin/sh", "-c", (char *)script, NULL};
        int master;
        pid_t pid = start_on_terminal(redact ? sealed : alone, &env, &master);
        char out[8192] = "";
        size_t len = 0;
        bool done = read_until(master, out, sizeof out, &len, "done\r\n", TIMEOUT);
        int st;
        waitpid(pid, &st, 0);
        close(master);
        assert_true(done);
        bool shown = strstr(out, one) || strstr(out, two);
        bool doubled = strstr(out, "\r\r\n") != NULL;
        if (shown != !redact || doubled)
            fail_msg("redact %d: a line of the secret in the output %d, \"\\r\\r\\n\" %d", redact,
                     shown, doubled);
    }
    envb_free(&env);
}

/* Ctrl-Z (SIGTSTP to the job) while envseal's reader has stopped reading and
 * envseal waits to write: envseal stops with the program. */
static void test_group_stop_while_output_is_blocked(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        struct proc p;
        assert_int_equal(proc_spawn_with(&p, PROBE(redact, "yes"), &env, own_group, NULL), 0);
        usleep(300000); /* nobody reads: the pipe to us is full */
        int sig = ctrl_z(&p);
        if (sig != SIGTSTP)
            fail_msg("redact %d: stop report %d", redact, sig);
    }
    envb_free(&env);
}

/* envseal's program has been reaped: no child of envseal is left. */
static bool no_children(pid_t pid)
{
    char path[64], buf[64] = "x";
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    for (int i = 0; i < 1000; i++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return false;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n == 0)
            return true;
        usleep(10000);
    }
    return false;
}

/* Ctrl-Z once the program has exited, envseal still writing its output to a
 * reader that has stopped reading, or still reading what a background child
 * writes: envseal stops with the rest of the job. */
static void test_group_stop_after_program_exit(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    char *const blocked[] = {(char *)envseal_bin(), "run", "--redact", "--library", shim, "--",
                             "/bin/sh", "-c", "head -c 1500000 /dev/zero", NULL};
    char *const background[] = {(char *)envseal_bin(), "run", "--redact", "--library", shim,
                                "--", "/bin/sh", "-c", "sleep 60 & echo started", NULL};
    for (int c = 0; c < 2; c++) {
        struct proc p;
        assert_int_equal(proc_spawn_with(&p, c ? background : blocked, &env, own_group, NULL),
                         0);
        if (c) {
            assert_true(proc_wait_line(&p, "started", TIMEOUT));
        } else { /* output is there (unread): the program has run */
            struct pollfd pf = {p.out_fd, POLLIN, 0};
            assert_int_equal(poll(&pf, 1, TIMEOUT), 1);
        }
        assert_true(no_children(p.pid));
        int sig = ctrl_z(&p);
        if (sig != SIGTSTP)
            fail_msg("case %d: stop report %d", c, sig);
    }
    envb_free(&env);
}

/* envseal's stdout a pty master (as when a program runs envseal with a pty of its
 * own as stdout): the output arrives on that pty, masked. */
static void test_stdout_a_pty_master(void **state)
{
    (void)state;
    char secret[64];
    harness_random_secret(secret, sizeof secret, "pm");
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "API_TOKEN", secret);
    for (int redact = 0; redact < 2; redact++) {
        int master, slave;
        assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
        struct termios raw;
        tcgetattr(slave, &raw);
        cfmakeraw(&raw);
        tcsetattr(slave, TCSANOW, &raw);
        pid_t pid = fork();
        if (pid == 0) {
            int in = open("/dev/null", O_RDONLY);
            dup2(in, 0);
            dup2(master, 1);
            dup2(master, 2);
            close(slave);
            char *const *argv = PROBE(redact, "secret:API_TOKEN", "out:end");
            execve(argv[0], argv, (char *const *)env.v);
            _exit(121);
        }
        char out[8192] = "";
        size_t len = 0;
        bool got = read_until(slave, out, sizeof out, &len, "end", 5000);
        int st;
        waitpid(pid, &st, 0);
        close(master);
        close(slave);
        if (!got) /* (the control's output holds the value: not printed) */
            fail_msg("redact %d: output lost (%zu bytes arrived)", redact, len);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(redact ? strstr(out, "[REDACTED]") && !strstr(out, secret)
                           : strstr(out, secret) != NULL);
    }
    envb_free(&env);
}

static const char *nobody_envseal, *nobody_shim, *nobody_probe;

static void own_group_unprivileged(const void *arg)
{
    setpgid(0, 0);
    unpriv_become(arg);
}

/* envseal run by another user than the owner of its output pipe (su, runuser,
 * docker exec -u): the pipe cannot be opened again, and Ctrl-Z while the reader
 * has stopped reading still stops envseal. Control: the program alone. */
static void test_group_stop_with_a_pipe_of_another_user(void **state)
{
    (void)state;
    const char *why;
    if (!unpriv_setup(&why))
        skip();
    if (!nobody_envseal) {
        nobody_envseal = unpriv_copy("cli/envseal", "envseal");
        nobody_shim = unpriv_copy("preload/libenvseal.so", "libenvseal.so");
        nobody_probe = unpriv_copy("tests/cli/outprobe", "outprobe");
    }
    assert_non_null(nobody_envseal);
    struct envb env;
    token_env(&env);
    for (int redact = 0; redact < 2; redact++) {
        char *const alone[] = {(char *)nobody_probe, "yes", NULL};
        char *const under[] = {(char *)nobody_envseal, "run",  "--redact", "--library",
                               (char *)nobody_shim,   "--",   (char *)nobody_probe,
                               "yes",                 NULL};
        struct proc p;
        assert_int_equal(
            proc_spawn_with(&p, redact ? under : alone, &env, own_group_unprivileged, NULL), 0);
        usleep(300000);
        int sig = ctrl_z(&p);
        if (sig != SIGTSTP)
            fail_msg("redact %d: stop report %d", redact, sig);
    }
    envb_free(&env);
}

/* Ctrl-C at the terminal while the program's output waits for a slow reader (a
 * pager the user is still reading): the program's summary written on SIGINT is
 * delivered when the reader gets to it, however late. */
static void test_ctrl_c_with_slow_reader_keeps_summary(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    static char script[] = "import os, sys\n"
                           "try:\n"
                           "    os.write(1, b'x' * 1500000)\n"
                           "    while True:\n"
                           "        os.read(0, 1)\n"
                           "except KeyboardInterrupt:\n"
                           "    os.write(1, b'\\nSUMMARY\\n')\n"
                           "    sys.exit(2)\n";
    for (int redact = 0; redact < 2; redact++) {
        char *argv[11];
        python_argv(argv, script, redact, shim);
        int master, slave, p[2];
        assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        if (pid == 0) {
            setsid();
            ioctl(slave, TIOCSCTTY, 0);
            dup2(slave, 0);
            dup2(p[1], 1);
            dup2(slave, 2);
            execve(argv[0], argv, (char *const *)env.v);
            _exit(121);
        }
        close(slave);
        close(p[1]);
        usleep(500000);
        assert_int_equal(write(master, "\x03", 1), 1); /* Ctrl-C */
        sleep(3); /* the reader is busy */
        bool summary;
        read_to_end_finding(p[0], "SUMMARY", &summary);
        close(p[0]);
        int st;
        waitpid(pid, &st, 0);
        close(master);
        if (!summary || !(WIFEXITED(st) && WEXITSTATUS(st) == 2))
            fail_msg("redact %d: summary %d, status %#x", redact, summary, st);
    }
    envb_free(&env);
}

/* As a pid namespace's init (a container's entrypoint), envseal behaves as the
 * program would as init: it ends when the program ends (a background process
 * holding the output does not keep it), reaps the orphans that become its
 * children, and does not leave the program stopped (init cannot be stopped).
 * Controls: the program itself as init. */
static void test_as_namespace_init(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    struct envb env;
    token_env(&env);
    static const struct {
        const char *script, *line;
        int status;
    } cases[] = {
        {"sleep 8 & echo migrated; exit 3", "migrated", 3},
        {"for i in 1 2 3; do sh -c 'sleep 0.2 &'; done; sleep 1;"
         " z=0; for f in /proc/[0-9]*/stat; do read -r l < $f;"
         " case \"$l\" in *') Z '*) z=$((z+1));; esac; done; echo zombies $z",
         "zombies 0", 0},
        {"echo start; kill -STOP $$; echo resumed", "resumed", 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (int redact = 0; redact < 2; redact++) {
            char *const alone[] = {"/usr/bin/unshare", "-fp", "--mount-proc", "/bin/sh", "-c",
                                   (char *)cases[c].script, NULL};
            char *const under[] = {"/usr/bin/unshare", "-fp", "--mount-proc",
                                   (char *)envseal_bin(), "run", "--redact", "--library", shim,
                                   "--", "/bin/sh", "-c", (char *)cases[c].script, NULL};
            struct proc p;
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            assert_int_equal(proc_spawn(&p, redact ? under : alone, &env), 0);
            int st = proc_finish(&p, 6000);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
            if (!(WIFEXITED(st) && WEXITSTATUS(st) == cases[c].status && took < 4) ||
                !text_has_line(p.out, cases[c].line))
                fail_msg("case %zu, redact %d: status %#x after %.1f s, output [%s]", c, redact,
                         st, took, p.out);
        }
    envb_free(&env);
}

/* A signal the program handles and runs on after (a progress report, a reload),
 * then a normal exit: a slow reader gets everything, however late. */
static void test_handled_signal_then_exit_keeps_output(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    static char script[] = "import os, signal, time\n"
                           "signal.signal(signal.SIGUSR1, lambda s, f: None)\n"
                           "signal.signal(signal.SIGHUP, lambda s, f: None)\n"
                           "time.sleep(0.5)\n"
                           "os.write(1, b'x' * 1500000 + b'\\nEND\\n')\n"
                           "time.sleep(0.5)\n";
    for (int redact = 0; redact < 2; redact++) {
        int out;
        pid_t pid = spawn_python_into_pipe(script, redact, shim, &env, &out);
        assert_true(pid > 0);
        usleep(300000);
        kill(pid, SIGUSR1);
        kill(pid, SIGHUP);
        sleep(4); /* the reader is busy */
        bool end;
        size_t total = read_to_end_finding(out, "\nEND\n", &end);
        close(out);
        int st;
        waitpid(pid, &st, 0);
        if (total != 1500005 || !end || !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            fail_msg("redact %d: %zu bytes, status %#x", redact, total, st);
    }
    envb_free(&env);
}

static void ignore_sigchld(const void *arg)
{
    (void)arg;
    signal(SIGCHLD, SIG_IGN);
}

/* A caller that ignores SIGCHLD: the kernel would reap the program before envseal
 * could read its status. envseal reports the status, and the program still
 * inherits the ignored SIGCHLD. */
static void test_caller_ignoring_sigchld(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    char step[32];
    snprintf(step, sizeof step, "ignored:%d", SIGCHLD);
    for (int redact = 0; redact < 2; redact++) {
        struct proc p;
        assert_int_equal(
            proc_spawn_with(&p, PROBE(redact, step, "exit:7"), &env, ignore_sigchld, NULL), 0);
        int st = proc_finish(&p, 5000);
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 7))
            fail_msg("redact %d: status %#x", redact, st);
        char want[32];
        snprintf(want, sizeof want, "ignored %d 1", SIGCHLD);
        assert_true(text_has_line(p.out, want));
    }
    envb_free(&env);
}

static bool gone(pid_t pid)
{
    return proc_state(pid) == '?';
}

static void test_sigterm_after_program_exit_ends_envseal(void **state)
{
    (void)state;
    struct envb env;
    token_env(&env);
    /* the program starts a background child that keeps its output open, and exits */
    struct proc p;
    assert_int_equal(proc_spawn(&p,
                                ARGV((char *)envseal_bin(), "run", "--redact", "--library",
                                     shim, "--", "/bin/sh", "-c",
                                     "sleep 60 & echo \"sh $$ bg $!\"; echo started"),
                                &env),
                     0);
    assert_true(proc_wait_line(&p, "started", TIMEOUT));
    pid_t sh = number_after(p.out, "sh "), bg = number_after(p.out, "bg ");
    assert_true(sh > 0 && bg > 0);
    for (int i = 0; i < 2000 && !gone(sh); i++) /* exited and reaped by envseal */
        usleep(5000);
    assert_true(gone(sh));
    assert_false(gone(bg));
    kill(p.pid, SIGTERM);
    int st = proc_finish(&p, 5000);
    kill(bg, SIGKILL);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    envb_free(&env);
}

int main(void)
{
    snprintf(shim, sizeof shim, "%s", harness_shim_path());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_program_stopping_itself_is_reported),
        cmocka_unit_test(test_sigtstp_to_the_pid_stops_the_program),
        cmocka_unit_test(test_signal_to_own_group_arrives_once),
        cmocka_unit_test(test_any_signal_to_the_pid_reaches_the_program),
        cmocka_unit_test(test_raw_mode_through_stdout_reaches_the_terminal),
        cmocka_unit_test(test_multiline_secret_after_stty_sane),
        cmocka_unit_test(test_echo_off_through_both_stays_off),
        cmocka_unit_test(test_restore_just_before_exit_reaches_the_terminal),
        cmocka_unit_test(test_copied_modes_leave_no_extproc),
        cmocka_unit_test(test_group_stop_while_output_is_blocked),
        cmocka_unit_test(test_group_stop_after_program_exit),
        cmocka_unit_test(test_stdout_a_pty_master),
        cmocka_unit_test(test_group_stop_with_a_pipe_of_another_user),
        cmocka_unit_test(test_sigterm_after_program_exit_ends_envseal),
        cmocka_unit_test(test_caller_ignoring_sigchld),
        cmocka_unit_test(test_ctrl_c_with_slow_reader_keeps_summary),
        cmocka_unit_test(test_as_namespace_init),
        cmocka_unit_test(test_handled_signal_then_exit_keeps_output),
    };
    int failed = cmocka_run_group_tests(tests, NULL, harness_cleanup_group);
    unpriv_cleanup();
    return failed;
}
