/* The pseudo-terminal `run --redact` gives a program whose stdout (or stderr) is
 * a terminal, and the mirror of its modes onto that real terminal.
 *
 * The program reads the real terminal (its stdin is left alone) but may set modes
 * through its stdout, as curses does: raw mode set on the pseudo-terminal would not
 * reach the keyboard. The master runs in packet mode and the slave has EXTPROC, so
 * the kernel reports every tcsetattr on the slave; the flags the program flipped
 * and the control characters it changed are then applied to the real terminal,
 * on top of whatever the real terminal holds (changes made through stdin stay).
 * EXTPROC is envseal's: should the program copy its stdout's modes to the real
 * terminal, it is taken off there again (at every sync and at the end). */
#ifndef ENVSEAL_CLI_TTYMIRROR_H
#define ENVSEAL_CLI_TTYMIRROR_H

#include <stdbool.h>
#include <termios.h>

struct ttymirror {
    int master, real;    /* the pty master (envseal's end), the real terminal */
    struct termios seen; /* the slave's modes as last mirrored */
    bool real_extproc;   /* the real terminal had EXTPROC itself at the start */
};

/* Opens a pty whose slave looks like the terminal `real` (minus output processing,
 * which the real terminal does once). Returns 0 with *slave set. */
int ttymirror_open(struct ttymirror *t, int real, int *slave);

/* Called after a packet-mode status report (and at the end): applies whatever the
 * program changed since the last call. */
void ttymirror_sync(struct ttymirror *t);

#endif
