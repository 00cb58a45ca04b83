#define _GNU_SOURCE
#include "masker.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MASKER_HAVE_AVX2 1
#endif

#define BUCKETS 8
#define FP_MAX 4 /* fingerprint bytes per secret */

struct pat {
    const unsigned char *p;
    size_t len;
};

struct masker {
    /* Per fingerprint byte j: bucket bits by low and by high nibble. */
    uint8_t lo[FP_MAX][16] __attribute__((aligned(16)));
    uint8_t hi[FP_MAX][16] __attribute__((aligned(16)));
    uint64_t bigram[65536 / 64]; /* first two bytes of some secret (scalar filter) */
    uint64_t first[4];           /* first bytes of the secrets */
    unsigned fp;                 /* fingerprint length: min(4, shortest secret) */
    bool simd;
    size_t n, minlen, maxlen;
    uint32_t bucket_start[BUCKETS + 1]; /* pats[] by bucket, longest first in each */
    struct pat *pats;
    const unsigned char *mask;
    size_t mask_len;
};

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

size_t masker_size(const struct masker_secret *s, size_t n, size_t mask_len)
{
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += s[i].len;
    return 64 + align8(sizeof(struct masker)) + align8(n * sizeof(struct pat)) +
           align8(n * sizeof(size_t)) + align8(bytes) + align8(mask_len);
}

static int cmp_bytes(const void *a, const void *b, void *ctx)
{
    const struct masker_secret *s = ctx;
    const struct masker_secret *x = &s[*(const size_t *)a], *y = &s[*(const size_t *)b];
    size_t l = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, l);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int cmp_len_desc(const void *a, const void *b)
{
    const struct pat *x = a, *y = b;
    return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

static bool simd_available(void)
{
#ifdef MASKER_HAVE_AVX2
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

struct masker *masker_init(void *mem, size_t size, const struct masker_secret *s, size_t n,
                           const unsigned char *mask, size_t mask_len)
{
    if (n == 0 || size < masker_size(s, n, mask_len))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i].len == 0)
            return NULL;
    unsigned char *at = (unsigned char *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    memset(mem, 0, size);
    struct masker *m = (struct masker *)at;
    at += align8(sizeof *m);
    m->pats = (struct pat *)at;
    at += align8(n * sizeof(struct pat));
    size_t *order = (size_t *)at;
    at += align8(n * sizeof(size_t));

    /* Sorted order groups secrets that share leading bytes into the same bucket,
     * which keeps each bucket's fingerprint tables sparse; duplicates drop out. */
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof *order, cmp_bytes, (void *)s);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        const struct masker_secret *x = &s[order[i]];
        if (u > 0 && m->pats[u - 1].len == x->len && memcmp(m->pats[u - 1].p, x->p, x->len) == 0)
            continue;
        memcpy(at, x->p, x->len);
        m->pats[u++] = (struct pat){at, x->len};
        at += x->len;
    }
    memset(order, 0, n * sizeof *order);
    at = (unsigned char *)align8((uintptr_t)at);
    memcpy(at, mask, mask_len);
    m->mask = at;
    m->mask_len = mask_len;
    m->n = u;

    m->minlen = SIZE_MAX;
    for (size_t i = 0; i < u; i++) {
        if (m->pats[i].len < m->minlen)
            m->minlen = m->pats[i].len;
        if (m->pats[i].len > m->maxlen)
            m->maxlen = m->pats[i].len;
    }
    m->fp = m->minlen < FP_MAX ? (unsigned)m->minlen : FP_MAX;

    for (unsigned b = 0; b <= BUCKETS; b++)
        m->bucket_start[b] = (uint32_t)(b * u / BUCKETS);
    for (unsigned b = 0; b < BUCKETS; b++) {
        struct pat *first = m->pats + m->bucket_start[b];
        size_t cnt = m->bucket_start[b + 1] - m->bucket_start[b];
        qsort(first, cnt, sizeof *first, cmp_len_desc);
        for (size_t i = 0; i < cnt; i++) {
            const unsigned char *p = first[i].p;
            for (unsigned j = 0; j < m->fp; j++) {
                m->lo[j][p[j] & 15] |= (uint8_t)(1u << b);
                m->hi[j][p[j] >> 4] |= (uint8_t)(1u << b);
            }
        }
    }
    for (size_t i = 0; i < u; i++) {
        const unsigned char *p = m->pats[i].p;
        m->first[p[0] >> 6] |= 1ull << (p[0] & 63);
        if (m->pats[i].len >= 2) {
            unsigned g = p[0] | (unsigned)p[1] << 8;
            m->bigram[g >> 6] |= 1ull << (g & 63);
        }
    }
    m->simd = simd_available();
    return m;
}

size_t masker_max_len(const struct masker *m)
{
    return m->maxlen;
}

bool masker_use_simd(struct masker *m, bool on)
{
    m->simd = on && simd_available();
    return m->simd;
}

/* Bucket bits of the fingerprint starting at p (fp bytes must be readable). */
static inline unsigned fp_bits(const struct masker *m, const unsigned char *p)
{
    unsigned bits = 0xff;
    for (unsigned j = 0; j < m->fp; j++)
        bits &= m->lo[j][p[j] & 15] & m->hi[j][p[j] >> 4];
    return bits;
}

/* An occurrence [a, e): bytes up to `done` are emitted or inside an emitted mask. */
static void occurrence(struct mstream *s, size_t a, size_t e, size_t *done);

/* Longest secret of the hit buckets at p (every secret fits), or 0. */
static size_t verify(const struct masker *m, const unsigned char *p, unsigned bits)
{
    size_t best = 0;
    while (bits) {
        unsigned b = (unsigned)__builtin_ctz(bits);
        bits &= bits - 1;
        for (uint32_t k = m->bucket_start[b]; k < m->bucket_start[b + 1]; k++) {
            const struct pat *q = &m->pats[k];
            if (q->len <= best)
                break; /* longest first within a bucket */
            if (q->p[0] == p[0] && memcmp(q->p, p, q->len) == 0) {
                best = q->len;
                break;
            }
        }
    }
    return best;
}

static inline void candidate(struct mstream *s, size_t c, unsigned bits, size_t *done)
{
    size_t len = verify(s->m, s->buf + c, bits);
    if (len)
        occurrence(s, c, c + len, done);
}

/* Every occurrence starting in [i, to); fp bytes are readable below `to`. */
static void scan_scalar(struct mstream *s, size_t i, size_t to, size_t *done)
{
    const struct masker *m = s->m;
    const unsigned char *buf = s->buf;
    for (; i < to; i++) {
        if (m->fp >= 2) {
            unsigned g = buf[i] | (unsigned)buf[i + 1] << 8;
            if (!(m->bigram[g >> 6] >> (g & 63) & 1))
                continue;
        }
        unsigned b = fp_bits(m, buf + i);
        if (b)
            candidate(s, i, b, done);
    }
}

#ifdef MASKER_HAVE_AVX2
__attribute__((target("avx2"))) static inline __m256i nibble_hits(__m256i x, __m256i lo,
                                                                   __m256i hi, __m256i nib)
{
    __m256i l = _mm256_shuffle_epi8(lo, _mm256_and_si256(x, nib));
    __m256i h = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib));
    return _mm256_and_si256(l, h);
}

/* One body per fingerprint length, so the tables stay in registers. */
__attribute__((target("avx2"), always_inline)) static inline size_t
scan_avx2_fp(struct mstream *s, size_t i, size_t to, size_t end, size_t *done, const unsigned fp)
{
    const struct masker *m = s->m;
    const unsigned char *buf = s->buf;
    const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
    __m256i lo[FP_MAX], hi[FP_MAX];
    for (unsigned j = 0; j < fp; j++) {
        lo[j] = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)m->lo[j]));
        hi[j] = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)m->hi[j]));
    }
    /* Unaligned loads at i+j line fingerprint byte j up with start position i. */
    while (i < to && i + 32 + FP_MAX - 1 <= end) {
        const unsigned char *p = buf + i;
        __m256i r = nibble_hits(_mm256_loadu_si256((const __m256i *)p), lo[0], hi[0], nib);
        for (unsigned j = 1; j < fp; j++)
            r = _mm256_and_si256(r, nibble_hits(_mm256_loadu_si256((const __m256i *)(p + j)),
                                                lo[j], hi[j], nib));
        uint32_t hit = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r, zero));
        if (__builtin_expect(hit != 0, 0)) {
            if (to - i < 32)
                hit &= (1u << (to - i)) - 1;
            uint8_t lanes[32] __attribute__((aligned(32)));
            _mm256_store_si256((__m256i *)lanes, r);
            while (hit) {
                unsigned k = (unsigned)__builtin_ctz(hit);
                hit &= hit - 1;
                candidate(s, i + k, lanes[k], done);
            }
        }
        i += 32;
    }
    return i;
}

__attribute__((target("avx2"))) static void scan_avx2(struct mstream *s, size_t i, size_t to,
                                                      size_t end, size_t *done)
{
    switch (s->m->fp) {
    case 1:
        i = scan_avx2_fp(s, i, to, end, done, 1);
        break;
    case 2:
        i = scan_avx2_fp(s, i, to, end, done, 2);
        break;
    case 3:
        i = scan_avx2_fp(s, i, to, end, done, 3);
        break;
    default:
        i = scan_avx2_fp(s, i, to, end, done, 4);
        break;
    }
    if (i < to)
        scan_scalar(s, i, to, done);
}
#endif

size_t mstream_buf_size(const struct masker *m, size_t chunk)
{
    return chunk + m->maxlen + 64;
}

void mstream_init(struct mstream *s, const struct masker *m, unsigned char *buf, size_t cap,
                  masker_emit_fn emit, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    s->buf = buf;
    s->cap = cap;
    s->emit = emit;
    s->ctx = ctx;
}

unsigned char *mstream_space(struct mstream *s, size_t *room)
{
    *room = s->cap - s->len;
    return s->buf + s->len;
}

static void flush(struct mstream *s)
{
    if (s->niov > 0 && !s->failed && s->emit(s->ctx, s->iov, s->niov) != 0)
        s->failed = 1;
    s->niov = 0;
}

static void put(struct mstream *s, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (s->niov == MSTREAM_IOV)
        flush(s);
    s->iov[s->niov].iov_base = (void *)p;
    s->iov[s->niov].iov_len = n;
    s->niov++;
}

static void occurrence(struct mstream *s, size_t a, size_t e, size_t *done)
{
    if (a < *done) { /* overlaps the current run: extend it, no new mask */
        if (e > *done)
            *done = e;
        return;
    }
    put(s, s->buf + *done, a - *done);
    put(s, s->m->mask, s->m->mask_len);
    *done = e;
}

static int process(struct mstream *s, bool final)
{
    const struct masker *m = s->m;
    const unsigned char *buf = s->buf;
    const size_t end = s->len, maxl = m->maxlen;
    /* Below D every secret fits in the buffer; from D on, only a tail scan. */
    const size_t D = end > maxl - 1 ? end - (maxl - 1) : 0;
    size_t done = s->covered;

#ifdef MASKER_HAVE_AVX2
    if (m->simd)
        scan_avx2(s, 0, D, end, &done);
    else
#endif
        scan_scalar(s, 0, D, &done);

    /* Tail: a position where the remaining bytes begin some secret is held back,
     * with everything after it, until more bytes (or the end) decide it. */
    size_t hold = end;
    for (size_t c = D; c < end; c++) {
        if (!(m->first[buf[c] >> 6] >> (buf[c] & 63) & 1))
            continue;
        size_t avail = end - c, best = 0;
        bool partial = false;
        for (size_t k = 0; k < m->n; k++) {
            const struct pat *q = &m->pats[k];
            if (q->p[0] != buf[c])
                continue;
            if (q->len <= avail) {
                if (q->len > best && memcmp(q->p, buf + c, q->len) == 0)
                    best = q->len;
            } else if (!final && memcmp(q->p, buf + c, avail) == 0) {
                partial = true;
                break;
            }
        }
        if (partial) {
            hold = c;
            break;
        }
        if (best)
            occurrence(s, c, c + best, &done);
    }

    if (done < hold)
        put(s, buf + done, hold - done);
    flush(s);
    s->covered = done > hold ? done - hold : 0;
    memmove(s->buf, s->buf + hold, end - hold);
    s->len = end - hold;
    return s->failed ? -1 : 0;
}

int mstream_commit(struct mstream *s, size_t n)
{
    s->len += n;
    return process(s, false);
}

int mstream_finish(struct mstream *s)
{
    int rc = process(s, true);
    explicit_bzero(s->buf, s->cap);
    s->len = 0;
    s->covered = 0;
    return rc;
}

int mstream_write(struct mstream *s, const void *data, size_t n)
{
    const unsigned char *d = data;
    while (n > 0) {
        size_t room;
        unsigned char *at = mstream_space(s, &room);
        size_t k = n < room ? n : room;
        memcpy(at, d, k);
        if (mstream_commit(s, k) != 0)
            return -1;
        d += k;
        n -= k;
    }
    return 0;
}
