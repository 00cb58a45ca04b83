/* The streaming masker against a plain reference: every split point, every
 * chunking, binary data, overlapping and adjacent occurrences, secrets that are
 * prefixes, suffixes and parts of one another, a thousand secrets, long common
 * prefixes, SIMD and scalar search, and what is held back after every read. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/masker.h"
#include "refmask.h"

static const unsigned char MASK[] = "[REDACTED]";
#define MASK_LEN (sizeof MASK - 1)

struct sink {
    unsigned char *d;
    size_t n, cap;
    int fail_after; /* emit calls before failing; -1: never */
};

static int emit(void *ctx, const struct iovec *iov, int n)
{
    struct sink *k = ctx;
    if (k->fail_after == 0)
        return -1;
    if (k->fail_after > 0)
        k->fail_after--;
    for (int i = 0; i < n; i++) {
        if (k->n + iov[i].iov_len > k->cap) {
            k->cap = (k->n + iov[i].iov_len) * 2 + 64;
            k->d = realloc(k->d, k->cap);
        }
        memcpy(k->d + k->n, iov[i].iov_base, iov[i].iov_len);
        k->n += iov[i].iov_len;
    }
    return 0;
}

struct fixture {
    void *mem;
    struct masker *m;
    unsigned char *buf;
    struct mstream st;
    struct sink sink;
};

static void setup(struct fixture *f, const struct masker_secret *s, size_t n, size_t chunk,
                  bool simd)
{
    memset(f, 0, sizeof *f);
    size_t sz = masker_size(s, n, MASK_LEN);
    f->mem = malloc(sz);
    f->m = masker_init(f->mem, sz, s, n, MASK, MASK_LEN);
    assert_non_null(f->m);
    masker_use_simd(f->m, simd);
    size_t cap = mstream_buf_size(f->m, chunk);
    f->buf = malloc(cap);
    f->sink.fail_after = -1;
    mstream_init(&f->st, f->m, f->buf, cap, emit, &f->sink);
}

static void teardown(struct fixture *f)
{
    free(f->mem);
    free(f->buf);
    free(f->sink.d);
}

/* Feeds `in` in pieces cut at cuts[0..ncuts) and checks against the reference. */
static void run_cuts(const struct masker_secret *s, size_t ns, const unsigned char *in, size_t n,
                     const size_t *cuts, size_t ncuts, bool simd)
{
    struct fixture f;
    setup(&f, s, ns, 256, simd);
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : n;
        assert_int_equal(mstream_write(&f.st, in + at, to - at), 0);
        at = to;
    }
    assert_int_equal(mstream_finish(&f.st), 0);
    unsigned char *want = malloc(n * (MASK_LEN + 1) + 1);
    size_t wn = refmask(s, ns, in, n, MASK, MASK_LEN, want);
    assert_int_equal(f.sink.n, wn);
    assert_memory_equal(f.sink.d ? f.sink.d : (unsigned char *)"", want, wn);
    free(want);
    teardown(&f);
}

static void check_chunked(const struct masker_secret *s, size_t ns, const unsigned char *in,
                          size_t n, size_t chunk, bool simd)
{
    size_t ncuts = n / chunk;
    size_t *cuts = malloc((ncuts + 1) * sizeof *cuts);
    for (size_t i = 0; i < ncuts; i++)
        cuts[i] = (i + 1) * chunk;
    run_cuts(s, ns, in, n, cuts, ncuts, simd);
    free(cuts);
}

static struct masker_secret sec(const char *p)
{
    return (struct masker_secret){(const unsigned char *)p, strlen(p)};
}

static void test_every_split_point(void **state)
{
    (void)state;
    struct masker_secret s[] = {sec("tok-3f9a1c07e2b84d6590aa17c3e5f0b2d4"), sec("hunter2!")};
    const char *text = "before tok-3f9a1c07e2b84d6590aa17c3e5f0b2d4 and hunter2! after";
    size_t n = strlen(text);
    for (int simd = 0; simd < 2; simd++)
        for (size_t k = 0; k <= n; k++)
            run_cuts(s, 2, (const unsigned char *)text, n, &k, 1, simd);
    /* every pair of split points: a value cut in three reads */
    for (size_t i = 0; i <= n; i++)
        for (size_t j = i; j <= n; j++) {
            size_t c[2] = {i, j};
            run_cuts(s, 2, (const unsigned char *)text, n, c, 2, true);
        }
    /* and one byte per read */
    check_chunked(s, 2, (const unsigned char *)text, n, 1, true);
    check_chunked(s, 2, (const unsigned char *)text, n, 1, false);
}

static void test_output_never_holds_secret(void **state)
{
    (void)state;
    struct masker_secret s[] = {sec("Sekr1t-value-0042")};
    char text[4096];
    size_t n = 0;
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "line %d Sekr1t-value-0042 x\n", i);
    for (size_t chunk = 1; chunk < 40; chunk++) {
        struct fixture f;
        setup(&f, s, 1, chunk, true);
        for (size_t at = 0; at < n; at += chunk)
            assert_int_equal(mstream_write(&f.st, text + at, at + chunk > n ? n - at : chunk), 0);
        assert_int_equal(mstream_finish(&f.st), 0);
        assert_null(memmem(f.sink.d, f.sink.n, s[0].p, s[0].len));
        size_t masks = 0;
        for (unsigned char *p = f.sink.d; (p = memmem(p, f.sink.n - (size_t)(p - f.sink.d), MASK,
                                                      MASK_LEN)) != NULL;
             p += MASK_LEN)
            masks++;
        assert_int_equal(masks, 60);
        teardown(&f);
    }
}

static void test_overlap_and_adjacent(void **state)
{
    (void)state;
    struct fixture f;
    struct masker_secret s[] = {sec("abcdef"), sec("defghi"), sec("aaaa"), sec("XYZW")};
    setup(&f, s, 4, 64, true);
    const char *in = "1abcdefghi2aaaaaaaaaa3XYZWXYZW4";
    assert_int_equal(mstream_write(&f.st, in, strlen(in)), 0);
    assert_int_equal(mstream_finish(&f.st), 0);
    const char *want = "1[REDACTED]2[REDACTED]3[REDACTED][REDACTED]4";
    assert_int_equal(f.sink.n, strlen(want));
    assert_memory_equal(f.sink.d, want, strlen(want));
    teardown(&f);
}

static void test_binary_data(void **state)
{
    (void)state;
    srand(7);
    enum { N = 200000, NS = 16 };
    unsigned char *in = malloc(N);
    for (size_t i = 0; i < N; i++)
        in[i] = (unsigned char)rand();
    unsigned char secrets[NS][48];
    struct masker_secret s[NS];
    for (int k = 0; k < NS; k++) {
        size_t len = 4 + (size_t)(rand() % 44);
        for (size_t i = 0; i < len; i++)
            secrets[k][i] = (unsigned char)(i % 5 == 0 ? 0 : rand()); /* NULs inside */
        s[k] = (struct masker_secret){secrets[k], len};
    }
    for (int i = 0; i < 400; i++) { /* plant occurrences, some overlapping */
        const struct masker_secret *x = &s[rand() % NS];
        size_t at = (size_t)rand() % (N - x->len);
        memcpy(in + at, x->p, x->len);
    }
    const size_t chunks[] = {1, 7, 31, 32, 33, 4096, 65536, N};
    for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++)
        for (int simd = 0; simd < 2; simd++)
            check_chunked(s, NS, in, chunks[c] == 1 ? 20000 : N, chunks[c], simd);
    free(in);
}

static void test_short_and_many_secrets(void **state)
{
    (void)state;
    srand(11);
    enum { N = 50000, NS = 100 };
    unsigned char *in = malloc(N);
    for (size_t i = 0; i < N; i++)
        in[i] = (unsigned char)('a' + rand() % 6);
    static unsigned char secrets[NS][24];
    struct masker_secret s[NS];
    for (int k = 0; k < NS; k++) {
        size_t len = 1 + (size_t)(rand() % 23);
        for (size_t i = 0; i < len; i++)
            secrets[k][i] = (unsigned char)('a' + rand() % 6);
        s[k] = (struct masker_secret){secrets[k], len};
    }
    /* 1-, 2- and 3-byte fingerprints */
    const size_t counts[] = {NS, 40, 8, 1};
    for (size_t c = 0; c < 4; c++)
        for (int simd = 0; simd < 2; simd++) {
            check_chunked(s + NS - counts[c], counts[c], in, N, 777, simd);
            check_chunked(s + NS - counts[c], counts[c], in, 3000, 1, simd);
        }
    free(in);
}

static void test_holds_back_only_prefixes(void **state)
{
    (void)state;
    struct fixture f;
    struct masker_secret s[] = {sec("world!!")};
    setup(&f, s, 1, 64, true);
    assert_int_equal(mstream_write(&f.st, "Password: ", 10), 0);
    assert_int_equal(f.sink.n, 10); /* nothing held: an interactive prompt shows at once */
    assert_int_equal(mstream_write(&f.st, "hello wor", 9), 0);
    assert_int_equal(f.sink.n, 16); /* "wor" could begin the secret */
    assert_int_equal(mstream_write(&f.st, "ld!! ok", 7), 0);
    const char *want = "Password: hello [REDACTED] ok";
    assert_int_equal(f.sink.n, strlen(want));
    assert_memory_equal(f.sink.d, want, strlen(want));
    assert_int_equal(mstream_write(&f.st, "wo", 2), 0);
    assert_int_equal(mstream_finish(&f.st), 0); /* a prefix at the end is output as is */
    assert_int_equal(f.sink.n, strlen(want) + 2);
    teardown(&f);
}

static void test_long_secret_across_chunks(void **state)
{
    (void)state;
    enum { L = 5000 };
    unsigned char *secret = malloc(L), *in = malloc(3 * L);
    for (size_t i = 0; i < L; i++)
        secret[i] = (unsigned char)(i * 131 + 7);
    memset(in, 'x', 3 * L);
    memcpy(in + 1234, secret, L);
    memcpy(in + 1234 + L + 10, secret, L - 1); /* an incomplete copy is not a secret */
    struct masker_secret s[] = {{secret, L}};
    for (int simd = 0; simd < 2; simd++) {
        check_chunked(s, 1, in, 3 * L, 100, simd);
        check_chunked(s, 1, in, 3 * L, 4096, simd);
    }
    free(secret);
    free(in);
}

static void test_emit_failure_reported(void **state)
{
    (void)state;
    struct fixture f;
    struct masker_secret s[] = {sec("abcd")};
    setup(&f, s, 1, 64, true);
    f.sink.fail_after = 1;
    assert_int_equal(mstream_write(&f.st, "first ", 6), 0);
    assert_int_equal(mstream_write(&f.st, "second", 6), -1);
    teardown(&f);
}

/* Pseudo-random cuts; after every write the output so far is checked too. */
static void check_each_write(const struct masker_secret *s, size_t ns, const unsigned char *in,
                             size_t n, unsigned seed, size_t max_piece, bool simd)
{
    struct fixture f;
    setup(&f, s, ns, max_piece, simd);
    unsigned char *want = malloc(n * (MASK_LEN + 1) + 1);
    srand(seed);
    for (size_t at = 0; at < n;) {
        size_t k = 1 + (size_t)rand() % max_piece;
        if (k > n - at)
            k = n - at;
        assert_int_equal(mstream_write(&f.st, in + at, k), 0);
        at += k;
        size_t wn = refmask_so_far(s, ns, in, at, MASK, MASK_LEN, want);
        assert_int_equal(f.sink.n, wn);
        assert_memory_equal(f.sink.d ? f.sink.d : (unsigned char *)"", want, wn);
    }
    assert_int_equal(mstream_finish(&f.st), 0);
    size_t wn = refmask(s, ns, in, n, MASK, MASK_LEN, want);
    assert_int_equal(f.sink.n, wn);
    assert_memory_equal(f.sink.d ? f.sink.d : (unsigned char *)"", want, wn);
    free(want);
    teardown(&f);
}

/* Secrets that overlap, contain, prefix and suffix one another, over a 3-letter
 * alphabet so that they occur often and partially; the output after every write
 * (what is held back, when a mask appears) and at the end against the reference. */
static void test_related_secrets_at_every_write(void **state)
{
    (void)state;
    static const char *const family[] = {"abca", "abcabcab", "bcab", "cabca", "aaab",
                                         "aaaaaaab", "abcabcabcabcc", "cc", "bca", "a"};
    struct masker_secret s[10];
    for (int i = 0; i < 10; i++)
        s[i] = sec(family[i]);
    enum { N = 1500 };
    unsigned char *in = malloc(N);
    for (unsigned round = 0; round < 40; round++) {
        srand(round);
        for (size_t i = 0; i < N; i++)
            in[i] = (unsigned char)("abc"[rand() % 3]);
        size_t ns = 1 + round % 10; /* "a" (one byte) only in the last sets */
        for (int simd = 0; simd < 2; simd++)
            check_each_write(s + 10 - ns, ns, in, N, round, 1 + round % 37, simd);
    }
    free(in);
}

/* Random secrets over small alphabets, many of them, with random text. */
static void test_random_sets_at_every_write(void **state)
{
    (void)state;
    enum { N = 1200, NS = 40 };
    static unsigned char secrets[NS][40];
    struct masker_secret s[NS];
    unsigned char *in = malloc(N);
    for (unsigned round = 0; round < 30; round++) {
        srand(1000 + round);
        unsigned alpha = 2 + round % 5;
        size_t ns = 1 + (size_t)rand() % NS;
        for (size_t k = 0; k < ns; k++) {
            size_t len = 1 + (size_t)rand() % (round % 3 == 0 ? 6 : 39);
            for (size_t i = 0; i < len; i++)
                secrets[k][i] = (unsigned char)('p' + rand() % (int)alpha);
            s[k] = (struct masker_secret){secrets[k], len};
        }
        for (size_t i = 0; i < N; i++)
            in[i] = (unsigned char)('p' + rand() % (int)alpha);
        for (int i = 0; i < 20; i++) { /* plant whole ones too */
            const struct masker_secret *x = &s[(size_t)rand() % ns];
            memcpy(in + (size_t)rand() % (N - x->len), x->p, x->len);
        }
        for (int simd = 0; simd < 2; simd++)
            check_each_write(s, ns, in, N, round, 8 + (unsigned)round * 13 % 300, simd);
    }
    free(in);
}

/* The case that made the old search slow: a long secret and output sharing a long
 * prefix ('aaa...b' against 'aaa...c'), with real occurrences, partial ones at the
 * end of reads, and secrets that are prefixes and suffixes of the long one. */
static void test_long_common_prefix(void **state)
{
    (void)state;
    enum { L = 3000, N = 40000 };
    unsigned char *a_b = malloc(L), *in = malloc(N);
    memset(a_b, 'a', L - 1);
    a_b[L - 1] = 'b';
    struct masker_secret s[] = {{a_b, L}, {a_b, L / 2}, {a_b + L - 100, 100}, {a_b + 7, 40}};
    for (size_t i = 0; i < N; i++)
        in[i] = i % L == L - 1 ? 'c' : 'a';
    memcpy(in + 2 * L + 11, a_b, L);
    memcpy(in + N - L - 5, a_b, L);
    for (int simd = 0; simd < 2; simd++) {
        /* one secret alone (never found), then the family */
        check_chunked(s, 1, in, 3 * L, 1, simd);
        check_chunked(s, 1, in, N, 4096, simd);
        check_chunked(s, 4, in, N, 4096, simd);
        check_chunked(s, 4, in, N, 999, simd);
        check_chunked(s, 4, in, 2 * L + 11 + L + 50, 7, simd);
    }
    check_each_write(s, 4, in, 4 * L, 3, 2 * L, true);
    free(a_b);
    free(in);
}

/* A thousand secrets, as many as variables a program may be given. */
static void test_thousand_secrets(void **state)
{
    (void)state;
    enum { NS = 1000, N = 200000 };
    static unsigned char secrets[NS][33];
    struct masker_secret s[NS];
    srand(77);
    for (int k = 0; k < NS; k++) {
        for (int i = 0; i < 32; i++)
            secrets[k][i] = (unsigned char)"0123456789abcdef"[rand() % 16];
        s[k] = (struct masker_secret){secrets[k], 8 + (size_t)(k % 25)};
    }
    unsigned char *in = malloc(N);
    for (size_t i = 0; i < N; i++)
        in[i] = (unsigned char)"0123456789abcdef xyz"[rand() % 20];
    for (int i = 0; i < 300; i++) {
        const struct masker_secret *x = &s[rand() % NS];
        memcpy(in + (size_t)rand() % (N - x->len), x->p, x->len);
    }
    for (int simd = 0; simd < 2; simd++) {
        check_chunked(s, NS, in, N, 65536, simd);
        check_chunked(s, NS, in, 20000, 13, simd);
    }
    free(in);
}

static void test_rejects_empty(void **state)
{
    (void)state;
    struct masker_secret s[] = {{(const unsigned char *)"", 0}};
    char mem[4096];
    assert_null(masker_init(mem, sizeof mem, s, 1, MASK, MASK_LEN));
    assert_null(masker_init(mem, sizeof mem, s, 0, MASK, MASK_LEN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_output_never_holds_secret),
        cmocka_unit_test(test_overlap_and_adjacent),
        cmocka_unit_test(test_binary_data),
        cmocka_unit_test(test_short_and_many_secrets),
        cmocka_unit_test(test_holds_back_only_prefixes),
        cmocka_unit_test(test_long_secret_across_chunks),
        cmocka_unit_test(test_emit_failure_reported),
        cmocka_unit_test(test_related_secrets_at_every_write),
        cmocka_unit_test(test_random_sets_at_every_write),
        cmocka_unit_test(test_long_common_prefix),
        cmocka_unit_test(test_thousand_secrets),
        cmocka_unit_test(test_rejects_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
