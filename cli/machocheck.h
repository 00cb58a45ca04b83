/* `envseal check` on a Mach-O file (macOS): the verdict, per architecture, in the
 * human and the --json form. */
#ifndef ENVSEAL_CLI_MACHOCHECK_H
#define ENVSEAL_CLI_MACHOCHECK_H

#include <stdbool.h>

/* Analyses path (arg as the user wrote it), prints, returns the exit status 0-3. */
int machocheck_run(const char *arg, const char *path, bool json);

#endif
