/* Streaming secret masker: replaces every occurrence of any of a set of byte strings
 * in a stream with a fixed mask, correct when an occurrence is split across reads,
 * binary-safe, and holding back only the bytes that could still begin a secret.
 *
 * Search: an Aho-Corasick automaton over all the secrets decides every byte, so the
 * cost is linear in the output whatever it holds (no byte is looked at twice, and
 * nothing is rescanned between reads). While the automaton is at its root, a
 * "Teddy" prefilter (nibble-table fingerprints of each secret's first 4 bytes
 * compared 32 positions at a time with AVX2 byte shuffles, 8 buckets; a scalar
 * bigram filter where AVX2 is missing) skips the stretches where no secret can
 * begin. Overlapping occurrences are merged: every byte of every occurrence is
 * masked, and each maximal run of overlapping occurrences becomes one mask.
 *
 * The automaton holds the secrets' bytes: masker_init builds it in the memory it
 * is given, which must be protected memory (cli/secmem.h) and is wiped with it. */
#ifndef ENVSEAL_CLI_MASKER_H
#define ENVSEAL_CLI_MASKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct masker_secret {
    const unsigned char *p;
    size_t len; /* at least 1 */
};

struct masker;

/* Bytes masker_init needs for these secrets and mask (secrets are copied). */
size_t masker_size(const struct masker_secret *s, size_t n, size_t mask_len);

/* Builds the search tables in `mem` (masker_size bytes, any alignment; pass
 * protected memory). Duplicate secrets are kept once. Returns NULL when n == 0,
 * a secret is empty, or the scratch memory for building (no secret bytes in it)
 * cannot be had. */
struct masker *masker_init(void *mem, size_t size, const struct masker_secret *s, size_t n,
                           const unsigned char *mask, size_t mask_len);

/* Longest secret length (bytes a stream may hold back plus one). */
size_t masker_max_len(const struct masker *m);

/* Turns the vector prefilter off (tests compare both paths); true if AVX2 is used. */
bool masker_use_simd(struct masker *m, bool on);

/* Receives output pieces in order; returns 0, or -1 to stop (the error is kept). */
typedef int (*masker_emit_fn)(void *ctx, const struct iovec *iov, int n);

#define MSTREAM_IOV 64

/* A run of overlapping occurrences found but not yet output (stream offsets). */
struct mstream_run {
    uint64_t a, e;
};

struct mstream {
    const struct masker *m;
    unsigned char *buf; /* bytes not yet output, then room for the next read */
    size_t cap;
    size_t len;    /* bytes in buf */
    uint64_t base; /* stream offset of buf[0] */
    uint64_t done; /* everything before this offset is output (as text or in a mask) */
    uint32_t state; /* automaton state after the last byte in buf */
    struct mstream_run *runs; /* queue of pending runs, in order, disjoint */
    size_t rcap, rhead, nruns;
    struct iovec iov[MSTREAM_IOV];
    int niov;
    masker_emit_fn emit;
    void *ctx;
    int failed; /* emit returned -1 */
};

/* Buffer bytes a stream needs to accept reads of up to `chunk` bytes. */
size_t mstream_buf_size(const struct masker *m, size_t chunk);

void mstream_init(struct mstream *s, const struct masker *m, unsigned char *buf, size_t cap,
                  masker_emit_fn emit, void *ctx);

/* Where the next read may put up to *room bytes. */
unsigned char *mstream_space(struct mstream *s, size_t *room);

/* Processes n bytes just placed at mstream_space(); emits everything that can no
 * longer be part of a secret. Returns 0 or -1 (emit failed). */
int mstream_commit(struct mstream *s, size_t n);

/* End of stream: emits all that is held back. Returns 0 or -1. */
int mstream_finish(struct mstream *s);

/* Convenience for tests and the benchmark: feeds one buffer (copied in pieces). */
int mstream_write(struct mstream *s, const void *data, size_t n);

#endif
