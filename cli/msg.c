#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

const char *cli_name = "envseal";

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s: %s", cli_name, kind);
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    fflush(stdout);
    fprintf(stderr, "%s\n", line); /* one write: lines from parallel runs do not mix */
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

int cli_usage_hint(void)
{
    fprintf(stderr, "Try '%s --help'.\n", cli_name);
    return EXIT_USAGE;
}
