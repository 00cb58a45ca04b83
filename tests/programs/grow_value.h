/* The value vaultgrow.c sets for secret i: `size` bytes derived from seed and i
 * (seed's hex digits mapped to [g-v], so the value appears nowhere in vaultgrow's
 * arguments), shared with tests/integration/vault_growth_test.c, which looks for
 * it in core files. out holds size + 1 bytes. */
#ifndef ENVSEAL_GROW_VALUE_H
#define ENVSEAL_GROW_VALUE_H

#include <stdio.h>
#include <string.h>

static inline void grow_value(char *out, size_t size, const char *seed, int i)
{
    size_t n = strlen(seed);
    int off = snprintf(out, size + 1, "g%03d-", i);
    for (size_t k = (size_t)off; k < size; k++) {
        char c = seed[(k + (size_t)i) % n];
        out[k] = c >= '0' && c <= '9' ? (char)('g' + c - '0')
                 : c >= 'a' && c <= 'f' ? (char)('q' + c - 'a')
                                        : 'x';
    }
    out[size] = '\0';
}

/* manyenv's LATE_TOKEN: "late-" and seed's hex digits mapped to [G-V], so it
 * shares no run of bytes with grow_value's values. out holds LATE_VALUE_MAX. */
#define LATE_VALUE_MAX 64
static inline void late_value(char *out, const char *seed)
{
    int off = snprintf(out, LATE_VALUE_MAX, "late-");
    for (const char *c = seed; *c && off < LATE_VALUE_MAX - 1; c++)
        out[off++] = *c >= '0' && *c <= '9' ? (char)('G' + *c - '0')
                     : *c >= 'a' && *c <= 'f' ? (char)('Q' + *c - 'a')
                                              : 'X';
    out[off] = '\0';
}

#endif
