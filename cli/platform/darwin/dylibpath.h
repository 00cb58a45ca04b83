/* Where libenvseal.dylib is on macOS: --library, else beside the envseal binary or
 * in its install prefix (the order of cli/shimpath.c, without the Linux places). */
#ifndef ENVSEAL_CLI_DARWIN_DYLIBPATH_H
#define ENVSEAL_CLI_DARWIN_DYLIBPATH_H

#include <stddef.h>

/* Absolute path into out; 0, or an errno value (ENOENT: not found anywhere). */
int dylibpath_find(const char *explicit_path, char *out, size_t n);

#endif
