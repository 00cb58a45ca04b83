/* envseal: run a program with its secret variables sealed, check a binary before
 * relying on it, inspect a running process (docs/cli.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef ENVSEAL_VERSION
#define ENVSEAL_VERSION "0.1.0"
#endif

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"run", cmd_run, "run a program with libenvseal.so preloaded (and its output masked)"},
    {"check", cmd_check, "tell whether envseal can protect a program file"},
    {"status", cmd_status, "show the protection of a running process"},
};

static void help(FILE *f)
{
    fprintf(f, "Usage: envseal COMMAND [OPTIONS] [ARGS]\n"
               "\n"
               "Keeps secret environment variables out of /proc/PID/environ, core dumps and\n"
               "swap, by preloading libenvseal.so into unmodified programs.\n"
               "\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n"
               "'envseal COMMAND --help' describes each command; docs/cli.md has the full\n"
               "reference.\n"
               "\n"
               "Options:\n"
               "  -h, --help     show this help and exit\n"
               "      --version  show the version and exit\n");
}

/* A closed fd 0-2 would be reused by the next pipe or file we open, and output
 * meant for the user could end up in it: park /dev/null there. */
unsigned cli_filled_std_fds;

static void fill_std_fds(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
            if (n >= 0)
                cli_filled_std_fds |= 1u << fd;
        }
}

void cli_close_filled_std_fds(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (cli_filled_std_fds & (1u << fd))
            close(fd);
}

int main(int argc, char **argv)
{
    fill_std_fds();
    if (argc < 2) {
        help(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        help(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("envseal %s\n", ENVSEAL_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            static char name[32];
            snprintf(name, sizeof name, "envseal %s", commands[i].name);
            cli_name = name;
            return commands[i].fn(argc - 1, argv + 1);
        }
    cli_error("unknown command '%s'", cmd);
    return cli_usage_hint();
}
