/* Job control for `run --redact`. envseal stands between its caller and the
 * program, so to the caller (a shell, a supervisor) a stop, a continue or a
 * signal must look as it would without envseal in between:
 *  - the program stops: envseal stops with the same signal (the shell sees the
 *    job stopped); envseal continued: the program is continued if nobody did;
 *  - a signal sent to envseal reaches the program once, not twice when the
 *    program already has it (from the terminal, or sent to the process group by
 *    the program itself or a member of it). */
#ifndef ENVSEAL_CLI_JOBCTL_H
#define ENVSEAL_CLI_JOBCTL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/signalfd.h>
#include <sys/types.h>

struct job {
    pid_t pid;
    bool stopped; /* last state change reported was a stop */
    bool reaped;
    int status;   /* wait status once reaped */
    int stopsig;  /* the signal of a stop not yet mirrored, else 0 */
    bool reap_others; /* envseal is init: orphans are its children, reaped too */
};

/* Collects every state change of the program reported so far (exit, stop,
 * continue) without blocking; with reap_others, other children that ended too. */
void jobctl_update(struct job *j);

/* Whether a signal that reached envseal should be passed on to the program. */
bool jobctl_should_relay(const struct job *j, const struct signalfd_siginfo *si);

/* Stops envseal the way the program stopped (j->stopsig), unless the program was
 * continued meanwhile; returns once envseal is continued. */
void jobctl_stop_like_program(struct job *j);

/* A SIGCONT reached envseal: continues the program if it is still stopped. */
void jobctl_continued(struct job *j);

#endif
