#include "json.h"

#include "vec.h"

void json_init(struct json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->first[0] = true;
}

static void quoted(FILE *o, const char *s)
{
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", o);
            break;
        case '\\':
            fputs("\\\\", o);
            break;
        case '\n':
            fputs("\\n", o);
            break;
        case '\t':
            fputs("\\t", o);
            break;
        default:
            if (*p < 0x20)
                fprintf(o, "\\u%04x", *p);
            else
                fputc(*p, o);
        }
    }
    fputc('"', o);
}

/* Separator, newline and indentation before a new member or element. */
static void lead(struct json *j, const char *key)
{
    if (j->depth > 0) {
        fputs(j->first[j->depth] ? "\n" : ",\n", j->out);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->out);
    }
    j->first[j->depth] = false;
    if (key) {
        quoted(j->out, key);
        fputs(": ", j->out);
    }
}

static void open_(struct json *j, const char *key, char c)
{
    lead(j, key);
    fputc(c, j->out);
    if (++j->depth >= JSON_DEPTH_MAX)
        die("JSON nesting too deep");
    j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
    bool empty = j->first[j->depth];
    j->depth--;
    if (!empty) {
        fputc('\n', j->out);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->out);
    }
    fputc(c, j->out);
}

void json_object_begin(struct json *j, const char *key) { open_(j, key, '{'); }
void json_object_end(struct json *j) { close_(j, '}'); }
void json_array_begin(struct json *j, const char *key) { open_(j, key, '['); }
void json_array_end(struct json *j) { close_(j, ']'); }

void json_string(struct json *j, const char *key, const char *value)
{
    lead(j, key);
    quoted(j->out, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
    lead(j, key);
    fputs(value ? "true" : "false", j->out);
}

int json_finish(struct json *j)
{
    fputc('\n', j->out);
    return fflush(j->out) == 0 && !ferror(j->out) ? 0 : -1;
}
