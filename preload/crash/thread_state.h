/* What envseal keeps per thread for the crash path: its alternate signal stack and
 * the signal mask the program believes it set. Thread-local (initial-exec: the
 * shim is loaded at start-up, so its TLS is static and reading it is one load,
 * async-signal-safe). */
#ifndef ENVSEAL_THREAD_STATE_H
#define ENVSEAL_THREAD_STATE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* Large enough for the crash handler and for a program's SA_ONSTACK handler that
 * runs on it (see altstack.c); untouched pages cost nothing. */
#define ALTSTACK_SIZE (256 * 1024)

struct thread_state {
    void *stack;         /* our alternate stack in this thread, or NULL */
    bool program_stack;  /* the program has set an alternate stack of its own */
    /* ...too small for the crash handler: the kernel keeps ours, and the program's
     * (program_stack_set) is only reported to it (altstack.c). */
    bool program_stack_kept_out;
    stack_t program_stack_set;
    uint64_t held;       /* synchronous signals the program blocks here (bit sig-1) */
    uint64_t parked;     /* those of held the kernel blocks here too: one was sent
                          * while held, and waits (masks_park) */
    uint64_t delivered;  /* those of held that a running handler's delivery added
                          * (masks_handler_blocks), not the program's sigprocmask */
    bool env_lock_fork;  /* this thread holds the shim's lock for its fork */
    uintptr_t aborting;  /* in abort, whose SIGABRT runs a handler of the program's:
                          * the stack address abort was called at (signals.c: if
                          * the handler returns to abort, the process dies past
                          * the hooks); 0 once a jump left it */
};

extern __thread struct thread_state envseal_thread __attribute__((tls_model("initial-exec")));

/* Whether the kernel holds our alternate stack for the calling thread (not one of
 * the program's). */
static inline bool altstack_ours_in_kernel(const struct thread_state *t)
{
    return t->stack && (!t->program_stack || t->program_stack_kept_out);
}

/* The program's alternate stack as recorded when a handler of the program's starts:
 * when the handler returns, the kernel puts back the alternate stack it had then
 * (uc_stack), undoing a sigaltstack made in the handler; so does the record. */
struct altstack_frame {
    bool program_stack, kept_out;
    stack_t set;
};
struct altstack_frame altstack_enter_handler(void);
void altstack_leave_handler(const struct altstack_frame *f);

/* Gives the calling thread our alternate stack (ALTSTACK_SIZE bytes), unless it has
 * one already. False when the kernel refused it (the caller keeps the memory). */
bool altstack_adopt(void *stack);

/* Sets up a new thread's state: its stack, and the mask its creator held (held, and
 * parked: what of it the kernel mask the thread inherits blocks too). */
void threads_start(void *stack, uint64_t held, uint64_t parked);

/* In a thread the C library made past pthread_create's interposer, about to run
 * the program's code (a SIGEV_THREAD timer's): our alternate stack, when it has
 * none, and the synchronous signals it was made with blocked moved into
 * envseal_thread.held, the kernel getting them unblocked. Nothing before the hooks
 * are on. */
void threads_adopt_foreign(void);

/* In a fork child: locks that another thread of the parent held are free. */
void threads_after_fork_child(void);

/* In the main thread, at start-up: the synchronous signals an exec left blocked
 * move into envseal_thread.held, and the kernel gets them unblocked. saved: the
 * mask the caller blocked everything over (it is restored so), or NULL to read the
 * current one. */
void masks_adopt_inherited(const sigset_t *saved);

/* pthread_sigmask as the program sees it (0 or an errno value); for envseal's own
 * emulations of libc functions that change the mask. */
int masks_change(int how, const sigset_t *set, sigset_t *old);

/* A wait with a temporary mask (sigsuspend, ppoll, pselect, epoll_pwait): a handler
 * that runs during it has that mask, and one that blocks a fault signal would make
 * a fault there a forced kill. The kernel gets *kernel: mask without the six, but
 * those parked here (blocked for real and pending); the thread's record holds the
 * mask's six for the wait (*saved: what it held before), so that a handler reads
 * them back and one sent meanwhile is parked, as the kernel would keep it pending.
 * masks_wait_end(saved) after the wait. In a vfork child, *kernel is the mask as
 * given where the record would change. */
void masks_wait_begin(const sigset_t *mask, sigset_t *kernel, uint64_t *saved);
void masks_wait_end(uint64_t saved);

/* True when the program blocks sig in the calling thread (sync signals only). */
bool masks_held(int sig);

/* For on_fatal: sig, sent (not a fault) to this thread while the program blocks it
 * here, must wait as the kernel would have kept it: queued again with si (to this
 * thread, or to the process when it was sent to the process, so that a thread that
 * does not block it takes it), and blocked for real here (in uc, restored on
 * return) until the program unblocks it. */
void masks_park(int sig, const siginfo_t *si, void *uc);

/* What a program's handler finds recorded on entry: when it returns, the kernel
 * puts back the mask it interrupted, and masks_leave_handler the record of it (a
 * handler that blocked the six, or unblocked a parked one, and returned leaves
 * them as they were). Left by longjmp instead, the record stays as the handler
 * set it, or becomes the mask the jump restores (crash/longjmp.c). */
struct mask_frame {
    uint64_t held, parked, delivered;
};
struct mask_frame masks_enter_handler(void);
/* What the handler's delivery blocks of the six (bit sig - 1), recorded for its
 * run: the kernel would block them, and does not (signals.c, deferred). */
void masks_handler_blocks(uint64_t bits);
void masks_leave_handler(struct mask_frame f);

/* A jump to a sigsetjmp that saved the mask (saved), or a switch to a context: the
 * C library puts the mask back in the kernel directly; the record follows first.
 * known: the record saved with it (save points keep one: longjmp.c), which the
 * six of the saved mask itself add to, or NULL: then of the six the saved mask
 * holds only what the kernel blocked, so what the program blocked through
 * sigprocmask is kept, and what the deliveries of the handlers left behind added
 * goes. */
void masks_jump_restores(const sigset_t *saved, const uint64_t *known);

/* The six the program blocks in this thread, as recorded (bit sig - 1). */
uint64_t masks_record(void);

/* set, as the kernel must hold it after masks_jump_restores: the six taken out,
 * but those parked and still blocked. */
void masks_for_kernel(sigset_t *set);

/* The six that a thread may block for real because it parked one (bit sig - 1). */
uint64_t masks_parked_anywhere(void);

#endif
