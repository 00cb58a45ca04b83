#define _GNU_SOURCE
#include "ttymirror.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

int ttymirror_open(struct ttymirror *t, int real, int *slave)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return -1;
    char name[128];
    int on = 1;
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, name, sizeof name) != 0 ||
        ioctl(m, TIOCPKT, &on) != 0) {
        close(m);
        return -1;
    }
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        close(m);
        return -1;
    }
    struct termios mode;
    t->real_extproc = false;
    if (tcgetattr(real, &mode) == 0) {
        t->real_extproc = (mode.c_lflag & EXTPROC) != 0;
        mode.c_oflag &= ~(tcflag_t)OPOST;
        mode.c_lflag |= EXTPROC; /* every later tcsetattr is reported to the master */
        tcsetattr(s, TCSANOW, &mode);
    }
    struct winsize ws;
    if (ioctl(real, TIOCGWINSZ, &ws) == 0)
        ioctl(m, TIOCSWINSZ, &ws);
    tcgetattr(s, &t->seen);
    t->master = m;
    t->real = real;
    *slave = s;
    return 0;
}

/* The bits the program changed take the program's values; the others keep the
 * real terminal's. */
static tcflag_t apply(tcflag_t real, tcflag_t before, tcflag_t now, tcflag_t ours)
{
    tcflag_t changed = (before ^ now) & ~ours;
    return (real & ~changed) | (now & changed);
}

void ttymirror_sync(struct ttymirror *t)
{
    struct termios now, real, want;
    /* TCGETS on a master answers with the slave's modes */
    if (tcgetattr(t->master, &now) != 0 || tcgetattr(t->real, &real) != 0)
        return;
    want = real;
    want.c_iflag = apply(real.c_iflag, t->seen.c_iflag, now.c_iflag, 0);
    want.c_oflag = apply(real.c_oflag, t->seen.c_oflag, now.c_oflag, 0);
    want.c_lflag = apply(real.c_lflag, t->seen.c_lflag, now.c_lflag, EXTPROC);
    if (!t->real_extproc)
        want.c_lflag &= ~(tcflag_t)EXTPROC; /* copied there from the program's stdout */
    bool changed = want.c_iflag != real.c_iflag || want.c_oflag != real.c_oflag ||
                   want.c_lflag != real.c_lflag;
    for (int i = 0; i < NCCS; i++)
        if (now.c_cc[i] != t->seen.c_cc[i] && want.c_cc[i] != now.c_cc[i]) {
            want.c_cc[i] = now.c_cc[i];
            changed = true;
        }
    /* The program cleared EXTPROC: keep the reports coming. It set OPOST (stty
     * sane, reset): the real terminal does the output processing, so the masker
     * still reads the program's own bytes, and a "\n" is not sent as "\r\r\n". */
    if (!(now.c_lflag & EXTPROC) || (now.c_oflag & OPOST)) {
        now.c_lflag |= EXTPROC;
        now.c_oflag &= ~(tcflag_t)OPOST;
        tcsetattr(t->master, TCSANOW, &now);
    }
    t->seen = now;
    if (changed)
        tcsetattr(t->real, TCSANOW, &want); /* TCSADRAIN could wait on a stopped line */
}
