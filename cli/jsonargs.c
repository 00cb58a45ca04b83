#include "jsonargs.h"

#include <stddef.h>

#include "cli.h"

static int set_json(void *ctx, const struct opt *o, const char *v)
{
    (void)o;
    (void)v;
    *(bool *)ctx = true;
    return 0;
}

const struct opt jsonargs_table[] = {
    {"json", 0, NULL, set_json, NULL, NULL, NULL, "machine-readable output (one JSON object)"},
    {0},
};

int jsonargs_parse(int argc, char **argv, const char *what, void (*help)(void), bool *json)
{
    *json = false;
    int n = opts_parse(argc, argv, jsonargs_table, json, false);
    if (n == OPTS_HELP) {
        help();
        return 0;
    }
    if (n == OPTS_ERROR)
        return cli_usage_hint();
    if (n != 1) {
        if (n == 0)
            cli_error("missing %s", what);
        else
            cli_error("one %s at a time", what);
        return cli_usage_hint();
    }
    return JSONARGS_GO_ON;
}
