/* outprobe: writes output in controlled ways for the `envseal run --redact` tests,
 * one step per argument. Every write is a direct write(2), so what reaches the
 * pipe, and when, is known.
 *
 *   pid              "pid N"
 *   show:NAME        "NAME len:fnv" of getenv(NAME) (never the value)
 *   secret:NAME      the value of NAME on stdout and on stderr, each with a newline
 *   split:NAME:K     "A:", the first K bytes of NAME's value, a 30 ms pause, the rest, "\n"
 *   head:NAME:K:FD   the first K bytes of NAME's value on FD (nothing else)
 *   tail:NAME:K:FD   NAME's value from byte K on, on FD (nothing else)
 *   same12           "same12 1" when fds 1 and 2 are the same file or pipe, else 0
 *   cat:PATH:SEED    PATH's bytes in pseudo-random pieces of 1..8192 bytes
 *   out:TEXT err:TEXT  TEXT and a newline on stdout / stderr
 *   tty              "tty A B": isatty(1), isatty(2)
 *   close:FD         close(FD)
 *   hold             "ready", then wait for a line (or EOF) on stdin
 *   echo             copy stdin to stdout until EOF
 *   rawkey           non-canonical, no-echo mode set through fd 1 (as curses does),
 *                    "raw", one byte read from stdin, modes restored, "key C"
 *   noecho           echo off through fd 0 and then through fd 1 (as a password
 *                    prompt may do both), "noecho", a line read from stdin, echo on
 *                    through both, "echo"
 *   rawexit          raw mode through fd 1, "raw", 200 ms, modes restored, _exit(0)
 *   copy10           fd 1's modes set on fd 0 (tcsetattr(0, tcgetattr(1)))
 *   ignored:SIG      "ignored SIG N": N 1 when SIG's disposition is SIG_IGN
 *   groupsig:SIG     SIG (counted by a handler) sent to the own process group,
 *                    "groupsig N" after 300 ms
 *   yes              write "y" lines until a write fails
 *   sleep:MS  kill:SIG  segv  exit:N */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static void put(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

static void line(int fd, const char *s)
{
    put(fd, s, strlen(s));
    put(fd, "\n", 1);
}

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* NAME:K[...]: NAME's value (or NULL), its length and K (at most the length);
 * *rest points after K. Returns -1 when there is no K. */
static int value_cut(const char *spec, const char **v, size_t *len, size_t *cut,
                     const char **rest)
{
    char name[128];
    const char *k = strchr(spec, ':');
    if (!k)
        return -1;
    snprintf(name, sizeof name, "%.*s", (int)(k - spec), spec);
    *v = getenv(name);
    *len = *v ? strlen(*v) : 0;
    *cut = strtoul(k + 1, (char **)rest, 10);
    if (*cut > *len)
        *cut = *len;
    return 0;
}

/* head:/tail: NAME:K:FD. */
static int part(const char *spec, bool tail)
{
    const char *v, *fd;
    size_t len, cut;
    if (value_cut(spec, &v, &len, &cut, &fd) != 0 || *fd != ':')
        return 2;
    if (tail)
        put(atoi(fd + 1), v + cut, len - cut);
    else
        put(atoi(fd + 1), v, cut);
    return 0;
}

static void cat(const char *spec)
{
    char *path = strdup(spec), *seed = strrchr(path, ':');
    unsigned long r = 1;
    if (seed) {
        *seed++ = '\0';
        r = strtoul(seed, NULL, 10) | 1;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        exit(3);
    static char buf[1 << 20];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    for (ssize_t at = 0, k = 0; at < n; k++) {
        r = r * 6364136223846793005ul + 1442695040888963407ul;
        ssize_t len = 1 + (ssize_t)((r >> 33) % 8192);
        if (len > n - at)
            len = n - at;
        put(1, buf + at, (size_t)len);
        at += len;
        if (k % 16 == 15)
            usleep(1000);
    }
    free(path);
}

static volatile sig_atomic_t counted;

static void count(int sig)
{
    (void)sig;
    counted++;
}

static int rawkey(void)
{
    struct termios old, raw;
    if (tcgetattr(1, &old) != 0)
        return 2;
    raw = old;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(1, TCSANOW, &raw);
    line(1, "raw");
    char c = '?', text[16];
    if (read(0, &c, 1) != 1)
        c = '-';
    tcsetattr(1, TCSANOW, &old);
    snprintf(text, sizeof text, "key %c", c);
    line(1, text);
    return 0;
}

static void set_echo(int fd, bool on)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return;
    if (on)
        t.c_lflag |= ECHO;
    else
        t.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(fd, TCSANOW, &t);
}

static void noecho(void)
{
    set_echo(0, false);
    set_echo(1, false);
    line(1, "noecho");
    char c;
    while (read(0, &c, 1) == 1 && c != '\n')
        ;
    set_echo(0, true);
    set_echo(1, true);
    line(1, "echo");
}

static void rawexit(void)
{
    struct termios old, raw;
    if (tcgetattr(1, &old) != 0)
        _exit(2);
    raw = old;
    cfmakeraw(&raw);
    tcsetattr(1, TCSANOW, &raw);
    line(1, "raw");
    usleep(200000);
    tcsetattr(1, TCSANOW, &old);
    _exit(0);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *arg = strchr(a, ':');
        arg = arg ? arg + 1 : "";
        char text[256];
        if (strcmp(a, "pid") == 0) {
            snprintf(text, sizeof text, "pid %d", (int)getpid());
            line(1, text);
        } else if (strncmp(a, "show:", 5) == 0) {
            const char *v = getenv(arg);
            if (v)
                snprintf(text, sizeof text, "%s %zu:%08x", arg, strlen(v), fnv(v));
            else
                snprintf(text, sizeof text, "%s (null)", arg);
            line(1, text);
        } else if (strncmp(a, "secret:", 7) == 0) {
            const char *v = getenv(arg);
            line(1, v ? v : "(null)");
            line(2, v ? v : "(null)");
        } else if (strncmp(a, "split:", 6) == 0) {
            const char *v, *rest;
            size_t len, cut;
            if (value_cut(arg, &v, &len, &cut, &rest) != 0)
                return 2;
            put(1, "A:", 2);
            put(1, v, cut);
            usleep(30000);
            put(1, v + cut, len - cut);
            put(1, "\n", 1);
        } else if (strncmp(a, "head:", 5) == 0 || strncmp(a, "tail:", 5) == 0) {
            if (part(arg, a[0] == 't') != 0)
                return 2;
        } else if (strcmp(a, "same12") == 0) {
            struct stat x, y;
            bool same = fstat(1, &x) == 0 && fstat(2, &y) == 0 && x.st_dev == y.st_dev &&
                        x.st_ino == y.st_ino;
            snprintf(text, sizeof text, "same12 %d", same);
            line(1, text);
        } else if (strncmp(a, "cat:", 4) == 0) {
            cat(arg);
        } else if (strncmp(a, "out:", 4) == 0) {
            line(1, arg);
        } else if (strncmp(a, "err:", 4) == 0) {
            line(2, arg);
        } else if (strcmp(a, "tty") == 0) {
            snprintf(text, sizeof text, "tty %d %d", isatty(1), isatty(2));
            line(1, text);
        } else if (strncmp(a, "close:", 6) == 0) {
            close(atoi(arg));
        } else if (strcmp(a, "hold") == 0) {
            line(1, "ready");
            char c;
            while (read(0, &c, 1) == 1 && c != '\n')
                ;
        } else if (strcmp(a, "echo") == 0) {
            char buf[4096];
            ssize_t n;
            while ((n = read(0, buf, sizeof buf)) > 0)
                put(1, buf, (size_t)n);
        } else if (strcmp(a, "rawkey") == 0) {
            if (rawkey() != 0)
                return 2;
        } else if (strcmp(a, "noecho") == 0) {
            noecho();
        } else if (strcmp(a, "rawexit") == 0) {
            rawexit();
        } else if (strcmp(a, "copy10") == 0) {
            struct termios t;
            if (tcgetattr(1, &t) == 0)
                tcsetattr(0, TCSANOW, &t);
        } else if (strncmp(a, "ignored:", 8) == 0) {
            struct sigaction sa;
            sigaction(atoi(arg), NULL, &sa);
            snprintf(text, sizeof text, "ignored %d %d", atoi(arg), sa.sa_handler == SIG_IGN);
            line(1, text);
        } else if (strncmp(a, "groupsig:", 9) == 0) {
            struct sigaction sa = {.sa_handler = count};
            sigaction(atoi(arg), &sa, NULL);
            kill(0, atoi(arg));
            usleep(300000);
            snprintf(text, sizeof text, "groupsig %d", (int)counted);
            line(1, text);
        } else if (strcmp(a, "yes") == 0) {
            static char ys[65536];
            for (size_t j = 0; j < sizeof ys; j += 2)
                memcpy(ys + j, "y\n", 2);
            while (write(1, ys, sizeof ys) > 0)
                ;
            return 4;
        } else if (strncmp(a, "sleep:", 6) == 0) {
            usleep((useconds_t)atoi(arg) * 1000);
        } else if (strncmp(a, "kill:", 5) == 0) {
            signal(atoi(arg), SIG_DFL);
            raise(atoi(arg));
        } else if (strcmp(a, "segv") == 0) {
            signal(SIGSEGV, SIG_DFL);
            raise(SIGSEGV);
        } else if (strncmp(a, "exit:", 5) == 0) {
            exit(atoi(arg));
        } else {
            snprintf(text, sizeof text, "outprobe: unknown step %s", a);
            line(2, text);
            return 2;
        }
    }
    return 0;
}
