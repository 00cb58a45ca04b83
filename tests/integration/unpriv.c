#define _GNU_SOURCE
#include "unpriv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define COPIES_MAX 16

static uid_t user;
static char dir[PATH_MAX];
static char copies[COPIES_MAX][PATH_MAX + 64];
static int ncopies;

/* Whether any process runs as uid u. A test that limits its processes
 * (RLIMIT_NPROC) counts every process of its uid, another test's included. */
static bool uid_has_process(uid_t u)
{
    DIR *d = opendir("/proc");
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    struct stat st;
    while (!found && (e = readdir(d)))
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
            fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_uid == u)
            found = true;
    closedir(d);
    return found;
}

/* Test programs run side by side: each holds a lock on its uid for as long as it
 * runs (the descriptor stays open; the kernel drops the lock at exit), so that no
 * two use the same one. */
static bool reserve_uid(uid_t u)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/envseal-unpriv-uid-%u.lock", (unsigned)u);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return false;
    }
    return true;
}

bool unpriv_setup(const char **why)
{
    if (geteuid() != 0) {
        *why = "not root: cannot switch to another user";
        return false;
    }
    for (uid_t u = 61100; u < 61200 && !user; u++)
        if (!getpwuid(u) && !uid_has_process(u) && reserve_uid(u))
            user = u;
    if (!user) {
        *why = "no unused uid";
        return false;
    }
    snprintf(dir, sizeof dir, "/tmp/envseal-unpriv-XXXXXX");
    if (!mkdtemp(dir) || chmod(dir, 0755) != 0) {
        *why = "cannot make a world-readable directory";
        user = 0;
        return false;
    }
    return true;
}

uid_t unpriv_uid(void)
{
    return user;
}

const char *unpriv_dir(void)
{
    return dir;
}

const char *unpriv_copy(const char *rel, const char *name)
{
    if (ncopies >= COPIES_MAX)
        return NULL;
    char *buf;
    long n = read_file_all(rel[0] == '/' ? rel : harness_runfile(rel), &buf);
    if (n <= 0)
        return NULL;
    char *path = copies[ncopies];
    snprintf(path, sizeof copies[0], "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    bool ok = fd >= 0 && write(fd, buf, (size_t)n) == n;
    if (fd >= 0)
        close(fd);
    free(buf);
    if (!ok)
        return NULL;
    ncopies++;
    return path;
}

void unpriv_become(const void *unused)
{
    (void)unused;
    signal(SIGPIPE, SIG_DFL);
    if (chdir(dir) || setgroups(0, NULL) || setresgid(user, user, user) ||
        setresuid(user, user, user)) {
        dprintf(2, "cannot become uid %u: %s\n", (unsigned)user, strerror(errno));
        _exit(126);
    }
}

void unpriv_cleanup(void)
{
    if (!dir[0])
        return;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    dir[0] = '\0';
}
