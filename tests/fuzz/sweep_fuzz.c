/* The crash sweep's matcher (preload/crash/sweep.c) against a plain reference, on a
 * buffer of exactly the bytes built (ASan sees any read outside it). The buffer is
 * assembled from the input: literal bytes, zeros, and slices of the values and of
 * their UTF-16LE forms at any offset, so pieces begin and end anywhere, the buffer's
 * first and last bytes included. After sweep_scrub:
 *   - no run of SWEEP_PIECE or more bytes of a pattern (a value of 12 bytes or more,
 *     or a UTF-16LE form), and no whole shorter value, is left among the bytes the
 *     scrub did not change (a run its own zeros complete is not one it missed);
 *   - every byte the scrub changed lies in such a run or value, in the buffer as it
 *     was or with some of the bytes the scrub zeroed already zero (see below).
 * Values are printable ASCII, so each has exactly two patterns (raw, and UTF-16LE
 * without its last zero byte). */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "preload/crash/sweep.h"
#include "tests/fuzz/fuzz_util.h"

#define VALUES_MAX 4
#define VALUE_MAX 46
#define AREA_MAX 2048

struct pattern {
    unsigned char b[2 * VALUE_MAX];
    size_t n;
    bool pieced; /* SWEEP_PIECE or longer: every long enough run counts */
};

/* Whether area[i] may stand for the pattern byte c: it is c, or zeroable[i] (a byte
 * the scrub zeroed) and c is 0. */
static bool same(const unsigned char *area, const bool *zeroable, size_t i, unsigned char c)
{
    return area[i] == c || (zeroable && zeroable[i] && c == 0);
}

/* Marks in mark[] every byte of area in a run the pattern shares with it: runs of
 * SWEEP_PIECE or more when pieced, else whole occurrences. */
static void mark_matches(const unsigned char *area, const bool *zeroable, size_t n,
                         const struct pattern *p, bool *mark)
{
    if (!p->pieced) {
        for (size_t i = 0; i + p->n <= n; i++) {
            size_t j = 0;
            while (j < p->n && same(area, zeroable, i + j, p->b[j]))
                j++;
            if (j == p->n)
                memset(mark + i, 1, p->n);
        }
        return;
    }
    static uint16_t run[2][2 * VALUE_MAX + 1];
    memset(run, 0, sizeof run);
    for (size_t i = 0; i < n; i++) {
        uint16_t *cur = run[i & 1], *prev = run[(i + 1) & 1];
        cur[0] = 0;
        for (size_t j = 1; j <= p->n; j++) {
            cur[j] = same(area, zeroable, i, p->b[j - 1]) ? (uint16_t)(prev[j - 1] + 1) : 0;
            if (cur[j] >= SWEEP_PIECE)
                memset(mark + i + 1 - cur[j], 1, cur[j]);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    static struct pattern pats[2 * VALUES_MAX];
    static char values[VALUES_MAX][VALUE_MAX];
    size_t lens[VALUES_MAX];
    unsigned nv = 1 + in_below(&in, VALUES_MAX);
    for (unsigned v = 0; v < nv; v++) {
        lens[v] = SWEEP_MIN_VALUE + in_below(&in, VALUE_MAX - SWEEP_MIN_VALUE + 1);
        for (size_t i = 0; i < lens[v]; i++)
            values[v][i] = (char)(0x21 + in_below(&in, 94));
        struct pattern *raw = &pats[2 * v], *u16 = &pats[2 * v + 1];
        memcpy(raw->b, values[v], lens[v]);
        raw->n = lens[v];
        raw->pieced = raw->n >= SWEEP_PIECE;
        for (size_t i = 0; i < lens[v]; i++) {
            u16->b[2 * i] = (unsigned char)values[v][i];
            u16->b[2 * i + 1] = 0;
        }
        /* Without its final zero byte, as sweep.c encodes it (a string ending at
         * an untouched page still matches). */
        u16->n = 2 * lens[v] - 1;
        u16->pieced = u16->n >= SWEEP_PIECE;
    }

    static unsigned char build[AREA_MAX];
    size_t n = 0;
    while (in.n && n < AREA_MAX) {
        unsigned op = in_below(&in, 4);
        size_t room = AREA_MAX - n, k;
        if (op == 0 || op == 3) {
            k = 1 + in_below(&in, 16);
            k = k < room ? k : room;
            for (size_t i = 0; i < k; i++)
                build[n + i] = op == 0 ? in_byte(&in) : 0;
        } else {
            const struct pattern *p = &pats[2 * in_below(&in, nv) + (op == 2)];
            size_t off = in_below(&in, (unsigned)p->n);
            k = 1 + in_below(&in, (unsigned)(p->n - off));
            k = k < room ? k : room;
            memcpy(build + n, p->b + off, k);
        }
        n += k;
    }
    if (n == 0)
        return 0;

    unsigned char *area = malloc(n), *before = malloc(n);
    bool *was = calloc(n, 1), *left = calloc(n, 1);
    if (!area || !before || !was || !left)
        abort();
    memcpy(area, build, n);
    memcpy(before, build, n);
    for (unsigned v = 0; v < nv; v++)
        sweep_add_value(values[v], lens[v]);
    sweep_scrub(area, n);
    sweep_forget();

    /* What the scrub may zero: the matches, and those its own zeros complete (a
     * UTF-16 form's zero bytes: zeroing one run can make the bytes beside it a run,
     * in the state the scan meets them). Each byte it zeroed is taken as either. */
    bool *zeroed = calloc(n, 1);
    if (!zeroed)
        abort();
    for (size_t i = 0; i < n; i++)
        zeroed[i] = area[i] != before[i];
    for (unsigned i = 0; i < 2 * nv; i++)
        mark_matches(before, zeroed, n, &pats[i], was);
    free(zeroed);
    for (size_t i = 0; i < n; i++)
        if (area[i] != before[i] && (area[i] != 0 || !was[i]))
            FUZZ_CHECK(!"the scrub changed a byte outside every match");
    /* No match may be left of the bytes the scrub did not change: they stand as
     * they were, the changed ones as a byte no pattern holds (0xff). */
    unsigned char *kept = malloc(n);
    if (!kept)
        abort();
    for (size_t i = 0; i < n; i++)
        kept[i] = area[i] == before[i] ? area[i] : 0xff;
    for (unsigned i = 0; i < 2 * nv; i++)
        mark_matches(kept, NULL, n, &pats[i], left);
    for (size_t i = 0; i < n; i++)
        if (left[i])
            FUZZ_CHECK(!"a piece of a value was left in the area");
    free(kept);
    free(area);
    free(before);
    free(was);
    free(left);
    return 0;
}
