/* A plain reference masker, for checking the streaming one (cli/masker.h) and the
 * output of `envseal run --redact`: at each position the longest secret there is
 * masked, and runs of masked bytes that touch or overlap become one mask. */
#ifndef ENVSEAL_TESTS_CLI_REFMASK_H
#define ENVSEAL_TESTS_CLI_REFMASK_H

#include <stddef.h>

#include "cli/masker.h"

/* Masks in[0..n) into out, which must hold n * (mask_len + 1) bytes; returns the
 * output length. */
size_t refmask(const struct masker_secret *s, size_t ns, const unsigned char *in, size_t n,
               const unsigned char *mask, size_t mask_len, unsigned char *out);

#endif
