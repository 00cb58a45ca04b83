/* Given to every file of the musl build of the envseal command (scripts/musl/envseal.sh,
 * -include): the glibc extensions the command uses that musl's libc lacks. */
#ifndef ENVSEAL_MUSL_CLI_COMPAT_H
#define ENVSEAL_MUSL_CLI_COMPAT_H

#include <signal.h>
#include <stddef.h>

/* glibc 2.32's sigabbrev_np: a signal's name without "SIG", NULL when it has none
 * (real-time and unknown signals, as in glibc). */
static inline const char *sigabbrev_np(int sig)
{
    static const char *const names[] = {
        [SIGHUP] = "HUP",   [SIGINT] = "INT",       [SIGQUIT] = "QUIT",   [SIGILL] = "ILL",
        [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",     [SIGBUS] = "BUS",     [SIGFPE] = "FPE",
        [SIGKILL] = "KILL", [SIGUSR1] = "USR1",     [SIGSEGV] = "SEGV",   [SIGUSR2] = "USR2",
        [SIGPIPE] = "PIPE", [SIGALRM] = "ALRM",     [SIGTERM] = "TERM",   [SIGSTKFLT] = "STKFLT",
        [SIGCHLD] = "CHLD", [SIGCONT] = "CONT",     [SIGSTOP] = "STOP",   [SIGTSTP] = "TSTP",
        [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",     [SIGURG] = "URG",     [SIGXCPU] = "XCPU",
        [SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",   [SIGWINCH] = "WINCH",
        [SIGIO] = "IO",     [SIGPWR] = "PWR",       [SIGSYS] = "SYS",
    };
    return sig > 0 && (size_t)sig < sizeof names / sizeof *names ? names[sig] : NULL;
}

#endif
