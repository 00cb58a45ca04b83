#define _GNU_SOURCE
#include "jobctl.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* Children that are not the program: orphans of the namespace envseal is init of. */
static void reap_others(const struct job *j)
{
    for (;;) {
        siginfo_t si = {0};
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0 ||
            si.si_pid == j->pid)
            return; /* none, or the program: jobctl_update's own */
        waitpid(si.si_pid, NULL, WNOHANG);
    }
}

static void update_program(struct job *j)
{
    while (!j->reaped) {
        int st;
        pid_t r = waitpid(j->pid, &st, WNOHANG | WUNTRACED | WCONTINUED);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == ECHILD) { /* reaped by someone else: status unknown */
            j->reaped = true;
            j->status = EXIT_RUN_FAILED << 8;
            j->stopped = false;
            j->stopsig = 0;
        }
        if (r <= 0)
            return;
        if (WIFSTOPPED(st)) {
            j->stopped = true;
            j->stopsig = WSTOPSIG(st);
        } else if (WIFCONTINUED(st)) {
            j->stopped = false;
            j->stopsig = 0;
        } else {
            j->reaped = true;
            j->status = st;
            j->stopped = false;
            j->stopsig = 0;
        }
    }
}

void jobctl_update(struct job *j)
{
    update_program(j);
    if (j->reap_others)
        reap_others(j);
}

bool jobctl_should_relay(const struct job *j, const struct signalfd_siginfo *si)
{
    if (j->reaped)
        return false;
    /* From the terminal (^C, ^\, ^Z, hang-up): sent to the whole foreground
     * process group, the program's too. */
    if (si->ssi_code == SI_KERNEL)
        return false;
    /* Sent by the program itself (to its group, or to its parent), or by a member
     * of a group that the program or envseal leads: a kill(0, sig) that reached
     * the program as well (sudo's rule). A signal sent to a group from outside is
     * indistinguishable from one sent to envseal's pid: docs/cli.md. */
    pid_t from = (pid_t)si->ssi_pid;
    if (from == j->pid)
        return false;
    if (from > 0 && (si->ssi_code == SI_USER || si->ssi_code == SI_QUEUE ||
                     si->ssi_code == SI_TKILL)) {
        pid_t group = getpgid(from);
        if (group == j->pid || group == getpid())
            return false;
    }
    return true;
}

/* Stops envseal with sig, with the default action for a moment if envseal
 * catches it; SIGSTOP where sig is ignored. A stop signal envseal reads through
 * its signalfd is blocked: it is sent, then unblocked for a moment, and envseal
 * stops inside sigprocmask. The SIGCONT that ends the stop arrives through the
 * signalfd (jobctl_continued). */
static void stop_with(int sig)
{
    struct sigaction now, dfl = {.sa_handler = SIG_DFL};
    bool swapped = false;
    if (sig != SIGSTOP && sigaction(sig, NULL, &now) == 0 && now.sa_handler != SIG_DFL) {
        if (now.sa_handler == SIG_IGN)
            sig = SIGSTOP;
        else
            swapped = sigaction(sig, &dfl, NULL) == 0;
    }
    sigset_t one, old;
    sigemptyset(&one);
    sigaddset(&one, sig);
    kill(getpid(), sig);
    sigprocmask(SIG_UNBLOCK, &one, &old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (swapped)
        sigaction(sig, &now, NULL);
}

void jobctl_stop_like_program(struct job *j)
{
    /* Writing out what the program wrote may have taken a while: it may have been
     * continued since (a stop signal would also discard that SIGCONT, pending). */
    jobctl_update(j);
    int sig = j->stopsig;
    j->stopsig = 0;
    sigset_t pending;
    if (!sig || (!j->reaped && !j->stopped) ||
        (sigpending(&pending) == 0 && sigismember(&pending, SIGCONT)))
        return; /* (once the program is gone, a SIGTSTP stops envseal alone) */
    stop_with(sig);
}

void jobctl_continued(struct job *j)
{
    jobctl_update(j);
    if (j->stopped && !j->reaped)
        kill(j->pid, SIGCONT);
}
