/* envseal check PROGRAM: can envseal protect this program, and how? */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "elfinfo.h"
#include "json.h"
#include "jsonargs.h"
#include "machocheck.h"
#include "machoinfo.h"
#include "progpath.h"
#include "shimlib.h"

static void help(void)
{
    printf("Usage: envseal check [--json] PROGRAM\n"
           "\n"
           "Reads PROGRAM (an ELF file, a Mach-O file of macOS, or a #! script whose\n"
           "interpreter is then read) without running it and tells whether envseal can\n"
           "protect it: static or dynamic linking, the C library of its interpreter,\n"
           "set-uid/set-gid and file capabilities (the loader then ignores LD_PRELOAD),\n"
           "the Go runtime, and which environment functions it imports; for Mach-O, the\n"
           "hardened runtime and its entitlements, __RESTRICT and System Integrity\n"
           "Protection paths (dyld then ignores DYLD_INSERT_LIBRARIES). PROGRAM without\n"
           "a '/' is looked up in PATH.\n"
           "\n"
           "Options:\n");
    opts_print_help(stdout, jsonargs_table);
    printf("\n"
           "Exit status:\n"
           "  0  protectable: the shim loads and seals the program's secrets\n"
           "  1  limited: the shim loads, but the program copies secrets itself (Go)\n"
           "  2  unprotectable: the shim is never loaded (static, set-uid, ...)\n"
           "  3  not an ELF or Mach-O program or script, unreadable, or malformed\n"
           " 64  usage error\n");
}

/* What the imports mean for each mode: a short key and a sentence. */
static const char *strict_key(const struct elfinfo *e, const char **why)
{
    if (e->go) {
        *why = "the Go runtime reads the environment from the process stack, not through "
               "libc: strict secrets would be missing from os.Getenv; no mode keeps secrets "
               "out of its copies";
        return "go-runtime";
    }
    if (!e->have_dynsym) {
        *why = "no dynamic symbol table: imports unknown";
        return "unknown";
    }
    if (e->imp_environ) {
        *why = "reads environ directly: strict mode (ENVSEAL_MODE=strict) takes secrets out "
               "of environ, so those reads would not see them; use relocate, or limit "
               "ENVSEAL_STRICT_SECRETS to names it reads through getenv";
        return "environ-reads";
    }
    if (e->imp_getenv || e->imp_secure_getenv) {
        *why = "reads the environment only through getenv/secure_getenv, which strict mode "
               "serves: compatible";
        return "compatible";
    }
    *why = "imports none of getenv, secure_getenv, environ (its libraries may still read "
           "the environment)";
    return "no-reads";
}

static const char *relocate_key(const struct elfinfo *e, const char **why)
{
    if (e->verdict >= V_UNPROTECTABLE) {
        *why = "the shim does not load";
        return "unavailable";
    }
    *why = "works with every way of reading the environment: getenv, secure_getenv and "
           "environ all see the sealed values";
    return "supported";
}

static void imports_text(const struct elfinfo *e, char *buf, size_t n)
{
    const struct {
        bool on;
        const char *name;
    } imp[] = {
        {e->imp_getenv, "getenv"},   {e->imp_secure_getenv, "secure_getenv"},
        {e->imp_environ, "environ"}, {e->imp_setenv, "setenv"},
        {e->imp_unsetenv, "unsetenv"}, {e->imp_putenv, "putenv"},
        {e->imp_clearenv, "clearenv"},
    };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof imp / sizeof *imp; i++)
        if (imp[i].on)
            snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? ", " : "",
                     imp[i].name);
    if (!buf[0])
        snprintf(buf, n, "%s", e->have_dynsym ? "none of the environment functions" : "unknown");
}

static void caps_text(const struct elfinfo *e, char *buf, size_t n)
{
    buf[0] = '\0';
    uint64_t all = e->cap_permitted | e->cap_inheritable;
    for (unsigned i = 0; i < 64; i++)
        if (all >> i & 1) {
            const char *name = elfinfo_cap_name(i);
            char num[16];
            snprintf(num, sizeof num, "cap_%u", i);
            snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? "," : "",
                     name ? name : num);
        }
    snprintf(buf + strlen(buf), n - strlen(buf), "%s", e->cap_effective ? "+ep" : "+p");
}

static void print_human(const char *arg, const struct elfinfo *e)
{
    static const char *const summary[] = {
        "protectable - envseal seals this program's secrets",
        "limited - the shim loads, but the program keeps its own copies of secrets",
        "unprotectable - the shim is never loaded into this program",
    };
    printf("%s", arg);
    if (strcmp(arg, e->script ? e->script_path : e->resolved) != 0)
        printf(" -> %s", e->script ? e->script_path : e->resolved);
    printf("\n  verdict:      %s\n", summary[e->verdict]);
    for (int i = 0; i < e->nreasons; i++)
        printf("    - %s\n", e->reasons[i]);
    char lib[4096];
    const char *name = shimlib_locate(e, lib, sizeof lib);
    if (name && e->libc == LIBC_MUSL) /* glibc programs: libenvseal.so, as always */
        printf("  library:      %s (%s)\n", name, lib[0] ? lib : "not found beside envseal");
    if (e->script && e->script_no_shebang)
        printf("  script:       run by %s (no #!: execvp runs it with /bin/sh)\n", e->resolved);
    else if (e->script)
        printf("  script:       run by %s (#!%s%s)\n", e->resolved, e->script_interp,
               e->script_via_env ? " NAME, looked up in PATH" : "");
    printf("  file:         ELF %d-bit %s, %s\n", e->elfclass, e->machine_name,
           elfinfo_kind_name(e->kind));
    if (e->dynamic)
        printf("  linking:      dynamic, interpreter %s (%s)\n", e->interp,
               elfinfo_libc_name(e->libc));
    else
        printf("  linking:      static\n");
    if (!e->setuid && !e->setgid && !e->caps) {
        printf("  privileges:   no set-uid, set-gid or file capabilities\n");
    } else {
        if (e->setuid)
            printf("  privileges:   set-uid (owner uid %u)\n", (unsigned)e->uid);
        if (e->setgid)
            printf("  privileges:   set-gid (group gid %u)\n", (unsigned)e->gid);
        if (e->caps) {
            char caps[1024];
            caps_text(e, caps, sizeof caps);
            printf("  privileges:   file capabilities %s\n", caps);
        }
    }
    if (e->go)
        printf("  go runtime:   yes%s%s (%s%s%s)\n", e->go_version[0] ? ", " : "", e->go_version,
               e->go_buildinfo ? ".go.buildinfo " : "", e->go_note ? "build-id-note " : "",
               e->go_symbols ? "runtime-symbols" : "");
    else
        printf("  go runtime:   no\n");
    char imports[256];
    imports_text(e, imports, sizeof imports);
    printf("  environment:  imports %s\n", imports);
    const char *why;
    const char *k = relocate_key(e, &why);
    printf("  relocate:     %s - %s\n", k, why);
    k = strict_key(e, &why);
    printf("  strict:       %s - %s\n", k, why);
    if (e->nneeded) {
        printf("  libraries:    ");
        for (int i = 0; i < e->nneeded; i++)
            printf("%s%s", i ? ", " : "", e->needed[i]);
        printf("\n");
    }
}

static void print_json(const char *arg, const struct elfinfo *e)
{
    struct json j;
    json_init(&j, stdout);
    json_object_begin(&j, NULL);
    json_string(&j, "program", arg);
    json_string(&j, "path", e->script ? e->script_path : e->resolved);
    json_string(&j, "verdict", elfinfo_verdict_name(e->verdict));
    json_int(&j, "exit", e->verdict);
    if (e->verdict == V_ERROR) {
        json_string(&j, "error", e->error);
        if (e->script)
            json_string(&j, "interpreter", e->path);
        json_object_end(&j);
        json_finish(&j);
        return;
    }
    json_array_begin(&j, "reasons");
    for (int i = 0; i < e->nreasons; i++)
        json_string(&j, NULL, e->reasons[i]);
    json_array_end(&j);
    if (e->script) {
        json_object_begin(&j, "script");
        json_string(&j, "interpreter", e->resolved);
        json_string(&j, "shebang", e->script_no_shebang ? NULL : e->script_interp);
        json_bool(&j, "via_env", e->script_via_env);
        json_object_end(&j);
    } else {
        json_string(&j, "script", NULL);
    }
    json_int(&j, "class", e->elfclass);
    json_string(&j, "machine", e->machine_name);
    json_bool(&j, "native", e->native);
    json_string(&j, "type", elfinfo_kind_name(e->kind));
    json_string(&j, "linking", e->dynamic ? "dynamic" : "static");
    json_string(&j, "interpreter", e->dynamic ? e->interp : NULL);
    json_string(&j, "libc", elfinfo_libc_name(e->libc));
    char lib[4096];
    json_string(&j, "library", shimlib_locate(e, lib, sizeof lib));
    json_string(&j, "library_path", lib[0] ? lib : NULL);
    json_bool(&j, "setuid", e->setuid);
    json_bool(&j, "setgid", e->setgid);
    json_int(&j, "uid", e->uid);
    json_int(&j, "gid", e->gid);
    if (e->caps) {
        json_object_begin(&j, "capabilities");
        json_array_begin(&j, "names");
        uint64_t all = e->cap_permitted | e->cap_inheritable;
        for (unsigned i = 0; i < 64; i++)
            if (all >> i & 1) {
                char num[16];
                snprintf(num, sizeof num, "cap_%u", i);
                json_string(&j, NULL, elfinfo_cap_name(i) ? elfinfo_cap_name(i) : num);
            }
        json_array_end(&j);
        json_bool(&j, "effective", e->cap_effective);
        json_object_end(&j);
    } else {
        json_string(&j, "capabilities", NULL);
    }
    json_object_begin(&j, "go");
    json_bool(&j, "detected", e->go);
    json_string(&j, "version", e->go_version[0] ? e->go_version : NULL);
    json_bool(&j, "buildinfo_section", e->go_buildinfo);
    json_bool(&j, "buildid_note", e->go_note);
    json_bool(&j, "runtime_symbols", e->go_symbols);
    json_object_end(&j);
    json_object_begin(&j, "imports");
    json_bool(&j, "known", e->have_dynsym);
    json_bool(&j, "getenv", e->imp_getenv);
    json_bool(&j, "secure_getenv", e->imp_secure_getenv);
    json_bool(&j, "environ", e->imp_environ);
    json_bool(&j, "setenv", e->imp_setenv);
    json_bool(&j, "unsetenv", e->imp_unsetenv);
    json_bool(&j, "putenv", e->imp_putenv);
    json_bool(&j, "clearenv", e->imp_clearenv);
    json_object_end(&j);
    const char *why;
    json_object_begin(&j, "modes");
    json_string(&j, "relocate", relocate_key(e, &why));
    json_string(&j, "strict", strict_key(e, &why));
    json_object_end(&j);
    json_array_begin(&j, "needed");
    for (int i = 0; i < e->nneeded; i++)
        json_string(&j, NULL, e->needed[i]);
    json_array_end(&j);
    json_object_end(&j);
    json_finish(&j);
}

int cmd_check(int argc, char **argv)
{
    bool json;
    int done = jsonargs_parse(argc, argv, "PROGRAM", help, &json);
    if (done != JSONARGS_GO_ON)
        return done;
    const char *arg = argv[1];
    static struct elfinfo e;
    char path[4096];
    int err = progpath_find(arg, path, sizeof path);
    if (err == ENOENT && !strchr(arg, '/')) {
        memset(&e, 0, sizeof e);
        snprintf(e.error, sizeof e.error, "not found in PATH");
        e.verdict = V_ERROR;
    } else {
        /* A file that exists but is not executable is still worth reading. */
        const char *file = err == ENOENT || err == ENAMETOOLONG ? arg : path;
        if (machoinfo_is_macho(file))
            return machocheck_run(arg, file, json);
        elfinfo_analyze(err == ENOENT || err == ENAMETOOLONG ? arg : path, &e);
    }
    if (e.verdict == V_ERROR)
        cli_error("%s%s%s: %s", arg, e.script ? ": interpreter " : "", e.script ? e.path : "",
                  e.error);
    if (json)
        print_json(arg, &e);
    else if (e.verdict != V_ERROR)
        print_human(arg, &e);
    return e.verdict;
}
