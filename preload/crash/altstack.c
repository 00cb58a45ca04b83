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
#include "preload/crash/thread_state.h"

__thread struct thread_state envseal_thread __attribute__((tls_model("initial-exec")));

static stack_t ours(void *stack)
{
    return (stack_t){.ss_sp = stack, .ss_flags = 0, .ss_size = ALTSTACK_SIZE};
}

bool altstack_adopt(void *stack)
{
    struct thread_state *t = &envseal_thread;
    stack_t ss = ours(stack), was;
    if (platform_altstack(&ss, &was) != 0)
        return false;
    /* One the program (or an earlier library) set before us stays. */
    if (!(was.ss_flags & SS_DISABLE)) {
        platform_altstack(&was, NULL);
        t->program_stack = true;
    }
    t->stack = stack;
    return true;
}

/* What the kernel reports for a thread with no alternate stack. */
static void none(stack_t *out)
{
    out->ss_sp = NULL;
    out->ss_flags = SS_DISABLE;
    out->ss_size = 0;
}

ENVSEAL_EXPORT int sigaltstack(const stack_t *ss, stack_t *old)
{
    struct thread_state *t = &envseal_thread;
    if (!t->stack) { /* a thread we never saw: nothing of ours to hide */
        int err = platform_altstack(ss, old);
        return err ? (errno = err, -1) : 0;
    }
    stack_t req, was;
    if (ss)
        req = *ss; /* ss and old may be the same object */
    int err;
    if (ss && (req.ss_flags & SS_DISABLE)) {
        /* The program's own goes (if any): ours comes back. */
        stack_t back = ours(t->stack);
        err = t->program_stack ? platform_altstack(&back, &was) : platform_altstack(NULL, &was);
        if (err == 0 && !t->program_stack)
            none(&was);
        if (err == 0)
            t->program_stack = false;
    } else {
        err = platform_altstack(ss ? &req : NULL, &was);
        if (err == 0 && !t->program_stack)
            none(&was);
        if (err == 0 && ss)
            t->program_stack = true;
    }
    if (err) {
        errno = err;
        return -1;
    }
    if (old)
        *old = was;
    return 0;
}
