/* Table-driven option parsing shared by the subcommands: one table entry per
 * option gives its spelling, its value, what it does and its help line, so adding
 * an option (say one more ENVSEAL_* setting) is adding one entry. */
#ifndef ENVSEAL_CLI_OPTS_H
#define ENVSEAL_CLI_OPTS_H

#include <stdbool.h>
#include <stdio.h>

struct opt;

/* Applies one occurrence; value is NULL for a flag. Returns 0, or -1 after
 * printing what was wrong. */
typedef int (*opt_apply_fn)(void *ctx, const struct opt *o, const char *value);

struct opt {
    const char *name;           /* long name: --name, --name=VALUE, --name VALUE */
    char short_name;            /* -x, or 0 */
    const char *metavar;        /* value placeholder in help; NULL: a flag */
    opt_apply_fn apply;
    const char *setting;        /* ENVSEAL_* variable the option sets, or NULL */
    const char *fixed;          /* value a flag gives that setting */
    const char *const *choices; /* NULL-terminated allowed values, or NULL: any */
    const char *help;
};

#define OPTS_HELP (-2)  /* --help/-h was given */
#define OPTS_ERROR (-1) /* message printed */

/* Parses argv[1..]. With stop_at_operand (run), options end at "--" or at the
 * first operand, whose index is returned (argc when none). Otherwise options and
 * operands may mix; operands are moved to argv[1..] in order and their count is
 * returned ("--" still ends options). -h/--help need no table entry. */
int opts_parse(int argc, char **argv, const struct opt *table, void *ctx, bool stop_at_operand);

/* Option lines for --help, from the table (plus -h, --help). */
void opts_print_help(FILE *f, const struct opt *table);

/* True when value is one of o->choices (or o has none); prints the error if not. */
bool opts_check_choice(const struct opt *o, const char *value);

#endif
