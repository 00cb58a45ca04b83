/* A small streaming JSON writer (indented, one value per line) for --json output.
 * Strings are escaped; bytes outside ASCII are written as \u00XX, so the output is
 * valid JSON whatever bytes a path or a variable name holds. */
#ifndef ENVSEAL_CLI_JSON_H
#define ENVSEAL_CLI_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_DEPTH 16

struct json {
    FILE *f;
    int depth;
    bool has_items[JSON_DEPTH];
};

void json_init(struct json *j, FILE *f);
/* key is NULL inside arrays and for the top-level value. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL: null */
void json_bool(struct json *j, const char *key, bool value);
void json_int(struct json *j, const char *key, long long value);
/* Ends the document with a newline. */
void json_finish(struct json *j);

#endif
