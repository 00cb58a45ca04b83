/* macOS implementation of platform.h's signal half. libSystem's own functions
 * (sigaction, pthread_sigmask, sigaltstack): dyld never applies the shim's
 * interposing to the shim itself, so these calls reach libSystem. macOS has 31
 * signals and a 32-bit sigset_t whose bit sig - 1 is sig, as platform.h counts. */
#include "preload/platform/platform.h"
#include "preload/platform/darwin/mach_calls.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysctl.h>
#include <time.h>
#include <unistd.h>

#define BIT(sig) ((uint64_t)1 << ((sig) - 1))

enum sig_default platform_signal_default(int sig)
{
    switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGEMT: case SIGFPE:
    case SIGBUS: case SIGSEGV: case SIGSYS: case SIGXCPU: case SIGXFSZ:
        return SIGDEF_CORE;
    case SIGURG: case SIGCONT: case SIGCHLD: case SIGIO: case SIGWINCH: case SIGINFO:
        return SIGDEF_IGNORE;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
        return SIGDEF_STOP;
    default:
        return SIGDEF_TERMINATE;
    }
}

int platform_signal_max(void)
{
    return NSIG - 1;
}

uint64_t platform_fatal_signals(void)
{
    uint64_t m = 0;
    for (int s = 1; s < NSIG; s++) {
        enum sig_default d = platform_signal_default(s);
        if (s != SIGKILL && (d == SIGDEF_TERMINATE || d == SIGDEF_CORE))
            m |= BIT(s);
    }
    return m;
}

uint64_t platform_action_mask(const sigset_t *s)
{
    return (uint64_t)*s & ~(BIT(SIGKILL) | BIT(SIGSTOP));
}

void platform_set_action_mask(sigset_t *s, uint64_t bits)
{
    *s = (sigset_t)bits;
}

void platform_copy_action(struct sigaction *dst, const struct sigaction *src)
{
    dst->__sigaction_u = src->__sigaction_u;
    dst->sa_mask = src->sa_mask;
    dst->sa_flags = src->sa_flags;
}

void platform_set_restorer(struct sigaction *s, void (*restorer)(void))
{
    (void)s; /* libSystem's sigaction always returns through _sigtramp */
    (void)restorer;
}

int platform_thread_mask(int how, const sigset_t *set, sigset_t *old)
{
    return pthread_sigmask(how, set, old);
}

uint64_t platform_sync_signals(void)
{
    return BIT(SIGSEGV) | BIT(SIGBUS) | BIT(SIGILL) | BIT(SIGFPE) | BIT(SIGTRAP) | BIT(SIGSYS);
}

int platform_altstack(const stack_t *set, stack_t *old)
{
    return sigaltstack(set, old) == 0 ? 0 : errno;
}

size_t platform_signal_frame_size(void)
{
    return 0; /* sigaltstack refuses a stack under MINSIGSTKSZ (32 KiB): room enough */
}

void *platform_map_stack(size_t size)
{
    size_t page = platform_page_size();
    unsigned char *p = mmap(NULL, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON,
                            -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    mprotect(p, page, PROT_NONE); /* the guard below */
    return p + page;
}

void platform_unmap_stack(void *stack, size_t size)
{
    size_t page = platform_page_size();
    munmap((unsigned char *)stack - page, size + page);
}

void platform_requeue_signal(int sig, const siginfo_t *si)
{
    (void)si; /* macOS queues no siginfo with a signal sent to a thread */
    pthread_kill(pthread_self(), sig);
}

enum sig_origin platform_signal_origin(const siginfo_t *si)
{
    /* macOS numbers the sent codes from 0x10001 (SI_USER): every signal goes the
     * kernel's way here, as before this distinction was made. */
    return si && si->si_code <= 0 ? SIG_TO_THREAD : SIG_FROM_KERNEL;
}

void platform_requeue_to_process(int sig, const siginfo_t *si)
{
    (void)si; /* kill() queues no siginfo of ours */
    kill(getpid(), sig);
}

void platform_context_unblock_only(void *ucontext, int sig)
{
    ucontext_t *u = ucontext;
    sigfillset(&u->uc_sigmask);
    sigdelset(&u->uc_sigmask, sig);
}

void platform_context_block(void *ucontext, int sig)
{
    sigaddset(&((ucontext_t *)ucontext)->uc_sigmask, sig);
}

bool platform_context_resume_point(void *ucontext, uintptr_t *pc, uintptr_t *sp)
{
    (void)ucontext, (void)pc, (void)sp;
    return false; /* abort is not interposed on macOS */
}

bool platform_context_refault(void *ucontext, int sig, const siginfo_t *si)
{
    (void)ucontext, (void)sig, (void)si;
    return false; /* no PID namespaces */
}

size_t platform_context_registers(void *ucontext, struct byte_area *out, size_t max)
{
    ucontext_t *u = ucontext;
    if (!u || !u->uc_mcontext || max < 3)
        return 0;
    size_t n = 0;
#if defined(__x86_64__)
    struct __darwin_mcontext64 *mc = u->uc_mcontext;
    /* rax, rbx, rcx, rdx, rdi, rsi, rbp; then r8-r15 (rsp, rip, flags kept) */
    out[n++] = (struct byte_area){&mc->__ss.__rax, 7 * sizeof mc->__ss.__rax};
    out[n++] = (struct byte_area){&mc->__ss.__r8, 8 * sizeof mc->__ss.__r8};
    /* x87 and XMM registers: from st0 to the end of xmm15 */
    out[n++] = (struct byte_area){&mc->__fs.__fpu_stmm0,
                                  (size_t)((char *)(&mc->__fs.__fpu_xmm15 + 1) -
                                           (char *)&mc->__fs.__fpu_stmm0)};
    if (max > n && u->uc_mcsize >= sizeof(struct __darwin_mcontext_avx64)) {
        struct __darwin_mcontext_avx64 *avx = (struct __darwin_mcontext_avx64 *)mc;
        out[n++] = (struct byte_area){&avx->__fs.__fpu_ymmh0,
                                      (size_t)((char *)(&avx->__fs.__fpu_ymmh15 + 1) -
                                               (char *)&avx->__fs.__fpu_ymmh0)};
    }
#elif defined(__aarch64__)
    struct __darwin_mcontext64 *mc = u->uc_mcontext;
    out[n++] = (struct byte_area){mc->__ss.__x, sizeof mc->__ss.__x}; /* x0-x28 */
    out[n++] = (struct byte_area){mc->__ns.__v, sizeof mc->__ns.__v}; /* v0-v31 */
#endif
    return n;
}

bool platform_signal_dispositions(uint64_t *ignored, uint64_t *caught)
{
    *ignored = *caught = 0;
    for (int s = 1; s < NSIG; s++) {
        struct sigaction old;
        if (s == SIGKILL || s == SIGSTOP || sigaction(s, NULL, &old) != 0)
            continue;
        if (old.__sigaction_u.__sa_handler == SIG_IGN)
            *ignored |= BIT(s);
        else if (old.__sigaction_u.__sa_handler != SIG_DFL)
            *caught |= BIT(s);
    }
    return true;
}

bool platform_single_threaded(void)
{
    return !pthread_is_threaded_np();
}

bool platform_single_threaded_cheap(void)
{
    return !pthread_is_threaded_np(); /* a load of the C library's flag */
}

int platform_kernel_action(int sig, const struct kernel_action *set, struct kernel_action *old)
{
    struct sigaction n, o;
    memset(&n, 0, sizeof n);
    if (set) {
        n.__sigaction_u.__sa_handler = (void (*)(int))set->handler;
        n.sa_flags = (int)set->flags;
        n.sa_mask = (sigset_t)set->mask;
    }
    if (sigaction(sig, set ? &n : NULL, old ? &o : NULL) != 0)
        return errno;
    if (old)
        *old = (struct kernel_action){(void *)o.__sigaction_u.__sa_handler,
                                      (unsigned long)o.sa_flags, NULL, (uint64_t)o.sa_mask};
    return 0;
}

uint64_t platform_kernel_swap_each(uint64_t sigs, const struct kernel_action *set,
                                   struct kernel_action old[65], uint64_t *unusual)
{
    uint64_t done = 0, odd = 0;
    for (; sigs; sigs &= sigs - 1) {
        int sig = __builtin_ctzll(sigs) + 1;
        const struct kernel_action *o = &old[sig];
        if (platform_kernel_action(sig, set, &old[sig]) != 0)
            continue;
        done |= sigs & -sigs;
        if ((uintptr_t)o->handler | o->flags | o->mask | (uintptr_t)o->restorer)
            odd |= sigs & -sigs;
    }
    *unusual = odd;
    return done;
}

uint64_t platform_libc_signals(void)
{
    return 0; /* libSystem keeps no signal for itself */
}

void platform_handler_action(void (*handler)(int, siginfo_t *, void *), struct kernel_action *k)
{
    k->handler = (void *)handler;
    k->flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    k->restorer = NULL; /* libSystem's _sigtramp returns through sigreturn */
    k->mask = ((uint64_t)1 << (NSIG - 1)) - 1;
}

bool platform_is_namespace_init(pid_t self)
{
    (void)self;
    return false; /* no PID namespaces */
}

bool platform_core_dump_possible(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur == 0)
        return false;
    int on = 1;
    size_t len = sizeof on;
    return sysctlbyname("kern.coredump", &on, &len, NULL, 0) != 0 || on != 0;
}

void platform_yield(void)
{
    sched_yield();
}

void platform_sleep_ms(unsigned ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* Park requests are sent while this is set: macOS's pthread_kill carries no
 * siginfo of its own to tell them from other signals. */
static int parking_sent;

unsigned platform_park_other_threads(int sig)
{
    thread_act_array_t threads;
    mach_msg_type_number_t count;
    if (task_threads(mach_task_self(), &threads, &count) != KERN_SUCCESS)
        return 0;
    mach_port_t self = mach_thread_self();
    unsigned sent = 0;
    __atomic_store_n(&parking_sent, 1, __ATOMIC_RELEASE);
    for (mach_msg_type_number_t i = 0; i < count; i++) {
        if (threads[i] != self) {
            pthread_t t = pthread_from_mach_thread_np(threads[i]);
            if (t && pthread_kill(t, sig) == 0)
                sent++;
        }
        mach_port_deallocate(mach_task_self(), threads[i]);
    }
    mach_port_deallocate(mach_task_self(), self);
    vm_deallocate(mach_task_self(), (vm_address_t)threads, count * sizeof threads[0]);
    return sent;
}

bool platform_is_park(const siginfo_t *si)
{
    /* A fault carries its address and a fault code; a pthread_kill does not. */
    return __atomic_load_n(&parking_sent, __ATOMIC_ACQUIRE) && si &&
           (si->si_code == SI_USER || si->si_code == 0);
}
