/* A plain reference masker, for checking the streaming one (cli/masker.h) and the
 * output of `envseal run --redact`: at each position the longest secret there is
 * masked, and occurrences that overlap (share a byte) become one mask; occurrences
 * that only touch get a mask each. */
#ifndef ENVSEAL_TESTS_CLI_REFMASK_H
#define ENVSEAL_TESTS_CLI_REFMASK_H

#include <stddef.h>

#include "cli/masker.h"

/* Masks in[0..n) into out, which must hold n * (mask_len + 1) bytes; returns the
 * output length. */
size_t refmask(const struct masker_secret *s, size_t ns, const unsigned char *in, size_t n,
               const unsigned char *mask, size_t mask_len, unsigned char *out);

/* What a stream that has been given in[0..n), not yet finished, must have output:
 * everything before the first position from which the rest of the input could
 * still begin a secret (a proper prefix of a longer one) is decided; a mask is
 * output as soon as an occurrence starting before that point is found. */
size_t refmask_so_far(const struct masker_secret *s, size_t ns, const unsigned char *in,
                      size_t n, const unsigned char *mask, size_t mask_len, unsigned char *out);

#endif
