#define _GNU_SOURCE
#include "cli/vault_smaps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The state between lines: the mapping whose block is being read. */
struct reader {
    struct block b;
    bool in_block;
    int n, max;
    struct vault_map *out;
};

/* One line, without its '\n' (alone: sscanf's spaces would cross a '\n'). */
static void take_line(struct reader *r, char *line)
{
    struct block *b = &r->b;
    unsigned long kb;
    if (parse_header(line, b)) {
        r->in_block = true;
    } else if (r->in_block && sscanf(line, "Locked: %lu kB", &kb) == 1) {
        b->locked = b->locked || kb > 0;
    } else if (r->in_block && strncmp(line, "VmFlags:", 8) == 0) {
        char *flags = line + 7; /* from the ':', a space for has_flag */
        flags[0] = ' ';
        b->locked = b->locked || has_flag(flags, "lo");
        b->dontdump = has_flag(flags, "dd");
        b->random_read = has_flag(flags, "rr");
        r->in_block = false;
        if (b->secretmem || b->named || (b->anonymous && b->dontdump && b->random_read)) {
            if (r->n < r->max)
                r->out[r->n] = (struct vault_map){b->start, b->end, b->secretmem, b->locked,
                                                  b->dontdump};
            r->n++;
        }
    }
}

int vault_smaps_parse(const char *smaps, struct vault_map *out, int max)
{
    struct reader r = {.max = max, .out = out};
    for (const char *at = smaps; at && *at;) {
        const char *next = strchr(at, '\n');
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(next ? next - at : (long)strlen(at)), at);
        take_line(&r, line);
        at = next ? next + 1 : NULL;
    }
    return r.n;
}

int vault_smaps_read(pid_t pid, struct vault_map *out, int max)
{
    char path[64];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    else
        snprintf(path, sizeof path, "/proc/self/smaps");
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    struct reader r = {.max = max, .out = out};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        take_line(&r, line);
    }
    int err = ferror(f) ? errno : 0;
    free(line);
    fclose(f);
    if (err) {
        errno = err;
        return -1;
    }
    return r.n;
}
