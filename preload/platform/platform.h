/* The only place that knows which operating system envseal runs on.
 * Everything here is async-signal-safe unless noted: raw system calls, no malloc. */
#ifndef ENVSEAL_PLATFORM_H
#define ENVSEAL_PLATFORM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum backing {
    BACKING_NONE = 0,
    BACKING_SECRETMEM = 1, /* memfd_secret: out of the kernel's direct map, never dumped */
    BACKING_ANON = 2,      /* private copy-on-write pages, MADV_DONTDUMP, mlock, named */
};

/* One vault mapping: [guard page][data: size bytes][guard page]. */
struct mapping {
    unsigned char *data;
    size_t size;
    enum backing backing;
    bool locked;   /* mlock succeeded (secretmem is always unswappable) */
    bool dontdump; /* excluded from core dumps */
};

/* Why the preferred protections were not had; 0 when they were. */
struct map_report {
    int secretmem_errno;
    int mlock_errno;
};

/* For small statics written at start-up: ELF's .data precedes .bss, so they share
 * the page the loader has written already (each further page written is a page
 * fault in every preloaded process). */
#ifndef ENVSEAL_HOT /* Mach-O names the section otherwise (darwin/compat.h) */
#define ENVSEAL_HOT __attribute__((section(".data")))
#endif

/* For the shim's state (envseal_state): its first few hundred bytes are written at
 * start-up, the kilobytes of pattern sets after them only with ENVSEAL_* settings.
 * data_page_end.lds puts this section right after .data, so those first bytes share
 * the page written already and the rest stays unread file pages: in .bss, its first
 * page would be one more page fault in every preloaded process. */
#ifndef ENVSEAL_STATE
#define ENVSEAL_STATE __attribute__((section(".data.envseal_state")))
#endif

size_t platform_page_size(void);

/* Maps a vault of at least `size` bytes (rounded up to pages), guard pages on both
 * sides. With allow_secretmem it tries memfd_secret first, then the anonymous
 * fallback. Returns 0, or an errno value when no mapping at all could be made. */
int platform_map(size_t size, bool allow_secretmem, struct mapping *m, struct map_report *r);

/* Unmaps a platform_map mapping with its guard pages (one never written: it is
 * not wiped). */
void platform_unmap(struct mapping *m);

/* In a fork child: secretmem pages are shared with the parent, so give the child
 * its own copy at the same address (pointers stay valid) and re-lock anonymous
 * pages (locks are not inherited). Returns 0, or an errno value: on failure the
 * caller must never wipe the mapping in this process. */
int platform_unshare_after_fork(struct mapping *m);

/* write(2) of a whole buffer to stderr; ignores errors. */
void platform_write_stderr(const char *buf, size_t len);

/* ENVSEAL_PTRACE=deny: other processes of the same user can no longer attach to
 * this one or read its memory. 0, or an errno value. */
int platform_deny_ptrace(void);

/* True in a secure-execution process: set-user-ID, set-group-ID, file capabilities
 * or another privilege change at exec (Linux's AT_SECURE, macOS's issetugid). Its
 * environment is its invoker's, so nothing in it may steer the shim. True as well
 * when it cannot be told. Not async-signal-safe: start-up only. */
bool platform_secure_execution(void);

/* Whether another envseal shim of this flavour (core/marker_note.h: its note; 0:
 * any) is loaded in the process besides this one. False where the platform cannot
 * tell. Walks the loaded objects: for rare cases only. */
bool platform_shim_loaded(unsigned flavour);

/* False where the system has no way to leave pages out of a core dump (macOS):
 * the vault's regions then never report dontdump, and that is no degradation to
 * warn of, since the vault is wiped before any core is written. */
bool platform_can_exclude_from_dump(void);

/* 64 unpredictable bits (getrandom, else AT_RANDOM mixed with addresses). */
uint64_t platform_random64(void);

/* Short name of the running program, for messages. Never NULL. */
const char *platform_program_name(void);
/* Called by the constructor with argv[0]. */
void platform_set_program_name(const char *argv0);

/* ---- Signals (platform/linux/signal_actions.c). Async-signal-safe. ---- */

/* What the kernel does on a signal whose disposition is SIG_DFL. */
enum sig_default { SIGDEF_IGNORE, SIGDEF_STOP, SIGDEF_TERMINATE, SIGDEF_CORE };
enum sig_default platform_signal_default(int sig);

/* Highest signal number (signals are 1..max). */
int platform_signal_max(void);

/* Bit sig-1 set for every signal whose default action terminates the process
 * (with or without a core), SIGKILL excepted: the ones envseal hooks. */
uint64_t platform_fatal_signals(void);

/* The part of an action's sa_mask the kernel keeps (SIGKILL and SIGSTOP dropped),
 * and its inverse, which writes exactly the bytes libc's sigaction writes. */
uint64_t platform_action_mask(const sigset_t *s);
void platform_set_action_mask(sigset_t *s, uint64_t bits);

/* Copies the fields libc's sigaction fills in an old action (handler, mask,
 * flags, restorer); other bytes of dst are untouched. */
void platform_copy_action(struct sigaction *dst, const struct sigaction *src);

/* Sets an action's restorer (the code a handler returns through), where the
 * system's struct sigaction has one (Linux); nothing elsewhere. */
void platform_set_restorer(struct sigaction *s, void (*restorer)(void));

/* The kernel's rt_sigprocmask for the calling thread, with glibc's rules (its
 * internal signals are never blocked), bypassing any interposer. 0 or an errno. */
int platform_thread_mask(int how, const sigset_t *set, sigset_t *old);

/* The signals a fault raises synchronously (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
 * SIGTRAP, SIGSYS), as bit sig - 1: when the faulting thread blocks one, the
 * kernel kills the process without running any handler. */
uint64_t platform_sync_signals(void);

/* The kernel's sigaltstack for the calling thread, bypassing any interposer.
 * 0 or an errno. */
int platform_altstack(const stack_t *set, stack_t *old);

/* The most a signal frame takes on an alternate stack (the kernel's, with this
 * CPU's register state): a stack smaller than this and a handler's own needs
 * cannot run the handler. */
size_t platform_signal_frame_size(void);

/* Maps a stack for signal handlers: size bytes (a multiple of the page size), a
 * guard page below, never in a core dump, pages allocated only when touched.
 * Returns its lowest usable address, or NULL. */
void *platform_map_stack(size_t size);
void platform_unmap_stack(void *stack, size_t size);

/* Queues sig with the given siginfo to the calling thread only. */
void platform_requeue_signal(int sig, const siginfo_t *si);

/* Where a signal a handler got came from: the kernel, for this thread (a fault, and
 * other signals the kernel raises in a thread: ptrace, seccomp); another thread or
 * process, for this thread (tgkill, raise, pthread_kill, pthread_sigqueue); or sent
 * to the whole process (kill, sigqueue from another process, timers, SIGIO), which
 * the kernel gives to any thread that does not block it. */
enum sig_origin { SIG_FROM_KERNEL, SIG_TO_THREAD, SIG_TO_PROCESS };
enum sig_origin platform_signal_origin(const siginfo_t *si);

/* Queues sig to the whole process again, with the given siginfo where the system
 * lets this thread keep it (else as a kill() by the process itself). */
void platform_requeue_to_process(int sig, const siginfo_t *si);

/* In a handler's ucontext: the mask restored on return blocks every signal but
 * sig, so a pending sig is the first and only thing delivered. */
void platform_context_unblock_only(void *ucontext, int sig);

/* For a trap that returns past its instruction (int3's SIGTRAP, a seccomp trap's
 * SIGSYS): sets the ucontext back to run that instruction again, so that it traps
 * again on return. False where it cannot tell or cannot do so. */
bool platform_context_refault(void *ucontext, int sig, const siginfo_t *si);

/* Where the interrupted code resumes when the handler returns: its program counter
 * and stack pointer in ucontext. False where the platform does not tell. */
bool platform_context_resume_point(void *ucontext, uintptr_t *pc, uintptr_t *sp);

/* The parts of a handler's ucontext that hold the interrupted code's data
 * registers (general-purpose ones but the stack and instruction pointers and flags;
 * x87, vector and mask registers): up to max areas, each safe to overwrite with
 * zeros before the handler returns. Returns how many. */
struct byte_area {
    void *p;
    size_t n;
};
size_t platform_context_registers(void *ucontext, struct byte_area *out, size_t max);

/* In a handler's ucontext: sig is blocked too when the handler returns. */
void platform_context_block(void *ucontext, int sig);

/* Zeroes the general-purpose registers a handler inherits from the interrupted code
 * and that calls preserve (a parked thread's registers are what its core note
 * records). Inline: the caller's prologue saved them on its own stack. */
static inline __attribute__((always_inline)) void platform_clear_callee_saved(void)
{
#if defined(__x86_64__)
    __asm__ volatile("xor %%ebx, %%ebx\n\txor %%r12d, %%r12d\n\txor %%r13d, %%r13d\n\t"
                     "xor %%r14d, %%r14d\n\txor %%r15d, %%r15d"
                     :
                     :
                     : "rbx", "r12", "r13", "r14", "r15");
#elif defined(__aarch64__)
    __asm__ volatile("mov x19, xzr\n\tmov x20, xzr\n\tmov x21, xzr\n\tmov x22, xzr\n\t"
                     "mov x23, xzr\n\tmov x24, xzr\n\tmov x25, xzr\n\tmov x26, xzr\n\t"
                     "mov x27, xzr\n\tmov x28, xzr"
                     :
                     :
                     : "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28");
#endif
}

/* Zeroes every vector register the C library's copy and search routines use
 * (x86-64: xmm/ymm/zmm 0-31 as the CPU has them; aarch64: v0-v31). They are
 * call-clobbered: the caller loses nothing. A thread starts with the registers of
 * the thread that made it, so a thread that can never be parked (one that blocks
 * every signal: a C library helper, or a thread that blocked them with a raw
 * system call) would hold slices of a value its creator copied
 * (platform/vector_registers.c). */
void platform_clear_vector_registers(void);

/* The signals whose disposition is SIG_IGN, and those with a handler, as bit
 * (sig - 1) of each mask (/proc/self/status). False when unknown. Not
 * async-signal-safe. */
bool platform_signal_dispositions(uint64_t *ignored, uint64_t *caught);

/* True while the process has never had a second thread (glibc's
 * __libc_single_threaded): a signal can then only reach the calling thread. */
bool platform_single_threaded(void);

/* The same where telling costs no system call; false where it would (musl): for
 * paths a program takes often, where false is the safe answer. */
bool platform_single_threaded_cheap(void);

/* One signal action exactly as the kernel holds it. */
struct kernel_action {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask; /* bit sig - 1 */
};

/* The kernel's rt_sigaction itself, bypassing libc: sets sig's action to `set`
 * (unless NULL) and reports the previous one in `old` (unless NULL), byte for byte.
 * libc's sigaction would put its own restorer in, and refuses the signals libc
 * keeps for itself; this does neither (see platform_libc_signals). 0 or an errno. */
int platform_kernel_action(int sig, const struct kernel_action *set, struct kernel_action *old);

/* platform_kernel_action(sig, set, &old[sig]) for every signal of sigs (bit sig - 1),
 * in one loop: start-up installs some fifty actions this way. Returns the signals it
 * succeeded for (old[sig] of the others is left as it was); *unusual: those whose
 * old action was not all zero (SIG_DFL, no flags, mask or restorer), the state
 * every action is in after an exec unless it is ignored. */
uint64_t platform_kernel_swap_each(uint64_t sigs, const struct kernel_action *set,
                                   struct kernel_action old[65], uint64_t *unusual);

/* The signals libc keeps for itself (glibc: 32 and 33), as bit sig - 1. */
uint64_t platform_libc_signals(void);

/* The action that runs handler with siginfo, on the alternate stack if any,
 * restarting the call it interrupted should it return, with
 * every signal blocked but libc's own (sigfillset's mask), returning through a
 * restorer of the shim's own where the architecture needs one: what libc's
 * sigaction would give the kernel, without resolving libc's sigaction. */
void platform_handler_action(void (*handler)(int, siginfo_t *, void *), struct kernel_action *k);

/* True for the init process of a PID namespace (self: this process's pid): the
 * kernel discards signals from inside the namespace whose disposition is SIG_DFL. */
bool platform_is_namespace_init(pid_t self);

/* True in a child running in its parent's memory (a vfork child, a clone with
 * CLONE_VM) where the system can tell; false where it cannot. One system call. */
bool platform_in_parent_memory(pid_t self);

/* Marks this process's memory as pid's, in a page a fork child gets zeroed
 * (MADV_WIPEONFORK) while a vfork child, running in this very memory, reads pid.
 * Nothing where the system cannot. */
void platform_mark_memory_owner(pid_t pid);

/* The pid marked in this memory: 0 when never marked, or in a fork child's copy.
 * Async-signal-safe, no system call. */
pid_t platform_memory_owner(void);

/* Whether this memory carries the mark (a page of it was mapped and marked), so that
 * platform_memory_owner's 0 means a fork child's copy. Async-signal-safe. */
bool platform_memory_marked(void);

/* True when dying now by a core-dumping signal could write a core dump
 * (dumpable, and RLIMIT_CORE/core_pattern allow one). */
bool platform_core_dump_possible(void);

/* Yields the processor (a spin-wait step). */
void platform_yield(void);

/* Sleeps about ms milliseconds. */
void platform_sleep_ms(unsigned ms);

/* Sends sig, marked as a park request, to every other thread of the process;
 * returns how many were sent. */
unsigned platform_park_other_threads(int sig);

/* True when si is a park request from this process. */
bool platform_is_park(const siginfo_t *si);

/* ---- Memory a core dump would hold (platform/linux/dump_regions.c). Async-signal-safe. ---- */

struct dump_region {
    uintptr_t start, end;
    bool anon;     /* no file behind it (or huge pages): pages never touched are not dumped */
    bool shared;   /* MAP_SHARED: other processes may see writes */
    bool direct;   /* private, readable and writable, no file, no huge pages */
};

/* Calls fn for every mapping of this process that a core dump would contain
 * under its coredump_filter (not MADV_DONTDUMP, not I/O). buf (at least 8 KiB)
 * holds the text of /proc/self/smaps. Returns 0, or -1 when it cannot be read. */
int platform_dump_regions(char *buf, size_t len,
                          void (*fn)(const struct dump_region *r, void *arg), void *arg);

/* Handles on this process's own memory through the kernel: reads and writes that
 * ignore page protections and never raise a fault in the caller. */
struct self_mem {
    int mem;     /* /proc/self/mem, or -1 */
    int pagemap; /* /proc/self/pagemap, or -1 */
};
void platform_self_open(struct self_mem *m);
void platform_self_close(struct self_mem *m);
/* Bytes read at addr (0 or less when the page cannot be read). */
long platform_self_read(const struct self_mem *m, uintptr_t addr, void *buf, size_t n);
/* Whether platform_self_read can read anything at all through m. */
bool platform_self_readable(const struct self_mem *m);
/* Overwrites n bytes at addr with zeros; 0 on success. */
int platform_self_zero(const struct self_mem *m, uintptr_t addr, size_t n);

/* Calls fn for each run of pages of [start,end) that are present or swapped out
 * (pagemap); entries is scratch space for n pagemap entries. -1 when unknown. */
int platform_populated_runs(const struct self_mem *m, uintptr_t start, uintptr_t end,
                            uint64_t *entries, size_t n,
                            void (*fn)(uintptr_t start, uintptr_t end, void *arg), void *arg);

/* Leaves the pages holding [addr, addr+n) out of any core dump (MADV_DONTDUMP). */
int platform_exclude_from_dump(uintptr_t addr, size_t n);

/* Maps size bytes of private memory that core dumps leave out, never touched
 * until used; NULL on failure. With stack_size (a multiple of the page size), a
 * stack for signal handlers of that size lies below it, a guard page below that,
 * and *stack gets its lowest address. */
void *platform_map_scratch(size_t size, size_t stack_size, void **stack);
/* Best effort: keeps [p, p+n) out of swap (mlock); async-signal-safe. */
void platform_lock_pages(void *p, size_t n);

#endif
