/* Structural check of an ELF file held in memory, before libelf reads it.
 * libelf is lenient: a table or segment past the end of a truncated file just
 * reads as absent, and a verdict built on absent parts is wrong (a cut-off program
 * "protectable", a bad program-header count "static"). Here every offset, count
 * and size the readers rely on is checked against the image, and the first fault
 * found is named. Both classes and both byte orders; no allocation. Shared by
 * `envseal check`/`run` (elfinfo.c, shimpath.c) and the SBOM tool. */
#ifndef ENVSEAL_CLI_ELFCHECK_H
#define ENVSEAL_CLI_ELFCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the check learned, for the caller's own reading. */
struct elfcheck {
    int elfclass;       /* ELFCLASS32 / ELFCLASS64 */
    int data;           /* ELFDATA2LSB / ELFDATA2MSB */
    unsigned type;      /* e_type */
    unsigned machine;   /* e_machine */
    size_t phnum;       /* program headers (PN_XNUM resolved) */
    size_t shnum;       /* section headers (0: none) */
    const char *interp; /* PT_INTERP's path inside the image, NUL-terminated; or NULL */
};

/* 0 when img[0..size) is a well-formed ELF file; otherwise -1 with why (a sentence
 * naming the fault, e.g. "segment 3 (PT_LOAD) runs past the end of the file") and
 * out partly filled. */
int elfcheck_image(const void *img, size_t size, struct elfcheck *out, char *why, size_t whylen);

/* True when the checked file has the class, byte order and machine of this build
 * (so of the libenvseal.so built with it). */
bool elfcheck_native(const struct elfcheck *c);

#endif
