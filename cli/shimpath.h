/* Where libenvseal.so is: beside the envseal binary, in its install prefix, or in
 * the build tree (docs/cli.md lists the order). */
#ifndef ENVSEAL_CLI_SHIMPATH_H
#define ENVSEAL_CLI_SHIMPATH_H

#include <stddef.h>

/* Absolute path of `name` (libenvseal.so, or libenvseal-strict.so for strict
 * mode) into out; `explicit_path` (--library) wins when given. Returns 0, or an
 * errno value (ENOENT: not found anywhere). */
int shimpath_find(const char *explicit_path, const char *name, char *out, size_t n);

#endif
