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

#endif
