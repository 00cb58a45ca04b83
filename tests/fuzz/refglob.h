/* Reference semantics for the fuzz targets, written from the documentation
 * (patterns.h, docs/configuration.md) and not from preload/: a dynamic-programming
 * glob matcher, the pattern-list rules of ENVSEAL_SECRETS & co, and the default
 * secret-name decision. */
#ifndef ENVSEAL_TESTS_FUZZ_REFGLOB_H
#define ENVSEAL_TESTS_FUZZ_REFGLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* '*' matches any run of bytes (also empty), '?' exactly one byte, every other
 * byte itself; the whole name must match. */
bool ref_glob(const char *pat, size_t plen, const char *name, size_t nlen);

#define REF_ITEMS_MAX 64     /* patterns a set holds (PATTERNS_MAX) */
#define REF_TEXT_MAX 2048    /* bytes of pattern text, one NUL each (PATTERNS_TEXT_MAX) */

/* A comma-separated list as a pattern set takes it: items trimmed of blanks and
 * tabs, empty items skipped; an item with '=' or NUL, or past the set's room is rejected. */
struct ref_set {
    const char *item[REF_ITEMS_MAX];
    size_t len[REF_ITEMS_MAX];
    unsigned n;
    size_t text;
    unsigned rejected;
};

/* Adds list[0..len) to s (which may hold items already); the strings must outlive s. */
void ref_set_add_list(struct ref_set *s, const char *list, size_t len);

bool ref_set_match(const struct ref_set *s, const char *name, size_t nlen);

/* Whether a built-in pattern (default_secret_patterns) matches the name. */
bool ref_default_match(const char *name, size_t nlen);

/* Names envseal never seals: LD_*, ENVSEAL_*, GLIBC_TUNABLES. */
bool ref_reserved(const char *name, size_t nlen);

#endif
