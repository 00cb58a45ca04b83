/* Secret-name patterns: case-sensitive globs with '*' (any run) and '?' (one byte).
 * Patterns are compiled once into the cheapest test that decides them. */
#ifndef ENVSEAL_PATTERNS_H
#define ENVSEAL_PATTERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATTERNS_MAX 64
#define PATTERNS_TEXT_MAX 2048

enum pattern_kind { PAT_EXACT, PAT_PREFIX, PAT_SUFFIX, PAT_INFIX, PAT_GLOB, PAT_ANY };

struct pattern {
    const char *lit;   /* the literal part (for PAT_GLOB: the whole pattern) */
    uint16_t len;
    uint8_t kind;
    uint32_t need;     /* character classes the name must contain (quick reject) */
};

struct pattern_set {
    struct pattern p[PATTERNS_MAX];
    unsigned n;
    size_t used;
    char text[PATTERNS_TEXT_MAX];
};

/* Full glob match of name[0..nlen) against pat[0..plen). */
bool glob_match(const char *pat, size_t plen, const char *name, size_t nlen);

/* Character-class mask used for the quick reject (a necessary condition only). */
uint32_t name_class_mask(const char *s, size_t len);

void pattern_set_clear(struct pattern_set *s);

/* Adds one pattern (copied). Returns 0, or -1 when empty, malformed or full. */
int pattern_set_add(struct pattern_set *s, const char *pat, size_t len);

/* Adds a comma-separated list; empty items are skipped. Returns the number of
 * items that could not be added (0 on full success). */
int pattern_set_add_list(struct pattern_set *s, const char *list, size_t len);

/* `mask` is name_class_mask(name, nlen), computed once per name by the caller. */
bool pattern_set_match(const struct pattern_set *s, const char *name, size_t nlen, uint32_t mask);

/* The built-in secret patterns, NULL-terminated (documented in docs/configuration.md). */
extern const char *const default_secret_patterns[];

#endif
