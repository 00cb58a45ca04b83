/* The envseal command: shared exit codes, messages and subcommand entry points. */
#ifndef ENVSEAL_CLI_H
#define ENVSEAL_CLI_H

/* Exit codes of envseal itself (docs/cli.md). `run` otherwise exits with the
 * program's own status; `check` and `status` have their own 0-3 scales. */
#define EXIT_USAGE 64       /* bad command line */
#define EXIT_RUN_FAILED 125 /* run: envseal failed before the program started */
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

/* Name shown in messages: "envseal" or "envseal run". */
extern const char *cli_name;

/* Of the descriptors 0, 1 and 2 (bit fd), those envseal found closed and put
 * /dev/null on for its own sake: a program it execs gets them closed again. */
extern unsigned cli_filled_std_fds;

/* Closes them again (just before exec). */
void cli_close_filled_std_fds(void);

/* "envseal run: <text>" on stderr. Never pass a secret value. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "Try 'envseal CMD --help'." after an error; returns EXIT_USAGE. */
int cli_usage_hint(void);

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
