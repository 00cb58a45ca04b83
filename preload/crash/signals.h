/* Signal hooks (docs/signals.md): while the program leaves a signal whose default
 * action ends the process at SIG_DFL, the kernel holds a handler of ours that wipes
 * the vault (and, before a core dump, sweeps memory), then lets the same signal
 * kill the process. sigaction, signal, bsd_signal, ssignal, sysv_signal, sigset and
 * siginterrupt are interposed so the program sees the dispositions it would see
 * without envseal. */
#ifndef ENVSEAL_SIGNALS_H
#define ENVSEAL_SIGNALS_H

#include <stdbool.h>
#include <sys/types.h>

/* Installs the hooks and maps the sweep's scratch area, once: from the constructor
 * after the secrets are in the vault, or, in a process that started with none,
 * when the first secret is stored (only the calling thread then gets an alternate
 * stack of envseal's). Later calls return at once. */
void signals_install(pid_t self);

/* What signals_install could not set up, NULL when nothing: the crash sweep (its
 * scratch area could not be mapped: RLIMIT_AS, no memory), or the alternate stack
 * as well. *err is the mapping's errno. */
const char *signals_degradation(int *err);

/* In a child just forked: the hooks' locks and state as a new process has them.
 * Called by the shim's own fork handler (shim.c), registered before any secret is
 * stored, so no registration of its own costs a start-up. */
void signals_after_fork_child(void);

/* True once the hooks are in: the mask and alternate-stack interposers then
 * hide what envseal changes. */
bool signals_active(void);

/* Called by the abort interposer before the C library's abort runs, which ends the
 * process by SIGABRT past envseal's hook when the first SIGABRT it raises does not
 * (ignored, a handler that returns, or, where raises_while_blocked, blocked by the
 * calling thread): the wipe and sweep a death by SIGABRT gets are done first. */
void signals_before_abort(bool raises_while_blocked);

#endif
