#define _GNU_SOURCE
#include "procinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whole file into a malloc'd buffer (NUL appended); length, or -1 with errno. */
static ssize_t slurp(const char *path, char **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t cap = 16384, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            errno = ENOMEM;
            return -1;
        }
        if (len + 1 >= cap) {
            char *bigger = malloc(cap * 2);
            if (bigger) {
                memcpy(bigger, buf, len);
                cap *= 2;
            }
            explicit_bzero(buf, len); /* environ contents: leave no stray copy */
            free(buf);
            buf = bigger;
            continue;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            explicit_bzero(buf, len);
            free(buf);
            close(fd);
            errno = err;
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    return (ssize_t)len;
}

static int failed(struct procinfo *p, const char *what, int err)
{
    snprintf(p->error, sizeof p->error, "%s: %s%s", what, strerror(err),
             err == EACCES || err == EPERM ? " (run as the process's user, or as root)" : "");
    return err;
}

static bool is_shim(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strncmp(base, "libenvseal", 10) == 0 && strstr(base, ".so") != NULL;
}

/* The shim's mapping (the vault's are vault_smaps_parse's). */
static void find_shim(const char *text, struct procinfo *p)
{
    for (const char *line = text; line && *line && !p->shim_loaded;) {
        const char *next = strchr(line, '\n');
        int at = 0;
        char perms[8];
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx %7s %*x %*x:%*x %*u %n", &start, &end, perms, &at) == 3 &&
            at > 0 && line[at] == '/') {
            int len = (int)(next ? next - (line + at) : (long)strlen(line + at));
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%.*s", len, line + at);
            if (is_shim(path)) {
                p->shim_loaded = true;
                snprintf(p->shim_path, sizeof p->shim_path, "%s", path);
            }
        }
        line = next ? next + 1 : NULL;
    }
}

/* Settings from the ENVSEAL_* entries, then every entry's name against them. */
static void parse_environ(char *env, size_t len, struct procinfo *p)
{
    char *settings[128];
    int ns = 0;
    for (size_t i = 0; i < len;) {
        char *e = env + i;
        size_t l = strnlen(e, len - i);
        if (l > 0 && strncmp(e, "ENVSEAL_", 8) == 0 && ns < 127)
            settings[ns++] = e;
        i += l + 1;
    }
    settings[ns] = NULL;
    config_load(&p->cfg, settings);

    for (size_t i = 0; i < len;) {
        char *e = env + i;
        size_t l = strnlen(e, len - i);
        i += l + 1;
        if (l == 0)
            continue; /* a scrubbed entry reads as a run of NULs */
        p->environ_entries++;
        char *eq = memchr(e, '=', l);
        if (!eq || !config_is_secret(&p->cfg, e, (size_t)(eq - e)))
            continue;
        if (p->nvisible >= PROCINFO_NAMES_MAX) {
            p->visible_dropped++;
            continue;
        }
        p->visible[p->nvisible++] = strndup(e, (size_t)(eq - e));
    }
}

int procinfo_read(pid_t pid, struct procinfo *p)
{
    memset(p, 0, sizeof *p);
    p->pid = pid;
    char path[64], *text = NULL;
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    ssize_t n = slurp(path, &text);
    if (n < 0)
        return failed(p, errno == ENOENT ? "no such process" : "cannot read comm",
                      errno);
    snprintf(p->comm, sizeof p->comm, "%.*s", (int)strcspn(text, "\n"), text);
    free(text);

    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t l = readlink(path, p->exe, sizeof p->exe - 1);
    p->exe[l > 0 ? l : 0] = '\0';

    snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    if (slurp(path, &text) < 0)
        return failed(p, "cannot read smaps", errno);
    find_shim(text, p);
    int nv = vault_smaps_parse(text, p->vault, PROCINFO_VAULT_MAX);
    p->nvault = nv < PROCINFO_VAULT_MAX ? nv : PROCINFO_VAULT_MAX;
    free(text);

    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    n = slurp(path, &text);
    if (n < 0)
        return failed(p, "cannot read environ", errno);
    parse_environ(text, (size_t)n, p);
    explicit_bzero(text, (size_t)n); /* values were in there */
    free(text);
    return 0;
}

void procinfo_free(struct procinfo *p)
{
    for (int i = 0; i < p->nvisible; i++)
        free(p->visible[i]);
    p->nvisible = 0;
}
