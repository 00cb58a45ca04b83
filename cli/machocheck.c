#define _GNU_SOURCE
#include "machocheck.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "machoinfo.h"

static const char *const verdict_names[] = {"protectable", "limited", "unprotectable", "error"};

static const char *signature_name(const struct macho_arch *a)
{
    if (!a->signed_cs)
        return "unsigned";
    if (!a->have_cd)
        return "no CodeDirectory";
    return a->cs_flags & MACHO_CS_ADHOC ? "ad-hoc" : "signed";
}

static const char *entitlements_name(const struct macho_arch *a)
{
    return a->ent_xml && a->ent_der ? "xml+der" : a->ent_xml ? "xml" : a->ent_der ? "der" : NULL;
}

static void print_human(const char *arg, const struct machoinfo *o)
{
    static const char *const summary[] = {
        "protectable - envseal seals this program's secrets",
        "limited - the library loads, but the program keeps its own copies of secrets",
        "unprotectable - libenvseal.dylib is never loaded into this program",
    };
    printf("%s", arg);
    if (strcmp(arg, o->resolved) != 0)
        printf(" -> %s", o->resolved);
    printf("\n  verdict:      %s\n", summary[o->verdict]);
    for (int i = 0; i < o->nreasons; i++)
        printf("    - %s\n", o->reasons[i]);
    char cpu[24];
    for (int i = 0; i < o->m.narch; i++)
        for (int k = 0; k < o->arch[i].nreasons; k++)
            printf("    - %s: %s\n",
                   macho_cpu_name(o->m.arch[i].cputype, o->m.arch[i].cpusubtype, cpu, sizeof cpu),
                   o->arch[i].reasons[k]);
    if (o->m.universal)
        printf("  file:         Mach-O universal (%s, %d architectures)\n",
               o->m.fat64 ? "FAT_MAGIC_64" : "FAT_MAGIC", o->m.narch);
    else
        printf("  file:         Mach-O\n");
    printf("  privileges:   %s%s%s\n", o->setuid ? "set-uid " : "", o->setgid ? "set-gid" : "",
           o->setuid || o->setgid ? "" : "no set-uid or set-gid");
    printf("  system path:  %s\n", o->sip ? "yes (System Integrity Protection)" : "no");
    for (int i = 0; i < o->m.narch; i++) {
        const struct macho_arch *a = &o->m.arch[i];
        const char *ent = entitlements_name(a);
        printf("  %-13s %s %s, %s; %s", macho_cpu_name(a->cputype, a->cpusubtype, cpu, sizeof cpu),
               a->is64 ? "64-bit" : "32-bit", macho_filetype_name(a->filetype),
               verdict_names[o->arch[i].verdict], signature_name(a));
        if (a->have_cd)
            printf(" (flags %#x%s)", (unsigned)a->cs_flags,
                   a->cs_flags & MACHO_CS_RUNTIME ? ", hardened runtime" : "");
        printf("; entitlements %s%s%s%s\n", ent ? ent : "none",
               a->allow_dyld_env ? ", allow-dyld-environment-variables" : "",
               a->disable_lib_validation ? ", disable-library-validation" : "",
               a->restrict_section ? "; __RESTRICT,__restrict" : "");
        for (int k = 0; k < a->ndylibs; k++)
            printf("%s%s", k ? ", " : "                libraries: ", a->dylibs[k]);
        if (a->ndylibs)
            printf("\n");
    }
}

static void json_reasons(struct json *j, const char *const *r, int n)
{
    json_array_begin(j, "reasons");
    for (int i = 0; i < n; i++)
        json_string(j, NULL, r[i]);
    json_array_end(j);
}

static void print_json(const char *arg, const struct machoinfo *o)
{
    struct json j;
    char cpu[24];
    json_init(&j, stdout);
    json_object_begin(&j, NULL);
    json_string(&j, "program", arg);
    json_string(&j, "path", o->resolved);
    json_string(&j, "format", "mach-o");
    json_string(&j, "verdict", verdict_names[o->verdict]);
    json_int(&j, "exit", o->verdict);
    if (o->verdict == 3) {
        json_string(&j, "error", o->error);
    } else {
        json_reasons(&j, o->reasons, o->nreasons);
        json_bool(&j, "universal", o->m.universal);
        json_bool(&j, "fat64", o->m.fat64);
        json_bool(&j, "setuid", o->setuid);
        json_bool(&j, "setgid", o->setgid);
        json_int(&j, "uid", o->uid);
        json_int(&j, "gid", o->gid);
        json_bool(&j, "sip_path", o->sip);
        json_array_begin(&j, "architectures");
        for (int i = 0; i < o->m.narch; i++) {
            const struct macho_arch *a = &o->m.arch[i];
            json_object_begin(&j, NULL);
            json_string(&j, "cpu", macho_cpu_name(a->cputype, a->cpusubtype, cpu, sizeof cpu));
            json_bool(&j, "64bit", a->is64);
            json_string(&j, "type", macho_filetype_name(a->filetype));
            json_string(&j, "verdict", verdict_names[o->arch[i].verdict]);
            json_reasons(&j, o->arch[i].reasons, o->arch[i].nreasons);
            json_string(&j, "signature", signature_name(a));
            json_int(&j, "cs_flags", a->cs_flags);
            json_bool(&j, "hardened_runtime", a->cs_flags & MACHO_CS_RUNTIME);
            json_string(&j, "entitlements", entitlements_name(a));
            json_bool(&j, "allow_dyld_environment_variables", a->allow_dyld_env);
            json_bool(&j, "disable_library_validation", a->disable_lib_validation);
            json_bool(&j, "restrict_section", a->restrict_section);
            json_bool(&j, "go", a->go_buildinfo);
            json_array_begin(&j, "libraries");
            for (int k = 0; k < a->ndylibs; k++)
                json_string(&j, NULL, a->dylibs[k]);
            json_array_end(&j);
            json_object_end(&j);
        }
        json_array_end(&j);
    }
    json_object_end(&j);
    json_finish(&j);
}

int machocheck_run(const char *arg, const char *path, bool json)
{
    static struct machoinfo o;
    machoinfo_analyze(path, &o);
    if (o.verdict == 3)
        cli_error("%s: %s", arg, o.error);
    if (json)
        print_json(arg, &o);
    else if (o.verdict != 3)
        print_human(arg, &o);
    return o.verdict;
}
