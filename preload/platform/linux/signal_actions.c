/* Linux signal details for the signal hooks: default actions, the kernel's view of
 * an action, where a signal came from and re-queueing it, the handler's ucontext.
 * Everything here is async-signal-safe. */
#define _GNU_SOURCE
#include "preload/platform/platform.h"
#include "preload/platform/linux/auxv.h"
#include "preload/platform/linux/syscall.h"
#include "preload/platform/valgrind.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* The kernel keeps 64 signals in an action's mask (x86-64, arm64). */
#define KERNEL_MASK_BYTES 8

enum sig_default platform_signal_default(int sig)
{
    switch (sig) {
    case SIGQUIT:
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGBUS:
    case SIGFPE:
    case SIGSEGV:
    case SIGXCPU:
    case SIGXFSZ:
    case SIGSYS:
        return SIGDEF_CORE;
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
        return SIGDEF_IGNORE;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
        return SIGDEF_STOP;
    default: /* HUP INT KILL USR1 USR2 PIPE ALRM TERM STKFLT VTALRM PROF IO PWR, real-time */
        return sig >= 1 && sig <= platform_signal_max() ? SIGDEF_TERMINATE : SIGDEF_IGNORE;
    }
}

int platform_signal_max(void)
{
    return 64;
}

#define BIT(sig) (1ull << ((sig) - 1))

uint64_t platform_fatal_signals(void)
{
    /* Every signal but those whose default is to ignore, stop or continue, and
     * SIGKILL (see platform_signal_default; tests/unit checks they agree). */
    return ~(BIT(SIGCHLD) | BIT(SIGCONT) | BIT(SIGURG) | BIT(SIGWINCH) | BIT(SIGSTOP) |
             BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU) | BIT(SIGKILL));
}

static const uint64_t uncatchable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));

uint64_t platform_action_mask(const sigset_t *s)
{
    uint64_t w;
    memcpy(&w, s, KERNEL_MASK_BYTES);
    return w & ~uncatchable;
}

void platform_set_action_mask(sigset_t *s, uint64_t bits)
{
    memcpy(s, &bits, KERNEL_MASK_BYTES);
}

void platform_copy_action(struct sigaction *dst, const struct sigaction *src)
{
    dst->sa_sigaction = src->sa_sigaction; /* the handler union, whichever member */
    dst->sa_mask = src->sa_mask; /* glibc copies its whole sigset_t, not the kernel's part */
    dst->sa_flags = src->sa_flags;
    dst->sa_restorer = src->sa_restorer;
}

void platform_set_restorer(struct sigaction *s, void (*restorer)(void))
{
    s->sa_restorer = restorer;
}

int platform_thread_mask(int how, const sigset_t *set, sigset_t *old)
{
    sigset_t copy;
    if (set && how != SIG_UNBLOCK) {
        memcpy(&copy, set, KERNEL_MASK_BYTES);
        uint64_t w;
        memcpy(&w, &copy, sizeof w);
        w &= ~platform_libc_signals();
        memcpy(&copy, &w, sizeof w);
        set = &copy;
    }
    long r = SYS4(SYS_rt_sigprocmask, how, set, old, KERNEL_MASK_BYTES);
    return r < 0 ? (int)-r : 0;
}

uint64_t platform_sync_signals(void)
{
    return BIT(SIGSEGV) | BIT(SIGBUS) | BIT(SIGILL) | BIT(SIGFPE) | BIT(SIGTRAP) | BIT(SIGSYS);
}

int platform_altstack(const stack_t *set, stack_t *old)
{
    long r = SYS2(SYS_sigaltstack, set, old);
    return r < 0 ? (int)-r : 0;
}

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

size_t platform_signal_frame_size(void)
{
    /* The kernel says (Linux 5.14 on x86, 4.18 on arm64); read once, on the rare
     * path that asks. Without it: more than an AVX-512 frame (about 3.4 KiB). */
    static size_t frame;
    size_t f = __atomic_load_n(&frame, __ATOMIC_RELAXED);
    if (!f) {
        f = (size_t)linux_auxv_entry(AT_MINSIGSTKSZ);
        if (!f)
            f = 8192;
        __atomic_store_n(&frame, f, __ATOMIC_RELAXED);
    }
    return f;
}

void *platform_map_stack(size_t size)
{
    size_t page = platform_page_size();
    unsigned char *p = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (mprotect(p, page, PROT_NONE) != 0 || madvise(p, size + page, MADV_DONTDUMP) != 0) {
        munmap(p, size + page);
        return NULL;
    }
    return p + page;
}

void platform_unmap_stack(void *stack, size_t size)
{
    size_t page = platform_page_size();
    munmap((unsigned char *)stack - page, size + page);
}

void platform_requeue_signal(int sig, const siginfo_t *si)
{
    pid_t pid = getpid();
    pid_t tid = (pid_t)SYS0(SYS_gettid);
    /* The original siginfo (sender, fault address) goes into the core's notes; the
     * kernel accepts any si_code when a thread signals itself. Not under valgrind,
     * which takes a queued signal with a fault's code for a fault of its own and
     * stops with an internal error: a plain one reaches the program as the fault
     * would have (valgrind writes its own core). */
    if (si && !ENVSEAL_UNDER_VALGRIND && SYS4(SYS_rt_tgsigqueueinfo, pid, tid, sig, si) == 0)
        return;
    SYS3(SYS_tgkill, pid, tid, sig);
}

enum sig_origin platform_signal_origin(const siginfo_t *si)
{
    if (!si || si->si_code > 0)
        return SIG_FROM_KERNEL;
    /* tgkill and rt_tgsigqueueinfo; the latter from this process says SI_QUEUE as
     * sigqueue does, and is taken as pthread_sigqueue. */
    if (si->si_code == SI_TKILL || (si->si_code == SI_QUEUE && si->si_pid == getpid()))
        return SIG_TO_THREAD;
    return SIG_TO_PROCESS;
}

void platform_requeue_to_process(int sig, const siginfo_t *si)
{
    pid_t pid = getpid();
    /* The kernel takes a kill()'s siginfo (SI_USER) back only from the thread whose id
     * is the process's (the main thread); a queued one (SI_QUEUE, timers) from any. */
    if (si && SYS3(SYS_rt_sigqueueinfo, pid, sig, si) == 0)
        return;
    SYS2(SYS_kill, pid, sig);
}

void platform_context_unblock_only(void *ucontext, int sig)
{
    /* Only the kernel's part of uc_sigmask exists in the signal frame: the bytes
     * after it are the siginfo, so write exactly KERNEL_MASK_BYTES. */
    ucontext_t *uc = ucontext;
    uint64_t all_but = ~(1ull << (sig - 1));
    memcpy(&uc->uc_sigmask, &all_but, KERNEL_MASK_BYTES);
}

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a seccomp trap's SIGSYS */
#endif

#if defined(__x86_64__)
bool platform_context_refault(void *ucontext, int sig, const siginfo_t *si)
{
    ucontext_t *uc = ucontext;
    greg_t *g = uc->uc_mcontext.gregs;
    const unsigned char *ip = (const unsigned char *)g[REG_RIP];
    if (sig == SIGTRAP && si && si->si_code == SI_KERNEL) {
        int back = ip[-1] == 0xcc ? 1 : ip[-2] == 0xcd && ip[-1] == 0x03 ? 2 : 0; /* int3, int $3 */
        g[REG_RIP] -= back;
        return back != 0;
    }
    /* syscall, or int $0x80, with its number back where the result went */
    if (sig == SIGSYS && si && si->si_code == SYS_SECCOMP &&
        ((ip[-2] == 0x0f && ip[-1] == 0x05) || (ip[-2] == 0xcd && ip[-1] == 0x80))) {
        g[REG_RIP] -= 2;
        g[REG_RAX] = si->si_syscall;
        return true;
    }
    return false;
}

bool platform_context_resume_point(void *ucontext, uintptr_t *pc, uintptr_t *sp)
{
    const ucontext_t *uc = ucontext;
    if (!uc)
        return false;
    *pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    *sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    return true;
}

size_t platform_context_registers(void *ucontext, struct byte_area *out, size_t max)
{
    ucontext_t *uc = ucontext;
    size_t n = 0;
    if (max < 3)
        return 0;
    /* R8..RCX: every general-purpose register but RSP, RIP, EFL and segments. */
    out[n++] = (struct byte_area){&uc->uc_mcontext.gregs[REG_R8],
                                  (REG_RCX - REG_R8 + 1) * sizeof(greg_t)};
    unsigned char *fx = (unsigned char *)uc->uc_mcontext.fpregs;
    if (!fx)
        return n;
    /* FXSAVE layout: x87/MMX registers at 32, XMM0-15 at 160, up to 416. */
    out[n++] = (struct byte_area){fx + 32, 416 - 32};
    /* The kernel marks an XSAVE frame in the FXSAVE area's software bytes (464):
     * magic1, extended size, features (8 bytes), xstate size. Past the 64-byte XSAVE header
     * at 512 lie the extended components (YMM upper halves, AVX-512, ...). */
    uint32_t magic, size;
    memcpy(&magic, fx + 464, sizeof magic);
    memcpy(&size, fx + 464 + 16, sizeof size); /* after extended_size, xfeatures */
    if (magic == 0x46505853u && size > 576 && size <= 64 * 1024)
        out[n++] = (struct byte_area){fx + 576, size - 576};
    return n;
}
#elif defined(__aarch64__)
bool platform_context_resume_point(void *ucontext, uintptr_t *pc, uintptr_t *sp)
{
    const ucontext_t *uc = ucontext;
    if (!uc)
        return false;
    *pc = (uintptr_t)uc->uc_mcontext.pc;
    *sp = (uintptr_t)uc->uc_mcontext.sp;
    return true;
}

size_t platform_context_registers(void *ucontext, struct byte_area *out, size_t max)
{
    ucontext_t *uc = ucontext;
    size_t n = 0;
    if (max < 2)
        return 0;
    /* x0..x28: every general-purpose register but the frame pointer, link register,
     * sp and pc. */
    out[n++] = (struct byte_area){&uc->uc_mcontext.regs[0], 29 * sizeof(uint64_t)};
    /* The first record in __reserved is the FP/SIMD one: V0-V31 after its header. */
    struct fpsimd_context *fp = (struct fpsimd_context *)uc->uc_mcontext.__reserved;
    if (fp->head.magic == FPSIMD_MAGIC)
        out[n++] = (struct byte_area){fp->vregs, sizeof fp->vregs};
    return n;
}
#else
bool platform_context_resume_point(void *ucontext, uintptr_t *pc, uintptr_t *sp)
{
    (void)ucontext, (void)pc, (void)sp;
    return false;
}

size_t platform_context_registers(void *ucontext, struct byte_area *out, size_t max)
{
    (void)ucontext, (void)out, (void)max;
    return 0;
}
#endif

#if !defined(__x86_64__)
bool platform_context_refault(void *ucontext, int sig, const siginfo_t *si)
{
    (void)ucontext, (void)sig, (void)si;
    return false; /* aarch64: a brk traps again by itself; a seccomp trap lost x0 */
}
#endif

void platform_context_block(void *ucontext, int sig)
{
    ucontext_t *uc = ucontext;
    uint64_t m;
    memcpy(&m, &uc->uc_sigmask, KERNEL_MASK_BYTES);
    m |= 1ull << (sig - 1);
    memcpy(&uc->uc_sigmask, &m, KERNEL_MASK_BYTES);
}

/* The 16 hex digits after "SigIgn:\t" (or "SigCgt:\t") at line start p. */
static bool parse_mask(const char *p, const char *end, uint64_t *out)
{
    p += 8;
    if (end - p < 16)
        return false;
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return true;
}

static uint64_t load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* Finds the SigIgn and SigCgt lines in [from, end) (from: any byte of the text
 * read into [buf, end)): every line start, found eight bytes at a time ("has a zero byte" on
 * w ^ '\n', each candidate checked), compared with a key as one 64-bit word. */
static bool find_masks(const char *buf, const char *from, const char *end, uint64_t *ignored,
                       uint64_t *caught)
{
    uint64_t key_ign = load8("SigIgn:\t"), key_cgt = load8("SigCgt:\t");
    const uint64_t ones = 0x0101010101010101ull, nl = ones * '\n';
    bool have_ign = false;
    bool line_start = from == buf || from[-1] == '\n';
    if (line_start && end - from >= 8 && load8(from) == key_ign) { /* from is the line */
        if (!parse_mask(from, end, ignored))
            return false;
        have_ign = true;
    }
    for (const char *w8 = from; end - w8 >= 8; w8 += 8) {
        uint64_t x = load8(w8) ^ nl;
        for (uint64_t z = (x - ones) & ~x & (ones << 7); z; z &= z - 1) {
            const char *line = w8 + (__builtin_ctzll(z) >> 3) + 1;
            if (line[-1] != '\n' || end - line < 8)
                continue;
            uint64_t key = load8(line);
            if (!have_ign && key == key_ign) {
                if (!parse_mask(line, end, ignored))
                    return false;
                have_ign = true;
            } else if (have_ign && key == key_cgt) {
                return parse_mask(line, end, caught);
            }
        }
    }
    return false;
}

bool platform_signal_dispositions(uint64_t *ignored, uint64_t *caught)
{
    /* The two lines sit about 700 bytes in (after Groups and the Vm* lines): a
     * small buffer keeps the constructor's stack shallow (a new stack page is a
     * page fault). Not found in it: unknown, and the caller asks per signal. */
    char buf[1536];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n;
    do /* seq_file: one read returns the whole text up to the buffer's size */
        n = read(fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return false;
    const char *end = buf + n;
    /* The lines are about 700 bytes in: look from byte 512 first (the ~30 lines
     * before them are at least that long on every kernel seen), then from 0. */
    if (n > 512 && find_masks(buf, buf + 512, end, ignored, caught))
        return true;
    return find_masks(buf, buf, end, ignored, caught);
}

bool platform_single_threaded(void)
{
    return __libc_single_threaded;
}

#ifndef ENVSEAL_LIBC_SINGLE_THREADED_FLAG
#define ENVSEAL_LIBC_SINGLE_THREADED_FLAG 1 /* glibc's __libc_single_threaded */
#endif

bool platform_single_threaded_cheap(void)
{
    return ENVSEAL_LIBC_SINGLE_THREADED_FLAG && __libc_single_threaded;
}

int platform_kernel_action(int sig, const struct kernel_action *set, struct kernel_action *old)
{
    /* struct kernel_action is the kernel's struct sigaction on x86-64 and arm64. */
    long r = SYS4(SYS_rt_sigaction, sig, set, old, KERNEL_MASK_BYTES);
    return r < 0 ? (int)-r : 0;
}

uint64_t platform_kernel_swap_each(uint64_t sigs, const struct kernel_action *set,
                                   struct kernel_action old[65], uint64_t *unusual)
{
    uint64_t done = 0, odd = 0;
    for (; sigs; sigs &= sigs - 1) {
        int sig = __builtin_ctzll(sigs) + 1;
        const struct kernel_action *o = &old[sig];
        if (SYS4(SYS_rt_sigaction, sig, set, o, KERNEL_MASK_BYTES) != 0)
            continue;
        uint64_t bit = sigs & -sigs;
        done |= bit;
        if ((uintptr_t)o->handler | o->flags | o->mask | (uintptr_t)o->restorer)
            odd |= bit;
    }
    *unusual = odd;
    return done;
}

uint64_t platform_libc_signals(void)
{
#ifndef ENVSEAL_LIBC_INTERNAL_SIGNALS_MAX
#define ENVSEAL_LIBC_INTERNAL_SIGNALS_MAX 33 /* glibc's SIGCANCEL (and SIGTIMER), SIGSETXID */
#endif
    uint64_t bits = 0;
    for (int sig = 32; sig <= ENVSEAL_LIBC_INTERNAL_SIGNALS_MAX; sig++)
        bits |= BIT(sig);
    return bits;
}

#if defined(__x86_64__)
#define KERNEL_SA_RESTORER 0x04000000
/* Where a handler returns to: rt_sigreturn, in exactly the bytes of glibc's and
 * musl's __restore_rt, which gdb and libgcc's unwinder recognise as the end of a
 * signal frame. x86-64 requires one (SA_RESTORER), and libc's is not exported. */
void envseal_restore_rt(void);
__asm__(".text\n"
        ".align 16\n"
        ".hidden envseal_restore_rt\n"
        ".type envseal_restore_rt, @function\n"
        "envseal_restore_rt:\n"
        "\tmovq $15, %rax\n"
        "\tsyscall\n"
        ".size envseal_restore_rt, . - envseal_restore_rt\n");
#endif

void platform_handler_action(void (*handler)(int, siginfo_t *, void *), struct kernel_action *k)
{
    k->handler = (void *)handler;
    k->flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    k->mask = ~(uncatchable | platform_libc_signals());
#if defined(__x86_64__)
    k->flags |= KERNEL_SA_RESTORER;
    k->restorer = envseal_restore_rt;
#else
    k->restorer = NULL; /* arm64: the kernel returns through the vDSO's trampoline */
#endif
}

bool platform_is_namespace_init(pid_t self)
{
    return self == 1;
}

/* The first bytes of core_pattern; "" when unreadable. */
static void read_core_pattern(char *buf, size_t n)
{
    buf[0] = '\0';
    int fd = open("/proc/sys/kernel/core_pattern", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t got;
    do
        got = read(fd, buf, n - 1);
    while (got < 0 && errno == EINTR);
    close(fd);
    buf[got > 0 ? got : 0] = '\0';
}

bool platform_core_dump_possible(void)
{
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
        return false;
    struct rlimit rl;
    if (getrlimit(RLIMIT_CORE, &rl) != 0)
        return true;
    char pattern[8];
    read_core_pattern(pattern, sizeof pattern);
    if (pattern[0] == '|') /* a pipe handler gets the core whatever RLIMIT_CORE says, but 1 */
        return rl.rlim_cur != 1;
    /* A core file smaller than a page is never started. */
    return rl.rlim_cur >= 4096;
}

void platform_yield(void)
{
    sched_yield();
}

void platform_sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* si_value of a park request: "envs". */
#define PARK_MAGIC 0x656e7673

bool platform_is_park(const siginfo_t *si)
{
    return si && si->si_code == SI_QUEUE && si->si_pid == getpid() &&
           si->si_value.sival_int == PARK_MAGIC;
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

unsigned platform_park_other_threads(int sig)
{
    static char buf[2048] __attribute__((aligned(8))); /* under the caller's crash lock */
    pid_t pid = getpid(), self = (pid_t)SYS0(SYS_gettid);
    int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = SI_QUEUE;
    si.si_pid = pid;
    si.si_uid = getuid();
    si.si_value.sival_int = PARK_MAGIC;
    unsigned sent = 0;
    for (;;) {
        long n = SYS3(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            off += d->d_reclen;
            pid_t tid = 0;
            const char *c = d->d_name;
            for (; *c >= '0' && *c <= '9'; c++)
                tid = tid * 10 + (*c - '0');
            if (*c != '\0' || tid <= 0 || tid == self)
                continue;
            if (SYS4(SYS_rt_tgsigqueueinfo, pid, tid, sig, &si) == 0)
                sent++;
        }
    }
    close(fd);
    return sent;
}
