/* crashprobe: programs that crash in the ways an attacker review found hostile to the
 * crash sweep. Each copies the value of NAME somewhere first, then crashes; it never
 * prints a value. Usage: crashprobe MODE NAME
 *
 *   overflow          copies the value to the heap, then recurses without bound
 *   overflow-thread   the same in a thread made by pthread_create after start-up
 *   overflow-own      the same, after setting an alternate signal stack of its own
 *   blocked-thread    a worker blocks every signal (pthread_sigmask), prints whether
 *                     SIGSEGV reads back as blocked ("mask full" / "mask partial"),
 *                     then dereferences NULL
 *   blocked-main      the same in the main thread with sigprocmask
 *   blocked-attr      the same in a thread whose mask comes from its attributes
 *                     (pthread_attr_setsigmask_np with every signal)
 *   simd-after        memcpy, strcpy and strlen on the value, then a NULL store
 *   simd-inside       memcpy of the value into a buffer that ends at a PROT_NONE
 *                     page: the fault happens inside memcpy
 *   abort-ignored, abort-handler-returns, abort-handler-resets, abort-self-blocked,
 *   abort-in-handler, assert-handler-returns
 *                     the value copied, then abort() with SIGABRT ignored, with a
 *                     handler that returns (printing "handler returned"), one that
 *                     also resets SIGABRT to SIG_DFL, SIGABRT blocked by the caller,
 *                     or from a SIGSEGV handler whose sa_mask holds every signal; or
 *                     a failed assert() with the handler that returns
 *   unset-then-crash, replace-then-crash, clearenv-then-crash, putenv-name-then-crash
 *                     the value copied to the heap, then NAME unset, replaced,
 *                     cleared with the whole environment, or removed by putenv of
 *                     the bare name; then a NULL store
 *   abort-left-by-builtin-jump, abort-nested-kill, abort-context-rewritten
 *                     abort's SIGABRT handler takes the program out of abort (by
 *                     __builtin_longjmp, then a kill()ed SIGABRT whose handler
 *                     returns; through a nested SIGABRT that returns, then
 *                     siglongjmp; by rewriting its context): prints counts, exits 0
 *   shared-anon       a copy in a MAP_SHARED|MAP_ANONYMOUS page, then a NULL store
 *   straddle          a copy across the boundary of two writable mappings (one page
 *                     of a two-page region locked with mlock), then a NULL store
 *   straddle-madvise  the same, split with madvise(MADV_DONTFORK)
 *   handler-fault     a SIGUSR1 handler installed with every signal in its sa_mask
 *                     prints whether sigaction reports SIGSEGV in that mask, copies
 *                     the value and dereferences NULL; the program raises SIGUSR1
 *   inherited         prints whether SIGSEGV is blocked (as its parent left it
 *                     across exec), then dereferences NULL
 *   held-kill         blocks SIGSEGV, prints "ready", and on a stdin line prints
 *                     whether SIGSEGV is pending ("pending 1"); exits 0 at EOF
 *   held-unblock      blocks every signal; a child process sends SIGSEGV (kill); prints
 *                     whether it is pending, sets the same full mask again and prints
 *                     that again, then restores the old mask (dies there)
 *   held-raise        blocks SIGSEGV, raise(SIGSEGV), prints whether it is pending
 *                     and blocked, unblocks it (dies there)
 *   held-worker       a worker that blocks nothing waits; the main thread blocks
 *                     every signal and waits for SIGTERM (sigwait), while a child
 *                     process sends SIGSEGV, then SIGTERM a second later; the kernel
 *                     gives SIGSEGV to the worker
 *   held-sigwait      blocks SIGSEGV; a child sends it, sigtimedwait takes it; a child
 *                     sends it again, a signalfd read takes it; prints each (signal,
 *                     si_code, whether the child sent it) and what stays pending
 *   held-eintr        blocks every signal; a child sends SIGBUS during poll (1 s), then
 *                     again during nanosleep (1 s); prints what each returned
 *   abort-blocked     a worker that blocks every signal copies the value over and
 *                     over (slices in its registers); the main thread aborts
 *   late-secret       starts with no secret at all; reads a value from stdin, sets
 *                     NAME to it with setenv, copies it to the heap, overflows the
 *                     stack
 *   altstack          prints what sigaltstack reports: at start, in a new thread,
 *                     after setting one, after disabling it, after setting one too
 *                     small for envseal's crash handler, and in a handler running
 *                     on that one (no crash)
 *   context-recovery  a SIGSEGV handler resumes at a getcontext checkpoint with
 *                     setcontext, three times; prints the count and whether SIGSEGV
 *                     reads back as blocked; SIG_DFL, the value copied, a NULL write
 *   swap-self         swapcontext(&x, &x) five times (it resumes in place), prints
 *                     the count; the value copied, a NULL write
 *   save-point-masks  reads back the fault signals blocked after a jump to a
 *                     sigsetjmp(env, 1) or to the BSD setjmp function (buffers on
 *                     the heap) and after a switch back to a getcontext
 *                     checkpoint, blocked before or after the save; the value
 *                     copied, a NULL write
 *   save-point-readback the read-backs alone; exits 0 (run under memcheck)
 *   altstack-in-handler sets a 16 KiB alternate stack; a SIGUSR1 handler sets a
 *                     small one (which the kernel undoes when it returns); prints the
 *                     stack read back, disables and unmaps it, copies the value, aborts
 *   probe-longjmp     a SIGSEGV handler left by longjmp (no mask restored) after
 *                     one memory probe; prints how many probes found no memory and
 *                     whether SIGSEGV reads back as blocked; SIGSEGV back to
 *                     SIG_DFL, the value copied, a NULL write
 *   probe-siglongjmp  the same with sigsetjmp(env, 1)/siglongjmp, 100 probes, SIGBUS
 *                     blocked by the program first (also read back)
 *   own-handler-fault a SIGSEGV handler that faults itself; the value copied, a
 *                     NULL write ("survived" should it return)
 *   own-handler-blocked the same handler, SIGSEGV blocked by sigprocmask first
 *   small-altstack-abort, -term, -segv
 *                     sets an alternate stack of 2048 bytes (abort, term) or 4096
 *                     (segv) above an inaccessible page, no handler; copies the
 *                     value, then abort(), raise(SIGTERM) or a NULL write
 *   main-exit         main starts a worker and ends itself with pthread_exit; the
 *                     worker waits until the main thread is a zombie (exit 4 if
 *                     it never is), copies the value to the heap and
 *                     dereferences NULL
 *   main-exit-shared  the same, but the copy goes to a MAP_SHARED mapping of the
 *                     file shared-map in the working directory, which the program
 *                     has the kernel dump (coredump_filter 0x3b)
 *   handler-mask      a SIGALRM handler blocks every signal and returns (the kernel
 *                     puts the mask back); a crash reporter for SIGSEGV resets it to
 *                     SIG_DFL and raises it again; the program raises SIGALRM, prints
 *                     whether SIGSEGV reads back as blocked, then dereferences NULL
 *   handler-mask-raise the same handler, then raise(SIGSEGV) at SIG_DFL; prints
 *                     "raise returned" should it return
 *   vfork-mask        the crash reporter above; a vfork child blocks every signal
 *                     and execs true; the parent prints whether SIGSEGV reads back
 *                     as blocked, then dereferences NULL
 *   vfork-unmask      blocks SIGSEGV; a vfork child unblocks everything and execs
 *                     true; the parent prints its SIGSEGV state, raises SIGSEGV and
 *                     prints whether it is pending; exits 0
 *   sighold-crash, sigblock-crash
 *                     the value copied, SIGSEGV blocked with sighold or (glibc) the
 *                     BSD sigblock; prints whether it reads back as blocked, then
 *                     dereferences NULL
 *   sigrelse-raise    blocks SIGSEGV with sigprocmask, releases it with sigrelse,
 *                     prints whether it reads back as blocked, copies the value and
 *                     raises SIGSEGV ("survived" should it return)
 *   legacy-masks      what sigprocmask and the System V and BSD mask functions
 *                     (glibc) read back of each other's changes; exits 0
 *   wait-sigsuspend-fault, wait-ppoll-fault, wait-pselect-fault, wait-epoll-fault
 *                     blocks SIGUSR1; a child sends it 100 ms later while the program
 *                     waits in sigsuspend, ppoll, pselect or epoll_pwait with a mask of
 *                     every signal but SIGUSR1; its handler prints whether SIGSEGV
 *                     reads back as blocked, copies the value and dereferences NULL
 *   wait-masks        the same four waits, with a handler that prints whether
 *                     SIGSEGV and SIGBUS read back as blocked and returns; after
 *                     each, prints what the program's mask (SIGBUS blocked) reads
 *                     back; exits 0
 *   wait-ppoll-fortified-fault  the same with ppoll on an array of one descriptor
 *                     whose size the compiler knows (glibc's fortified __ppoll_chk)
 *   wait-sent-segv    the value copied; waits in sigsuspend with every signal but
 *                     SIGUSR1 blocked; a child sends SIGSEGV at 0.1 s, then SIGUSR1
 *                     (whose handler returns, silent) at 0.5 s: SIGSEGV, pending
 *                     through the wait, ends the process when the wait puts the mask
 *                     back
 *   timer-periodic    a SIGEV_THREAD timer every 20 ms; after 5 runs of its function
 *                     timer_delete; prints "alive" 100 ms later; exits 0
 *   aio-then-crash    the value copied to the heap and through a stack buffer; an
 *                     aio_write of five other bytes to the file aio-out (the C
 *                     library's helper thread starts then), aio_suspend, then a NULL
 *                     store
 *   unparkable-thread a thread blocks every signal with a raw rt_sigprocmask (past
 *                     envseal's interposers) and sleeps; then the value copied and a
 *                     NULL store in the main thread
 *   gai-then-crash    the value copied as for aio-then-crash; getaddrinfo_a of
 *                     "localhost" (glibc's helper thread starts then), gai_suspend,
 *                     then a NULL store (glibc only)
 *   mq-then-crash     the same with mq_notify(SIGEV_THREAD) on a new message queue
 *                     (glibc's helper thread starts then)
 *   fork-child-quit   a fork child (no exec) copies the value and raises SIGQUIT;
 *                     prints how the child ended; exits 0 (run as PID 1 of a PID
 *                     namespace, whose fork child can die of a sent signal)
 *   timer-thread      the value copied; a SIGEV_THREAD timer's function prints
 *                     whether SIGSEGV reads back as blocked in its thread, copies
 *                     the value there and dereferences NULL
 *   aio-notify-thread the same function as an aio_write's SIGEV_THREAD
 *                     notification (musl runs it in its I/O thread, every signal
 *                     blocked); the same aiocb is written twice first, the second
 *                     time awaited, so that it goes in twice
 *   lio-list-fault    the same function as a lio_listio(LIO_NOWAIT) list's own
 *                     SIGEV_THREAD notification
 *   lio-request-fault the same function as the SIGEV_THREAD notification of a
 *                     request that lio_listio(LIO_NOWAIT) sends in
 *   lio-notify        lio_listio(LIO_NOWAIT) of two writes, each request and the list
 *                     notified by SIGEV_THREAD; prints which ran once all three
 *                     have, then what lio_listio of a negative count with the same
 *                     notification returns, and how often the list's has run; exits 0 */
#define _GNU_SOURCE
#undef NDEBUG /* the assert modes */
#include <aio.h>
#include <mqueue.h>
#include <netdb.h>
#include <assert.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#if defined(__GLIBC__) /* musl has no ucontext functions */
#include <ucontext.h>
#endif
#include <unistd.h>

static int *volatile nowhere; /* NULL, unknown to the compiler */
static char *volatile keep;   /* keeps copies alive */

static const char *must_getenv(const char *name)
{
    const char *v = name ? getenv(name) : NULL;
    if (!v) {
        fprintf(stderr, "crashprobe: %s is not set\n", name ? name : "(no name)");
        exit(2);
    }
    return v;
}

/* ---- overflow ------------------------------------------------------------------ */

static volatile int forever = 1; /* unknown to the compiler */

static unsigned long recurse(unsigned long n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    if (!forever)
        return n;
    return recurse(n + 1) + pad[0]; /* not a tail call */
}

static void *overflow_thread(void *arg)
{
    (void)arg;
    recurse(0);
    return NULL;
}

static int overflow(const char *v, int how)
{
    keep = strdup(v);
    if (how == 2) { /* the program's own alternate stack */
        stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16, .ss_flags = 0};
        if (sigaltstack(&ss, NULL) != 0)
            return 3;
    }
    puts("ready");
    fflush(stdout);
    if (how == 1) {
        pthread_t t;
        if (pthread_create(&t, NULL, overflow_thread, NULL) != 0)
            return 3;
        pthread_join(t, NULL);
        return 0;
    }
    recurse(0);
    return 0;
}

/* ---- blocked ------------------------------------------------------------------- */

static void report_mask(const sigset_t *s)
{
    int full = 1;
    for (int sig = 1; sig < 65; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && sig != 32 && sig != 33 && !sigismember(s, sig))
            full = 0;
    printf("mask %s segv %d\n", full ? "full" : "partial", sigismember(s, SIGSEGV));
    fflush(stdout);
}

static void *blocked_thread(void *arg)
{
    sigset_t all, cur;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    report_mask(&cur);
    *(volatile char *)keep = ((char *)arg)[0];
    *nowhere = 1;
    return NULL;
}

static void *attr_thread(void *arg)
{
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    report_mask(&cur);
    *(volatile char *)keep = ((char *)arg)[0];
    *nowhere = 1;
    return NULL;
}

static int blocked_attr(const char *v)
{
    keep = strdup(v);
    puts("ready");
    fflush(stdout);
    pthread_attr_t a;
    sigset_t all;
    sigfillset(&all);
    pthread_attr_init(&a);
#if defined(__GLIBC__) /* glibc 2.32 and later; musl has no such attribute */
    pthread_attr_setsigmask_np(&a, &all);
#else
    return 2;
#endif
    pthread_t t;
    if (pthread_create(&t, &a, attr_thread, keep) != 0)
        return 3;
    pthread_join(t, NULL);
    return 0;
}

static int blocked(const char *v, bool thread)
{
    keep = strdup(v);
    puts("ready");
    fflush(stdout);
    if (thread) {
        pthread_t t;
        if (pthread_create(&t, NULL, blocked_thread, keep) != 0)
            return 3;
        pthread_join(t, NULL);
        return 0;
    }
    sigset_t all, cur;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    report_mask(&cur);
    *nowhere = 1;
    return 0;
}

static void on_usr1(int sig)
{
    (void)sig;
    char copy[128]; /* on the stack the handler runs on */
    snprintf(copy, sizeof copy, "%s", keep);
    __asm__ volatile("" : : "r"(copy) : "memory");
    *nowhere = 1;
}

static int handler_fault(const char *v)
{
    keep = strdup(v);
    struct sigaction sa, back;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigfillset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR1, NULL, &back);
    printf("handler mask segv %d\n", sigismember(&back.sa_mask, SIGSEGV));
    puts("ready");
    fflush(stdout);
    raise(SIGUSR1);
    return 0;
}

/* ---- handlers of the program's for SIGSEGV --------------------------------------- */

static sigjmp_buf probe_env;
static jmp_buf probe_plain_env;
static int probe_how; /* 'l' longjmp, 's' siglongjmp with the mask saved */

static void leave_by_jump(int sig)
{
    (void)sig;
    if (probe_how == 'l')
        longjmp(probe_plain_env, 1);
    siglongjmp(probe_env, 1);
}

/* Whether p can be read: a memory probe, as test frameworks and garbage collectors
 * write them. */
static int readable(volatile int *p)
{
    if (probe_how == 'l' ? setjmp(probe_plain_env) : sigsetjmp(probe_env, 1))
        return 0;
    (void)*p;
    return 1;
}

/* A SIGSEGV handler left by a jump, `rounds` probes (with longjmp, which restores no
 * mask, the kernel would kill the second), then SIGSEGV back to SIG_DFL, the value
 * copied and a NULL write. */
static int probe_then_crash(const char *v, int how, int rounds)
{
    probe_how = how;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = leave_by_jump;
    sigaction(SIGSEGV, &sa, NULL);
    sigset_t bus, cur;
    sigemptyset(&bus);
    sigaddset(&bus, SIGBUS);
    if (how == 's') /* blocked by the program before sigsetjmp: the jump keeps it so */
        sigprocmask(SIG_BLOCK, &bus, NULL);
    int unreadable = 0;
    for (int i = 0; i < rounds; i++)
        unreadable += !readable((volatile int *)nowhere + 2);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("unreadable %d segv blocked %d bus blocked %d\n", unreadable,
           sigismember(&cur, SIGSEGV), sigismember(&cur, SIGBUS));
    signal(SIGSEGV, SIG_DFL);
    keep = strdup(v);
    puts("ready");
    fflush(stdout);
    *nowhere = 1;
    return 0;
}

#if defined(__GLIBC__)
static ucontext_t checkpoint;
static volatile int recoveries;

static void back_to_checkpoint(int sig)
{
    (void)sig;
    recoveries++;
    setcontext(&checkpoint); /* the mask saved by getcontext comes back, raw */
}

/* A SIGSEGV handler that resumes at a checkpoint taken with getcontext (an
 * interpreter's recovery): three faults, each recovered; then SIGSEGV back to
 * SIG_DFL, the value copied, a NULL write. */
static int context_recovery(const char *v)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = back_to_checkpoint;
    sigaction(SIGSEGV, &sa, NULL);
    for (volatile int i = 0; i < 3; i++) {
        getcontext(&checkpoint);
        if (recoveries == i)
            *nowhere = 1;
    }
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("recovered %d segv blocked %d\n", recoveries, sigismember(&cur, SIGSEGV));
    signal(SIGSEGV, SIG_DFL);
    keep = strdup(v);
    puts("ready");
    fflush(stdout);
    *nowhere = 1;
    return 0;
}

/* swapcontext(&x, &x), as a scheduler yields when its thread is the only one left:
 * it resumes where it is, five times; then the value copied and a NULL write. */
static int swap_self(const char *v)
{
    static ucontext_t x;
    static volatile int n;
    ucontext_t *volatile self = &x; /* the same context both ways, as a scheduler passes it */
    for (n = 0; n < 5; n++)
        if (swapcontext(self, self) != 0)
            return 3;
    printf("swapped in place %d\n", n);
    keep = strdup(v);
    puts("ready");
    fflush(stdout);
    *nowhere = 1;
    return 0;
}

/* What a save point restores of the fault signals, five ways: a mask blocked after
 * sigsetjmp, one blocked before it and unblocked after, the same with the BSD setjmp
 * function (which saves the mask too), a mask blocked after getcontext; each read
 * back after the jump or switch back. The jump buffers are on the heap, uninitialised,
 * as a program's may be. */
static int save_point_readback(void)
{
    sigjmp_buf *env = malloc(sizeof *env);
    jmp_buf *bsd = malloc(sizeof *bsd);
    if (!env || !bsd)
        return 3;
    sigset_t bus, segv, cur;
    sigemptyset(&bus);
    sigaddset(&bus, SIGBUS);
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    if (!sigsetjmp(*env, 1)) {
        sigprocmask(SIG_BLOCK, &bus, NULL);
        siglongjmp(*env, 1);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("blocked after sigsetjmp: bus %d\n", sigismember(&cur, SIGBUS));
    sigprocmask(SIG_BLOCK, &bus, NULL);
    if (!sigsetjmp(*env, 1)) {
        sigprocmask(SIG_UNBLOCK, &bus, NULL);
        siglongjmp(*env, 1);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("blocked before sigsetjmp: bus %d\n", sigismember(&cur, SIGBUS));
    if (!(setjmp)(*bsd)) { /* the function, not the macro (_setjmp) */
        sigprocmask(SIG_UNBLOCK, &bus, NULL);
        longjmp(*bsd, 1);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("blocked before setjmp: bus %d\n", sigismember(&cur, SIGBUS));
    sigprocmask(SIG_UNBLOCK, &bus, NULL);
    free(bsd);
    free(env);
    static volatile int back;
    getcontext(&checkpoint);
    if (!back) {
        back = 1;
        sigprocmask(SIG_BLOCK, &segv, NULL);
        setcontext(&checkpoint);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("blocked after getcontext: segv %d\n", sigismember(&cur, SIGSEGV));
    sigprocmask(SIG_UNBLOCK, &segv, NULL);
    return 0;
}

/* The read-backs above, then the value copied and a NULL write. */
static int save_point_masks(const char *v)
{
    int r = save_point_readback();
    if (r)
        return r;
    keep = strdup(v);
    puts("ready");
    fflush(stdout);
    *nowhere = 1;
    return 0;
}
#endif

static void fault_again(int sig)
{
    (void)sig;
    *nowhere = 2; /* the handler itself faults: SIGSEGV is blocked while it runs */
}

/* A SIGSEGV handler of the program's that faults itself (a crash reporter that
 * crashes), or that runs while the program blocks SIGSEGV (how 'b'): the kernel
 * kills the process either way, without running it (again). */
static int own_handler_fault(const char *v, int how)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fault_again;
    sigaction(SIGSEGV, &sa, NULL);
    if (how == 'b') {
        sigset_t segv;
        sigemptyset(&segv);
        sigaddset(&segv, SIGSEGV);
        sigprocmask(SIG_BLOCK, &segv, NULL);
    }
    keep = strdup(v);
    puts("ready");
    fflush(stdout);
    *nowhere = 1;
    puts("survived");
    return 0;
}

/* ---- masks put back behind the program's calls ---------------------------------- */

static void print_pending(const char *when, int sig);

static void block_all_and_return(int sig)
{
    (void)sig;
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL); /* its return puts the old mask back */
}

static void crash_reporter(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
}

static void print_segv_blocked(const char *when)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("%s: segv blocked %d\n", when, sigismember(&cur, SIGSEGV));
    fflush(stdout);
}

static int handler_mask(const char *v, bool raise_segv)
{
    keep = strdup(v);
    signal(SIGALRM, block_all_and_return);
    if (!raise_segv)
        signal(SIGSEGV, crash_reporter);
    raise(SIGALRM);
    print_segv_blocked("after the handler");
    if (raise_segv) {
        raise(SIGSEGV);
        puts("raise returned");
        return 0;
    }
    *nowhere = 1;
    return 0;
}

/* A vfork child that sets its mask before exec (unblock: to nothing, else to every
 * signal) changes the kernel's mask of the child alone. */
static void vfork_exec_true(bool unblock)
{
    sigset_t set;
    if (unblock)
        sigemptyset(&set);
    else
        sigfillset(&set);
    pid_t pid = vfork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &set, NULL);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    int status;
    if (pid > 0)
        waitpid(pid, &status, 0);
}

static int vfork_mask(const char *v, bool unblock)
{
    keep = strdup(v);
    if (unblock) {
        sigset_t segv;
        sigemptyset(&segv);
        sigaddset(&segv, SIGSEGV);
        sigprocmask(SIG_BLOCK, &segv, NULL);
        vfork_exec_true(true);
        print_segv_blocked("after vfork");
        raise(SIGSEGV);
        print_pending("raised", SIGSEGV);
        return 0;
    }
    signal(SIGSEGV, crash_reporter);
    vfork_exec_true(false);
    print_segv_blocked("after vfork");
    *nowhere = 1;
    return 0;
}

static int inherited(const char *v)
{
    keep = strdup(v);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("inherited segv %d\n", sigismember(&cur, SIGSEGV));
    fflush(stdout);
    *nowhere = 1;
    return 0;
}

static int held_kill(const char *v)
{
    keep = strdup(v);
    sigset_t segv, pending;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    sigprocmask(SIG_BLOCK, &segv, NULL);
    puts("ready");
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        sigpending(&pending);
        printf("pending %d\n", sigismember(&pending, SIGSEGV));
        fflush(stdout);
    }
    return 0;
}

/* ---- sent fault signals while blocked ---------------------------------------------- */

/* A child process sends sig to this one after delay_ms; returns the child. */
static pid_t send_later(int sig, int delay_ms)
{
    pid_t parent = getpid(), c = fork();
    if (c == 0) {
        if (delay_ms)
            usleep((useconds_t)delay_ms * 1000);
        kill(parent, sig);
        _exit(0);
    }
    return c;
}

/* Sends sig from a child process and waits until it was sent. */
static pid_t send_now(int sig)
{
    pid_t c = send_later(sig, 0);
    waitpid(c, NULL, 0);
    return c;
}

static void print_pending(const char *when, int sig)
{
    sigset_t p, cur;
    sigpending(&p);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("%s: pending %d blocked %d\n", when, sigismember(&p, sig), sigismember(&cur, sig));
    fflush(stdout);
}

static int held_unblock(const char *v)
{
    keep = strdup(v);
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    send_now(SIGSEGV);
    print_pending("sent", SIGSEGV);
    sigprocmask(SIG_SETMASK, &all, NULL); /* still blocked: stays pending */
    print_pending("same mask", SIGSEGV);
    sigprocmask(SIG_SETMASK, &old, NULL);
    puts("not reached");
    return 0;
}

static int held_raise(const char *v)
{
    keep = strdup(v);
    sigset_t segv;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    sigprocmask(SIG_BLOCK, &segv, NULL);
    raise(SIGSEGV);
    print_pending("raised", SIGSEGV);
    sigprocmask(SIG_UNBLOCK, &segv, NULL);
    puts("not reached");
    return 0;
}

static void *waiter(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static int held_worker(const char *v)
{
    keep = strdup(v);
    pthread_t t;
    if (pthread_create(&t, NULL, waiter, NULL) != 0)
        return 3;
    sigset_t all, term;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pid_t parent = getpid();
    if (fork() == 0) { /* main waits then: the kernel offers SIGSEGV to main first */
        usleep(200 * 1000);
        kill(parent, SIGSEGV);
        usleep(1000 * 1000);
        if (getppid() == parent) /* still alive: let it end */
            kill(parent, SIGTERM);
        _exit(0);
    }
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    int sig = 0;
    sigwait(&term, &sig);
    printf("survived: sigwait %d\n", sig);
    return 0;
}

static void print_taken(const char *how, int sig, int code, pid_t from, pid_t child)
{
    printf("%s: signal %d code %d from child %d\n", how, sig, code, from == child);
    fflush(stdout);
}

static int held_sigwait(void)
{
    sigset_t segv;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    sigprocmask(SIG_BLOCK, &segv, NULL);
    pid_t c = send_now(SIGSEGV);
    siginfo_t si;
    struct timespec two = {2, 0};
    int sig = sigtimedwait(&segv, &si, &two);
    print_taken("sigtimedwait", sig, sig > 0 ? si.si_code : 0, sig > 0 ? si.si_pid : 0, c);
    int fd = signalfd(-1, &segv, SFD_CLOEXEC);
    c = send_now(SIGSEGV);
    struct pollfd pfd = {fd, POLLIN, 0};
    struct signalfd_siginfo ss;
    memset(&ss, 0, sizeof ss);
    if (fd < 0 || poll(&pfd, 1, 2000) != 1 || read(fd, &ss, sizeof ss) != sizeof ss)
        puts("signalfd: nothing");
    else
        print_taken("signalfd", (int)ss.ssi_signo, ss.ssi_code, (pid_t)ss.ssi_pid, c);
    print_pending("after", SIGSEGV);
    return 0;
}

static int held_eintr(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    pid_t c = send_later(SIGBUS, 200);
    int r = poll(NULL, 0, 1000);
    printf("poll %d %s\n", r, r < 0 ? strerror(errno) : "timeout");
    waitpid(c, NULL, 0);
    c = send_later(SIGBUS, 200);
    struct timespec one = {1, 0};
    r = nanosleep(&one, NULL);
    printf("nanosleep %d %s\n", r, r < 0 ? strerror(errno) : "slept");
    waitpid(c, NULL, 0);
    print_pending("after", SIGBUS);
    return 0;
}

static void *copier(void *arg)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    /* Source and destination are left out of the core (MADV_DONTDUMP), where no
     * sweep looks and none is needed: only the registers carry the value. */
    size_t n = strlen(arg);
    char *src = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (src == MAP_FAILED || madvise(src, 8192, MADV_DONTDUMP) != 0)
        abort();
    char *buf = src + 4096;
    memcpy(src, arg, n + 1);
    for (;;) {
        memcpy(buf, src, n + 1);
#if defined(__x86_64__)
        /* The first 32 bytes in four registers that lie side by side in a core's
         * register note (r15, r14, r13, r12): a loop that only loads them. */
        for (int i = 0; i < 1000; i++)
            __asm__ volatile("mov (%0), %%r15\n\tmov 8(%0), %%r14\n\t"
                             "mov 16(%0), %%r13\n\tmov 24(%0), %%r12"
                             :
                             : "r"(src)
                             : "r12", "r13", "r14", "r15");
#endif
        __asm__ volatile("" : : "r"(buf) : "memory");
    }
    return NULL;
}

static int abort_blocked(const char *v)
{
    keep = strdup(v);
    pthread_t t;
    if (pthread_create(&t, NULL, copier, keep) != 0)
        return 3;
    puts("ready");
    fflush(stdout);
    usleep(100 * 1000);
    abort();
}

/* ---- a secret removed or replaced, then a crash ---------------------------------- */

/* The program copies the value, then takes it out of the environment ('u' unsetenv,
 * 'r' setenv of another value, 'c' clearenv, 'p' putenv of the bare name), as a
 * program hiding it from its children does; then a NULL store. */
static int gone_then_crash(const char *name, const char *v, int how)
{
    keep = strdup(v);
    if (how == 'u')
        unsetenv(name);
    else if (how == 'r')
        setenv(name, "replacement-value", 1);
    else if (how == 'c')
        clearenv();
    else if (how == 'p')
        putenv((char *)name);
    puts("ready");
    fflush(stdout);
    *nowhere = 1;
    return 0;
}

/* ---- abort past the SIGABRT hook --------------------------------------------------- */

static void abort_returns(int sig)
{
    (void)sig;
    static const char line[] = "handler returned\n";
    (void)!write(1, line, sizeof line - 1);
}

static void abort_resets(int sig)
{
    signal(sig, SIG_DFL);
    abort_returns(sig);
}

static void abort_from_handler(int sig)
{
    (void)sig;
    abort();
}

/* abort() ends the process by SIGABRT at SIG_DFL, which the C library sets itself,
 * when the first SIGABRT it raises does not: how 'i' SIGABRT ignored, 'r' a
 * handler that returns, 'R' one that resets SIGABRT to SIG_DFL and returns, 'b'
 * SIGABRT blocked by the calling thread (musl raises before it unblocks), 'h' abort
 * called from a SIGSEGV handler installed with every signal in its sa_mask; 'a' a
 * handler that returns, then a failed assert() (whose abort is the C library's own
 * call). */
static int abort_past_hook(const char *v, int how)
{
    keep = strdup(v);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    if (how == 'i')
        signal(SIGABRT, SIG_IGN);
    if (how == 'r' || how == 'R' || how == 'a') {
        sa.sa_handler = how == 'R' ? abort_resets : abort_returns;
        sigaction(SIGABRT, &sa, NULL);
    }
    if (how == 'b') {
        sigset_t abrt;
        sigemptyset(&abrt);
        sigaddset(&abrt, SIGABRT);
        sigprocmask(SIG_BLOCK, &abrt, NULL);
    }
    puts("ready");
    fflush(stdout);
    if (how == 'h') {
        sa.sa_handler = abort_from_handler;
        sigfillset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, NULL);
        *nowhere = 1;
    }
    assert(how != 'a');
    abort();
}

/* ---- leaving abort's handler: the program goes on ------------------------------------ */

static void *builtin_jump[5];
static sigjmp_buf abort_jump;
static volatile int abort_count;

static void leave_by_builtin(int sig)
{
    (void)sig;
    abort_count++;
    __builtin_longjmp(builtin_jump, 1);
}

static void count_and_return(int sig)
{
    (void)sig;
    abort_count++;
}

static void nested_then_leave(int sig)
{
    (void)sig;
    if (++abort_count == 1) {
        kill(getpid(), SIGABRT); /* nested (SA_NODEFER): its handler run returns */
        siglongjmp(abort_jump, 1);
    }
}

#if defined(__x86_64__)
static char recovery_stack[65536] __attribute__((aligned(16)));

static void recovered(void)
{
    printf("recovered %d\n", abort_count);
    fflush(stdout);
    exit(0);
}

static void resume_elsewhere(int sig, siginfo_t *si, void *ucontext)
{
    (void)sig, (void)si;
    ucontext_t *uc = ucontext;
    abort_count++;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)recovered;
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)(recovery_stack + sizeof recovery_stack - 8);
    sigdelset(&uc->uc_sigmask, SIGABRT);
}
#endif

/* A handler that takes the program out of abort, which then goes on without
 * envseal: 'b' by __builtin_longjmp (past libc), and later a SIGABRT sent with
 * kill() whose handler returns; 'n' a nested SIGABRT (SA_NODEFER) whose handler
 * returns inside abort's, then siglongjmp; 'c' a handler that rewrites the context
 * it returns to. Prints the count of handler runs; exits 0. */
static int leave_abort(const char *v, int how)
{
    keep = strdup(v);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    if (how == 'b') {
        signal(SIGABRT, leave_by_builtin);
        if (!__builtin_setjmp(builtin_jump))
            abort();
        sigset_t abrt;
        sigemptyset(&abrt);
        sigaddset(&abrt, SIGABRT);
        sigprocmask(SIG_UNBLOCK, &abrt, NULL);
        printf("left abort %d\n", abort_count);
        signal(SIGABRT, count_and_return);
        kill(getpid(), SIGABRT);
        printf("survived kill %d\n", abort_count);
        return 0;
    }
    if (how == 'n') {
        sa.sa_handler = nested_then_leave;
        sa.sa_flags = SA_NODEFER;
        sigaction(SIGABRT, &sa, NULL);
        if (!sigsetjmp(abort_jump, 1))
            abort();
        printf("continued %d\n", abort_count);
        return 0;
    }
#if defined(__x86_64__)
    sa.sa_sigaction = resume_elsewhere;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGABRT, &sa, NULL);
    abort();
#else
    printf("recovered 1\n");
    return 0;
#endif
}

/* ---- main-exit ----------------------------------------------------------------- */

/* The state letter of the thread-group leader in /proc/self/stat ('Z' once it has
 * exited while other threads run), or '?' when unreadable. */
static char leader_state(void)
{
    char buf[512];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the name in parentheses may hold anything */
    return p && p[1] == ' ' ? p[2] : '?';
}

static const char *exit_value; /* what the worker copies */

/* Copies exit_value to keep (a heap block or the shared mapping) once the main
 * thread has exited. */
static void *main_exit_worker(void *arg)
{
    (void)arg;
    for (int ms = 0; ms < 10000 && leader_state() != 'Z'; ms++)
        usleep(1000);
    if (leader_state() != 'Z') {
        fprintf(stderr, "crashprobe: the main thread did not exit\n");
        _exit(4);
    }
    if (keep)
        strcpy(keep, exit_value);
    else
        keep = strdup(exit_value);
    *nowhere = 1;
    return NULL;
}

/* A page of the file shared-map, mapped shared, and dumped: bit 3 of the filter
 * (file-backed shared mappings) added to the default 0x33. */
static char *shared_file_page(void)
{
    FILE *f = fopen("/proc/self/coredump_filter", "w");
    if (!f || fputs("0x3b", f) < 0 || fclose(f) != 0)
        return NULL;
    int fd = open("shared-map", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return NULL;
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return m == MAP_FAILED ? NULL : m;
}

static int main_exit(const char *v, bool shared)
{
    exit_value = v;
    if (shared && !(keep = shared_file_page()))
        return 3;
    pthread_t t;
    if (pthread_create(&t, NULL, main_exit_worker, NULL) != 0)
        return 3;
    puts("ready");
    fflush(stdout);
    pthread_exit(NULL);
}

/* ---- SIMD ---------------------------------------------------------------------- */

static int simd(const char *v, bool inside)
{
    size_t n = strlen(v);
    puts("ready");
    fflush(stdout);
    if (inside) {
        /* The copy's destination ends in a PROT_NONE page, a few bytes before the
         * value's end: memcpy faults with slices of the value in its registers. */
        long page = sysconf(_SC_PAGESIZE);
        char *m = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED || mprotect(m + page, (size_t)page, PROT_NONE) != 0)
            return 3;
        char *dst = m + page - (n - 8);
        memcpy(dst, v, n);
        return 4; /* not reached */
    }
    char *a = malloc(n + 1), *b = malloc(n + 1);
    memcpy(a, v, n + 1);
    strcpy(b, a);
    size_t k = strlen(b);
    keep = (char *)(uintptr_t)k;
    /* Leave no whole copy in memory: only the registers hold slices now. */
    explicit_bzero(a, n);
    explicit_bzero(b, n);
    *nowhere = 1;
    return 0;
}

/* ---- shared memory ---------------------------------------------------------------- */

/* A copy in shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS), which the default
 * coredump_filter dumps: the sweep must zero it or leave the mapping out of the
 * core. Then a NULL store. */
static int shared_anon(const char *v)
{
    size_t n = strlen(v);
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || n >= 4096)
        return 3;
    memcpy(m + 100, v, n);
    puts("ready");
    fflush(stdout);
    *nowhere = 1;
    return 0;
}

/* ---- straddle ------------------------------------------------------------------- */

static int straddle(const char *v, bool use_madvise)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t n = strlen(v);
    char *m = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 3;
    memset(m, 'x', 2 * (size_t)page); /* both pages populated */
    int rc = use_madvise ? madvise(m, (size_t)page, MADV_DONTFORK) : mlock(m, (size_t)page);
    if (rc != 0) {
        perror("crashprobe: split");
        return 3;
    }
    memcpy(m + page - n / 2, v, n); /* half on each side of the split */
    puts("ready");
    fflush(stdout);
    *nowhere = 1;
    return 0;
}

/* ---- altstack -------------------------------------------------------------------- */

static void show_altstack(const char *when)
{
    stack_t old;
    memset(&old, 0x5a, sizeof old);
    int rc = sigaltstack(NULL, &old);
    printf("%s rc %d flags %d sp %s size %zu\n", when, rc, old.ss_flags,
           old.ss_sp ? "set" : "null", old.ss_size);
}

static stack_t in_handler;
static int in_handler_rc, in_handler_disable;

static void note_altstack(int sig)
{
    (void)sig;
    in_handler_rc = sigaltstack(NULL, &in_handler);
    stack_t off = {.ss_flags = SS_DISABLE};
    in_handler_disable = sigaltstack(&off, NULL) == 0 ? 0 : errno; /* EPERM: on it */
}

static void *altstack_thread(void *arg)
{
    (void)arg;
    show_altstack("thread");
    return NULL;
}

static int altstack(void)
{
    show_altstack("start");
    pthread_t t;
    if (pthread_create(&t, NULL, altstack_thread, NULL) != 0)
        return 3;
    pthread_join(t, NULL);
    stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16, .ss_flags = 0};
    stack_t old;
    int rc = sigaltstack(&ss, &old);
    printf("set rc %d oldflags %d\n", rc, old.ss_flags);
    show_altstack("after-set");
    stack_t off = {.ss_flags = SS_DISABLE};
    rc = sigaltstack(&off, &old);
    printf("disable rc %d oldflags %d oldsize %zu\n", rc, old.ss_flags, old.ss_size);
    show_altstack("after-disable");
    stack_t tiny = {.ss_sp = ss.ss_sp, .ss_size = 16, .ss_flags = 0};
    rc = sigaltstack(&tiny, NULL);
    printf("tiny rc %d\n", rc);
    show_altstack("after-tiny");
    /* One big enough for the kernel's signal frame and a small handler, too small
     * for envseal's crash handler; a handler of the program's runs "on" it. */
    static unsigned char small[6144] __attribute__((aligned(64)));
    stack_t sm = {.ss_sp = small, .ss_size = sizeof small, .ss_flags = 0};
    rc = sigaltstack(&sm, &old);
    printf("small rc %d oldflags %d\n", rc, old.ss_flags);
    show_altstack("after-small");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = note_altstack;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("in-handler rc %d flags %d sp %s size %zu disable %d\n", in_handler_rc,
           in_handler.ss_flags, in_handler.ss_sp == small ? "small" : "other",
           in_handler.ss_size, in_handler_disable);
    rc = sigaltstack(&ss, &old);
    printf("big-again rc %d oldflags %d oldsp %s oldsize %zu\n", rc, old.ss_flags,
           old.ss_sp == small ? "small" : "other", old.ss_size);
    rc = sigaltstack(&sm, &old);
    rc = sigaltstack(&off, &old);
    printf("small-disable rc %d oldflags %d oldsize %zu\n", rc, old.ss_flags, old.ss_size);
    show_altstack("after-small-disable");
    return 0;
}

/* ---- small-altstack ---------------------------------------------------------- */

/* The program's own alternate stack of `size` bytes right above an inaccessible
 * page, and no handler of its own (a program ready for stack overflows, or a
 * library on its behalf): the value copied, then the death. */
static int small_altstack(const char *v, size_t size, char how)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), span = (size + page - 1) / page * page;
    unsigned char *m = mmap(NULL, page + span, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m, page, PROT_NONE) != 0)
        return 3;
    stack_t ss = {.ss_sp = m + page, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        return 3;
    keep = strdup(v);
    puts("ready");
    fflush(stdout);
    if (how == 'a')
        abort();
    if (how == 't')
        raise(SIGTERM);
    *nowhere = 1;
    return 0;
}

/* An alternate stack set inside a handler: the kernel puts back, when the handler
 * returns, the one in force when the signal came. */
static void set_small_stack(int sig)
{
    (void)sig;
    static unsigned char small[6000] __attribute__((aligned(64)));
    stack_t ss = {.ss_sp = small, .ss_size = sizeof small, .ss_flags = 0};
    sigaltstack(&ss, NULL);
}

/* A 16 KiB stack of the program's; a SIGUSR1 handler sets a small one; after it
 * returns the program reads its stack back, disables it, unmaps it, copies the
 * value and aborts. */
static int altstack_in_handler(const char *v)
{
    size_t size = 16384;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 3;
    stack_t ss = {.ss_sp = p, .ss_size = size, .ss_flags = 0}, now;
    if (sigaltstack(&ss, NULL) != 0)
        return 3;
    signal(SIGUSR1, set_small_stack);
    raise(SIGUSR1);
    sigaltstack(NULL, &now);
    printf("after handler size %zu same %d\n", now.ss_size, now.ss_sp == p);
    stack_t off = {.ss_flags = SS_DISABLE};
    sigaltstack(&off, NULL);
    munmap(p, size);
    keep = strdup(v);
    puts("ready");
    fflush(stdout);
    abort();
}

static int late_secret(const char *name)
{
    char line[256];
    puts("ready");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 3;
    line[strcspn(line, "\n")] = '\0';
    if (setenv(name, line, 1) != 0)
        return 4;
    explicit_bzero(line, sizeof line);
    keep = strdup(getenv(name));
    recurse(0);
    return 0;
}

/* ---- The System V and BSD mask functions, timer threads ------------------------ */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* glibc marks them */
#define BSD_BIT(sig) (1 << ((sig) - 1)) /* sigmask(), which glibc marks too */

static int segv_blocked(void)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, SIGSEGV);
}

static int legacy_block_crash(const char *v, char how)
{
    keep = strdup(v);
    if (how == 'h')
        sighold(SIGSEGV);
#if defined(__GLIBC__)
    else
        sigblock(BSD_BIT(SIGSEGV));
#endif
    printf("blocked %d\n", segv_blocked());
    fflush(stdout);
    *nowhere = 1;
    return 0;
}

static int sigrelse_raise(const char *v)
{
    sigset_t segv;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    sigprocmask(SIG_BLOCK, &segv, NULL);
    sigrelse(SIGSEGV);
    printf("blocked after sigrelse %d\n", segv_blocked());
    fflush(stdout);
    keep = strdup(v);
    raise(SIGSEGV);
    puts("survived");
    return 0;
}

static int legacy_masks(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGSEGV);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    sighold(SIGBUS);
    sigprocmask(SIG_BLOCK, NULL, &s);
    printf("after sighold: bus %d segv %d\n", sigismember(&s, SIGBUS), sigismember(&s, SIGSEGV));
    sigrelse(SIGSEGV);
    sigprocmask(SIG_BLOCK, NULL, &s);
    printf("after sigrelse: segv %d usr1 %d\n", sigismember(&s, SIGSEGV),
           sigismember(&s, SIGUSR1));
#if defined(__GLIBC__)
    int m = sigblock(BSD_BIT(SIGSEGV) | BSD_BIT(SIGILL));
    printf("sigblock old: segv %d bus %d usr1 %d\n", !!(m & BSD_BIT(SIGSEGV)),
           !!(m & BSD_BIT(SIGBUS)), !!(m & BSD_BIT(SIGUSR1)));
    m = siggetmask();
    printf("siggetmask: segv %d ill %d bus %d\n", !!(m & BSD_BIT(SIGSEGV)),
           !!(m & BSD_BIT(SIGILL)), !!(m & BSD_BIT(SIGBUS)));
    m = sigsetmask(BSD_BIT(SIGFPE));
    printf("sigsetmask old: segv %d ill %d\n", !!(m & BSD_BIT(SIGSEGV)), !!(m & BSD_BIT(SIGILL)));
    sigprocmask(SIG_BLOCK, NULL, &s);
    printf("after sigsetmask: fpe %d segv %d bus %d usr1 %d\n", sigismember(&s, SIGFPE),
           sigismember(&s, SIGSEGV), sigismember(&s, SIGBUS), sigismember(&s, SIGUSR1));
#endif
    return 0;
}

#pragma GCC diagnostic pop

static volatile sig_atomic_t wait_fault; /* the SIGUSR1 handler faults */

static void on_usr1_during_wait(int sig)
{
    (void)sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("in the handler: segv %d bus %d\n", sigismember(&cur, SIGSEGV),
           sigismember(&cur, SIGBUS));
    fflush(stdout);
    if (!wait_fault)
        return;
    char copy[128];
    snprintf(copy, sizeof copy, "%s", keep);
    __asm__ volatile("" : : "r"(copy) : "memory");
    *nowhere = 1;
}

/* One wait of kind how ('s' sigsuspend, 'p' ppoll, 'l' pselect, 'e' epoll_pwait)
 * with every signal but SIGUSR1 blocked, which a child sends 100 ms in. */
static int wait_once(char how)
{
    pid_t child = fork();
    if (child == 0) {
        usleep(100000);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    sigset_t m;
    sigfillset(&m);
    sigdelset(&m, SIGUSR1);
    struct timespec ts = {5, 0};
    int rc = -1, ep;
    struct epoll_event ev;
    switch (how) {
    case 's':
        rc = sigsuspend(&m);
        break;
    case 'p':
        rc = ppoll(NULL, 0, &ts, &m);
        break;
    case 'l':
        rc = pselect(0, NULL, NULL, NULL, &ts, &m);
        break;
    case 'f': { /* an array whose size the compiler sees, a count it does not */
        static volatile nfds_t one = 1;
        struct pollfd fds[1] = {{-1, 0, 0}};
        rc = ppoll(fds, one, &ts, &m);
        break;
    }
    case 'e':
        ep = epoll_create1(0);
        rc = epoll_pwait(ep, &ev, 1, 5000, &m);
        close(ep);
        break;
    }
    int err = errno;
    waitpid(child, NULL, 0);
    printf("%c returned %d %s\n", how, rc, rc < 0 && err == EINTR ? "EINTR" : "");
    return 0;
}

static int wait_fault_mode(const char *v, char how)
{
    keep = strdup(v);
    wait_fault = 1;
    signal(SIGUSR1, on_usr1_during_wait);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    wait_once(how);
    puts("survived");
    return 0;
}

static void on_usr1_quiet(int sig)
{
    (void)sig;
}

static int wait_sent_segv(const char *v)
{
    keep = strdup(v);
    signal(SIGUSR1, on_usr1_quiet); /* envseal's wait returns at the SIGSEGV instead */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        usleep(100000);
        kill(parent, SIGSEGV);
        usleep(400000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    sigset_t m;
    sigfillset(&m);
    sigdelset(&m, SIGUSR1);
    sigsuspend(&m);
    puts("survived");
    return 0;
}

static atomic_int timer_runs;

static void count_run(union sigval sv)
{
    (void)sv;
    atomic_fetch_add(&timer_runs, 1);
}

static int timer_periodic(void)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = count_run;
    timer_t t;
    if (timer_create(CLOCK_MONOTONIC, &ev, &t) != 0)
        return 3;
    struct itimerspec its = {.it_interval = {0, 20000000}, .it_value = {0, 20000000}};
    if (timer_settime(t, 0, &its, NULL) != 0)
        return 3;
    while (atomic_load(&timer_runs) < 5)
        usleep(5000);
    if (timer_delete(t) != 0)
        return 4;
    usleep(100000);
    puts("alive");
    return 0;
}

static int wait_masks(void)
{
    signal(SIGUSR1, on_usr1_during_wait);
    sigset_t b;
    sigemptyset(&b);
    sigaddset(&b, SIGUSR1);
    sigaddset(&b, SIGBUS);
    sigprocmask(SIG_BLOCK, &b, NULL);
    for (const char *h = "sple"; *h; h++) {
        wait_once(*h);
        sigset_t cur;
        sigprocmask(SIG_BLOCK, NULL, &cur);
        printf("after: segv %d bus %d usr1 %d\n", sigismember(&cur, SIGSEGV),
               sigismember(&cur, SIGBUS), sigismember(&cur, SIGUSR1));
    }
    return 0;
}

/* The value copied to the heap and through a stack buffer, by libc's copy
 * routines: slices of it stay in the vector registers. */
static int through_registers(const char *v)
{
    keep = strdup(v);
    char copy[256];
    size_t n = strlen(keep);
    if (n >= sizeof copy)
        return 3;
    memcpy(copy, keep, n + 1);
    __asm__ volatile("" : : "r"(copy) : "memory");
    explicit_bzero(copy, sizeof copy);
    return 0;
}

static void mq_quiet(union sigval sv)
{
    (void)sv;
}

/* A helper thread of the C library's, started right after the value passed
 * through the registers: getaddrinfo_a's (glibc) or mq_notify's. */
static int helper_then_crash(const char *v, char which)
{
    if (through_registers(v))
        return 3;
    if (which == 'g') {
#ifdef __GLIBC__
        static struct gaicb cb = {.ar_name = "localhost"};
        struct gaicb *list[1] = {&cb};
        if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0)
            return 3;
        const struct gaicb *wait[1] = {&cb};
        gai_suspend(wait, 1, NULL);
#else
        return 3;
#endif
    } else {
        char name[64];
        snprintf(name, sizeof name, "/envseal-crashprobe-%d", (int)getpid());
        mqd_t q = mq_open(name, O_CREAT | O_RDWR, 0600, NULL);
        mq_unlink(name);
        struct sigevent ev;
        memset(&ev, 0, sizeof ev);
        ev.sigev_notify = SIGEV_THREAD;
        ev.sigev_notify_function = mq_quiet;
        if (q == (mqd_t)-1 || mq_notify(q, &ev) != 0)
            return 3;
    }
    *nowhere = 1;
    return 0;
}

static int aio_then_crash(const char *v)
{
    if (through_registers(v))
        return 3;
    static char out[8] = "hello";
    int fd = open("aio-out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return 3;
    struct aiocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_fildes = fd;
    cb.aio_buf = out;
    cb.aio_nbytes = 5;
    if (aio_write(&cb) != 0)
        return 3;
    const struct aiocb *list[1] = {&cb};
    aio_suspend(list, 1, NULL);
    *nowhere = 1;
    return 0;
}

static int fork_child_quit(const char *v)
{
    pid_t c = fork();
    if (c < 0)
        return 3;
    if (c == 0) {
        keep = strdup(v);
        raise(SIGQUIT);
        _exit(0);
    }
    int st;
    if (waitpid(c, &st, 0) != c)
        return 3;
    printf("child: signaled %d sig %d core %d\n", WIFSIGNALED(st),
           WIFSIGNALED(st) ? WTERMSIG(st) : 0, WIFSIGNALED(st) && WCOREDUMP(st));
    return 0;
}

static void timer_fault(union sigval sv)
{
    printf("blocked in the timer's thread %d\n", segv_blocked());
    fflush(stdout);
    char copy[128];
    snprintf(copy, sizeof copy, "%s", (const char *)sv.sival_ptr);
    __asm__ volatile("" : : "r"(copy) : "memory");
    *nowhere = 1;
}

static void aio_done_quietly(union sigval sv)
{
    (void)sv;
}

static int aio_notify_thread(const char *v)
{
    keep = strdup(v);
    static char out[8] = "hello";
    int fd = open("aio-out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return 3;
    static struct aiocb cb;
    cb.aio_fildes = fd;
    cb.aio_buf = out;
    cb.aio_nbytes = 5;
    cb.aio_sigevent.sigev_notify = SIGEV_THREAD;
    cb.aio_sigevent.sigev_notify_function = aio_done_quietly;
    const struct aiocb *list[1] = {&cb};
    if (aio_write(&cb) != 0)
        return 3;
    while (aio_error(&cb) == EINPROGRESS)
        aio_suspend(list, 1, NULL);
    cb.aio_sigevent.sigev_notify_function = timer_fault;
    cb.aio_sigevent.sigev_value.sival_ptr = keep;
    if (aio_write(&cb) != 0)
        return 3;
    for (;;)
        pause();
}

/* An aiocb writing "hello" to aio-out; notify: its SIGEV_THREAD function. */
static void aio_out(struct aiocb *cb, void (*notify)(union sigval), void *arg)
{
    static char out[8] = "hello";
    memset(cb, 0, sizeof *cb);
    cb->aio_fildes = open("aio-out", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    cb->aio_buf = out;
    cb->aio_nbytes = 5;
    cb->aio_lio_opcode = LIO_WRITE;
    if (notify) {
        cb->aio_sigevent.sigev_notify = SIGEV_THREAD;
        cb->aio_sigevent.sigev_notify_function = notify;
        cb->aio_sigevent.sigev_value.sival_ptr = arg;
    }
}

static int lio_fault(const char *v, bool list_notifies)
{
    keep = strdup(v);
    static struct aiocb cb;
    aio_out(&cb, list_notifies ? NULL : timer_fault, keep);
    struct aiocb *list[1] = {&cb};
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = list_notifies ? SIGEV_THREAD : SIGEV_NONE;
    ev.sigev_notify_function = timer_fault;
    ev.sigev_value.sival_ptr = keep;
    if (cb.aio_fildes < 0 || lio_listio(LIO_NOWAIT, list, 1, &ev) != 0)
        return 3;
    for (;;)
        pause();
}

static atomic_int lio_ran[3];

static void lio_ran_fn(union sigval sv)
{
    atomic_fetch_add(&lio_ran[(intptr_t)sv.sival_ptr], 1);
}

static int lio_notify(void)
{
    static struct aiocb cb[2];
    aio_out(&cb[0], lio_ran_fn, (void *)0);
    aio_out(&cb[1], lio_ran_fn, (void *)1);
    struct aiocb *list[2] = {&cb[0], &cb[1]};
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = lio_ran_fn;
    ev.sigev_value.sival_ptr = (void *)2;
    if (lio_listio(LIO_NOWAIT, list, 2, &ev) != 0)
        return 3;
    for (int ms = 0; ms < 5000 && atomic_load(&lio_ran[2]) == 0; ms++)
        usleep(1000);
    usleep(50000);
    printf("ran: request %d %d, list %d\n", atomic_load(&lio_ran[0]), atomic_load(&lio_ran[1]),
           atomic_load(&lio_ran[2]));
    /* A list that fails (musl: EINVAL; glibc takes it as empty and notifies). */
    errno = 0;
    int rc = lio_listio(LIO_NOWAIT, list, -1, &ev);
    int einval = errno == EINVAL;
    usleep(100000);
    printf("negative count: rc %d einval %d, list %d\n", rc, einval, atomic_load(&lio_ran[2]));
    return 0;
}

static atomic_int unparkable_ready;

static void *unparkable(void *arg)
{
    (void)arg;
    uint64_t all = ~(uint64_t)0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, sizeof all);
    atomic_store(&unparkable_ready, 1);
    for (;;)
        sleep(1);
    return NULL;
}

static int unparkable_thread(const char *v)
{
    pthread_t t;
    if (pthread_create(&t, NULL, unparkable, NULL) != 0)
        return 3;
    while (!atomic_load(&unparkable_ready))
        usleep(1000);
    keep = strdup(v);
    *nowhere = 1;
    return 0;
}

static int timer_thread(const char *v)
{
    keep = strdup(v);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = timer_fault;
    ev.sigev_value.sival_ptr = keep;
    timer_t t;
    if (timer_create(CLOCK_MONOTONIC, &ev, &t) != 0)
        return 3;
    struct itimerspec its = {.it_value = {0, 1000000}};
    if (timer_settime(t, 0, &its, NULL) != 0)
        return 3;
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: crashprobe MODE [NAME]\n");
        return 2;
    }
    const char *mode = argv[1];
    if (strcmp(mode, "altstack") == 0)
        return altstack();
    if (strcmp(mode, "late-secret") == 0 && argc > 2)
        return late_secret(argv[2]);
    if (strcmp(mode, "timer-periodic") == 0)
        return timer_periodic();
    const char *v = must_getenv(argc > 2 ? argv[2] : NULL);
    if (strcmp(mode, "unset-then-crash") == 0)
        return gone_then_crash(argv[2], v, 'u');
    if (strcmp(mode, "replace-then-crash") == 0)
        return gone_then_crash(argv[2], v, 'r');
    if (strcmp(mode, "clearenv-then-crash") == 0)
        return gone_then_crash(argv[2], v, 'c');
    if (strcmp(mode, "putenv-name-then-crash") == 0)
        return gone_then_crash(argv[2], v, 'p');
    if (strcmp(mode, "abort-blocked") == 0)
        return abort_blocked(v);
    if (strcmp(mode, "sighold-crash") == 0)
        return legacy_block_crash(v, 'h');
    if (strcmp(mode, "sigblock-crash") == 0)
        return legacy_block_crash(v, 'b');
    if (strcmp(mode, "sigrelse-raise") == 0)
        return sigrelse_raise(v);
    if (strcmp(mode, "legacy-masks") == 0)
        return legacy_masks();
    if (strcmp(mode, "timer-thread") == 0)
        return timer_thread(v);
    if (strcmp(mode, "aio-notify-thread") == 0)
        return aio_notify_thread(v);
    if (strcmp(mode, "lio-list-fault") == 0)
        return lio_fault(v, true);
    if (strcmp(mode, "lio-request-fault") == 0)
        return lio_fault(v, false);
    if (strcmp(mode, "lio-notify") == 0)
        return lio_notify();
    if (strcmp(mode, "unparkable-thread") == 0)
        return unparkable_thread(v);
    if (strcmp(mode, "gai-then-crash") == 0)
        return helper_then_crash(v, 'g');
    if (strcmp(mode, "mq-then-crash") == 0)
        return helper_then_crash(v, 'm');
    if (strcmp(mode, "fork-child-quit") == 0)
        return fork_child_quit(v);
    if (strcmp(mode, "aio-then-crash") == 0)
        return aio_then_crash(v);
    if (strcmp(mode, "wait-sent-segv") == 0)
        return wait_sent_segv(v);
    if (strcmp(mode, "wait-ppoll-fortified-fault") == 0)
        return wait_fault_mode(v, 'f');
    if (strncmp(mode, "wait-", 5) == 0 && strcmp(mode + strlen(mode) - 6, "-fault") == 0)
        return wait_fault_mode(v, mode[5] == 'p' && mode[6] == 's' ? 'l' : mode[5]);
    if (strcmp(mode, "wait-masks") == 0)
        return wait_masks();
    if (strcmp(mode, "handler-fault") == 0)
        return handler_fault(v);
    if (strcmp(mode, "inherited") == 0)
        return inherited(v);
    if (strcmp(mode, "handler-mask") == 0)
        return handler_mask(v, false);
    if (strcmp(mode, "handler-mask-raise") == 0)
        return handler_mask(v, true);
    if (strcmp(mode, "vfork-mask") == 0)
        return vfork_mask(v, false);
    if (strcmp(mode, "vfork-unmask") == 0)
        return vfork_mask(v, true);
    if (strcmp(mode, "held-kill") == 0)
        return held_kill(v);
    if (strcmp(mode, "held-unblock") == 0)
        return held_unblock(v);
    if (strcmp(mode, "held-raise") == 0)
        return held_raise(v);
    if (strcmp(mode, "held-worker") == 0)
        return held_worker(v);
    if (strcmp(mode, "held-sigwait") == 0)
        return held_sigwait();
    if (strcmp(mode, "held-eintr") == 0)
        return held_eintr();
    if (strcmp(mode, "overflow") == 0)
        return overflow(v, 0);
    if (strcmp(mode, "overflow-thread") == 0)
        return overflow(v, 1);
    if (strcmp(mode, "overflow-own") == 0)
        return overflow(v, 2);
#if defined(__GLIBC__)
    if (strcmp(mode, "context-recovery") == 0)
        return context_recovery(v);
    if (strcmp(mode, "save-point-masks") == 0)
        return save_point_masks(v);
    if (strcmp(mode, "save-point-readback") == 0)
        return save_point_readback();
    if (strcmp(mode, "swap-self") == 0)
        return swap_self(v);
#endif
    if (strcmp(mode, "altstack-in-handler") == 0)
        return altstack_in_handler(v);
    if (strcmp(mode, "probe-longjmp") == 0)
        return probe_then_crash(v, 'l', 1);
    if (strcmp(mode, "probe-siglongjmp") == 0)
        return probe_then_crash(v, 's', 100);
    if (strcmp(mode, "own-handler-fault") == 0)
        return own_handler_fault(v, 'f');
    if (strcmp(mode, "own-handler-blocked") == 0)
        return own_handler_fault(v, 'b');
    if (strcmp(mode, "small-altstack-abort") == 0)
        return small_altstack(v, 2048, 'a'); /* MINSIGSTKSZ */
    if (strcmp(mode, "small-altstack-term") == 0)
        return small_altstack(v, 2048, 't');
    if (strcmp(mode, "small-altstack-segv") == 0)
        return small_altstack(v, 4096, 's');
    if (strcmp(mode, "blocked-thread") == 0)
        return blocked(v, true);
    if (strcmp(mode, "blocked-attr") == 0)
        return blocked_attr(v);
    if (strcmp(mode, "blocked-main") == 0)
        return blocked(v, false);
    if (strcmp(mode, "simd-after") == 0)
        return simd(v, false);
    if (strcmp(mode, "simd-inside") == 0)
        return simd(v, true);
    if (strcmp(mode, "main-exit") == 0)
        return main_exit(v, false);
    if (strcmp(mode, "main-exit-shared") == 0)
        return main_exit(v, true);
    if (strcmp(mode, "abort-ignored") == 0)
        return abort_past_hook(v, 'i');
    if (strcmp(mode, "abort-handler-returns") == 0)
        return abort_past_hook(v, 'r');
    if (strcmp(mode, "abort-handler-resets") == 0)
        return abort_past_hook(v, 'R');
    if (strcmp(mode, "abort-self-blocked") == 0)
        return abort_past_hook(v, 'b');
    if (strcmp(mode, "abort-in-handler") == 0)
        return abort_past_hook(v, 'h');
    if (strcmp(mode, "assert-handler-returns") == 0)
        return abort_past_hook(v, 'a');
    if (strcmp(mode, "abort-left-by-builtin-jump") == 0)
        return leave_abort(v, 'b');
    if (strcmp(mode, "abort-nested-kill") == 0)
        return leave_abort(v, 'n');
    if (strcmp(mode, "abort-context-rewritten") == 0)
        return leave_abort(v, 'c');
    if (strcmp(mode, "shared-anon") == 0)
        return shared_anon(v);
    if (strcmp(mode, "straddle") == 0)
        return straddle(v, false);
    if (strcmp(mode, "straddle-madvise") == 0)
        return straddle(v, true);
    fprintf(stderr, "crashprobe: unknown mode %s\n", mode);
    return 2;
}
