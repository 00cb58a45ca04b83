#define _GNU_SOURCE
#include "pg_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The server's processes get this environment only: nothing of the test's. */
static char *const server_env[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C", NULL};

static void set_err(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

bool pg_server_available(const char **why)
{
    if (access(PG_BINDIR "/initdb", X_OK) != 0 || access(PG_BINDIR "/postgres", X_OK) != 0) {
        *why = PG_BINDIR "/initdb or postgres missing (Debian package postgresql)";
        return false;
    }
    if (!getpwnam("postgres")) {
        *why = "no `postgres` user";
        return false;
    }
    if (geteuid() != 0) {
        *why = "not root: cannot switch to the postgres user";
        return false;
    }
    *why = NULL;
    return true;
}

/* In a forked child: become postgres, die with the parent, exec argv. */
static void exec_as_postgres(const struct passwd *pw, const char *cwd, char *const argv[],
                             int death_signal)
{
    if (chdir(cwd) != 0 || setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0)
        _exit(126);
    /* Set after setuid: a credential change clears the parent-death signal. */
    prctl(PR_SET_PDEATHSIG, death_signal);
    if (getppid() == 1)
        _exit(125);
    execve(argv[0], argv, server_env);
    _exit(127);
}

/* Runs argv as postgres with stdin_text on its stdin (or /dev/null) and its output
 * appended to logfd; returns the wait status, or -1. */
static int run_as_postgres(const struct passwd *pw, const char *cwd, char *const argv[],
                           const char *stdin_text, int logfd)
{
    int in[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        exec_as_postgres(pw, cwd, argv, SIGKILL);
    }
    close(in[0]);
    if (stdin_text) {
        size_t len = strlen(stdin_text), off = 0;
        while (off < len) {
            ssize_t n = write(in[1], stdin_text + off, len - off);
            if (n <= 0 && errno != EINTR)
                break;
            if (n > 0)
                off += (size_t)n;
        }
    }
    close(in[1]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int append_file(const char *path, const char *text, bool truncate)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND));
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

/* postmaster.pid's 8th line turns "ready" once connections are accepted. */
static bool postmaster_ready(const struct pg_server *s)
{
    char path[PATH_MAX + 32], buf[1024];
    snprintf(path, sizeof path, "%s/postmaster.pid", s->data);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool ready = false;
    for (int line = 1; fgets(buf, sizeof buf, f); line++)
        if (line == 8)
            ready = strncmp(buf, "ready", 5) == 0;
    fclose(f);
    return ready;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Starts the postmaster on a fresh free port; 0 once it reports ready. */
static int start_postmaster(struct pg_server *s, const struct passwd *pw, int logfd)
{
    s->port = free_port();
    if (s->port <= 0)
        return -1;
    char port[16];
    snprintf(port, sizeof port, "%d", s->port);
    char *argv[] = {PG_BINDIR "/postgres", "-D", s->data, "-p", port, NULL};
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        exec_as_postgres(pw, s->dir, argv, SIGQUIT);
    }
    s->pid = pid;
    for (int waited = 0; waited < 30000; waited += 50) {
        if (postmaster_ready(s))
            return 0;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            s->pid = 0; /* exited: most likely the port was taken meanwhile */
            return -1;
        }
        sleep_ms(50);
    }
    return -1;
}

int pg_server_start(struct pg_server *s, const char *role, const char *password,
                    char *err, size_t errn)
{
    memset(s, 0, sizeof *s);
    const char *why;
    if (!pg_server_available(&why)) {
        set_err(err, errn, "%s", why);
        return -1;
    }
    const struct passwd *pw = getpwnam("postgres");
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;

    /* Under /tmp: the test's own TEST_TMPDIR may sit below directories that the
     * postgres user cannot enter. */
    snprintf(s->dir, sizeof s->dir, "/tmp/envseal-pg-XXXXXX");
    if (!mkdtemp(s->dir)) {
        s->dir[0] = '\0';
        set_err(err, errn, "mkdtemp: %s", strerror(errno));
        return -1;
    }
    snprintf(s->data, sizeof s->data, "%s/data", s->dir);
    snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
    int logfd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0 || chown(s->dir, uid, gid) != 0 || chmod(s->dir, 0700) != 0) {
        set_err(err, errn, "preparing %s: %s", s->dir, strerror(errno));
        if (logfd >= 0)
            close(logfd);
        return -1;
    }

    char *initdb[] = {PG_BINDIR "/initdb", "-D", s->data, "-U", "postgres", "-A", "trust",
                      "--no-locale", "-E", "UTF8", "--no-sync", "--no-instructions", NULL};
    int st = run_as_postgres(pw, s->dir, initdb, NULL, logfd);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        set_err(err, errn, "initdb failed (status 0x%x); see %s", st, s->log);
        close(logfd);
        return -1;
    }

    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/pg_hba.conf", s->data);
    int rc = append_file(path, "host all all 127.0.0.1/32 scram-sha-256\n", true);
    snprintf(path, sizeof path, "%s/postgresql.conf", s->data);
    rc |= append_file(path,
                      "\n# envseal integration test\n"
                      "listen_addresses = '127.0.0.1'\n"
                      "unix_socket_directories = ''\n"
                      "password_encryption = 'scram-sha-256'\n"
                      "log_connections = on\n"
                      "fsync = off\n"
                      "shared_buffers = 16MB\n"
                      "max_connections = 20\n",
                      false);
    if (rc != 0) {
        set_err(err, errn, "writing the configuration: %s", strerror(errno));
        close(logfd);
        return -1;
    }

    /* The role is made in single-user mode before the server listens; the password
     * travels on the backend's stdin and is stored as a SCRAM verifier. The
     * backend's replies go to the log file, not to the test output. */
    char *sql;
    if (asprintf(&sql, "CREATE ROLE %s LOGIN PASSWORD '%s'\n", role, password) < 0)
        abort();
    char *single[] = {PG_BINDIR "/postgres", "--single", "-D", s->data,
                      "-c", "password_encryption=scram-sha-256", "postgres", NULL};
    st = run_as_postgres(pw, s->dir, single, sql, logfd);
    explicit_bzero(sql, strlen(sql));
    free(sql);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        set_err(err, errn, "creating the role failed (status 0x%x)", st);
        close(logfd);
        return -1;
    }

    for (int attempt = 0; attempt < 3; attempt++)
        if (start_postmaster(s, pw, logfd) == 0) {
            close(logfd);
            return 0;
        }
    close(logfd);
    set_err(err, errn, "the server did not become ready; see %s", s->log);
    return -1;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void pg_server_stop(struct pg_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGINT); /* fast shutdown */
        int waited = 0;
        while (waitpid(s->pid, NULL, WNOHANG) == 0) {
            if (waited >= 15000) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, NULL, 0);
                break;
            }
            sleep_ms(50);
            waited += 50;
        }
        s->pid = 0;
    }
    if (s->dir[0]) {
        nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        s->dir[0] = '\0';
    }
}

void remove_tree_async(const char *path)
{
    if (!path || !path[0])
        return;
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"/bin/rm", "-rf", "--", (char *)path, NULL};
        execve(argv[0], argv, server_env);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

void pg_server_abort(struct pg_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGQUIT);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    remove_tree_async(s->dir);
    s->dir[0] = '\0';
}
