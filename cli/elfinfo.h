/* What a program file is, as far as envseal cares: read with libelf (no code of
 * the file runs), plus the file's mode bits and security.capability attribute.
 * Used by `envseal check` and, to warn before starting a program it cannot
 * protect, by `envseal run`. */
#ifndef ENVSEAL_CLI_ELFINFO_H
#define ENVSEAL_CLI_ELFINFO_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum elf_kind_e {
    EK_EXEC,       /* ET_EXEC with an interpreter, or static */
    EK_PIE,        /* ET_DYN with an interpreter */
    EK_STATIC_PIE, /* ET_DYN, no interpreter, DF_1_PIE */
    EK_SHARED,     /* ET_DYN, no interpreter, not PIE: a library */
    EK_OTHER,      /* relocatable object, core file, ... */
};

enum libc_e { LIBC_NONE, LIBC_GLIBC, LIBC_MUSL, LIBC_OTHER };

/* What envseal can do for the program. */
enum verdict_e {
    V_PROTECTABLE = 0,   /* the shim loads and seals */
    V_LIMITED = 1,       /* the shim loads, but the program copies secrets itself */
    V_UNPROTECTABLE = 2, /* the shim is never loaded */
    V_ERROR = 3,         /* not an ELF program, unreadable or malformed (elfcheck.h) */
};

#define ELFINFO_NEEDED_MAX 64
#define ELFINFO_REASONS_MAX 8

struct elfinfo {
    char path[PATH_MAX];     /* as analysed (the interpreter, for a script) */
    char resolved[PATH_MAX]; /* realpath of it */

    /* A "#!" script: what the kernel would run. */
    bool script;
    char script_path[PATH_MAX];
    char script_interp[PATH_MAX]; /* as written after #! */
    bool script_via_env;          /* "#!/usr/bin/env NAME": NAME was looked up on PATH */
    bool script_no_shebang;       /* no "#!": execvp runs it with /bin/sh */

    char error[256]; /* set when verdict == V_ERROR */

    int elfclass;  /* 32 or 64 */
    unsigned machine;
    const char *machine_name;
    bool native; /* class and machine of this build of envseal */
    enum elf_kind_e kind;
    bool dynamic; /* has PT_INTERP */
    char interp[PATH_MAX];
    enum libc_e libc;

    bool setuid, setgid;
    uid_t uid;
    gid_t gid;
    bool caps;          /* security.capability present */
    uint64_t cap_permitted, cap_inheritable;
    bool cap_effective;

    bool go;          /* any of the three below */
    bool go_buildinfo; /* .go.buildinfo section */
    bool go_note;      /* Go build ID note */
    bool go_symbols;   /* runtime.* symbols */
    char go_version[64];

    bool have_dynsym; /* imports below are known */
    bool imp_getenv, imp_secure_getenv, imp_environ;
    bool imp_setenv, imp_unsetenv, imp_putenv, imp_clearenv;

    char needed[ELFINFO_NEEDED_MAX][128];
    int nneeded;

    bool quick; /* set by elfinfo_analyze_quick */
    enum verdict_e verdict;
    const char *reasons[ELFINFO_REASONS_MAX]; /* static strings, why the verdict */
    int nreasons;
};

/* Analyses the file at path (a script's interpreter is followed once; PATH is
 * used for "#!/usr/bin/env NAME"). Always fills `out`; returns out->verdict. */
enum verdict_e elfinfo_analyze(const char *path, struct elfinfo *out);

/* The same verdict without reading the (possibly large) full symbol table:
 * runtime.* symbols are not looked for, .go.buildinfo and the Go note still are.
 * For `run`, which vets every program it starts. */
enum verdict_e elfinfo_analyze_quick(const char *path, struct elfinfo *out);

/* The same analysis of an ELF image in memory (buf is not changed; no file mode
 * bits, capabilities or #! scripts): the entry point for fuzzing the reader. */
enum verdict_e elfinfo_analyze_mem(const void *buf, size_t n, struct elfinfo *out);

/* Name of capability number n ("cap_net_admin"), or NULL past the known ones. */
const char *elfinfo_cap_name(unsigned n);

/* "glibc", "musl", ... */
const char *elfinfo_libc_name(enum libc_e l);
const char *elfinfo_kind_name(enum elf_kind_e k);
const char *elfinfo_verdict_name(enum verdict_e v);

#endif
