/* Alternate signal stacks. A stack overflow faults with no stack left to run a
 * handler on, and the kernel then kills the process with the core as it is: so
 * every thread envseal knows (the main thread from the constructor, every thread
 * made by pthread_create) gets an alternate stack of ours, on which the crash
 * handler runs (it asks for SA_ONSTACK). sigaltstack is interposed so the program
 * sees the alternate stack it set, or none: one it sets replaces ours in the
 * kernel, and disabling it puts ours back. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "preload/platform/platform.h"
#include "preload/core/shim.h"
#include "preload/platform/interpose.h"
#include "preload/crash/thread_state.h"

__thread struct thread_state envseal_thread __attribute__((tls_model("initial-exec")));

/* What the crash handler takes of an alternate stack below the kernel's signal
 * frame: on_fatal and the sweep use about 1.6 KiB on x86-64; more than twice that. */
#define FATAL_HANDLER_ROOM 4096

static stack_t ours(void *stack)
{
    return (stack_t){.ss_sp = stack, .ss_flags = 0, .ss_size = ALTSTACK_SIZE};
}

/* A stack of the program's that cannot hold the kernel's signal frame and the crash
 * handler. Without envseal a signal at SIG_DFL never touches it, whatever its size;
 * with envseal, one that ends the process runs on_fatal, which would run off its
 * end (a different death, an unswept core, or the program's memory overwritten).
 * Such a stack stays out of the kernel, which keeps ours (docs/signals.md). */
static bool too_small(const stack_t *ss)
{
    return !(ss->ss_flags & SS_DISABLE) &&
           ss->ss_size < platform_signal_frame_size() + FATAL_HANDLER_ROOM;
}

/* The program's stack, as the kernel would report it: with SS_ONSTACK while the
 * thread runs on the stack in its place (ours). */
static stack_t kept_out(const struct thread_state *t, const stack_t *kernel)
{
    stack_t r = t->program_stack_set;
    r.ss_flags = (r.ss_flags & ~SS_ONSTACK) | (kernel->ss_flags & SS_ONSTACK);
    return r;
}

bool altstack_adopt(void *stack)
{
    struct thread_state *t = &envseal_thread;
    stack_t ss = ours(stack), was;
    if (platform_altstack(&ss, &was) != 0)
        return false;
    /* One the program (or an earlier library) set before us stays, unless it is too
     * small for the crash handler. */
    if (!(was.ss_flags & SS_DISABLE)) {
        t->program_stack = true;
        if (too_small(&was)) {
            t->program_stack_set = was;
            t->program_stack_kept_out = true;
        } else {
            platform_altstack(&was, NULL);
        }
    }
    t->stack = stack;
    return true;
}

struct altstack_frame altstack_enter_handler(void)
{
    const struct thread_state *t = &envseal_thread;
    return (struct altstack_frame){t->program_stack, t->program_stack_kept_out,
                                   t->program_stack_set};
}

void altstack_leave_handler(const struct altstack_frame *f)
{
    struct thread_state *t = &envseal_thread;
    if (t->program_stack == f->program_stack && t->program_stack_kept_out == f->kept_out &&
        (!f->kept_out || memcmp(&t->program_stack_set, &f->set, sizeof f->set) == 0))
        return; /* written only when it changed: a page written after fork is copied */
    t->program_stack = f->program_stack;
    t->program_stack_kept_out = f->kept_out;
    t->program_stack_set = f->set;
}

/* What the kernel reports for a thread with no alternate stack. */
static void none(stack_t *out)
{
    out->ss_sp = NULL;
    out->ss_flags = SS_DISABLE;
    out->ss_size = 0;
}

/* A stack too small for the crash handler, as the program sets it: the kernel
 * checks it (flags, size, not while running on the alternate stack) by taking it,
 * with every signal blocked, and gets ours back at once. */
static int keep_out(struct thread_state *t, const stack_t *req)
{
    sigset_t all, saved;
    sigfillset(&all);
    platform_thread_mask(SIG_SETMASK, &all, &saved);
    int err = platform_altstack(req, NULL);
    if (err == 0) {
        stack_t back = ours(t->stack);
        platform_altstack(&back, NULL);
    }
    platform_thread_mask(SIG_SETMASK, &saved, NULL);
    if (err == 0) {
        t->program_stack_set = *req;
        t->program_stack_set.ss_flags &= ~SS_ONSTACK;
        t->program_stack = t->program_stack_kept_out = true;
    }
    return err;
}

ENVSEAL_EXPORT int INTERPOSER(sigaltstack)(const stack_t *ss, stack_t *old)
{
    struct thread_state *t = &envseal_thread;
    if (!t->stack) { /* a thread we never saw: nothing of ours to hide */
        int err = platform_altstack(ss, old);
        return err ? (errno = err, -1) : 0;
    }
    stack_t req, k, was;
    if (ss)
        req = *ss; /* ss and old may be the same object */
    int err = platform_altstack(NULL, &k);
    if (err == 0 && !t->program_stack)
        none(&was);
    else if (err == 0)
        was = t->program_stack_kept_out ? kept_out(t, &k) : k;
    if (err == 0 && ss && (req.ss_flags & SS_DISABLE)) {
        /* The program's own goes (if any): ours is in the kernel again. */
        stack_t back = ours(t->stack);
        if (!altstack_ours_in_kernel(t))
            err = platform_altstack(&back, NULL);
        else if (t->program_stack_kept_out && (k.ss_flags & SS_ONSTACK))
            err = EPERM; /* running on it: the kernel refuses any change */
        if (err == 0)
            t->program_stack = t->program_stack_kept_out = false;
    } else if (err == 0 && ss && too_small(&req)) {
        err = keep_out(t, &req);
    } else if (err == 0 && ss) {
        err = platform_altstack(&req, NULL);
        if (err == 0) {
            t->program_stack = true;
            t->program_stack_kept_out = false;
        }
    }
    if (err) {
        errno = err;
        return -1;
    }
    if (old)
        *old = was;
    return 0;
}
