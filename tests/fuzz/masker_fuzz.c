/* The --redact masker (cli/masker.h) against the plain reference
 * (tests/cli/refmask.h): random secrets and mask, output fed in random chunk sizes
 * through mstream_space/mstream_commit (as `envseal run --redact` does), SIMD and
 * scalar search. Small alphabets make overlapping and shared-prefix secrets common.
 * Input: alphabet, secrets, mask, SIMD flag and chunk sizes, then the stream, where
 * a byte >= 0xf0 inserts a whole secret. */
#include <stdlib.h>
#include <string.h>

#include "cli/masker.h"
#include "tests/cli/refmask.h"
#include "tests/fuzz/fuzz_util.h"

#define SECRETS_MAX 24
#define SECRET_LEN_MAX 80
#define CHUNKS_MAX 8

struct sink {
    unsigned char *d;
    size_t n, cap;
};

static int collect(void *ctx, const struct iovec *iov, int n)
{
    struct sink *k = ctx;
    FUZZ_CHECK(n >= 0 && n <= MSTREAM_IOV);
    for (int i = 0; i < n; i++) {
        if (k->n + iov[i].iov_len > k->cap) {
            k->cap = 2 * (k->n + iov[i].iov_len) + 64;
            k->d = realloc(k->d, k->cap);
            FUZZ_CHECK(k->d != NULL);
        }
        if (iov[i].iov_len)
            memcpy(k->d + k->n, iov[i].iov_base, iov[i].iov_len);
        k->n += iov[i].iov_len;
    }
    return 0;
}

/* Byte b of the chosen alphabet: all 256 values, or 2, 4 or 16 letters. */
static unsigned char letter(unsigned alphabet, uint8_t b)
{
    static const unsigned sizes[] = {256, 2, 4, 16};
    return alphabet ? (unsigned char)('a' + b % sizes[alphabet]) : b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    unsigned alphabet = in_below(&in, 4);
    size_t ns = 1 + in_below(&in, SECRETS_MAX);
    static unsigned char secret_bytes[SECRETS_MAX][SECRET_LEN_MAX];
    struct masker_secret s[SECRETS_MAX];
    for (size_t i = 0; i < ns; i++) {
        size_t len = 1 + in_below(&in, SECRET_LEN_MAX);
        for (size_t j = 0; j < len; j++)
            secret_bytes[i][j] = letter(alphabet, in_byte(&in));
        s[i] = (struct masker_secret){secret_bytes[i], len};
    }
    size_t mask_len;
    const unsigned char *mask = in_take(&in, in_below(&in, 12), &mask_len);
    bool simd = in_byte(&in) & 1;
    size_t chunk[CHUNKS_MAX], nchunks = 1 + in_below(&in, CHUNKS_MAX), max_chunk = 1;
    for (size_t i = 0; i < nchunks; i++) {
        uint8_t b = in_byte(&in);
        chunk[i] = b < 0xf0 ? 1 + b % 64u : (size_t)(b - 0xef) * 1000; /* a few large */
        max_chunk = chunk[i] > max_chunk ? chunk[i] : max_chunk;
    }

    /* The stream. */
    size_t cap = in.n * SECRET_LEN_MAX + 1, n = 0;
    unsigned char *text = malloc(cap);
    FUZZ_CHECK(text != NULL);
    while (in.n) {
        uint8_t b = in_byte(&in);
        if (b >= 0xf0) {
            const struct masker_secret *x = &s[(b - 0xf0u) % ns];
            memcpy(text + n, x->p, x->len);
            n += x->len;
        } else {
            text[n++] = letter(alphabet, b);
        }
    }

    size_t msize = masker_size(s, ns, mask_len);
    void *mem = malloc(msize);
    struct masker *m = masker_init(mem, msize, s, ns, mask, mask_len);
    FUZZ_CHECK(m != NULL);
    masker_use_simd(m, simd);
    size_t longest = 0;
    for (size_t i = 0; i < ns; i++)
        longest = s[i].len > longest ? s[i].len : longest;
    FUZZ_CHECK(masker_max_len(m) == longest);

    size_t bufsize = mstream_buf_size(m, max_chunk);
    unsigned char *buf = malloc(bufsize);
    struct sink out = {0};
    struct mstream st;
    mstream_init(&st, m, buf, bufsize, collect, &out);
    for (size_t at = 0, i = 0; at < n; i = (i + 1) % nchunks) {
        size_t room, take = chunk[i] < n - at ? chunk[i] : n - at;
        unsigned char *p = mstream_space(&st, &room);
        FUZZ_CHECK(room >= max_chunk); /* mstream_buf_size's promise */
        memcpy(p, text + at, take);
        FUZZ_CHECK(mstream_commit(&st, take) == 0);
        at += take;
    }
    FUZZ_CHECK(mstream_finish(&st) == 0);

    unsigned char *want = malloc(n * (mask_len + 1) + 1);
    size_t wn = refmask(s, ns, text, n, mask, mask_len, want);
    FUZZ_CHECK(out.n == wn);
    FUZZ_CHECK(wn == 0 || memcmp(out.d, want, wn) == 0);

    free(want);
    free(out.d);
    free(buf);
    free(mem);
    free(text);
    return 0;
}
