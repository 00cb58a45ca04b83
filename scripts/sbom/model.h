/* The files an SBOM describes and what the dynamic loader would map for each,
 * found by following DT_NEEDED (and the program interpreter) transitively from
 * the shipped ELF files. */
#ifndef SBOM_MODEL_H
#define SBOM_MODEL_H

#include <stdbool.h>

#include "digest.h"
#include "dpkg.h"
#include "elfinfo.h"
#include "vec.h"

struct node {
    char *spdxid;
    char *name;                /* fileName in the SBOM */
    char *path;                /* where it is read from */
    char *real;                /* canonical path, to find the same file twice */
    bool shipped;
    struct digests dig;
    struct elf_info elf;
    struct deb_package *pkg;   /* system files: the package providing it */
    struct vec links;          /* struct node *: files the loader maps for this one */
    struct vec link_reasons;   /* char *: the DT_NEEDED name, or "PT_INTERP" */
    struct vec statics;        /* struct deb_package *: linked into this file */
    struct vec static_reasons; /* char *: its static archives, e.g. "libelf.a" */
};

struct model {
    struct vec shipped;        /* struct node *, in the order given */
    struct vec system;         /* struct node *, in the order found */
    struct vec packages;       /* struct deb_package *, in the order found */
    struct vec static_packages; /* struct deb_package *: declared with --static */
};

/* Adds a shipped file: path is read, name goes in the SBOM. */
void model_add_shipped(struct model *m, const char *path, const char *name);

/* Declares that the Debian package's static library is linked into the shipped
 * file named name (as given to model_add_shipped): nothing in an ELF file says
 * so. Exits with a message when the file is not a shipped ELF file, or the
 * package is not installed or installs no static archive (*.a). */
void model_add_static(struct model *m, const char *name, const char *package);

/* Follows every dependency; exits with a message if one cannot be resolved. */
void model_resolve(struct model *m);

/* "SPDXRef-<prefix>-<text with other characters as '-'>" */
char *model_spdxid(const char *prefix, const char *text);

#endif
