#define _GNU_SOURCE
#include "json.h"

void json_init(struct json *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->has_items[0] = false;
}

static void quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20 || *p >= 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* Separator, indentation and "key": for the next value. */
static void item(struct json *j, const char *key)
{
    if (j->depth > 0) {
        fputs(j->has_items[j->depth] ? ",\n" : "\n", j->f);
        j->has_items[j->depth] = true;
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    if (key) {
        quoted(j->f, key);
        fputs(": ", j->f);
    }
}

static void open_(struct json *j, const char *key, char c)
{
    item(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < JSON_DEPTH)
        j->depth++;
    j->has_items[j->depth] = false;
}

static void close_(struct json *j, char c)
{
    bool had = j->has_items[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (had) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    fputc(c, j->f);
}

void json_object_begin(struct json *j, const char *key)
{
    open_(j, key, '{');
}

void json_object_end(struct json *j)
{
    close_(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
    open_(j, key, '[');
}

void json_array_end(struct json *j)
{
    close_(j, ']');
}

void json_string(struct json *j, const char *key, const char *value)
{
    item(j, key);
    if (value)
        quoted(j->f, value);
    else
        fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool value)
{
    item(j, key);
    fputs(value ? "true" : "false", j->f);
}

void json_int(struct json *j, const char *key, long long value)
{
    item(j, key);
    fprintf(j->f, "%lld", value);
}

void json_finish(struct json *j)
{
    fputc('\n', j->f);
    fflush(j->f);
}
