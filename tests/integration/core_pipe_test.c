/* Cores piped to a handler (systemd-coredump, apport): the kernel streams the core
 * to a program named in core_pattern after '|', whatever RLIMIT_CORE says (but 1),
 * so the crash sweep must run with RLIMIT_CORE 0 too. The test points core_pattern
 * at dd writing each core into a directory of its own, sets RLIMIT_CORE 0 in the
 * probe, and crashes it: the control's core holds pieces of the secret, the cores
 * under libenvseal.so and libenvseal-strict.so none, with the same wait status.
 *
 * core_pattern is the whole system's: the target runs alone (tag "exclusive") and
 * puts the old pattern back however it ends. Needs root; skipped otherwise. */
#define _GNU_SOURCE
#include <fcntl.h>
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
#define PIECE 12
#define PATTERN_FILE "/proc/sys/kernel/core_pattern"

static char secret[96];
static char saved_pattern[256]; /* empty: nothing to put back */
static char core_dir[64];
static char skip_why[256];

/* open and write only: also called from a signal handler. */
static bool write_pattern(const char *pattern)
{
    int fd = open(PATTERN_FILE, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t n = strlen(pattern);
    bool ok = write(fd, pattern, n) == (ssize_t)n;
    return close(fd) == 0 && ok;
}

static void put_pattern_back(void)
{
    if (saved_pattern[0] && write_pattern(saved_pattern))
        saved_pattern[0] = '\0';
}

static void on_signal(int sig)
{
    put_pattern_back();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int group_setup(void **state)
{
    (void)state;
    harness_random_secret(secret, sizeof secret, "pipe");
    char *old = NULL;
    if (read_file_all(PATTERN_FILE, &old) < 0) {
        snprintf(skip_why, sizeof skip_why, "%s is unreadable", PATTERN_FILE);
        return 0;
    }
    old[strcspn(old, "\n")] = '\0';
    snprintf(core_dir, sizeof core_dir, "/tmp/envseal-pipe-XXXXXX");
    if (!mkdtemp(core_dir)) {
        snprintf(skip_why, sizeof skip_why, "mkdtemp failed");
        free(old);
        return 0;
    }
    char pattern[200];
    snprintf(pattern, sizeof pattern, "|/usr/bin/dd of=%s/core.%%p status=none", core_dir);
    snprintf(saved_pattern, sizeof saved_pattern, "%s", old);
    free(old);
    atexit(put_pattern_back);
    for (int sig = SIGHUP; sig <= SIGTERM; sig++)
        if (sig != SIGKILL)
            signal(sig, on_signal);
    if (!write_pattern(pattern)) {
        saved_pattern[0] = '\0';
        snprintf(skip_why, sizeof skip_why, "cannot write %s (root is needed)", PATTERN_FILE);
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    put_pattern_back();
    if (core_dir[0])
        rmdir(core_dir);
    explicit_bzero(secret, sizeof secret);
    harness_cleanup();
    return 0;
}

static void no_core_limit(const void *arg)
{
    (void)arg;
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    if (chdir("/") != 0)
        _exit(126);
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* dd may still be writing when the probe is reaped: wait until the core's size has
 * held for half a second (or 20 s have passed). */
static void wait_core_written(pid_t pid)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/core.%d", core_dir, (int)pid);
    long end = now_ms() + 20000, stable_since = 0;
    off_t last = -1;
    while (now_ms() < end) {
        struct stat st;
        if (stat(path, &st) == 0 && st.st_size > 0) {
            if (st.st_size != last) {
                last = st.st_size;
                stable_since = now_ms();
            } else if (now_ms() - stable_since >= 500) {
                return;
            }
        }
        usleep(50000);
    }
}

/* Crashes the probe (a copy of the value on the heap, then a NULL store) under the
 * given library (NULL: none); returns the wait status and the pieces in its core
 * (-1: no core arrived). */
static int crash(const char *lib, long *pieces)
{
    struct envb env;
    envb_init(&env, false);
    if (lib)
        envb_set(&env, "LD_PRELOAD", harness_runfile(lib));
    envb_set(&env, VAR, secret);
    char *argv[] = {(char *)harness_runfile("tests/programs/crashprobe"), "simd-after", VAR,
                    NULL};
    struct proc p;
    assert_int_equal(proc_spawn_with(&p, argv, &env, no_core_limit, NULL), 0);
    envb_free(&env);
    pid_t pid = p.pid;
    int status = proc_finish(&p, 30000);
    wait_core_written(pid);
    *pieces = harness_core_pieces(core_dir, secret, PIECE);
    print_message("%s: status %#x, %ld pieces in the piped core\n", lib ? lib : "control",
                  status, *pieces);
    return status;
}

static void test_piped_core_swept_with_core_limit_zero(void **state)
{
    (void)state;
    if (skip_why[0]) {
        print_message("skipped: %s\n", skip_why);
        skip();
    }
    long control_pieces;
    int control = crash(NULL, &control_pieces);
    if (!WIFSIGNALED(control) || WTERMSIG(control) != SIGSEGV || !WCOREDUMP(control))
        fail_msg("the control did not die of SIGSEGV with a core (status %#x)", control);
    if (control_pieces <= 0)
        fail_msg("the control's piped core holds no piece of the secret: the check would "
                 "catch nothing");
    static const char *const libs[] = {"preload/libenvseal.so", "preload/libenvseal-strict.so"};
    for (size_t i = 0; i < 2; i++) {
        long pieces;
        int status = crash(libs[i], &pieces);
        if (status != control)
            fail_msg("%s: wait status %#x, control %#x", libs[i], status, control);
        if (pieces < 0)
            fail_msg("%s: no core reached the pipe handler", libs[i]);
        if (pieces > 0)
            fail_msg("%s: the piped core holds %ld %d-byte pieces of the secret", libs[i], pieces,
                     PIECE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_piped_core_swept_with_core_limit_zero),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
