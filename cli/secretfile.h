/* --secret-file NAME=PATH: the file's contents become the value of NAME in the
 * program's environment. The bytes only ever sit in secmem pages; messages name
 * the variable and the file, never the contents. */
#ifndef ENVSEAL_CLI_SECRETFILE_H
#define ENVSEAL_CLI_SECRETFILE_H

#include <stdbool.h>
#include <stddef.h>

/* The kernel's limit for one environment string (MAX_ARG_STRLEN). */
#define SECRETFILE_ENTRY_MAX (32 * 4096)

/* True for a portable variable name: [A-Za-z_][A-Za-z0-9_]*. */
bool secretfile_valid_name(const char *name, size_t nlen);

/* Reads path and returns "NAME=value" in secmem (trailing newlines dropped, as
 * $(cat PATH) would), or NULL after printing why. */
char *secretfile_load(const char *name, size_t nlen, const char *path);

#endif
