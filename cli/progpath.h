/* Finding a program the way execvp would: a name with a '/' is used as is,
 * anything else is looked up in $PATH. */
#ifndef ENVSEAL_CLI_PROGPATH_H
#define ENVSEAL_CLI_PROGPATH_H

#include <stddef.h>

/* Writes the path of the first executable regular file into out. Returns 0, or
 * ENOENT (nowhere), EACCES (found but not executable), ENAMETOOLONG. */
int progpath_find(const char *name, char *out, size_t n);

/* The real path of a regular, readable file (a library given or found) into out.
 * Returns 0, or an errno value (EINVAL: not a regular file). */
int progpath_resolve_file(const char *path, char *out, size_t n);

#endif
