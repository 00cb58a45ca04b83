/* Which build of the shim a program needs: the glibc or the musl one (its C
 * library, known from its ELF interpreter), relocate or strict. */
#ifndef ENVSEAL_CLI_SHIMLIB_H
#define ENVSEAL_CLI_SHIMLIB_H

#include <stdbool.h>
#include <stddef.h>

#include "elfinfo.h"

/* "libenvseal.so", "libenvseal-strict.so", "libenvseal-musl.so" or
 * "libenvseal-strict-musl.so". */
const char *shimlib_name(enum libc_e libc, bool strict);

/* The same for the program PROG would run (PATH searched, a #! script's
 * interpreter followed); the glibc build when it cannot be read. */
const char *shimlib_for_program(const char *prog, bool strict);

/* True when the relocate-mode build for programs linked against libc is found
 * where `run` looks for it (shimpath.h). */
bool shimlib_installed(enum libc_e libc);

/* The relocate-mode build for a program linked against libc, when it can load
 * one: its name, and its path into path ("" when not found beside envseal). */
const char *shimlib_locate(const struct elfinfo *e, char *path, size_t n);

#endif
