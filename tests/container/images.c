#define _GNU_SOURCE
#include "images.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STORE_PREFIX "/var/tmp/envseal-ctest-"

static void set_err(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* dir is the store; buildah keeps build contexts and run mount points in TMPDIR,
 * so they go inside it too and leave with it even after a killed `buildah run`. */
static void env_for_store(struct envb *e, const char *dir)
{
    char path[PATH_MAX + 32];
    envb_init(e, false);
    snprintf(path, sizeof path, "%s/storage.conf", dir);
    envb_set(e, "CONTAINERS_STORAGE_CONF", path);
    envb_set(e, "BUILDAH_ISOLATION", "chroot");
    snprintf(path, sizeof path, "%s/tmp", dir);
    envb_set(e, "TMPDIR", path);
}

void store_env(const struct store *s, struct envb *e)
{
    env_for_store(e, s->dir);
}

static void last_line(const char *text, char *out, size_t n)
{
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    size_t len = (size_t)(end - start);
    if (len >= n)
        len = n - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

int cmd_run(char *const argv[], const struct envb *env, int timeout_s, char *out,
            size_t outn, char *err, size_t errn)
{
    struct proc p;
    if (out && outn)
        out[0] = '\0';
    if (proc_spawn(&p, argv, env) != 0) {
        set_err(err, errn, "%s: cannot start: %s", argv[0], strerror(errno));
        return -1;
    }
    int st = proc_finish(&p, timeout_s * 1000);
    if (out && outn)
        last_line(p.out, out, outn);
    if (st != 0) {
        const char *tail = p.err_len > 600 ? p.err + p.err_len - 600 : p.err;
        set_err(err, errn, "`%s %s` failed (%s %d): ...%s", argv[0], argv[1] ? argv[1] : "",
                st == -1 ? "timeout" : WIFEXITED(st) ? "exit" : "signal",
                st == -1 ? timeout_s : WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), tail);
    }
    return st;
}

bool store_step(const struct store *s, char *const argv[], const struct envb *extra,
                int timeout_s, char *out, size_t outn, char *err, size_t errn)
{
    if (err[0])
        return false;
    struct envb e;
    store_env(s, &e);
    for (int i = 0; extra && i < extra->n; i++) {
        char *eq = strchr(extra->v[i], '=');
        *eq = '\0';
        envb_set(&e, extra->v[i], eq + 1);
        *eq = '=';
    }
    int st = cmd_run(argv, &e, timeout_s, out, outn, err, errn);
    envb_free(&e);
    return st == 0;
}

/* Empties and deletes a store directory. */
static void store_destroy(const char *dir)
{
    char conf[PATH_MAX + 32];
    snprintf(conf, sizeof conf, "%s/storage.conf", dir);
    struct envb e;
    env_for_store(&e, dir);
    char *unmount[] = {"buildah", "unmount", "--all", NULL};
    char *rm[] = {"buildah", "rm", "--all", NULL};
    char *rmi[] = {"buildah", "rmi", "--all", "--force", NULL};
    if (access(conf, R_OK) == 0) {
        cmd_run(unmount, &e, 120, NULL, 0, NULL, 0);
        cmd_run(rm, &e, 300, NULL, 0, NULL, 0);
        cmd_run(rmi, &e, 300, NULL, 0, NULL, 0);
    }
    envb_free(&e);
    /* --one-file-system: never follow into anything still mounted below. */
    char *rmrf[] = {"rm", "-rf", "--one-file-system", (char *)dir, NULL};
    envb_init(&e, false);
    if (cmd_run(rmrf, &e, 300, NULL, 0, NULL, 0) != 0)
        fprintf(stderr, "images: could not remove %s\n", dir);
    envb_free(&e);
}

void store_reap_stale(void)
{
    DIR *d = opendir("/var/tmp");
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "envseal-ctest-", 14) != 0)
            continue;
        char dir[PATH_MAX], path[PATH_MAX + 32], *pidtext = NULL;
        snprintf(dir, sizeof dir, "/var/tmp/%s", de->d_name);
        snprintf(path, sizeof path, "%s/owner.pid", dir);
        long pid = 0;
        if (read_file_all(path, &pidtext) > 0)
            pid = strtol(pidtext, NULL, 10);
        free(pidtext);
        /* Only stores whose test process is gone; one without a pid file may be
         * being created right now, so it must also be an hour old. */
        struct stat sb;
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        if (pid <= 0 && (stat(dir, &sb) != 0 || time(NULL) - sb.st_mtime < 3600))
            continue;
        fprintf(stderr, "images: removing the stale store %s\n", dir);
        store_destroy(dir);
    }
    closedir(d);
}

int store_open(struct store *s, char *err, size_t errn)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, STORE_PREFIX "XXXXXX");
    if (!mkdtemp(s->dir)) {
        set_err(err, errn, "mkdtemp %s: %s", s->dir, strerror(errno));
        s->dir[0] = '\0';
        return -1;
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/owner.pid", s->dir);
    FILE *f = fopen(path, "we");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/tmp", s->dir);
    mkdir(path, 0700);
    snprintf(s->conf, sizeof s->conf, "%s/storage.conf", s->dir);
    f = fopen(s->conf, "we");
    if (!f) {
        set_err(err, errn, "writing %s: %s", s->conf, strerror(errno));
        return -1;
    }
    fprintf(f,
            "# The container test's own storage: only its images and containers.\n"
            "[storage]\n"
            "driver = \"vfs\"\n"
            "graphroot = \"%s/graph\"\n"
            "runroot = \"%s/run\"\n",
            s->dir, s->dir);
    return fclose(f) == 0 ? 0 : -1;
}

void store_close(struct store *s)
{
    if (!s->dir[0])
        return;
    store_destroy(s->dir);
    s->dir[0] = '\0';
}

/* ---- processes -------------------------------------------------------------- */

static bool read_stat(pid_t pid, pid_t *ppid, char *comm, size_t n)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0)
        return false;
    buf[len] = '\0';
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren || close_paren < open_paren)
        return false;
    size_t clen = (size_t)(close_paren - open_paren - 1);
    if (clen >= n)
        clen = n - 1;
    memcpy(comm, open_paren + 1, clen);
    comm[clen] = '\0';
    int pp = 0;
    char state;
    if (sscanf(close_paren + 1, " %c %d", &state, &pp) != 2)
        return false;
    *ppid = pp;
    return true;
}

static bool descends_from(pid_t pid, pid_t ancestor)
{
    char comm[64];
    for (int depth = 0; depth < 64 && pid > 1; depth++) {
        pid_t ppid;
        if (!read_stat(pid, &ppid, comm, sizeof comm))
            return false;
        if (ppid == ancestor)
            return true;
        pid = ppid;
    }
    return false;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

pid_t find_descendant(pid_t ancestor, const char *comm, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        DIR *d = opendir("/proc");
        if (!d)
            return 0;
        struct dirent *de;
        pid_t found = 0;
        while (!found && (de = readdir(d)) != NULL) {
            char *end;
            long pid = strtol(de->d_name, &end, 10);
            if (*end || pid <= 1)
                continue;
            char c[64];
            pid_t ppid;
            if (read_stat((pid_t)pid, &ppid, c, sizeof c) && strcmp(c, comm) == 0 &&
                descends_from((pid_t)pid, ancestor))
                found = (pid_t)pid;
        }
        closedir(d);
        if (found)
            return found;
        sleep_ms(50);
    }
    return 0;
}

bool proc_in_other_root(pid_t pid)
{
    char path[64], target[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/root", (int)pid);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n <= 0)
        return false;
    target[n] = '\0';
    return strcmp(target, "/") != 0;
}

bool proc_maps_file(pid_t pid, const char *suffix)
{
    char path[64], line[PATH_MAX + 128];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool found = false;
    size_t sl = strlen(suffix);
    while (!found && fgets(line, sizeof line, f)) {
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == ' '))
            line[--l] = '\0';
        found = l >= sl && strcmp(line + l - sl, suffix) == 0;
    }
    fclose(f);
    return found;
}

/* ---- files ------------------------------------------------------------------ */

int copy_file(const char *src, const char *dst, unsigned mode)
{
    char *buf = NULL;
    long n = read_file_all(src, &buf);
    if (n < 0)
        return -1;
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    int rc = -1;
    if (fd >= 0) {
        rc = write(fd, buf, (size_t)n) == (ssize_t)n ? 0 : -1;
        if (fchmod(fd, mode) != 0)
            rc = -1;
        close(fd);
    }
    free(buf);
    return rc;
}

bool same_file_bytes(const char *a, const char *b)
{
    char *x = NULL, *y = NULL;
    long nx = read_file_all(a, &x), ny = read_file_all(b, &y);
    bool same = nx >= 0 && nx == ny && memcmp(x, y, (size_t)nx) == 0;
    free(x);
    free(y);
    return same;
}

/* ---- the command's license notices ---------------------------------------------- */

#define COMMON_LICENSES "/usr/share/common-licenses/"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds name to names (k of them, at most max) unless it is there. */
static void add_name(char names[][128], int *k, int max, const char *name)
{
    for (int i = 0; i < *k; i++)
        if (strcmp(names[i], name) == 0)
            return;
    if (*k < max)
        snprintf(names[(*k)++], 128, "%s", name);
}

bool notice_names(const char *const pkgs[], char *out, size_t n, char *err, size_t errn)
{
    char names[64][128], path[PATH_MAX];
    int k = 0;
    for (int p = 0; pkgs[p]; p++) {
        char *text = NULL, name[128];
        snprintf(path, sizeof path, "/usr/share/doc/%s/copyright", pkgs[p]);
        if (read_file_all(path, &text) < 0) {
            set_err(err, errn, "%s: %s", path, strerror(errno));
            return false;
        }
        snprintf(name, sizeof name, "%s.copyright", pkgs[p]);
        add_name(names, &k, 64, name);
        for (char *at = strstr(text, COMMON_LICENSES); at; at = strstr(at, COMMON_LICENSES)) {
            at += strlen(COMMON_LICENSES);
            size_t len = strspn(at, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789.+-");
            while (len > 0 && at[len - 1] == '.') /* a sentence's full stop */
                len--;
            if (len > 0 && len < sizeof name) {
                snprintf(name, sizeof name, "%.*s", (int)len, at);
                add_name(names, &k, 64, name);
            }
        }
        free(text);
    }
    char *sorted[64];
    for (int i = 0; i < k; i++)
        sorted[i] = names[i];
    qsort(sorted, (size_t)k, sizeof *sorted, cmp_names);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < k && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s\n", sorted[i]);
    return true;
}

/* path has mode mode and is owned by root; else why gets the difference. */
static bool owned_mode(const char *path, unsigned mode, char *why, size_t whyn)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        set_err(why, whyn, "%s: %s", path, strerror(errno));
        return false;
    }
    /* Directories 0755, regular files 0644. */
    if ((sb.st_mode & 07777) != mode || sb.st_uid != 0 || sb.st_gid != 0 ||
        (mode == 0755 ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode))) {
        set_err(why, whyn, "%s: mode %o owner %u:%u, want mode %o root:root, not a link", path,
                sb.st_mode & 07777, (unsigned)sb.st_uid, (unsigned)sb.st_gid, mode);
        return false;
    }
    return true;
}

/* The names in directory path, sorted (strcmp), one a line, into out. */
static void list_names(const char *path, char *out, size_t n)
{
    char *entries[64];
    int k = 0;
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d)) && k < 64;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            entries[k++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(entries, (size_t)k, sizeof *entries, cmp_names);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < k; i++) {
        if (len < n)
            len += (size_t)snprintf(out + len, n - len, "%s\n", entries[i]);
        free(entries[i]);
    }
}

/* path is a file owned by root with mode 0644 and the bytes of src. */
static bool same_notice(const char *path, const char *src, char *why, size_t whyn)
{
    if (!owned_mode(path, 0644, why, whyn))
        return false;
    if (!same_file_bytes(path, src)) {
        set_err(why, whyn, "%s differs from %s", path, src);
        return false;
    }
    return true;
}

bool notices_match(const char *root, const char *const pkgs[], const char *license, char *why,
                   size_t whyn)
{
    char want[4096], have[4096], path[PATH_MAX + 64], src[PATH_MAX];
    if (!notice_names(pkgs, want, sizeof want, why, whyn))
        return false;
    static const char *const dirs[] = {"usr/share", "usr/share/doc", "usr/share/doc/envseal",
                                       "usr/share/doc/envseal/licenses"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        if (!owned_mode(path, 0755, why, whyn))
            return false;
    }
    snprintf(path, sizeof path, "%s/usr/share/doc/envseal", root);
    list_names(path, have, sizeof have);
    if (strcmp(have, "LICENSE\nlicenses\n") != 0) {
        set_err(why, whyn, "%s holds\n%swant LICENSE and licenses/", path, have);
        return false;
    }
    snprintf(path, sizeof path, "%s/usr/share/doc/envseal/LICENSE", root);
    if (!same_notice(path, license, why, whyn))
        return false;
    snprintf(path, sizeof path, "%s/usr/share/doc/envseal/licenses", root);
    list_names(path, have, sizeof have);
    if (strcmp(have, want) != 0) {
        set_err(why, whyn, "licenses/ holds\n%swant\n%s", have, want);
        return false;
    }
    for (char *save = NULL, *name = strtok_r(want, "\n", &save); name;
         name = strtok_r(NULL, "\n", &save)) {
        size_t nl = strlen(name), cl = strlen(".copyright");
        if (nl > cl && strcmp(name + nl - cl, ".copyright") == 0)
            snprintf(src, sizeof src, "/usr/share/doc/%.*s/copyright", (int)(nl - cl), name);
        else
            snprintf(src, sizeof src, COMMON_LICENSES "%s", name);
        snprintf(path, sizeof path, "%s/usr/share/doc/envseal/licenses/%s", root, name);
        if (!same_notice(path, src, why, whyn))
            return false;
    }
    return true;
}
