/* What the SBOM needs from an ELF file, read with libelf: its kind, build-id,
 * the libraries it asks the dynamic loader for, and where it asks it to look. */
#ifndef SBOM_ELFINFO_H
#define SBOM_ELFINFO_H

#include <stdbool.h>

#include "vec.h"

struct elf_info {
    bool is_elf;
    int elf_class;       /* ELFCLASS32 / ELFCLASS64 */
    unsigned machine;    /* EM_* */
    unsigned type;       /* ET_EXEC, ET_DYN, ... */
    char build_id[129];  /* hex of NT_GNU_BUILD_ID, "" when absent */
    char *soname;        /* DT_SONAME or NULL */
    char *interp;        /* PT_INTERP (program interpreter) or NULL */
    char *rpath;         /* DT_RPATH or NULL */
    char *runpath;       /* DT_RUNPATH or NULL */
    struct vec needed;   /* char *: every DT_NEEDED, in file order */
    char error[200];     /* after -1 on a damaged file: its fault (cli/elfcheck.h) */
};

/* Reads path. Returns 0 (is_elf false for a file that is not ELF), or -1 when the
 * file cannot be opened or is a damaged ELF file (every offset, size and string
 * is checked against the file first: error names the fault). */
int elf_info_read(const char *path, struct elf_info *out);

/* The same on a file's bytes in memory (buf is not changed): for fuzzing. */
int elf_info_read_mem(const void *buf, size_t n, struct elf_info *out);

/* Frees what a read allocated (the strings and the needed list). */
void elf_info_free(struct elf_info *e);

/* Human-readable kind, e.g. "ELF 64-bit x86-64 shared object". */
const char *elf_info_kind(const struct elf_info *e, char *buf, unsigned len);

#endif
