/* envseal status PID: is a running process protected? Names only, never values. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "jsonargs.h"
#include "procinfo.h"

enum status_code {
    ST_PROTECTED = 0,   /* shim loaded, vault locked and non-dumpable, no name visible */
    ST_DEGRADED = 1,    /* shim loaded, but something is exposed or unprotected */
    ST_UNPROTECTED = 2, /* shim not loaded */
    ST_ERROR = 3,       /* cannot inspect the process */
};

static void help(void)
{
    printf("Usage: envseal status [--json] PID\n"
           "\n"
           "Shows whether libenvseal.so is loaded in process PID, its vault mappings and\n"
           "their protections (locked in memory, excluded from core dumps, memfd_secret),\n"
           "and which variable NAMES matching the process's secret patterns are still\n"
           "readable in /proc/PID/environ. Values are never shown. Needs the right to read\n"
           "the process's /proc files (same user, or root).\n"
           "\n"
           "Options:\n");
    opts_print_help(stdout, jsonargs_table);
    printf("\n"
           "Exit status:\n"
           "  0  protected: shim loaded, every vault mapping locked and non-dumpable,\n"
           "     no secret name visible in /proc/PID/environ\n"
           "  1  degraded: shim loaded, but a secret name is visible, a vault mapping is\n"
           "     not locked or dumpable, or ENVSEAL_DISABLE is set\n"
           "  2  unprotected: the shim is not loaded\n"
           "  3  cannot inspect the process (no such process, permission denied)\n"
           " 64  usage error\n");
}

struct summary {
    enum status_code code;
    bool all_locked, all_dontdump, any_secretmem;
    unsigned long bytes;
};

static struct summary summarise(const struct procinfo *p)
{
    struct summary s = {.all_locked = true, .all_dontdump = true};
    for (int i = 0; i < p->nvault; i++) {
        s.all_locked &= p->vault[i].locked;
        s.all_dontdump &= p->vault[i].dontdump;
        s.any_secretmem |= p->vault[i].secretmem;
        s.bytes += p->vault[i].end - p->vault[i].start;
    }
    if (!p->shim_loaded)
        s.code = ST_UNPROTECTED;
    else if (p->cfg.disabled || p->nvisible > 0 || !s.all_locked || !s.all_dontdump)
        s.code = ST_DEGRADED;
    else
        s.code = ST_PROTECTED;
    return s;
}

static const char *code_name(enum status_code c)
{
    static const char *const names[] = {"protected", "degraded", "unprotected", "error"};
    return names[c];
}

/* A name as one printable token (names are not secret, but may hold odd bytes). */
static void print_name(const char *n)
{
    for (const unsigned char *c = (const unsigned char *)n; *c; c++)
        if (*c < 0x20 || *c >= 0x7f)
            printf("\\x%02x", *c);
        else
            putchar(*c);
}

/* What the kind of vault a process got protects against (docs/threat-model.md). */
static const char *vault_kind_gives(bool secretmem)
{
    return secretmem ? "memfd_secret (ENVSEAL_VAULT=secretmem or auto): also out of the "
                       "kernel's direct map, unreadable even through /proc/PID/mem"
                     : "anonymous (the default): out of environ, core dumps and swap; "
                       "readable through /proc/PID/mem by root or a ptrace-capable process";
}

static void print_human(const struct procinfo *p, const struct summary *s)
{
    /* comm, the executable's path and the shim's are the process owner's to choose:
     * escaped like names, so no control byte can forge or hide a line. */
    printf("process %d (", (int)p->pid);
    print_name(p->comm);
    printf(")%s", p->exe[0] ? " " : "");
    print_name(p->exe);
    putchar('\n');
    if (p->shim_loaded) {
        printf("  shim:      loaded (");
        print_name(p->shim_path);
        printf("), %s mode%s\n", p->cfg.mode == MODE_STRICT ? "strict" : "relocate",
               p->cfg.disabled ? ", disabled by ENVSEAL_DISABLE" : "");
    } else {
        printf("  shim:      not loaded\n");
    }
    if (p->nvault == 0) {
        printf("  vault:     none%s\n", p->shim_loaded ? " (no secret was sealed)" : "");
    } else {
        printf("  vault:     %d mapping%s, %lu KiB, %s, %s, %s\n", p->nvault,
               p->nvault == 1 ? "" : "s", s->bytes / 1024,
               s->any_secretmem ? "memfd_secret" : "private locked pages",
               s->all_locked ? "locked" : "NOT locked (may be swapped)",
               s->all_dontdump ? "excluded from core dumps" : "NOT excluded from core dumps");
        printf("             %s\n", vault_kind_gives(s->any_secretmem));
        for (int i = 0; i < p->nvault; i++)
            printf("             %lx-%lx %s%s%s\n", p->vault[i].start, p->vault[i].end,
                   p->vault[i].secretmem ? "secretmem" : "anonymous",
                   p->vault[i].locked ? " locked" : " unlocked",
                   p->vault[i].dontdump ? " dontdump" : " dumpable");
    }
    if (p->nvisible == 0) {
        printf("  environ:   no secret names visible in /proc/%d/environ\n", (int)p->pid);
    } else {
        printf("  environ:   secret names visible in /proc/%d/environ:", (int)p->pid);
        for (int i = 0; i < p->nvisible; i++) {
            putchar(' ');
            print_name(p->visible[i]);
        }
        if (p->visible_dropped)
            printf(" (and %d more)", p->visible_dropped);
        putchar('\n');
    }
    printf("status: %s\n", code_name(s->code));
}

static void print_json(const struct procinfo *p, const struct summary *s)
{
    struct json j;
    json_init(&j, stdout);
    json_object_begin(&j, NULL);
    json_int(&j, "pid", p->pid);
    json_string(&j, "comm", p->comm);
    json_string(&j, "exe", p->exe[0] ? p->exe : NULL);
    json_string(&j, "status", code_name(s->code));
    json_int(&j, "exit", s->code);
    json_object_begin(&j, "shim");
    json_bool(&j, "loaded", p->shim_loaded);
    json_string(&j, "path", p->shim_loaded ? p->shim_path : NULL);
    json_bool(&j, "disabled", p->cfg.disabled);
    json_string(&j, "mode", p->cfg.mode == MODE_STRICT ? "strict" : "relocate");
    json_object_end(&j);
    json_object_begin(&j, "vault");
    json_int(&j, "mappings", p->nvault);
    json_int(&j, "bytes", (long long)s->bytes);
    json_bool(&j, "secretmem", s->any_secretmem);
    json_string(&j, "kind", p->nvault == 0 ? NULL : s->any_secretmem ? "secretmem" : "anon");
    json_bool(&j, "locked", p->nvault > 0 && s->all_locked);
    json_bool(&j, "dontdump", p->nvault > 0 && s->all_dontdump);
    json_array_begin(&j, "regions");
    for (int i = 0; i < p->nvault; i++) {
        char range[64];
        snprintf(range, sizeof range, "%lx-%lx", p->vault[i].start, p->vault[i].end);
        json_object_begin(&j, NULL);
        json_string(&j, "range", range);
        json_string(&j, "backing", p->vault[i].secretmem ? "secretmem" : "anon");
        json_bool(&j, "locked", p->vault[i].locked);
        json_bool(&j, "dontdump", p->vault[i].dontdump);
        json_object_end(&j);
    }
    json_array_end(&j);
    json_object_end(&j);
    json_int(&j, "environ_entries", p->environ_entries);
    json_array_begin(&j, "visible_secret_names");
    for (int i = 0; i < p->nvisible; i++)
        json_string(&j, NULL, p->visible[i]);
    json_array_end(&j);
    json_int(&j, "visible_names_not_listed", p->visible_dropped);
    json_object_end(&j);
    json_finish(&j);
}

int cmd_status(int argc, char **argv)
{
    bool json;
    int done = jsonargs_parse(argc, argv, "PID", help, &json);
    if (done != JSONARGS_GO_ON)
        return done;
    char *end;
    errno = 0;
    long pid = strtol(argv[1], &end, 10);
    if (errno || *end || end == argv[1] || pid <= 0 || pid > 0x3fffffff) {
        cli_error("not a process id: '%s'", argv[1]);
        return cli_usage_hint();
    }
    static struct procinfo p;
    if (procinfo_read((pid_t)pid, &p) != 0) {
        cli_error("process %ld: %s", pid, p.error);
        if (json) {
            struct json j;
            json_init(&j, stdout);
            json_object_begin(&j, NULL);
            json_int(&j, "pid", pid);
            json_string(&j, "status", code_name(ST_ERROR));
            json_int(&j, "exit", ST_ERROR);
            json_string(&j, "error", p.error);
            json_object_end(&j);
            json_finish(&j);
        }
        procinfo_free(&p);
        return ST_ERROR;
    }
    struct summary s = summarise(&p);
    if (json)
        print_json(&p, &s);
    else
        print_human(&p, &s);
    procinfo_free(&p);
    return s.code;
}
