/* --secret-cmd NAME=COMMAND: COMMAND runs through /bin/sh -c before the program,
 * and its standard output becomes the value of NAME. The output only ever sits in
 * secmem pages; messages name the variable and the command's status, never the
 * output. */
#ifndef ENVSEAL_CLI_SECRETCMD_H
#define ENVSEAL_CLI_SECRETCMD_H

#include <stddef.h>

/* Runs cmd with envp (stdin and stderr are envseal's, stdout a pipe) and returns
 * "NAME=output" in secmem, trailing newlines dropped as for --secret-file; NULL
 * after printing why: the command could not start, exited non-zero, was killed,
 * printed nothing, a NUL byte, or more than an environment value can hold. */
char *secretcmd_run(const char *name, size_t nlen, const char *cmd, char *const *envp);

#endif
