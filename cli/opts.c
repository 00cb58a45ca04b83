#define _GNU_SOURCE
#include "opts.h"

#include <string.h>

#include "cli.h"

static const struct opt *find_long(const struct opt *t, const char *name, size_t len)
{
    for (; t->name; t++)
        if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
            return t;
    return NULL;
}

static const struct opt *find_short(const struct opt *t, char c)
{
    for (; t->name; t++)
        if (t->short_name && t->short_name == c)
            return t;
    return NULL;
}

bool opts_check_choice(const struct opt *o, const char *value)
{
    if (!o->choices)
        return true;
    for (const char *const *c = o->choices; *c; c++)
        if (strcmp(*c, value) == 0)
            return true;
    char list[256] = "";
    for (const char *const *c = o->choices; *c; c++) {
        if (c != o->choices)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, *c, sizeof list - strlen(list) - 1);
    }
    cli_error("invalid value '%s' for --%s (one of: %s)", value, o->name, list);
    return false;
}

/* Handles argv[*i]; advances *i past a separate value. */
static int one_option(int argc, char **argv, int *i, const struct opt *table, void *ctx)
{
    const char *a = argv[*i];
    const struct opt *o;
    const char *value = NULL;
    bool inline_value = false;

    if (a[1] == '-') {
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        if (len == 4 && memcmp(name, "help", 4) == 0 && !eq)
            return OPTS_HELP;
        o = find_long(table, name, len);
        if (!o) {
            cli_error("unknown option '--%.*s'", (int)len, name);
            return OPTS_ERROR;
        }
        if (eq) {
            value = eq + 1;
            inline_value = true;
        }
    } else {
        if (a[1] == 'h' && a[2] == '\0')
            return OPTS_HELP;
        o = find_short(table, a[1]);
        if (!o) {
            cli_error("unknown option '-%c'", a[1]);
            return OPTS_ERROR;
        }
        if (a[2] != '\0') {
            if (!o->metavar) {
                cli_error("option '-%c' takes no value (write separate flags)", a[1]);
                return OPTS_ERROR;
            }
            value = a + 2;
            inline_value = true;
        }
    }

    if (!o->metavar && inline_value) {
        cli_error("option '--%s' takes no value", o->name);
        return OPTS_ERROR;
    }
    if (o->metavar && !inline_value) {
        if (*i + 1 >= argc) {
            cli_error("option '--%s' needs a value (%s)", o->name, o->metavar);
            return OPTS_ERROR;
        }
        value = argv[++*i];
    }
    if (value && !opts_check_choice(o, value))
        return OPTS_ERROR;
    return o->apply(ctx, o, value) == 0 ? 0 : OPTS_ERROR;
}

int opts_parse(int argc, char **argv, const struct opt *table, void *ctx, bool stop_at_operand)
{
    int nops = 0;
    bool only_operands = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        bool is_option = !only_operands && a[0] == '-' && a[1] != '\0';
        if (is_option && strcmp(a, "--") == 0) {
            if (stop_at_operand)
                return i + 1;
            only_operands = true;
            continue;
        }
        if (!is_option) {
            if (stop_at_operand)
                return i;
            argv[1 + nops++] = a; /* never overtakes i: order is kept */
            continue;
        }
        int rc = one_option(argc, argv, &i, table, ctx);
        if (rc != 0)
            return rc;
    }
    return stop_at_operand ? argc : nops;
}

void opts_print_help(FILE *f, const struct opt *table)
{
    for (const struct opt *o = table; o->name; o++) {
        char left[64];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name,
                     o->metavar ? " " : "", o->metavar ? o->metavar : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->metavar ? " " : "",
                     o->metavar ? o->metavar : "");
        fprintf(f, "  %-28s %s\n", left, o->help);
    }
    fprintf(f, "  %-28s %s\n", "-h, --help", "show this help and exit");
}
