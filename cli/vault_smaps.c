#define _GNU_SOURCE
#include "cli/vault_smaps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One mapping's block: its header line, then "Key: value" lines, VmFlags last. */
struct block {
    unsigned long start, end;
    bool anonymous, named, secretmem, locked, dontdump, random_read;
};

static bool has_flag(const char *flags, const char *flag)
{
    for (const char *p = flags; (p = strstr(p, flag)) != NULL; p += 2)
        if (p[-1] == ' ' && (p[2] == ' ' || p[2] == '\0'))
            return true;
    return false;
}

/* A header: "start-end perms offset dev inode [path]". */
static bool parse_header(const char *line, struct block *b)
{
    int at = 0;
    char perms[8];
    unsigned long start, end; /* not b's: "FilePmdMapped:" starts with a hex digit */
    if (sscanf(line, "%lx-%lx %7s %*x %*x:%*x %*u %n", &start, &end, perms, &at) < 3 ||
        at == 0)
        return false;
    b->start = start;
    b->end = end;
    const char *path = line + at;
    size_t len = strlen(path);
    b->anonymous = len == 0;
    b->named = len == 20 && strncmp(path, "[anon:envseal-vault]", 20) == 0;
    b->secretmem = strncmp(path, "/secretmem", 10) == 0;
    b->locked = b->dontdump = b->random_read = false;
    return true;
}

int vault_smaps_parse(const char *smaps, struct vault_map *out, int max)
{
    struct block b = {0};
    bool in_block = false;
    int n = 0;
    for (const char *at = smaps; at && *at;) {
        const char *next = strchr(at, '\n');
        char line[512]; /* one line alone: sscanf's spaces would cross a '\n' */
        snprintf(line, sizeof line, "%.*s", (int)(next ? next - at : (long)strlen(at)), at);
        unsigned long kb;
        if (parse_header(line, &b)) {
            in_block = true;
        } else if (in_block && sscanf(line, "Locked: %lu kB", &kb) == 1) {
            b.locked = b.locked || kb > 0;
        } else if (in_block && strncmp(line, "VmFlags:", 8) == 0) {
            char *flags = line + 7; /* from the ':', a space for has_flag */
            flags[0] = ' ';
            b.locked = b.locked || has_flag(flags, "lo");
            b.dontdump = has_flag(flags, "dd");
            b.random_read = has_flag(flags, "rr");
            in_block = false;
            if (b.secretmem || b.named || (b.anonymous && b.dontdump && b.random_read)) {
                if (n < max)
                    out[n] = (struct vault_map){b.start, b.end, b.secretmem, b.locked,
                                                b.dontdump};
                n++;
            }
        }
        at = next ? next + 1 : NULL;
    }
    return n;
}

int vault_smaps_read(pid_t pid, struct vault_map *out, int max)
{
    char path[64];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    else
        snprintf(path, sizeof path, "/proc/self/smaps");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    for (ssize_t r = 1; text && r > 0;) {
        if (cap - len < 4096) {
            char *bigger = realloc(text, cap * 2);
            if (!bigger) {
                free(text);
                text = NULL;
                break;
            }
            text = bigger;
            cap *= 2;
        }
        do
            r = read(fd, text + len, cap - len - 1);
        while (r < 0 && errno == EINTR);
        if (r < 0) {
            int err = errno;
            free(text);
            close(fd);
            errno = err;
            return -1;
        }
        len += (size_t)r;
    }
    close(fd);
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    text[len] = '\0';
    int n = vault_smaps_parse(text, out, max);
    free(text);
    return n;
}
