/* `run --redact`: envseal stays the program's parent and passes its stdout and
 * stderr through the masker. A stream that is a terminal is given to the program
 * as a pseudo-terminal (so it still sees a tty: line buffering, colours, window
 * size); its stdin is left alone. When stdout and stderr are one terminal or one
 * open file description (`> log 2>&1`), the program gets a single pipe (or pty)
 * for both and one masker stream covers them. Output is drained until every
 * writer has closed it, so nothing the program (or its children) wrote is lost
 * when it crashes, is killed or closes early. Modes set on the pty reach the real
 * terminal (ttymirror.h); stops and signals follow the program (jobctl.h). */
#ifndef ENVSEAL_CLI_SUPERVISE_H
#define ENVSEAL_CLI_SUPERVISE_H

#include "masker.h"

/* Starts file (PATH lookup as execvp) and supervises it. Returns its wait status,
 * or -1 when it could not be started (the message is printed, *exec_errno set). */
int supervise_run(const char *file, char *const argv[], char *const envp[],
                  const struct masker *m, int *exec_errno);

/* Ends envseal the way the program ended: same exit code, or the same signal
 * re-raised on itself (after restoring SIG_DFL, with core dumps off). */
__attribute__((noreturn)) void supervise_exit_like(int wait_status);

#endif
