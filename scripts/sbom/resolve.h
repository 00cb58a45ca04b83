/* Finds the file the dynamic loader would map for a DT_NEEDED name, in the
 * loader's order: DT_RPATH (without DT_RUNPATH), DT_RUNPATH ($ORIGIN expanded),
 * the ld.so cache (ldconfig -p), then the default directories. A candidate must
 * match the requesting file's ELF class and machine, as the loader requires. */
#ifndef SBOM_RESOLVE_H
#define SBOM_RESOLVE_H

#include "elfinfo.h"

/* Returns a malloc'd path, or NULL when nothing matches. */
char *resolve_needed(const char *soname, const char *from, const struct elf_info *requester);

#endif
