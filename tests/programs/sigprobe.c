/* sigprobe: a C program for the signal tests. It prints hashes of values, never a
 * value. Usage: sigprobe MODE [NAME]
 *
 *   hold NAME     copies NAME's value to the heap, a static buffer, the stack and
 *                 a second thread's stack; prints "len N" and "ready"; then per stdin line:
 *                 "fault" dereferences NULL, EOF exits 0
 *   spin NAME     three threads copy the value over and over (registers, stacks);
 *                 prints "len N" and "ready"; "fault" on stdin faults in main
 *   multifault NAME  three threads copy the value; on any stdin line they and
 *                 the main thread all fault at the same moment
 *   term NAME     a SIGTERM handler reads NAME inside the handler and prints
 *                 "term NAME ok" when it still holds the value seen at start;
 *                 the program then exits 0
 *   reraise NAME  a SIGSEGV handler that resets SIGSEGV to SIG_DFL and re-raises
 *                 (what crash reporters do); "fault" on stdin faults for real
 *   oneshot NAME  a SIGQUIT handler installed with SA_RESETHAND prints "quit
 *                 handled"; the next SIGQUIT takes the default action
 *   pid1 NAME     raise(SIGTERM), then SIGSEGV and SIGBUS, each at SIG_DFL, then
 *                 print "alive" and hashes of a copy of NAME's value made before and
 *                 of getenv's value now (as PID 1 of a PID namespace the kernel
 *                 discards the three: sent, not faults)
 *   pid1-trap NAME  unshare(CLONE_NEWPID), then fork: the child, PID 1 of the new
 *                 namespace, copies NAME's value and executes int3 (pid1-trap2:
 *                 the two-byte int $3), then prints "survived"; the parent prints
 *                 how the child ended
 *   refused-term NAME  a seccomp filter refuses rt_sigaction for SIGTERM (EPERM), then
 *                 raise(SIGTERM); prints "alive" should it return
 *   vfork-handler NAME  a SIGUSR1 handler, with SIGSEGV in its sa_mask, and a
 *                 one-shot (SA_RESETHAND) SIGUSR2 handler; a vfork child installs
 *                 another SIGUSR1 handler, reads its action back, raises SIGUSR2
 *                 and execs true; the parent prints what the child read, which
 *                 handler sigaction reports for each and which one runs at
 *                 raise(SIGUSR1)
 *   pid1-fork NAME  unshare(CLONE_NEWPID), then fork: the child, PID 1 of the new
 *                 namespace, has a child of its own send it SIGTERM (kill(1)),
 *                 then prints "alive" and a hash of NAME's value as getenv reads it
 *                 now (the kernel discards that SIGTERM); exits with the child
 *   dispositions  sets dispositions through every interface and prints what
 *                 sigaction reports, for a byte-for-byte comparison */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "tests/programs/deny_syscall.h"

/* sigset and siginterrupt are obsolescent, and exactly what must keep working. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* In glibc but no longer declared by <signal.h>. */
extern sighandler_t bsd_signal(int sig, sighandler_t handler);

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void say(const char *s)
{
    ssize_t r = write(STDOUT_FILENO, s, strlen(s));
    (void)r;
}

static const char *must_getenv(const char *name)
{
    const char *v = name ? getenv(name) : NULL;
    if (!v) {
        fprintf(stderr, "sigprobe: %s is not set\n", name ? name : "(no name)");
        exit(2);
    }
    return v;
}

/* ---- hold ------------------------------------------------------------------------ */

static char static_copy[512];
static pthread_mutex_t thread_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thread_ready = PTHREAD_COND_INITIALIZER;
static int thread_has_copy;

static void *holder_thread(void *arg)
{
    char copy[512]; /* on this thread's stack */
    snprintf(copy, sizeof copy, "%s", (const char *)arg);
    pthread_mutex_lock(&thread_lock);
    thread_has_copy = 1;
    pthread_cond_signal(&thread_ready);
    pthread_mutex_unlock(&thread_lock);
    for (;;)
        pause();
    return NULL;
}

static int *volatile nowhere; /* NULL, unknown to the compiler */

static void wait_stdin(void)
{
    char line[64];
    for (;;) {
        if (fgets(line, sizeof line, stdin)) {
            if (strncmp(line, "fault", 5) == 0)
                *nowhere = 1; /* a real SIGSEGV from the kernel */
            continue;
        }
        if (!ferror(stdin) || errno != EINTR)
            return; /* EOF */
        clearerr(stdin); /* a handled signal interrupted the read */
    }
}

static int hold(const char *name)
{
    const char *v = must_getenv(name);
    char *heap = strdup(v);
    char stack_copy[512];
    snprintf(static_copy, sizeof static_copy, "%s", v);
    snprintf(stack_copy, sizeof stack_copy, "%s", v);
    pthread_t t;
    if (pthread_create(&t, NULL, holder_thread, heap) != 0)
        return 3;
    pthread_mutex_lock(&thread_lock);
    while (!thread_has_copy)
        pthread_cond_wait(&thread_ready, &thread_lock);
    pthread_mutex_unlock(&thread_lock);
    printf("len %zu\nready\n", strlen(stack_copy));
    fflush(stdout);
    wait_stdin();
    return 0;
}

/* ---- spin, multifault -------------------------------------------------------------- */

static pthread_barrier_t fault_barrier;

/* Copies the value over and over: a copy is in its registers and on its stack
 * at any moment. */
static void *spinner_thread(void *arg)
{
    char copy[512];
    size_t n = strlen(arg) + 1;
    for (;;) {
        memcpy(copy, arg, n);
        __asm__ volatile("" ::: "memory");
        explicit_bzero(copy, n);
    }
    return NULL;
}

/* Copies the value, then faults at the same moment as the other threads. */
static void *faulter_thread(void *arg)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", (const char *)arg);
    pthread_barrier_wait(&fault_barrier);
    *nowhere = copy[0];
    return NULL;
}

static int threads(const char *name, bool fault_together)
{
    char *heap = strdup(must_getenv(name));
    enum { N = 3 };
    pthread_t t[N];
    pthread_barrier_init(&fault_barrier, NULL, N + 1);
    for (int i = 0; i < N; i++)
        if (pthread_create(&t[i], NULL, fault_together ? faulter_thread : spinner_thread,
                           heap) != 0)
            return 3;
    printf("len %zu\nready\n", strlen(heap));
    fflush(stdout);
    if (fault_together) {
        char line[64];
        if (fgets(line, sizeof line, stdin)) {
            pthread_barrier_wait(&fault_barrier);
            *nowhere = 1;
        }
        return 0;
    }
    wait_stdin();
    return 0;
}

/* ---- term ------------------------------------------------------------------------ */

static const char *term_name;
static uint32_t term_hash;
static volatile sig_atomic_t term_seen;

static void on_term(int sig)
{
    (void)sig;
    const char *v = getenv(term_name); /* the graceful-shutdown path needs its secrets */
    say(v && fnv(v) == term_hash ? "term ok\n" : "term bad\n");
    term_seen = 1;
}

static int term(const char *name)
{
    term_name = name;
    term_hash = fnv(must_getenv(name));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0)
        return 3;
    say("ready\n");
    while (!term_seen)
        pause();
    say("exiting\n");
    return 0;
}

/* ---- reraise ----------------------------------------------------------------------- */

static void on_segv(int sig)
{
    say("segv handler\n");
    signal(sig, SIG_DFL);
    raise(sig);
}

static int reraise(const char *name)
{
    char *heap = strdup(must_getenv(name));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0)
        return 3;
    printf("reraise %08x\nready\n", fnv(heap));
    fflush(stdout);
    wait_stdin();
    return 0;
}

/* ---- oneshot ----------------------------------------------------------------------- */

static void on_quit_once(int sig)
{
    (void)sig;
    say("quit handled\n");
}

static int oneshot(const char *name)
{
    char *heap = strdup(must_getenv(name));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_quit_once;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGQUIT, &sa, NULL) != 0)
        return 3;
    printf("oneshot %08x\nready\n", fnv(heap));
    fflush(stdout);
    wait_stdin();
    return 0;
}

/* ---- pid1 -------------------------------------------------------------------------- */

static int pid1(const char *name)
{
    char *heap = strdup(must_getenv(name));
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    raise(SIGTERM);
    raise(SIGSEGV);
    raise(SIGBUS);
    printf("alive %08x %08x\n", fnv(heap), fnv(must_getenv(name)));
    return 0;
}

static int pid1_trap(const char *name, bool two_bytes)
{
    char *copy = strdup(must_getenv(name));
    if (unshare(CLONE_NEWPID) != 0) {
        printf("no namespace\n");
        return 0;
    }
    fflush(stdout);
    pid_t init = fork();
    if (init == 0) {
        printf("pid %d\n", (int)getpid());
        fflush(stdout);
#if defined(__x86_64__) || defined(__i386__)
        if (two_bytes)
            __asm__ volatile(".byte 0xcd, 0x03"); /* int $3, as hand-written code has it */
        else
            __asm__ volatile("int3");
#else
        (void)two_bytes;
        __builtin_trap();
#endif
        printf("survived %08x\n", fnv(copy));
        fflush(stdout);
        _exit(0);
    }
    int st;
    if (init < 0 || waitpid(init, &st, 0) != init)
        return 3;
    if (WIFSIGNALED(st))
        printf("child signal %d\n", WTERMSIG(st));
    else
        printf("child exit %d\n", WEXITSTATUS(st));
    free(copy);
    return 0;
}

static int refused_term(const char *name)
{
    must_getenv(name);
    if (deny_syscall(__NR_rt_sigaction, EPERM, 0, SIGTERM) != 0) {
        printf("no seccomp\n");
        return 0;
    }
    raise(SIGTERM);
    printf("alive\n");
    return 0;
}

static volatile sig_atomic_t which_ran;
static void parent_usr1(int sig)
{
    (void)sig;
    which_ran = 1;
}
static void child_usr1(int sig)
{
    (void)sig;
    which_ran = 2;
}

static void print_action(const char *who, int sig, const struct sigaction *a)
{
    printf("%s %d: %s segv %d usr2 %d resethand %d\n", who, sig,
           a->sa_handler == parent_usr1  ? "parent's"
           : a->sa_handler == child_usr1 ? "child's"
           : a->sa_handler == SIG_DFL    ? "SIG_DFL"
                                         : "another",
           sigismember(&a->sa_mask, SIGSEGV), sigismember(&a->sa_mask, SIGUSR2),
           !!(a->sa_flags & SA_RESETHAND));
}

static int vfork_handler(const char *name)
{
    must_getenv(name);
    struct sigaction usr1 = {.sa_handler = parent_usr1}, usr2 = {.sa_handler = parent_usr1};
    sigemptyset(&usr1.sa_mask);
    sigaddset(&usr1.sa_mask, SIGSEGV);
    usr2.sa_mask = usr1.sa_mask;
    sigaddset(&usr2.sa_mask, SIGUSR2);
    usr2.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &usr1, NULL);
    sigaction(SIGUSR2, &usr2, NULL);
    static struct sigaction child_read; /* the child shares this memory until exec */
    pid_t pid = vfork();
    if (pid == 0) {
        signal(SIGUSR1, child_usr1);
        sigaction(SIGUSR1, NULL, &child_read);
        raise(SIGUSR2); /* the parent's one-shot handler, taken in the child */
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    which_ran = 0;
    print_action("child read", SIGUSR1, &child_read);
    struct sigaction cur;
    sigaction(SIGUSR2, NULL, &cur);
    print_action("parent", SIGUSR2, &cur);
    sigaction(SIGUSR1, NULL, &cur);
    print_action("parent", SIGUSR1, &cur);
    printf("reported %s\n", cur.sa_handler == parent_usr1 ? "parent's" : "another");
    raise(SIGUSR1);
    printf("ran %s\n", which_ran == 1 ? "parent's" : which_ran == 2 ? "child's" : "none");
    return 0;
}

static int pid1_fork(const char *name)
{
    must_getenv(name);
    if (unshare(CLONE_NEWPID) != 0) {
        printf("no namespace\n");
        return 0;
    }
    pid_t init = fork();
    if (init == 0) {
        printf("pid %d\n", (int)getpid());
        fflush(stdout);
        pid_t k = fork();
        if (k == 0) {
            kill(1, SIGTERM);
            _exit(0);
        }
        waitpid(k, NULL, 0);
        usleep(100 * 1000);
        const char *v = getenv(name);
        printf("alive %08x\n", v ? fnv(v) : 0);
        fflush(stdout);
        _exit(0);
    }
    int st;
    if (init < 0 || waitpid(init, &st, 0) != init)
        return 3;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- dispositions ------------------------------------------------------------------ */

static volatile sig_atomic_t hits;
static void h1(int sig)
{
    (void)sig;
    hits++;
}
static void h2(int sig)
{
    (void)sig;
    hits++;
}
static char info_line[160];
static void h3(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    snprintf(info_line, sizeof info_line,
             "h3 sig=%d code=%d self=%d blocked_self=%d blocked_int=%d blocked_rt3=%d\n", sig,
             si->si_code, si->si_pid == getpid(), sigismember(&now, sig),
             sigismember(&now, SIGINT), sigismember(&now, SIGRTMIN + 3));
    hits++;
}

static const char *handler_name(void *h)
{
    if (h == (void *)SIG_DFL)
        return "DFL";
    if (h == (void *)SIG_IGN)
        return "IGN";
    if (h == (void *)SIG_ERR)
        return "ERR";
    if (h == (void *)SIG_HOLD)
        return "HOLD";
    if (h == (void *)h1)
        return "h1";
    if (h == (void *)h2)
        return "h2";
    if (h == (void *)h3)
        return "h3";
    return "other";
}

/* What sigaction reports for sig. */
static void show(const char *what, int sig)
{
    struct sigaction o;
    memset(&o, 0x5a, sizeof o);
    errno = 0;
    int rc = sigaction(sig, NULL, &o);
    if (rc != 0) {
        printf("%s %d: rc=%d errno=%d\n", what, sig, rc, errno);
        return;
    }
    uint64_t mask;
    memcpy(&mask, &o.sa_mask, sizeof mask);
    printf("%s %d: handler=%s flags=%#x mask=%016llx restorer=%d\n", what, sig,
           handler_name((void *)o.sa_handler), (unsigned)o.sa_flags, (unsigned long long)mask,
           o.sa_restorer != NULL);
}

static void show_all(const char *what)
{
    for (int sig = 1; sig <= 64; sig++)
        show(what, sig);
}

static void ret(const char *what, sighandler_t h)
{
    printf("%s -> %s errno=%d\n", what, handler_name((void *)h), h == SIG_ERR ? errno : 0);
    errno = 0;
}

static int dispositions(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    show_all("initial");

    ret("signal(INT,h1)", signal(SIGINT, h1));
    show("after signal", SIGINT);
    ret("signal(INT,DFL)", signal(SIGINT, SIG_DFL));
    show("after signal DFL", SIGINT);

    ret("sysv_signal(USR1,h1)", sysv_signal(SIGUSR1, h1));
    show("after sysv_signal", SIGUSR1);
    raise(SIGUSR1); /* one-shot: handled, then SIG_DFL */
    printf("hits=%d\n", (int)hits);
    show("after one-shot", SIGUSR1);

    ret("bsd_signal(USR2,h2)", bsd_signal(SIGUSR2, h2));
    ret("ssignal(ALRM,h1)", ssignal(SIGALRM, h1));
    show("after bsd_signal", SIGUSR2);
    show("after ssignal", SIGALRM);

    printf("siginterrupt(HUP,1) -> %d\n", siginterrupt(SIGHUP, 1));
    show("after siginterrupt", SIGHUP);
    ret("signal(HUP,h2)", signal(SIGHUP, h2));
    show("interrupting handler", SIGHUP);
    ret("signal(HUP,DFL)", signal(SIGHUP, SIG_DFL));
    printf("siginterrupt(HUP,0) -> %d\n", siginterrupt(SIGHUP, 0));
    show("after siginterrupt 0", SIGHUP);

    ret("sigset(TERM,HOLD)", sigset(SIGTERM, SIG_HOLD));
    ret("sigset(TERM,HOLD) again", sigset(SIGTERM, SIG_HOLD));
    ret("sigset(TERM,h1)", sigset(SIGTERM, h1));
    ret("sigset(TERM,DFL)", sigset(SIGTERM, SIG_DFL));
    show("after sigset", SIGTERM);

    struct sigaction sa, old;
    int rc;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h3;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGKILL);
    sigaddset(&sa.sa_mask, SIGRTMIN + 3);
    memset(&old, 0, sizeof old);
    printf("sigaction(QUIT,h3) -> %d\n", sigaction(SIGQUIT, &sa, &old));
    printf("old QUIT handler=%s flags=%#x\n", handler_name((void *)old.sa_handler),
           (unsigned)old.sa_flags);
    show("h3 installed", SIGQUIT);
    raise(SIGQUIT);
    printf("%s", info_line);
    show("after h3", SIGQUIT);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_RESTART | SA_NODEFER | SA_INTERRUPT;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR1);
    sigaddset(&sa.sa_mask, SIGSTOP);
    printf("sigaction(TERM,DFL+flags) -> %d\n", sigaction(SIGTERM, &sa, NULL));
    show("default with flags", SIGTERM);

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h3;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("%s", info_line);

    ret("signal(PIPE,IGN)", signal(SIGPIPE, SIG_IGN));
    show("ignored", SIGPIPE);
    ret("signal(PIPE,DFL)", signal(SIGPIPE, SIG_DFL));
    show("default again", SIGPIPE);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h1;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGRTMIN + 5, &sa, NULL);
    raise(SIGRTMIN + 5);
    show("rt one-shot", SIGRTMIN + 5);

    errno = 0;
    rc = sigaction(32, &sa, NULL);
    printf("sigaction(32) -> %d errno=%d\n", rc, errno);
    errno = 0;
    rc = sigaction(SIGKILL, &sa, NULL);
    printf("sigaction(KILL) -> %d errno=%d\n", rc, errno);
    errno = 0;
    rc = sigaction(SIGSTOP, NULL, &old);
    printf("sigaction(STOP, query) -> %d errno=%d handler=%s\n", rc, errno,
           handler_name((void *)old.sa_handler));
    ret("signal(0,h1)", signal(0, h1));
    ret("signal(65,h1)", signal(65, h1));
    ret("signal(INT,ERR)", signal(SIGINT, SIG_ERR));
    ret("sysv_signal(0,h1)", sysv_signal(0, h1));
    ret("sigset(0,h1)", sigset(0, h1));
    printf("siginterrupt(0,1) -> %d\n", siginterrupt(0, 1));

    printf("hits=%d\n", (int)hits);
    show_all("final");
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    const char *name = argc > 2 ? argv[2] : NULL;
    if (strcmp(mode, "hold") == 0)
        return hold(name);
    if (strcmp(mode, "spin") == 0)
        return threads(name, false);
    if (strcmp(mode, "multifault") == 0)
        return threads(name, true);
    if (strcmp(mode, "term") == 0)
        return term(name);
    if (strcmp(mode, "reraise") == 0)
        return reraise(name);
    if (strcmp(mode, "oneshot") == 0)
        return oneshot(name);
    if (strcmp(mode, "refused-term") == 0 && argc > 2)
        return refused_term(argv[2]);
    if (strcmp(mode, "pid1-trap") == 0 && argc > 2)
        return pid1_trap(argv[2], false);
    if (strcmp(mode, "pid1-trap2") == 0 && argc > 2)
        return pid1_trap(argv[2], true);
    if (strcmp(mode, "vfork-handler") == 0 && argc > 2)
        return vfork_handler(argv[2]);
    if (strcmp(mode, "pid1-fork") == 0 && argc > 2)
        return pid1_fork(argv[2]);
    if (strcmp(mode, "pid1") == 0)
        return pid1(name);
    if (strcmp(mode, "dispositions") == 0)
        return dispositions();
    fprintf(stderr, "sigprobe: unknown mode %s\n", mode);
    return 2;
}
