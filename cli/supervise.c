#define _GNU_SOURCE
#include "supervise.h"
#include "runhandoff.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <linux/kcmp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "jobctl.h"
#include "secmem.h"
#include "ttymirror.h"

#define CHUNK (256 * 1024)
#define PIPE_SIZE (1024 * 1024)
#define STALL_MS 2000
#define ASKED_WINDOW_MS 10000

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

struct channel {
    int in;  /* pipe read end or pty master; -1 when done */
    int out; /* envseal's own fd 1 or 2 */
    int wfd; /* where the masked bytes go: out, or a non-blocking open of its pipe
              * or terminal of our own (see private_nonblocking) */
    size_t piece; /* 0, or out could not be opened so: write at most this much,
                   * after poll says there is room */
    bool sock;    /* out is a socket: sendmsg(MSG_DONTWAIT) instead */
    int werr;     /* the errno of a failed write to out, or 0 */
    long stall_since; /* when out last refused to take anything (ms), or 0 */
    bool gave_up;     /* a stalled reader after the program was asked to end */
    bool pty; /* in is tty.master, read in packet mode */
    struct ttymirror tty;
    bool broken; /* our output is gone: the program's writes must fail too */
    struct mstream ms;
};

/* Signals envseal relays to the program when a process sends them to envseal
 * itself: every one a process can catch, but those envseal keeps for itself
 * (SIGCHLD, SIGCONT, SIGPIPE; SIGTTIN and SIGTTOU, which stop envseal as a job of
 * the terminal it writes to; SIGXCPU and SIGXFSZ, about its own limits), those a
 * fault raises, and the C library's own (32, 33). A container's STOPSIGNAL may be
 * any of them (SIGWINCH for httpd, SIGRTMIN+3 for systemd). */
static bool relayed(int sig)
{
    switch (sig) {
    case SIGKILL: case SIGSTOP: case SIGCHLD: case SIGCONT: case SIGPIPE:
    case SIGTTIN: case SIGTTOU: case SIGXCPU: case SIGXFSZ:
    case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGTRAP: case SIGSYS:
        return false;
    default:
        return sig < 32 || (sig >= SIGRTMIN && sig <= SIGRTMAX);
    }
}

/* Whether sig's default action ends a process (for the relayed ones). */
static bool default_ends(int sig)
{
    return sig != SIGTSTP && sig != SIGWINCH && sig != SIGURG;
}

/* The supervisor's state: one per process. Signals are taken both in the main
 * loop and while a write waits for our reader (take_signals). */
static struct {
    int sfd;
    struct job job;
    int ending; /* a signal that ends envseal after the program is gone */
    int asked;      /* a signal that would end envseal, sent by a process while the
                     * program ran (not the terminal's, which its reader got too) */
    long asked_at;  /* when a SIGTERM, SIGINT or SIGQUIT was last so sent (ms), or 0 */
    long reaped_at; /* when the program was reaped (ms), or 0 */
    bool pid1;      /* envseal is a namespace's init (docker run ... envseal run) */
    bool ends_us[NSIG]; /* its default action terminates, and it was not ignored */
    struct channel *ch;
    int nch;
} S;

static void copy_winsize(const struct channel *ch, int nch);

static void take_signals(void)
{
    struct signalfd_siginfo si;
    while (read(S.sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
            jobctl_update(&S.job);
            if (S.job.reaped && !S.reaped_at)
                S.reaped_at = now_ms();
        }
        else if (sig == SIGWINCH && si.ssi_code == SI_KERNEL)
            copy_winsize(S.ch, S.nch); /* the terminal's size changed */
        else if (sig == SIGCONT)
            jobctl_continued(&S.job);
        else if (S.job.reaped && sig == SIGTSTP)
            S.job.stopsig = SIGTSTP; /* envseal alone, still passing output on */
        else if (S.job.reaped && S.ends_us[sig])
            S.ending = sig; /* as it would end any process; see docs/cli.md */
        else {
            if (S.ends_us[sig] && si.ssi_code != SI_KERNEL) {
                S.asked = sig;
                /* signals that mean "stop" (not a hang-up, a reload, a report) */
                if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT)
                    S.asked_at = now_ms();
            }
            if (jobctl_should_relay(&S.job, &si))
                kill(S.job.pid, sig);
        }
    }
}

/* Our reader is not reading (a pager, a stopped job): signals are still taken,
 * so Ctrl-Z stops envseal with the rest of the job. Returns -1 when envseal must
 * end instead of writing on, 1 when fd can be written (or has an error to
 * report), 0 when only signals came. */
static int wait_writable(struct channel *c)
{
    struct pollfd p[2] = {{c->wfd, POLLOUT, 0}, {S.sfd, POLLIN, 0}};
    /* Asked to end (a signal that would end envseal, from a process) and the
     * program ended within ASKED_WINDOW_MS of it (of it, or exiting on it): what
     * is left goes out while the reader reads, but a reader that takes nothing for
     * STALL_MS does not keep envseal (a stopped service's unread socket).
     * Otherwise a slow reader (a pager) is waited for as long as it takes. */
    if (S.job.reaped && !S.reaped_at)
        S.reaped_at = now_ms();
    bool bounded = S.asked && S.job.reaped &&
                   ((WIFSIGNALED(S.job.status) && WTERMSIG(S.job.status) == S.asked) ||
                    (S.asked_at && S.reaped_at - S.asked_at <= ASKED_WINDOW_MS));
    int timeout = -1;
    if (bounded) {
        if (!c->stall_since)
            c->stall_since = now_ms();
        long left = STALL_MS - (now_ms() - c->stall_since);
        if (left <= 0) {
            c->gave_up = true;
            return -1;
        }
        timeout = (int)left;
    }
    int r = poll(p, 2, timeout);
    if (r < 0)
        return 0;
    if (p[1].revents)
        take_signals();
    if (S.job.stopsig && S.pid1) {
        S.job.stopsig = 0;
        kill(S.job.pid, SIGCONT);
    } else if (S.job.stopsig) {
        jobctl_stop_like_program(&S.job);
        return S.ending ? -1 : 0; /* stopped meanwhile: poll again */
    }
    return S.ending ? -1 : p[0].revents != 0;
}

/* Writes everything, taking signals whenever our reader is not reading. */
static int write_all(struct channel *c, const struct iovec *iov, int n)
{
    struct iovec local[MSTREAM_IOV];
    if (n > MSTREAM_IOV)
        return -1;
    memcpy(local, iov, (size_t)n * sizeof *iov);
    struct iovec *v = local;
    while (n > 0) {
        int k = n;
        size_t cut = 0; /* bytes of v[k - 1] left out of this write */
        if (c->piece) { /* a blocking description: a piece that fits, when it fits */
            int r;
            while ((r = wait_writable(c)) == 0)
                ;
            if (r < 0)
                return -1;
            size_t sum = 0;
            for (k = 0; k < n && sum < c->piece; k++)
                sum += v[k].iov_len;
            if (sum > c->piece) {
                cut = sum - c->piece;
                v[k - 1].iov_len -= cut;
            }
        }
        ssize_t w;
        if (c->sock) { /* non-blocking for this call only: the description is shared */
            struct msghdr msg = {.msg_iov = v, .msg_iovlen = (size_t)k};
            w = sendmsg(c->wfd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            w = writev(c->wfd, v, k);
        }
        if (cut)
            v[k - 1].iov_len += cut;
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                if (wait_writable(c) < 0)
                    return -1;
                continue;
            }
            return -1;
        }
        size_t done = (size_t)w;
        if (w > 0)
            c->stall_since = 0; /* the reader reads */
        while (n > 0 && done >= v->iov_len) {
            done -= v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + done;
            v->iov_len -= done;
        }
    }
    return 0;
}

/* A description of our own for a pipe or terminal we write to, non-blocking, so
 * that a full pipe never keeps envseal from its signals; the caller's description
 * (shared with other processes) is left as it is. Anything else is written as it
 * is: regular files never block and keep their offset, a socket cannot be opened
 * again, and opening some devices again has effects of its own (a pty master
 * would open a new pty). Where the open fails (a pipe or terminal of another
 * user, no /proc), c->piece keeps writes small enough not to block. */
static void private_nonblocking(struct channel *c)
{
    struct stat st, again;
    int flags = fcntl(c->out, F_GETFL), ptn;
    c->wfd = c->out;
    c->piece = 0;
    bool tty = isatty(c->out);
    if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY || fstat(c->out, &st) != 0)
        return;
    if (S_ISSOCK(st.st_mode)) {
        int type = SOCK_STREAM;
        socklen_t len = sizeof type;
        c->sock = true;
        getsockopt(c->out, SOL_SOCKET, SO_TYPE, &type, &len);
        if (type != SOCK_STREAM)
            c->piece = PIPE_BUF; /* a datagram each: never more than the socket takes */
        return;
    }
    if (tty && ioctl(c->out, TIOCGPTN, &ptn) == 0) { /* a pty master */
        c->piece = 64;
        return;
    }
    if (!(S_ISFIFO(st.st_mode) || tty))
        return;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", c->out);
    int p = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (p >= 0 && fstat(p, &again) == 0 && again.st_ino == st.st_ino &&
        again.st_dev == st.st_dev && again.st_rdev == st.st_rdev) {
        c->wfd = p;
        return;
    }
    if (p >= 0)
        close(p);
    /* a pipe with a free slot takes PIPE_BUF bytes at once; a terminal that polls
     * writable has room for at least a few */
    c->piece = tty ? 64 : PIPE_BUF;
}

static int emit(void *ctx, const struct iovec *iov, int n)
{
    struct channel *c = ctx;
    if (write_all(c, iov, n) == 0)
        return 0;
    if (!S.ending && !c->gave_up && !c->werr)
        c->werr = errno ? errno : EIO;
    return -1;
}

static bool same_terminal(int a, int b)
{
    struct stat x, y;
    return isatty(a) && isatty(b) && fstat(a, &x) == 0 && fstat(b, &y) == 0 &&
           x.st_rdev == y.st_rdev;
}

/* True when fds a and b are one open file description (`> log 2>&1`, `2>&1 |`),
 * as kcmp(KCMP_FILE) tells exactly. Where kcmp is not available (a kernel
 * without it, a seccomp filter that denies it) the answer is false, and the two
 * streams are masked each on its own (docs/cli.md). */
static bool same_description(int a, int b)
{
    pid_t me = getpid();
    return syscall(SYS_kcmp, me, me, KCMP_FILE, a, b) == 0;
}

/* Output side for our fd `out`: a pty when it is a terminal, else a pipe. */
static int open_channel(struct channel *c, int out, int *child_end)
{
    int fds[2];
    memset(c, 0, sizeof *c);
    c->out = out;
    c->in = -1;
    if (isatty(out) && ttymirror_open(&c->tty, out, &fds[1]) == 0) {
        fds[0] = c->tty.master;
        c->pty = true;
    } else if (pipe2(fds, O_CLOEXEC) == 0) {
        fcntl(fds[0], F_SETPIPE_SZ, PIPE_SIZE); /* fewer wake-ups; best effort */
    } else {
        return -1;
    }
    c->in = fds[0];
    private_nonblocking(c);
    *child_end = fds[1];
    struct stat st;
    if (fstat(out, &st) == 0 && S_ISFIFO(st.st_mode) && fcntl(out, F_GETPIPE_SZ) < PIPE_SIZE)
        fcntl(out, F_SETPIPE_SZ, PIPE_SIZE); /* our output pipe: fewer switches too */
    fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) | O_NONBLOCK);
    return 0;
}

static int setup_stream(struct channel *c, const struct masker *m)
{
    size_t cap = mstream_buf_size(m, CHUNK);
    unsigned char *buf = secmem_alloc(cap);
    if (!buf)
        return -1;
    mstream_init(&c->ms, m, buf, cap, emit, c);
    return 0;
}

static void close_channel(struct channel *c)
{
    if (c->in >= 0) {
        /* At the end of the stream the held-back tail can no longer become a
         * secret and goes out; when envseal ends early it may be the start of one
         * whose rest is still unread: dropped. */
        if (!c->broken && !S.ending && !c->gave_up && mstream_finish(&c->ms) != 0)
            c->broken = true;
        close(c->in);
        c->in = -1;
        if (c->wfd != c->out)
            close(c->wfd);
        c->wfd = c->out;
    }
}

/* Reads what is there; closes the channel at end of stream or when our own
 * output is gone (the program then gets EPIPE/SIGPIPE, as it would without us).
 * Returns false when there may be more to read right away. */
static bool pump(struct channel *c)
{
    bool drained = false, got_end = false;
    for (int rounds = 0; rounds < 16 && c->in >= 0 && !drained; rounds++) {
        size_t room;
        unsigned char *at = mstream_space(&c->ms, &room);
        ssize_t got = read(c->in, at, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && errno == EAGAIN) {
            drained = true;
            break;
        }
        if (got <= 0) {
            /* EOF; EIO from a pty master whose slave closed: closed after the
             * sync below, which catches a restore of modes just before exit */
            got_end = true;
            break;
        }
        size_t n = (size_t)got;
        drained = n < room;
        if (c->pty) { /* packet mode: a header byte, or a status report alone */
            if (at[0] != TIOCPKT_DATA) { /* modes changed: synced below */
                drained = false;
                continue;
            }
            memmove(at, at + 1, --n);
        }
        if (n > 0 && mstream_commit(&c->ms, n) != 0) {
            c->broken = true;
            close_channel(c);
        }
    }
    /* After the output written before a change has gone out. Every time, not
     * only after a report: a copy of the pty's modes onto the real terminal (with
     * our EXTPROC) is taken back at the next output. */
    if (c->pty && c->in >= 0)
        ttymirror_sync(&c->tty);
    if (got_end)
        close_channel(c);
    return drained || c->in < 0;
}

/* Everything the program wrote so far, out (before envseal stops with it). */
static void drain(struct channel *ch, int nch)
{
    for (int i = 0; i < nch; i++)
        for (int rounds = 0; rounds < 64 && !pump(&ch[i]); rounds++)
            ; /* bounded: a writer of another group may never pause */
}

static void copy_winsize(const struct channel *ch, int nch)
{
    for (int i = 0; i < nch; i++) {
        struct winsize ws;
        if (ch[i].pty && ch[i].in >= 0 && ioctl(ch[i].out, TIOCGWINSZ, &ws) == 0)
            ioctl(ch[i].in, TIOCSWINSZ, &ws);
    }
}

/* Two opens of one stream where writes through either land in one order: the
 * same FIFO, or the same regular file opened for appending by both
 * (`>>log 2>>log`). Two offsets into one file (`>log 2>log`) are not. */
static bool same_stream(int a, int b)
{
    struct stat x, y;
    int fa = fcntl(a, F_GETFL), fb = fcntl(b, F_GETFL);
    if (fa < 0 || fb < 0 || fstat(a, &x) != 0 || fstat(b, &y) != 0 || x.st_dev != y.st_dev ||
        x.st_ino != y.st_ino)
        return false;
    return S_ISFIFO(x.st_mode) || (S_ISREG(x.st_mode) && (fa & O_APPEND) && (fb & O_APPEND));
}

/* One line on envseal's stderr that never waits: a stderr nobody reads must not
 * keep envseal (the line is dropped then). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof line, "%s: ", cli_name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    line[len++] = '\n';
    struct channel e = {.out = STDERR_FILENO};
    private_nonblocking(&e);
    struct pollfd p = {e.wfd, POLLOUT, 0};
    ssize_t dropped_if_full = 0;
    if (e.sock)
        dropped_if_full = send(e.wfd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    else if (e.wfd != e.out || !e.piece) /* our own non-blocking one, or a file */
        dropped_if_full = write(e.wfd, line, len);
    else if (poll(&p, 1, 0) == 1) /* blocking: no more than fits at once */
        dropped_if_full = write(e.wfd, line, len < e.piece ? len : e.piece);
    (void)dropped_if_full;
    if (e.wfd != e.out)
        close(e.wfd);
}

/* Output the program wrote that envseal could not deliver to stdout must not
 * look like a success: any error but a gone reader (a full disk, EIO) is said in
 * one line and turns an exit status of 0 into 1, as coreutils and tee do. A gone
 * reader (EPIPE) is not: the program had the chance to meet it itself, and many
 * exit 0 by design; stderr errors only get the line. */
static int with_write_errors(int status, const struct channel *ch, int nch)
{
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    for (int i = 0; i < nch; i++) {
        if (!ch[i].werr || ch[i].werr == EPIPE)
            continue;
        bool out = ch[i].out == STDOUT_FILENO;
        say("write error on %s: %s", out ? "stdout" : "stderr", strerror(ch[i].werr));
        if (ok && out)
            return 1 << 8;
    }
    return status;
}

int supervise_run(const char *file, char *const argv[], char *const envp[],
                  const struct masker *m, int *exec_errno)
{
    struct channel ch[2];
    int nch = 0, child_out = -1, child_err = -1;
    bool out_closed = cli_filled_std_fds & (1u << STDOUT_FILENO),
         err_closed = cli_filled_std_fds & (1u << STDERR_FILENO);
    *exec_errno = 0;

    /* A stream the caller had closed stays closed in the program (no channel). */
    if (!out_closed) {
        if (open_channel(&ch[nch], STDOUT_FILENO, &child_out) != 0) {
            cli_error("cannot create the output channel: %s", strerror(errno));
            return -1;
        }
        nch++;
    }
    bool one_stream = !out_closed && !err_closed &&
                      ((ch[0].pty && same_terminal(STDOUT_FILENO, STDERR_FILENO)) ||
                       same_description(STDOUT_FILENO, STDERR_FILENO) ||
                       same_stream(STDOUT_FILENO, STDERR_FILENO));
    if (one_stream) {
        /* One terminal, one file description, or one stream opened twice: the
         * program gets one stream for both, and it is masked as one (a secret
         * written half to each is still found; the interleaving is kept). */
        child_err = child_out;
    } else if (!err_closed) {
        if (open_channel(&ch[nch], STDERR_FILENO, &child_err) != 0) {
            cli_error("cannot create the error channel: %s", strerror(errno));
            return -1;
        }
        nch++;
    }
    for (int i = 0; i < nch; i++)
        if (setup_stream(&ch[i], m) != 0) {
            cli_error("no memory for output buffers: %s", strerror(errno));
            return -1;
        }

    /* Signals arrive through a signalfd; the child gets our original mask and
     * dispositions back before exec. */
    sigset_t handled, oldmask;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    sigaddset(&handled, SIGWINCH);
    sigaddset(&handled, SIGCONT);
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (!relayed(sig))
            continue;
        sigaddset(&handled, sig);
        S.ends_us[sig] = default_ends(sig) && sigaction(sig, NULL, &sa) == 0 &&
                         sa.sa_handler == SIG_DFL;
    }
    sigprocmask(SIG_BLOCK, &handled, &oldmask);
    int sfd = S.sfd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    struct sigaction ign = {.sa_handler = SIG_IGN}, dfl = {.sa_handler = SIG_DFL}, old_pipe,
                     old_chld;
    sigaction(SIGPIPE, &ign, &old_pipe);
    /* A caller that ignores SIGCHLD (or set SA_NOCLDWAIT) would have the program
     * reaped by the kernel, and its status lost: the program gets that back. */
    sigaction(SIGCHLD, &dfl, &old_chld);

    int errpipe[2];
    if (sfd < 0 || pipe2(errpipe, O_CLOEXEC) != 0) {
        cli_error("cannot set up: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        cli_error("cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigaction(SIGPIPE, &old_pipe, NULL);
        sigaction(SIGCHLD, &old_chld, NULL);
        sigprocmask(SIG_SETMASK, &oldmask, NULL);
        if ((child_out >= 0 && dup2(child_out, STDOUT_FILENO) < 0) ||
            (child_err >= 0 && dup2(child_err, STDERR_FILENO) < 0))
            _exit(EXIT_RUN_FAILED);
        cli_close_filled_std_fds(); /* closed as the caller left them */
        execvpe(file, argv, envp);
        int e = errno;
        if (write(errpipe[1], &e, sizeof e) < 0)
            _exit(EXIT_RUN_FAILED);
        _exit(e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
    }
    close(errpipe[1]);
    runhandoff_close(envp); /* the program's copy is the only one it needs */
    if (child_out >= 0)
        close(child_out);
    if (child_err >= 0 && child_err != child_out)
        close(child_err);
    int e = 0;
    ssize_t got;
    do
        got = read(errpipe[0], &e, sizeof e);
    while (got < 0 && errno == EINTR);
    close(errpipe[0]);
    if (got == (ssize_t)sizeof e) {
        int status;
        waitpid(pid, &status, 0);
        for (int i = 0; i < nch; i++)
            close_channel(&ch[i]);
        *exec_errno = e;
        return -1;
    }

    S.job = (struct job){.pid = pid, .reap_others = getpid() == 1};
    S.pid1 = getpid() == 1;
    S.ch = ch;
    S.nch = nch;
    while (!S.ending) {
        /* As a namespace's init, envseal's exit ends every process left in it, as
         * the program's own exit would have: what can be read now goes out, and
         * a background process that holds the output does not keep it. */
        if (S.pid1 && S.job.reaped) {
            drain(ch, nch);
            break;
        }
        struct pollfd pf[3];
        int n = 0, map[3];
        for (int i = 0; i < nch; i++)
            if (ch[i].in >= 0) {
                pf[n] = (struct pollfd){ch[i].in, POLLIN, 0};
                map[n++] = i;
            }
        if (n == 0 && S.job.reaped)
            break;
        pf[n] = (struct pollfd){sfd, POLLIN, 0};
        map[n++] = -1;
        if (poll(pf, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            cli_error("poll: %s", strerror(errno));
            break;
        }
        for (int k = 0; k < n; k++) {
            if (!pf[k].revents)
                continue;
            if (map[k] >= 0)
                pump(&ch[map[k]]);
            else
                take_signals();
        }
        if (S.job.stopsig && S.pid1) { /* init cannot stop, nor would the program */
            S.job.stopsig = 0;
            kill(pid, SIGCONT);
        } else if (S.job.stopsig) {
            drain(ch, nch);
            jobctl_stop_like_program(&S.job);
        }
    }
    close(sfd);
    for (int i = 0; i < nch; i++)
        close_channel(&ch[i]);
    if (S.ending)
        return S.ending; /* the wait status of a death by that signal */
    while (!S.job.reaped && waitpid(pid, &S.job.status, 0) < 0 && errno == EINTR)
        ;
    bool err_stalled = false, stalled = false;
    for (int i = 0; i < nch; i++) {
        stalled |= ch[i].gave_up;
        err_stalled |= ch[i].gave_up && (ch[i].out == STDERR_FILENO || child_err == child_out);
    }
    if (stalled && !err_stalled) /* (a line to a stalled stderr would be lost anyway) */
        say("output not delivered: its reader took nothing for %d s after the program ended",
            STALL_MS / 1000);
    return with_write_errors(S.job.status, ch, nch);
}

void supervise_exit_like(int wait_status)
{
    secmem_wipe_all();
    if (WIFSIGNALED(wait_status)) {
        int sig = WTERMSIG(wait_status);
        /* The program may have dumped core; envseal itself must not. */
        struct rlimit zero = {0, 0};
        setrlimit(RLIMIT_CORE, &zero);
        signal(sig, SIG_DFL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, sig);
        sigprocmask(SIG_UNBLOCK, &s, NULL);
        raise(sig);
        _exit(128 + sig); /* a signal whose default is not to terminate */
    }
    _exit(WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : EXIT_RUN_FAILED);
}
