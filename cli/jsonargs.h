/* The command line `envseal check` and `envseal status` share: a --json flag and
 * exactly one operand. */
#ifndef ENVSEAL_CLI_JSONARGS_H
#define ENVSEAL_CLI_JSONARGS_H

#include <stdbool.h>

#include "opts.h"

/* The option table: --json alone (for opts_print_help in the commands' help). */
extern const struct opt jsonargs_table[];

#define JSONARGS_GO_ON (-1)

/* Parses argv; *json tells whether --json was given. Returns JSONARGS_GO_ON with
 * the operand in argv[1], or the exit status to end with: 0 after help() (for
 * -h/--help), EXIT_USAGE after an error naming the operand as `what`. */
int jsonargs_parse(int argc, char **argv, const char *what, void (*help)(void), bool *json);

#endif
