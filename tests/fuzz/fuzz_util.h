/* Shared by the libFuzzer targets: reading structured choices from the fuzzer's
 * bytes, and failing an oracle check without printing any fuzzed value (the input
 * that failed is saved by libFuzzer; the message names only the check). */
#ifndef ENVSEAL_TESTS_FUZZ_UTIL_H
#define ENVSEAL_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fuzzer's input, consumed from the front. */
struct input {
    const uint8_t *p;
    size_t n;
};

/* One byte (0 once the input is used up). */
static inline uint8_t in_byte(struct input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

/* A number in [0, limit) from one byte (limit <= 256). */
static inline unsigned in_below(struct input *in, unsigned limit)
{
    return limit ? in_byte(in) % limit : 0;
}

/* The bytes up to the next `sep` (or the end); *len receives their count. */
static inline const uint8_t *in_until(struct input *in, uint8_t sep, size_t *len)
{
    const uint8_t *start = in->p;
    size_t i = 0;
    while (i < in->n && in->p[i] != sep)
        i++;
    *len = i;
    in->p += i + (i < in->n);
    in->n -= i + (i < in->n);
    return start;
}

/* Up to max bytes, as they come. */
static inline const uint8_t *in_take(struct input *in, size_t max, size_t *len)
{
    const uint8_t *start = in->p;
    *len = max < in->n ? max : in->n;
    in->p += *len;
    in->n -= *len;
    return start;
}

/* An oracle check: on failure, names the check (never a value) and aborts, which
 * libFuzzer reports as a crash and saves the input. */
#define FUZZ_CHECK(cond)                                                             \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz check failed at %s:%d: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                          \
            abort();                                                                 \
        }                                                                            \
    } while (0)

#endif
