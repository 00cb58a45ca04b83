/* A streaming JSON writer with two-space indentation: output is a pure function
 * of the calls, which keeps the SBOM byte-for-byte reproducible. */
#ifndef SBOM_JSON_H
#define SBOM_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 16

struct json {
    FILE *out;
    int depth;
    bool first[JSON_DEPTH_MAX];
};

void json_init(struct json *j, FILE *out);
/* key is NULL for values inside an array (and for the top-level value). */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_bool(struct json *j, const char *key, bool value);
/* Closes the document with a newline; returns 0, or -1 if any write failed. */
int json_finish(struct json *j);

#endif
