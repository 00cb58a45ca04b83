/* Where libenvseal.so is: beside the envseal binary, in its install prefix, or in
 * the build tree (docs/cli.md lists the order). */
#ifndef ENVSEAL_CLI_SHIMPATH_H
#define ENVSEAL_CLI_SHIMPATH_H

#include <stddef.h>

/* Absolute path of `name` (libenvseal.so, or libenvseal-strict.so for strict
 * mode) into out; `explicit_path` (--library) wins when given. Returns 0, or an
 * errno value (ENOENT: not found anywhere). */
int shimpath_find(const char *explicit_path, const char *name, char *out, size_t n);

/* Whether the file at path is an envseal shim the loader can preload into programs
 * of this machine: a well-formed ELF shared object (elfcheck.h) of this build's
 * class, byte order and machine, carrying the .note.envseal note
 * (preload/core/marker_note.h) of this envseal's ABI. Returns its flavour
 * (ENVSEAL_FLAVOUR_RELOCATE or _STRICT), or 0 with why ("an ELF shared library
 * without the .note.envseal note", ...). */
int shimpath_verify(const char *path, char *why, size_t whylen);

/* The same on a file's bytes in memory (buf is not changed): for fuzzing. */
int shimpath_verify_mem(const void *buf, size_t n, char *why, size_t whylen);

#endif
