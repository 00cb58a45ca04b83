#define _GNU_SOURCE
#include "masker.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MASKER_HAVE_AVX2 1
#endif

#define BUCKETS 8
#define FP_MAX 4      /* fingerprint bytes per secret */
#define NO_LABEL 0x100 /* a slot no edge leads into */

/* The automaton's states are slots of the secrets laid end to end in sorted order,
 * each secret P_i at off_i with one slot before it: slot off_i + d is the state
 * "the last d bytes seen are P_i[0..d)" for the first secret (in sorted order) that
 * begins with those d bytes. So the edge to a state's first child is implicit
 * (slot + 1, whose label is the next byte of the same secret); the other edges,
 * one where each secret parts from the one before it, sit in a small hash table. */
struct node {
    uint32_t fail;  /* longest proper suffix that is a state */
    uint32_t out;   /* longest secret ending here (0: none) */
    uint32_t hold;  /* depth of the longest suffix-state that some secret continues */
    uint16_t label; /* byte on the edge into this slot, or NO_LABEL */
    uint16_t extra; /* edges besides slot + 1 leave this state */
};

struct masker {
    /* Teddy: per fingerprint byte j, bucket bits by low and by high nibble. */
    uint8_t lo[FP_MAX][16] __attribute__((aligned(16)));
    uint8_t hi[FP_MAX][16] __attribute__((aligned(16)));
    uint64_t bigram[65536 / 64]; /* first two bytes of some secret (scalar filter) */
    uint32_t root[256];          /* edges out of the root state (0: none) */
    unsigned fp;                 /* fingerprint length: min(4, shortest secret) */
    bool simd;
    size_t n, minlen, maxlen;
    struct node *nodes;
    uint64_t *hkeys; /* (state << 8 | byte) + 1; 0: empty */
    uint32_t *hvals;
    size_t hmask;
    const unsigned char *mask;
    size_t mask_len;
};

struct pat {
    const unsigned char *p;
    size_t len;
};

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

static size_t slots_for(const struct masker_secret *s, size_t n)
{
    size_t t = 2; /* the root's slot is the first secret's; one sentinel after all */
    for (size_t i = 0; i < n; i++)
        t += s[i].len + 1;
    return t;
}

static size_t hash_cap(size_t n)
{
    size_t c = 16;
    while (c < 2 * n)
        c *= 2;
    return c;
}

size_t masker_size(const struct masker_secret *s, size_t n, size_t mask_len)
{
    size_t hc = hash_cap(n);
    return 64 + align64(sizeof(struct masker)) + align64(slots_for(s, n) * sizeof(struct node)) +
           align64(hc * sizeof(uint64_t)) + align64(hc * sizeof(uint32_t)) + align64(mask_len);
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

static bool simd_available(void)
{
#ifdef MASKER_HAVE_AVX2
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

static size_t hslot(const struct masker *m, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & m->hmask;
}

static void hash_put(struct masker *m, uint32_t state, unsigned c, uint32_t to)
{
    uint64_t key = ((uint64_t)state << 8 | c) + 1;
    size_t h = hslot(m, key);
    while (m->hkeys[h])
        h = (h + 1) & m->hmask;
    m->hkeys[h] = key;
    m->hvals[h] = to;
}

static uint32_t hash_get(const struct masker *m, uint32_t state, unsigned c)
{
    uint64_t key = ((uint64_t)state << 8 | c) + 1;
    for (size_t h = hslot(m, key); m->hkeys[h]; h = (h + 1) & m->hmask)
        if (m->hkeys[h] == key)
            return m->hvals[h];
    return 0;
}

/* The edge out of `state` on byte c, or 0 when there is none. */
static inline uint32_t edge(const struct masker *m, uint32_t state, unsigned c)
{
    if (state == 0)
        return m->root[c];
    const struct node *n = &m->nodes[state];
    if (n[1].label == c)
        return state + 1;
    return n->extra ? hash_get(m, state, c) : 0;
}

/* The automaton's step: state after seeing byte c in `state`. */
static inline uint32_t step(const struct masker *m, uint32_t state, unsigned c)
{
    for (;;) {
        uint32_t t = edge(m, state, c);
        if (t || state == 0)
            return t;
        state = m->nodes[state].fail;
    }
}

static size_t lcp(const struct pat *x, const struct pat *y)
{
    size_t l = x->len < y->len ? x->len : y->len, i = 0;
    while (i < l && x->p[i] == y->p[i])
        i++;
    return i;
}

/* Scratch for building: slot numbers, lengths and pointers, no secret bytes; the
 * arrays that tell how the secrets sort are zeroed before they are freed. */
struct build {
    size_t *order;
    struct pat *pats;
    uint32_t *off, *shared, *path, *count, *bfs;
};

static void build_free(struct build *b, size_t n, size_t maxlen, size_t slots)
{
    if (b->order)
        explicit_bzero(b->order, n * sizeof *b->order);
    if (b->pats)
        explicit_bzero(b->pats, n * sizeof *b->pats);
    if (b->bfs)
        explicit_bzero(b->bfs, slots * sizeof *b->bfs);
    if (b->path)
        explicit_bzero(b->path, (maxlen + 1) * sizeof *b->path);
    free(b->order);
    free(b->pats);
    free(b->off);
    free(b->shared);
    free(b->path);
    free(b->count);
    free(b->bfs);
}

/* Trie edges: slot labels, the root's table, the hash table; parents go in `fail`
 * until the failure links replace them. */
static void build_trie(struct masker *m, struct build *b)
{
    b->path[0] = 0;
    for (size_t i = 0; i < m->n; i++) {
        const struct pat *p = &b->pats[i];
        uint32_t off = b->off[i];
        size_t l = i ? lcp(&b->pats[i - 1], p) : 0;
        b->shared[i] = (uint32_t)l;
        uint32_t parent = b->path[l], child = off + (uint32_t)l + 1;
        if (parent == 0)
            m->root[p->p[l]] = child;
        else {
            hash_put(m, parent, p->p[l], child);
            m->nodes[parent].extra = 1;
        }
        for (size_t d = l + 1; d <= p->len; d++) {
            uint32_t v = off + (uint32_t)d;
            m->nodes[v].label = p->p[d - 1];
            m->nodes[v].fail = d == l + 1 ? parent : v - 1;
            b->path[d] = v;
            b->count[d]++;
        }
        m->nodes[off + p->len].out = (uint32_t)p->len;
    }
}

/* Failure links, outputs and hold depths, shallower states first. */
static void build_links(struct masker *m, struct build *b)
{
    uint32_t total = 0;
    for (size_t d = 1; d <= m->maxlen; d++) {
        uint32_t c = b->count[d];
        b->count[d] = total;
        total += c;
    }
    for (size_t i = 0; i < m->n; i++)
        for (size_t d = b->shared[i] + 1; d <= b->pats[i].len; d++)
            b->bfs[b->count[d]++] = b->off[i] + (uint32_t)d;
    size_t depth = 1, depth_end = b->count[1];
    for (uint32_t k = 0; k < total; k++) {
        while (k >= depth_end)
            depth_end = b->count[++depth];
        uint32_t v = b->bfs[k];
        struct node *n = &m->nodes[v];
        uint32_t f = 0;
        if (depth > 1) {
            unsigned c = n->label;
            for (f = m->nodes[n->fail].fail;; f = m->nodes[f].fail) {
                uint32_t t = edge(m, f, c);
                if (t || f == 0) {
                    f = t;
                    break;
                }
            }
        }
        n->fail = f;
        if (!n->out)
            n->out = m->nodes[f].out;
        bool has_child = n[1].label != NO_LABEL || n->extra;
        n->hold = has_child ? (uint32_t)depth : m->nodes[f].hold;
    }
}

static void build_teddy(struct masker *m, const struct pat *pats)
{
    size_t u = m->n;
    m->fp = m->minlen < FP_MAX ? (unsigned)m->minlen : FP_MAX;
    /* Sorted order groups secrets that share leading bytes into the same bucket,
     * which keeps each bucket's fingerprint tables sparse. */
    for (unsigned b = 0; b < BUCKETS; b++)
        for (size_t i = b * u / BUCKETS; i < (b + 1) * u / BUCKETS; i++)
            for (unsigned j = 0; j < m->fp; j++) {
                unsigned char c = pats[i].p[j];
                m->lo[j][c & 15] |= (uint8_t)(1u << b);
                m->hi[j][c >> 4] |= (uint8_t)(1u << b);
            }
    for (size_t i = 0; i < u; i++)
        if (pats[i].len >= 2) {
            unsigned g = pats[i].p[0] | (unsigned)pats[i].p[1] << 8;
            m->bigram[g >> 6] |= 1ull << (g & 63);
        }
}

struct masker *masker_init(void *mem, size_t size, const struct masker_secret *s, size_t n,
                           const unsigned char *mask, size_t mask_len)
{
    if (n == 0 || size < masker_size(s, n, mask_len) || slots_for(s, n) >= UINT32_MAX / 2)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i].len == 0)
            return NULL;
    memset(mem, 0, size);
    unsigned char *at = (unsigned char *)align64((uintptr_t)mem);
    struct masker *m = (struct masker *)at;
    at += align64(sizeof *m);
    m->nodes = (struct node *)at;
    at += align64(slots_for(s, n) * sizeof(struct node));
    size_t hc = hash_cap(n);
    m->hmask = hc - 1;
    m->hkeys = (uint64_t *)at;
    at += align64(hc * sizeof(uint64_t));
    m->hvals = (uint32_t *)at;
    at += align64(hc * sizeof(uint32_t));
    memcpy(at, mask, mask_len);
    m->mask = at;
    m->mask_len = mask_len;

    size_t maxlen = 0, slots = slots_for(s, n);
    for (size_t i = 0; i < n; i++)
        maxlen = s[i].len > maxlen ? s[i].len : maxlen;
    struct build b = {
        .order = malloc(n * sizeof(size_t)),
        .pats = malloc(n * sizeof(struct pat)),
        .off = malloc(n * sizeof(uint32_t)),
        .shared = malloc(n * sizeof(uint32_t)),
        .path = malloc((maxlen + 1) * sizeof(uint32_t)),
        .count = calloc(maxlen + 2, sizeof(uint32_t)),
        .bfs = malloc(slots * sizeof(uint32_t)),
    };
    if (!b.order || !b.pats || !b.off || !b.shared || !b.path || !b.count || !b.bfs) {
        build_free(&b, n, maxlen, slots);
        explicit_bzero(mem, size);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        b.order[i] = i;
    qsort_r(b.order, n, sizeof *b.order, cmp_bytes, (void *)s);
    size_t u = 0;
    uint32_t off = 0;
    m->minlen = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct masker_secret *x = &s[b.order[i]];
        if (u > 0 && b.pats[u - 1].len == x->len && memcmp(b.pats[u - 1].p, x->p, x->len) == 0)
            continue; /* a duplicate */
        b.pats[u] = (struct pat){x->p, x->len};
        b.off[u++] = off;
        off += (uint32_t)x->len + 1;
        m->minlen = x->len < m->minlen ? x->len : m->minlen;
    }
    m->n = u;
    m->maxlen = maxlen;
    for (uint32_t v = 0; v <= off; v++)
        m->nodes[v].label = NO_LABEL;
    build_trie(m, &b);
    build_links(m, &b);
    build_teddy(m, b.pats);
    build_free(&b, n, maxlen, slots);
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

/* ---- Output ---- */

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

/* Text from `done` up to stream offset `to`. */
static void put_text(struct mstream *s, uint64_t to)
{
    put(s, s->buf + (s->done - s->base), (size_t)(to - s->done));
    s->done = to;
}

/* Outputs the pending runs that begin before `hold`: no occurrence found later
 * can begin before it, so nothing can extend them to the left any more. A run
 * whose mask is out may still grow to the right (see add_occurrence). */
static void release(struct mstream *s, uint64_t hold)
{
    while (s->nruns) {
        struct mstream_run *r = &s->runs[s->rhead];
        if (r->a >= hold)
            return;
        put_text(s, r->a);
        put(s, s->m->mask, s->m->mask_len);
        s->done = r->e;
        s->rhead = s->rhead + 1 == s->rcap ? 0 : s->rhead + 1;
        s->nruns--;
    }
}

/* An occurrence [a, e), found when its last byte arrives: ends come in order, so
 * it can only overlap the last pending runs, or the run whose mask is out. */
static void add_occurrence(struct mstream *s, uint64_t a, uint64_t e)
{
    while (s->nruns) {
        size_t k = s->rhead + s->nruns - 1;
        struct mstream_run *r = &s->runs[k >= s->rcap ? k - s->rcap : k];
        if (r->e <= a)
            break;
        a = r->a < a ? r->a : a;
        e = r->e > e ? r->e : e;
        s->nruns--;
    }
    if (a < s->done) { /* overlaps the masked bytes: extend them, no new mask */
        if (e > s->done)
            s->done = e;
        return;
    }
    size_t k = s->rhead + s->nruns;
    s->runs[k >= s->rcap ? k - s->rcap : k] = (struct mstream_run){a, e};
    s->nruns++;
}

/* ---- Search ---- */

/* Bucket bits of the fingerprint starting at p (fp bytes must be readable). */
static inline unsigned fp_bits(const struct masker *m, const unsigned char *p, unsigned fp)
{
    unsigned bits = 0xff;
    for (unsigned j = 0; j < fp; j++)
        bits &= m->lo[j][p[j] & 15] & m->hi[j][p[j] >> 4];
    return bits;
}

/* First position from i on where a secret may begin; positions with fewer than
 * fp bytes after them are left to the automaton. */
static inline size_t next_scalar(const struct masker *m, const unsigned char *buf, size_t i,
                                 size_t end, unsigned fp)
{
    for (; i + fp <= end; i++) {
        if (fp >= 2) {
            unsigned g = buf[i] | (unsigned)buf[i + 1] << 8;
            if (!(m->bigram[g >> 6] >> (g & 63) & 1))
                continue;
        } else if (!m->root[buf[i]]) {
            continue;
        }
        if (fp_bits(m, buf + i, fp))
            return i;
    }
    return i;
}

#ifdef MASKER_HAVE_AVX2
/* Candidate bits of the 32 positions from p on (p + 32 + FP_MAX - 1 readable). */
__attribute__((target("avx2"))) static inline uint32_t teddy_block(const struct masker *m,
                                                                    const unsigned char *p,
                                                                    unsigned fp)
{
    const __m256i nib = _mm256_set1_epi8(0x0f);
    __m256i r = _mm256_set1_epi8(-1);
    /* Unaligned loads at p+j line fingerprint byte j up with the start p. */
    for (unsigned j = 0; j < fp; j++) {
        __m256i lo = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)m->lo[j]));
        __m256i hi = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)m->hi[j]));
        __m256i x = _mm256_loadu_si256((const __m256i *)(p + j));
        __m256i l = _mm256_shuffle_epi8(lo, _mm256_and_si256(x, nib));
        __m256i h = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib));
        r = _mm256_and_si256(r, _mm256_and_si256(l, h));
    }
    return ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r, _mm256_setzero_si256()));
}

/* Last vector block looked at: its start and candidate bits. */
struct blockcache {
    size_t at;
    uint32_t hits;
};

/* next_scalar, 32 positions at a time; a block's bits serve every return to the
 * root inside it. */
__attribute__((target("avx2"))) static inline size_t next_avx2(const struct masker *m,
                                                               const unsigned char *buf,
                                                               size_t i, size_t end, unsigned fp,
                                                               struct blockcache *bc)
{
    if (bc->hits && i - bc->at < 32) {
        uint32_t h = bc->hits & (~0u << (i - bc->at));
        if (h)
            return bc->at + (unsigned)__builtin_ctz(h);
        i = bc->at + 32;
    }
    for (; i + 32 + FP_MAX - 1 <= end; i += 32) {
        uint32_t h = teddy_block(m, buf + i, fp);
        if (h) {
            bc->at = i;
            bc->hits = h;
            return i + (unsigned)__builtin_ctz(h);
        }
    }
    return next_scalar(m, buf, i, end, fp);
}
#else
struct blockcache {
    int unused;
};
static inline size_t next_avx2(const struct masker *m, const unsigned char *buf, size_t i,
                               size_t end, unsigned fp, struct blockcache *bc)
{
    (void)bc;
    return next_scalar(m, buf, i, end, fp);
}
#endif

/* Runs the automaton over buf[i..end). At the root, the prefilter skips positions
 * where no secret can begin: the state it skips over could only hold prefixes
 * that are not followed by a secret's fingerprint, which never become matches,
 * and such a position never begins a secret, so nothing there is held back. */
__attribute__((always_inline)) static inline void scan_body(struct mstream *s, size_t i, size_t end,
                                                            const unsigned fp, const bool simd)
{
    const struct masker *m = s->m;
    const unsigned char *buf = s->buf;
    uint32_t state = s->state;
    struct blockcache bc = {0};
    while (i < end) {
        if (state == 0) {
            i = simd ? next_avx2(m, buf, i, end, fp, &bc) : next_scalar(m, buf, i, end, fp);
            if (i >= end)
                break;
        }
        state = step(m, state, buf[i++]);
        const struct node *n = &m->nodes[state];
        if (__builtin_expect(n->out != 0, 0))
            add_occurrence(s, s->base + i - n->out, s->base + i);
        if (__builtin_expect(s->nruns != 0, 0))
            release(s, s->base + i - n->hold);
    }
    s->state = state;
}

static void scan_scalar(struct mstream *s, size_t i, size_t end)
{
    switch (s->m->fp) {
    case 1:
        scan_body(s, i, end, 1, false);
        break;
    case 2:
        scan_body(s, i, end, 2, false);
        break;
    case 3:
        scan_body(s, i, end, 3, false);
        break;
    default:
        scan_body(s, i, end, 4, false);
        break;
    }
}

#ifdef MASKER_HAVE_AVX2
/* One body per fingerprint length, so the tables stay in registers. */
__attribute__((target("avx2"))) static void scan_avx2(struct mstream *s, size_t i, size_t end)
{
    switch (s->m->fp) {
    case 1:
        scan_body(s, i, end, 1, true);
        break;
    case 2:
        scan_body(s, i, end, 2, true);
        break;
    case 3:
        scan_body(s, i, end, 3, true);
        break;
    default:
        scan_body(s, i, end, 4, true);
        break;
    }
}
#endif

/* ---- Streams ---- */

/* Pending runs are disjoint, each at least minlen long, and lie in the last
 * maxlen - 1 bytes (the held-back ones), plus one just found. */
static size_t runs_cap(const struct masker *m)
{
    return m->maxlen / m->minlen + 2;
}

size_t mstream_buf_size(const struct masker *m, size_t chunk)
{
    return align64(runs_cap(m) * sizeof(struct mstream_run)) + 64 + chunk + 2 * m->maxlen + 64;
}

void mstream_init(struct mstream *s, const struct masker *m, unsigned char *buf, size_t cap,
                  masker_emit_fn emit, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    s->rcap = runs_cap(m);
    unsigned char *data = (unsigned char *)align64((uintptr_t)buf);
    s->runs = (struct mstream_run *)data;
    data += align64(s->rcap * sizeof(struct mstream_run));
    s->buf = data;
    s->cap = cap - (size_t)(data - buf);
    s->emit = emit;
    s->ctx = ctx;
}

unsigned char *mstream_space(struct mstream *s, size_t *room)
{
    /* Drop what is out once it is at least as long as what is kept: each byte is
     * moved O(1) times, and at most 2 * (maxlen - 1) bytes stay. */
    size_t out = (size_t)(s->done - s->base);
    if (out > 0 && out >= s->len - out) {
        memmove(s->buf, s->buf + out, s->len - out);
        s->len -= out;
        s->base = s->done;
    }
    *room = s->cap - s->len;
    return s->buf + s->len;
}

/* Outputs all that is decided: pending runs and text before the point from which
 * the last bytes could still begin a secret (everything, at the end). */
static int settle(struct mstream *s, bool final)
{
    uint64_t end = s->base + s->len;
    uint64_t hold = final ? end : end - s->m->nodes[s->state].hold;
    release(s, hold);
    if (s->done < hold)
        put_text(s, hold);
    flush(s);
    if (final)
        s->state = 0;
    return s->failed ? -1 : 0;
}

int mstream_commit(struct mstream *s, size_t n)
{
    size_t from = s->len;
    s->len += n;
#ifdef MASKER_HAVE_AVX2
    if (s->m->simd)
        scan_avx2(s, from, s->len);
    else
#endif
        scan_scalar(s, from, s->len);
    return settle(s, false);
}

int mstream_finish(struct mstream *s)
{
    int rc = settle(s, true);
    explicit_bzero(s->buf, s->cap);
    explicit_bzero(s->runs, s->rcap * sizeof *s->runs);
    s->base = s->done;
    s->len = 0;
    s->nruns = 0;
    s->rhead = 0;
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
