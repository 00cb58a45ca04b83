/* A real program (/usr/bin/true: x86-64, little-endian) in memory, with pointers to
 * its headers, for tests that corrupt one field and feed the result to a reader. */
#ifndef ENVSEAL_TESTS_CLI_ELF_VICTIM_H
#define ENVSEAL_TESTS_CLI_ELF_VICTIM_H

#include <elf.h>
#include <stddef.h>

struct victim {
    char *b;
    size_t n;
    Elf64_Ehdr *eh;
    Elf64_Phdr *ph;
    Elf64_Shdr *sh;
};

/* Reads /usr/bin/true into v (v->b to free). */
void victim_load(struct victim *v);

/* The first segment of the type; fails the test when there is none. */
Elf64_Phdr *victim_segment(struct victim *v, uint32_t type);

/* The first PT_DYNAMIC entry with the tag; fails the test when there is none. */
Elf64_Dyn *victim_dyn(struct victim *v, Elf64_Sxword tag);

#endif
