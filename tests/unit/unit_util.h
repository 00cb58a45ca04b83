/* Helpers shared by the unit tests: running a check in a fork child (cmocka's
 * assertions must not run there), reading a wait status, and unmapping a vault. */
#ifndef ENVSEAL_UNIT_UTIL_H
#define ENVSEAL_UNIT_UTIL_H

/* Includers define _GNU_SOURCE first (strsignal, prctl). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "preload/platform/platform.h"
#include "preload/core/vault.h"

/* A vault entry "NAME=value" equals want; a failure names the entry, never its
 * value (cmocka's assert_string_equal would print both strings). */
#define assert_entry_equal(entry, want)                                                  \
    do {                                                                                 \
        const char *e_ = (entry), *w_ = (want);                                          \
        if (strcmp(e_, w_) != 0)                                                         \
            fail_msg("entry %.*s differs from what was stored", (int)strcspn(w_, "="), w_); \
    } while (0)

/* Exit status of a child whose check failed (the failing line went to stderr). */
#define CHILD_FAILED 90

/* In a child only: reports the failed condition (never a value) and exits. */
static inline void child_fail(int line, const char *what)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "child check failed at line %d: %s\n", line, what);
    if (n > 0)
        (void)!write(STDERR_FILENO, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    _exit(CHILD_FAILED);
}

#define CHILD_CHECK(cond)                      \
    do {                                       \
        if (!(cond))                           \
            child_fail(__LINE__, #cond);       \
    } while (0)

/* Forks, runs fn(arg) in the child and returns the child's wait status. The child
 * gets default signal dispositions (cmocka catches SIGSEGV in the parent) and no
 * core dump, so a fault kills it and leaves no file behind. */
static inline int run_in_child(void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        fn(arg);
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    return status;
}

/* Human-readable wait status for failure messages. */
static inline const char *status_text(int status, char *buf, size_t len)
{
    if (status == -1)
        snprintf(buf, len, "fork failed");
    else if (WIFEXITED(status))
        snprintf(buf, len, "exited with %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "wait status 0x%x", (unsigned)status);
    return buf;
}

/* Unmaps one platform_map mapping including its two guard pages. */
static inline void mapping_unmap(struct mapping *m)
{
    platform_unmap(m);
}

static inline void unmap_region(const struct vault_region *r, void *arg)
{
    (void)arg;
    struct mapping m = r->map;
    platform_unmap(&m);
}

/* Tests own their vaults: give the regions back when done (the descriptor chunks
 * past the first stay mapped: a few pages per test at most). */
static inline void vault_unmap(struct vault *v)
{
    vault_each_region(v, unmap_region, NULL);
    vault_init(v, v->allow_secretmem);
}

#endif
