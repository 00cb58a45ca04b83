/* --secret-file NAME=PATH: the file's contents become the value of NAME in the
 * program's environment. The bytes only ever sit in secmem pages; messages name
 * the variable and the file, never the contents. */
#ifndef ENVSEAL_CLI_SECRETFILE_H
#define ENVSEAL_CLI_SECRETFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The kernel's limit for one environment string (MAX_ARG_STRLEN). */
#define SECRETFILE_ENTRY_MAX (32 * 4096)

/* True for a portable variable name: [A-Za-z_][A-Za-z0-9_]*. */
bool secretfile_valid_name(const char *name, size_t nlen);

/* Reads path and returns "NAME=value" in secmem (trailing newlines dropped, as
 * $(cat PATH) would), or NULL after printing why. */
char *secretfile_load(const char *name, size_t nlen, const char *path);

/* Shared by --secret-file and --secret-cmd: "NAME=" in a fresh secmem buffer,
 * with *room bytes of value space after it (NULL, errno set, when no memory). */
char *secretvalue_alloc(const char *name, size_t nlen, size_t *room);

/* Reads fd to its end or until room bytes are in (a value too large then shows
 * as room bytes). The length, or -1 with errno set (what was read is wiped). */
ssize_t secretvalue_read(int fd, char *val, size_t room);

/* The value read after "NAME=" (len bytes): trailing newlines dropped, checked
 * (size, NUL bytes) and terminated. -1 after printing "WHAT is ..." (what names
 * the source, never the value); the buffer is then wiped. */
int secretvalue_finish(char *entry, size_t nlen, size_t len, size_t room, const char *what);

#endif
