/* The crash-time sweep inside this process: copies of secret values planted in
 * every kind of mapping a core dump holds (and some it does not) must be zeroed,
 * or left out of the dump where the memory is shared, and nothing else touched.
 * The reference values live in a MADV_DONTDUMP mapping, which the sweep skips. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "preload/crash/sweep.h"
#include "preload/core/vault.h"

#define PAGE 4096
#define SAFE_BYTES (64 * PAGE)
#define WORK (128 * 1024) /* the safe area's first half holds 128-byte value slots */

/* Reference copies, never swept (MADV_DONTDUMP). */
static char *safe;

static char *safe_value(int slot, const char *tag)
{
    char *v = safe + slot * 128;
    unsigned char r[12];
    assert_int_equal(getrandom(r, sizeof r, 0), (ssize_t)sizeof r);
    int k = snprintf(v, 128, "%s-", tag);
    for (size_t i = 0; i < sizeof r; i++)
        k += snprintf(v + k, 128 - (size_t)k, "%02x", r[i]);
    return v;
}

static void *map(size_t n, int prot, int flags)
{
    void *p = mmap(NULL, n, prot, flags | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    return p;
}

static bool zeros(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static struct sweep_stats run(void)
{
    struct sweep_stats st;
    assert_int_equal(sweep_run(&st), 0);
    sweep_forget();
    print_message("sweep: %llu bytes in %llu regions, %llu overwritten, %llu hidden, "
                  "%u patterns\n",
                  (unsigned long long)st.bytes, (unsigned long long)st.regions,
                  (unsigned long long)st.overwritten, (unsigned long long)st.hidden, st.patterns);
    return st;
}

/* Does smaps mark the page holding addr VmFlags dd? */
static bool page_dontdump(const void *addr)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    assert_non_null(f);
    char line[512];
    bool in = false, dd = false;
    uintptr_t a = (uintptr_t)addr;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, ' ') &&
            line[strcspn(line, " ")] == ' ' && strchr(line, '-') < strchr(line, ' ')) {
            in = a >= s && a < e;
        } else if (in && strncmp(line, "VmFlags:", 8) == 0) {
            dd = strstr(line, " dd") != NULL;
            break;
        }
    }
    fclose(f);
    return dd;
}

/* Raw, UTF-16LE and Latin-1 copies at every alignment, with guard bytes. */
static void test_encodings_and_alignments(void **state)
{
    (void)state;
    /* "pässwörd-" + hex: code points below 256, so Latin-1 and UTF-16 forms exist. */
    char *val = safe + WORK;
    snprintf(val, 128, "p\xc3\xa4ssw\xc3\xb6rd-%s", safe_value(1, "x"));
    size_t n = strlen(val);
    unsigned char *latin1 = (unsigned char *)safe + WORK + 4096;
    unsigned char *u16 = (unsigned char *)safe + WORK + 8192;
    size_t nl = 0, nu = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)val[i];
        if (c >= 0xc0) { /* two-byte sequence: code point below 0x800 here */
            c = (c & 0x1f) << 6 | ((unsigned char)val[++i] & 0x3f);
        }
        latin1[nl++] = (unsigned char)c;
        u16[nu++] = (unsigned char)c;
        u16[nu++] = (unsigned char)(c >> 8);
    }
    sweep_add_value(val, n);

    size_t len = 64 * PAGE;
    unsigned char *m = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(m, 'g', len);
    struct {
        const void *src;
        size_t n;
    } forms[3] = {{val, n}, {latin1, nl}, {u16, nu}};
    size_t where[3][70];
    size_t off = 0;
    for (int f = 0; f < 3; f++)
        for (int a = 0; a < 70; a++) { /* every offset modulo the sampling step */
            off += 97 + (size_t)a;
            where[f][a] = off;
            memcpy(m + off, forms[f].src, forms[f].n);
            off += forms[f].n;
        }
    /* At the very start and end of the mapping, and across a page boundary. */
    memcpy(m, val, n);
    memcpy(m + len - n, val, n);
    memcpy(m + 40 * PAGE - n / 2, val, n);

    struct sweep_stats st = run();
    for (int f = 0; f < 3; f++)
        for (int a = 0; a < 70; a++) {
            assert_true(zeros(m + where[f][a], forms[f].n));
            assert_int_equal(m[where[f][a] - 1], 'g'); /* neighbours untouched */
            assert_int_equal(m[where[f][a] + forms[f].n], 'g');
        }
    assert_true(zeros(m, n));
    assert_true(zeros(m + len - n, n));
    assert_true(zeros(m + 40 * PAGE - n / 2, n));
    assert_true(st.overwritten >= 3 * 70 + 3);
    assert_int_equal(st.patterns, 3);
    munmap(m, len);
}

/* Read-only and PROT_NONE private memory is overwritten through /proc/self/mem
 * and keeps its protection; memory left out of dumps is not touched. */
static void test_protections(void **state)
{
    (void)state;
    char *val = safe_value(2, "prot");
    size_t n = strlen(val);
    sweep_add_value(val, n);
    unsigned char *ro = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    unsigned char *none = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    unsigned char *dd = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memcpy(ro + 100, val, n);
    memcpy(none + 200, val, n);
    memcpy(dd + 300, val, n);
    assert_int_equal(mprotect(ro, PAGE, PROT_READ), 0);
    assert_int_equal(mprotect(none, PAGE, PROT_NONE), 0);
    assert_int_equal(madvise(dd, PAGE, MADV_DONTDUMP), 0);
    run();
    assert_true(zeros(ro + 100, n));
    assert_int_equal(mprotect(none, PAGE, PROT_READ), 0);
    assert_true(zeros(none + 200, n));
    assert_true(memcmp(dd + 300, val, n) == 0); /* never dumped: left alone */
    munmap(ro, PAGE);
    munmap(none, PAGE);
    munmap(dd, PAGE);
}

/* Shared memory is never written (other processes see it): its pages holding a
 * value are left out of the dump instead. */
static void test_shared_memory_hidden(void **state)
{
    (void)state;
    char *val = safe_value(3, "shm");
    size_t n = strlen(val);
    sweep_add_value(val, n);
    unsigned char *sh = map(16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
    memset(sh, 1, 16 * PAGE);
    memcpy(sh + 5 * PAGE + 10, val, n);
    struct sweep_stats st = run();
    assert_true(memcmp(sh + 5 * PAGE + 10, val, n) == 0);
    assert_true(st.hidden >= 1);
    assert_true(page_dontdump(sh + 5 * PAGE));
    assert_false(page_dontdump(sh + 10 * PAGE));
    munmap(sh, 16 * PAGE);
}

/* A private file mapping: the copy in memory is zeroed, the file is not. */
static void test_private_file_mapping(void **state)
{
    (void)state;
    char *val = safe_value(4, "file");
    size_t n = strlen(val);
    sweep_add_value(val, n);
    char path[] = "/tmp/envseal-sweep-XXXXXX";
    const char *dir = getenv("TEST_TMPDIR");
    char tpl[512];
    snprintf(tpl, sizeof tpl, "%s/sweep-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(dir && *dir ? tpl : path);
    assert_true(fd >= 0);
    unsigned char page[PAGE];
    memset(page, 'f', sizeof page);
    memcpy(page + 50, val, n);
    assert_int_equal(write(fd, page, sizeof page), PAGE);
    explicit_bzero(page, sizeof page);
    unsigned char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    assert_true(m != MAP_FAILED);
    m[0] = 'F'; /* a written page: the mapping has anonymous pages, so it is dumped */
    run();
    assert_true(zeros(m + 50, n));
    assert_int_equal(pread(fd, page, PAGE, 0), PAGE);
    assert_true(memcmp(page + 50, val, n) == 0);
    explicit_bzero(page, sizeof page);
    munmap(m, PAGE);
    close(fd);
    unlink(dir && *dir ? tpl : path);
}

/* A huge sparse reservation: untouched pages are skipped, not faulted in. */
static void test_sparse_reservation(void **state)
{
    (void)state;
    char *val = safe_value(5, "sparse");
    size_t n = strlen(val);
    sweep_add_value(val, n);
    size_t len = (size_t)64 << 30;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        print_message("skipped: cannot reserve 64 GiB of address space here\n");
        skip();
    }
    unsigned char *far = m + ((size_t)40 << 30) + 12345;
    memcpy(far, val, n);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct sweep_stats st = run();
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    print_message("64 GiB reservation swept in %.3f s (%llu bytes read)\n", secs,
                  (unsigned long long)st.bytes);
    assert_true(zeros(far, n));
    assert_true(st.bytes < ((uint64_t)1 << 30)); /* only the populated pages */
    assert_true(secs < 5.0);
    munmap(m, len);
}

/* Values shorter than SWEEP_MIN_VALUE are not searched for. */
static void test_short_values_ignored(void **state)
{
    (void)state;
    char *shortv = safe + WORK + 16384;
    memcpy(shortv, "q7Zx!", 6); /* five bytes */
    sweep_add_value(shortv, 5);
    unsigned char *m = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memcpy(m + 8, shortv, 5);
    struct sweep_stats st = run();
    assert_int_equal(st.patterns, 0);
    assert_true(memcmp(m + 8, shortv, 5) == 0);
    munmap(m, PAGE);
}

/* The values come from the vault's live entries and the copies it keeps of released
 * ones. */
static void test_values_from_vault(void **state)
{
    (void)state;
    static struct vault v;
    vault_init(&v, true);
    char *a = safe_value(6, "vaulta"), *b = safe_value(7, "vaultb"), *c = safe_value(8, "gone");
    assert_non_null(vault_store(&v, "A_SECRET", 8, a, strlen(a)));
    assert_non_null(vault_store(&v, "B_SECRET", 8, b, strlen(b)));
    char *gone = vault_store(&v, "C_SECRET", 8, c, strlen(c));
    assert_non_null(gone);
    vault_release(&v, gone);
    unsigned char *m = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memcpy(m + 10, a, strlen(a));
    memcpy(m + 200, b, strlen(b));
    memcpy(m + 400, c, strlen(c));
    sweep_take_vault(&v);
    vault_wipe(&v);
    struct sweep_stats st = run();
    assert_true(zeros(m + 10, strlen(a)));
    assert_true(zeros(m + 200, strlen(b)));
    /* Released: the program may still hold copies, which the vault's copy finds. */
    assert_true(zeros(m + 400, strlen(c)));
    assert_int_equal(st.patterns, 6); /* three values, each raw and UTF-16 */
    munmap(m, PAGE);
}

/* Many values at once: every one is found. */
static void test_many_values(void **state)
{
    (void)state;
    enum { N = 200 };
    unsigned char *m = map(N * 256, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    for (int i = 0; i < N; i++) {
        char *v = safe_value(10 + i, i % 2 ? "many" : "m");
        sweep_add_value(v, strlen(v));
        memcpy(m + i * 256 + (size_t)(i % 37), v, strlen(v));
    }
    struct sweep_stats st = run();
    assert_int_equal(st.dropped, 0);
    for (int i = 0; i < N; i++)
        assert_true(zeros(m + i * 256 + (size_t)(i % 37), strlen(safe + (10 + i) * 128)));
    munmap(m, N * 256);
}

/* A copy across the seam of two adjacent mappings (one region split by madvise or
 * mprotect) is found: a short value, searched for whole, and a long one cut so that
 * neither side holds a SWEEP_PIECE run of it. */
static void test_straddles_mappings(void **state)
{
    (void)state;
    char *shortv = safe + WORK + 20480, *longv = safe + WORK + 20608;
    memcpy(shortv, "Zq8-w3Lp", 9);  /* eight bytes: below SWEEP_PIECE */
    memcpy(longv, "Kr4-tY7u-Qm2e-Xa9", 18); /* 17 bytes: 8 + 9 across the seam */
    sweep_add_value(shortv, 8);
    sweep_add_value(longv, 17);
    unsigned char *m = map(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(m, 'g', 4 * PAGE);
    assert_int_equal(madvise(m, PAGE, MADV_DONTFORK), 0);            /* seam at PAGE */
    assert_int_equal(mprotect(m + 3 * PAGE, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
    memcpy(m + PAGE - 4, shortv, 8);
    memcpy(m + 3 * PAGE - 8, longv, 17);
    struct sweep_stats st = run();
    assert_true(zeros(m + PAGE - 4, 8));
    assert_true(zeros(m + 3 * PAGE - 8, 17));
    assert_int_equal(m[PAGE - 5], 'g');
    assert_int_equal(m[3 * PAGE + 9], 'g');
    assert_true(st.overwritten >= 2);
    munmap(m, 4 * PAGE);
}

/* A sweep removes the copy at `at` whole, and nothing beside it ('g'). */
static void swept_whole(const unsigned char *at, size_t n)
{
    run();
    assert_true(zeros(at, n));
    assert_int_equal(at[-1], 'g');
    assert_int_equal(at[n], 'g');
}

/* A long value across the seam of two mappings, `before` of its bytes in the first
 * and the rest in the second. When one side is shorter than SWEEP_PIECE, the longer
 * must not be removed alone (the shorter would stay, too short to be found again):
 * the seam's window sees the copy whole and removes all of it. */
static void split_across_pages(const char *v, size_t n, size_t before, int first, int second)
{
    unsigned char *m = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(m, 'g', 2 * PAGE);
    unsigned char *at = m + PAGE - before;
    memcpy(at, v, n);
    assert_int_equal(mprotect(m, PAGE, first), 0);
    assert_int_equal(mprotect(m + PAGE, PAGE, second), 0);
    sweep_add_value(v, n);
    swept_whole(at, n);
    munmap(m, 2 * PAGE);
}

/* Two writable pages, scanned in place. */
static void split_across_seam(const char *v, size_t n, size_t before)
{
    split_across_pages(v, n, before, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE | PROT_EXEC);
}

/* Two read-only pages, scanned through /proc/self/mem and written there. */
static void split_across_read_only_seam(const char *v, size_t n, size_t before)
{
    split_across_pages(v, n, before, PROT_READ, PROT_READ | PROT_EXEC);
}

static void value_across_seam(int seed, const char *label, bool short_head)
{
    char *v = safe_value(seed, label);
    size_t n = strlen(v);
    assert_true(n >= 30);
    split_across_seam(v, n, short_head ? 10 : n - 10);
}

/* place(v, n, before) at every split point, 1 to n-1 bytes before the boundary, a
 * fresh value each time. */
static void every_split(int slot, const char *tag,
                        void (*place)(const char *v, size_t n, size_t before))
{
    for (size_t before = 1;; before++) {
        char *v = safe_value(slot, tag);
        size_t n = strlen(v);
        if (before >= n)
            break;
        place(v, n, before);
    }
}

/* Every split of a value across a seam: whichever side is the longer, the copy goes
 * whole. */
static void test_every_split_across_seam(void **state)
{
    (void)state;
    every_split(306, "split", split_across_seam);
}

/* The same where both mappings are read through /proc/self/mem. */
static void test_every_split_across_read_only_seam(void **state)
{
    (void)state;
    every_split(308, "ro-split", split_across_read_only_seam);
}

/* A seam between private and shared memory: each side is handled as its own
 * mapping is, the private bytes zeroed, the shared ones never written and their page
 * left out of the dump (those bytes are other processes' too), whichever side is
 * the longer and whichever mapping comes first. */
static void mixed_seam(int slot, bool shared_first)
{
    for (size_t before = 4;; before += 3) {
        char *v = safe_value(slot, "mixed");
        size_t n = strlen(v);
        if (before >= n)
            break;
        unsigned char *m = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
        unsigned char *sh = shared_first ? m : m + PAGE, *pv = shared_first ? m + PAGE : m;
        assert_ptr_equal(mmap(sh, PAGE, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                         sh);
        memset(m, 'g', 2 * PAGE);
        unsigned char *at = m + PAGE - before;
        memcpy(at, v, n);
        sweep_add_value(v, n);
        run();
        if (shared_first) {
            assert_true(memcmp(at, v, before) == 0);
            assert_true(zeros(at + before, n - before));
        } else {
            assert_true(zeros(at, before));
            assert_true(memcmp(at + before, v + before, n - before) == 0);
        }
        assert_true(page_dontdump(sh));
        assert_false(page_dontdump(pv));
        assert_int_equal(at[-1], 'g');
        assert_int_equal(at[n], 'g');
        munmap(m, 2 * PAGE);
    }
}

static void test_seam_private_then_shared(void **state)
{
    (void)state;
    mixed_seam(309, false);
}

static void test_seam_shared_then_private(void **state)
{
    (void)state;
    mixed_seam(311, true);
}

/* A mapping shorter than the seam windows (here one page, while another value longer
 * than a page sets the window's span) between two others: a copy across its end and
 * the next seam, its tail short, must be left by the first window (which ends
 * there) to the second, which sees it whole. */
/* A value of 2 * half random hex digits, longer than a page, in the safe area. */
static char *hex_value(size_t half)
{
    char *v = safe + WORK + 32768;
    unsigned char r[4096];
    assert_true(half <= sizeof r);
    assert_int_equal(getrandom(r, half, 0), (ssize_t)half);
    for (size_t i = 0; i < half; i++)
        snprintf(v + 2 * i, 3, "%02x", r[i]);
    return v;
}

static char *page_long_value(void)
{
    return hex_value(2500); /* 5000 bytes: windows of 4999 (9999 with its UTF-16 form) */
}

/* Three pages of 'g', the middle one a mapping of its own. */
static unsigned char *three_mappings(void)
{
    unsigned char *m = map(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(m, 'g', 3 * PAGE);
    assert_int_equal(mprotect(m + PAGE, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
    return m;
}

static void test_short_mapping_between_seams(void **state)
{
    (void)state;
    char *longv = page_long_value();
    char *v = safe_value(310, "middle");
    size_t n = strlen(v);
    unsigned char *m = three_mappings();
    unsigned char *at = m + 2 * PAGE - (n - 10); /* 10 bytes in the third mapping */
    memcpy(at, v, n);
    sweep_add_value(longv, 5000);
    sweep_add_value(v, n);
    swept_whole(at, n);
    munmap(m, 3 * PAGE);
}

/* The same run beginning exactly where the short mapping does (the next window's
 * start): left to that window too. */
static void test_copy_from_short_mapping_start(void **state)
{
    (void)state;
    char *v = hex_value(2053); /* 4106 bytes: the page and 10 more */
    unsigned char *m = three_mappings();
    unsigned char *at = m + PAGE;
    memcpy(at, v, 4106);
    sweep_add_value(v, 4106);
    swept_whole(at, 4106);
    munmap(m, 3 * PAGE);
}

/* A copy across three mappings, the middle one whole: left open by neither window
 * where the next could not see it whole, so every part goes. */
static void test_copy_across_three_mappings(void **state)
{
    (void)state;
    char *longv = page_long_value();
    unsigned char *m = three_mappings();
    unsigned char *at = m + PAGE - 500; /* 500 bytes, the middle page, 404 bytes */
    memcpy(at, longv, 5000);
    sweep_add_value(longv, 5000);
    swept_whole(at, 5000);
    munmap(m, 3 * PAGE);
}

/* The head shorter: the tail, which begins the second mapping, is left to the seam. */
static void test_short_head_across_seam(void **state)
{
    (void)state;
    value_across_seam(303, "seam-head", true);
}

/* The tail shorter: the head, which ends the first mapping, is left to the seam. */
static void test_short_tail_across_seam(void **state)
{
    (void)state;
    value_across_seam(305, "seam-tail", false);
}

/* The same across the join of two read chunks: memory the sweep reads through
 * /proc/self/mem (here read-only, so it writes the zeros there too) goes in chunks of
 * 256 KiB that overlap; a run cut off at a chunk's end is left to the next chunk,
 * which sees the copy whole. */
static void split_across_read_chunks(const char *v, size_t n, size_t before)
{
    const size_t len = 512 * 1024, join = 256 * 1024;
    unsigned char *m = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(m, 'g', len);
    unsigned char *at = m + join - before;
    memcpy(at, v, n);
    assert_int_equal(mprotect(m, len, PROT_READ), 0);
    sweep_add_value(v, n);
    swept_whole(at, n);
    munmap(m, len);
}

/* All but 10 bytes before the join. */
static void test_long_value_across_read_chunks(void **state)
{
    (void)state;
    char *v = safe_value(304, "chunk-join");
    size_t n = strlen(v);
    split_across_read_chunks(v, n, n - 10);
}

/* Every split across the join. */
static void test_every_split_across_read_chunks(void **state)
{
    (void)state;
    every_split(307, "chunk-split", split_across_read_chunks);
}

/* Of a long value, every run of SWEEP_PIECE or more bytes goes (a partial copy, a
 * slice a vector register spilled); shorter runs are chance and stay. */
static void test_pieces_of_long_values(void **state)
{
    (void)state;
    char *v = safe_value(300, "piece");
    size_t n = strlen(v);
    unsigned char *m = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(m, 'g', PAGE);
    memcpy(m + 100, v + 3, SWEEP_PIECE);          /* a piece from the middle */
    memcpy(m + 300, v, n - 5);                    /* a copy cut short */
    memcpy(m + 600, v + 7, SWEEP_PIECE - 1);      /* too short to count */
    sweep_add_value(v, n);
    run();
    assert_true(zeros(m + 100, SWEEP_PIECE));
    assert_true(zeros(m + 300, n - 5));
    assert_true(memcmp(m + 600, v + 7, SWEEP_PIECE - 1) == 0);
    assert_int_equal(m[99], 'g');
    assert_int_equal(m[100 + SWEEP_PIECE], 'g');
    munmap(m, PAGE);
}

/* A piece that begins a mapping, its start cut off (a buffer filled from the
 * middle of a value): the run is found though the whole value would begin before
 * the mapping. */
static void test_piece_at_mapping_start(void **state)
{
    (void)state;
    char *v = safe_value(301, "headless");
    size_t n = strlen(v);
    unsigned char *m = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(m, 'g', PAGE);
    memcpy(m, v + 16, n - 16);
    sweep_add_value(v, n);
    run();
    assert_true(zeros(m, n - 16));
    assert_int_equal(m[n - 16], 'g');
    munmap(m, PAGE);
}

/* sweep_scrub on a signal frame's register area, laid out as the XSAVE area of an
 * AVX2 machine after a copy faulted inside memcpy: the upper halves of two vector
 * registers, one after the other, each a slice from the value's middle or end, the
 * first at the very start of the area. */
static void test_scrub_slices_at_area_start(void **state)
{
    (void)state;
    char *v = safe_value(302, "registers");
    size_t n = strlen(v);
    assert_true(n >= 32);
    /* Where sweep_run does not reach (the safe mapping is left out of dumps), as a
     * signal frame on envseal's alternate stack. */
    unsigned char *area = (unsigned char *)safe + SAFE_BYTES - 256;
    memset(area, 0x5a, 256);
    memcpy(area, v + 16, 16);          /* ymm0's upper half: bytes 16..31 */
    memcpy(area + 16, v + n - 16, 16); /* ymm1's upper half: the last 16 bytes */
    sweep_add_value(v, n);
    struct sweep_stats st;
    assert_int_equal(sweep_run(&st), 0);
    assert_true(memcmp(area, v + 16, 16) == 0); /* sweep_run left it */
    sweep_scrub(area, 256);
    sweep_forget();
    assert_true(zeros(area, 32));
    assert_int_equal(area[32], 0x5a);
}

/* Thousands of values (more than the first scratch area held): none is dropped,
 * every copy is found. */
static void test_thousands_of_values(void **state)
{
    (void)state;
    enum { N = 5000, SLOT = 48 };
    char *refs = map(N * SLOT, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    assert_int_equal(madvise(refs, N * SLOT, MADV_DONTDUMP), 0);
    unsigned char *m = map(N * 64, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(m, 'g', N * 64);
    for (int i = 0; i < N; i++) {
        unsigned char r[14];
        assert_int_equal(getrandom(r, sizeof r, 0), (ssize_t)sizeof r);
        char *v = refs + i * SLOT;
        for (int k = 0; k < 14; k++)
            snprintf(v + 2 * k, 3, "%02x", r[k]);
        sweep_add_value(v, 28);
        memcpy(m + i * 64 + (size_t)(i % 31), v, 28);
    }
    struct sweep_stats st = run();
    assert_int_equal(st.dropped, 0);
    assert_int_equal(st.patterns, 2 * N);
    for (int i = 0; i < N; i++)
        assert_true(zeros(m + i * 64 + (size_t)(i % 31), 28));
    explicit_bzero(refs, N * SLOT);
    munmap(refs, N * SLOT);
    munmap(m, N * 64);
}

/* Plants each of n values (slot bytes apart, 'g' between them) in a fresh private
 * mapping, after adding them to the sweep, and sweeps. */
static unsigned char *plant_and_sweep(const char *refs, size_t slot, int n, size_t len,
                                      struct sweep_stats *st)
{
    unsigned char *m = map((size_t)n * (len + 16), PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(m, 'g', (size_t)n * (len + 16));
    for (int i = 0; i < n; i++) {
        sweep_add_value(refs + (size_t)i * slot, len);
        memcpy(m + (size_t)i * (len + 16) + 8, refs + (size_t)i * slot, len);
    }
    *st = run();
    return m;
}

/* n distinct lowercase-hex values of len bytes (len <= 40) in a never-dumped area. */
static char *distinct_values(int n, size_t slot, size_t len)
{
    char *refs = map((size_t)n * slot, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    assert_int_equal(madvise(refs, (size_t)n * slot, MADV_DONTDUMP), 0);
    uint32_t salt;
    assert_int_equal(getrandom(&salt, sizeof salt, 0), (ssize_t)sizeof salt);
    for (int i = 0; i < n; i++) {
        char *v = refs + (size_t)i * slot;
        uint32_t k = ((uint32_t)i * 2654435761u) ^ salt; /* a bijection: all distinct */
        for (size_t j = 0; j < len; j += 8)
            snprintf(v + j, 9, "%08x", j ? k * (uint32_t)(j + 1) ^ salt : k);
        v[len] = '\0';
    }
    return refs;
}

/* n distinct values of len bytes swept together: the first `swept` copies are
 * zeroed, the others left as they were; the sweep holds `patterns`, dropped
 * `dropped`. */
static void limit_case(int n, size_t len, int swept, uint32_t patterns, uint32_t dropped)
{
    const size_t slot = len + 16;
    char *refs = distinct_values(n, slot, len);
    struct sweep_stats st;
    unsigned char *m = plant_and_sweep(refs, slot, n, len, &st);
    assert_int_equal(st.patterns, patterns);
    assert_int_equal(st.dropped, dropped);
    for (int i = 0; i < n; i++) {
        unsigned char *copy = m + (size_t)i * (len + 16) + 8;
        if (i < swept)
            assert_true(zeros(copy, len));
        else
            assert_memory_equal(copy, refs + (size_t)i * slot, len);
    }
    explicit_bzero(refs, (size_t)n * slot);
    munmap(refs, (size_t)n * slot);
    munmap(m, (size_t)n * (len + 16));
}

/* signals.md: "up to 32,768 patterns". Values of 8 bytes, each searched raw and as
 * UTF-16: the first 16,384 fill the count and their copies are swept; the 16 after
 * them are dropped (both encodings) and their copies left as they were. */
static void test_pattern_count_limit(void **state)
{
    (void)state;
    limit_case(16400, 8, 16384, 2 * 16384, 2 * 16);
}

/* signals.md: "1 MiB in all ... about 11,000 secrets of 32 ASCII bytes". Each takes
 * 32 + 63 bytes (UTF-16 without its last zero byte): 11,037 fit; of the next, the
 * raw form fits, not the UTF-16 one; the rest are not searched at all. */
static void test_pattern_bytes_limit(void **state)
{
    (void)state;
    enum { N = 11100, FIT = (1024 * 1024) / (32 + 63) };
    assert_int_equal(FIT, 11037);
    limit_case(N, 32, FIT + 1, 2 * FIT + 1, 2 * (N - FIT) - 1);
}

/* signals.md: "64 KiB each". A value of 40 KiB is searched raw (its copy swept), not
 * as UTF-16 (80 KiB: its UTF-16 copy stays); one of 64 KiB + 1 is not searched. */
static void test_pattern_length_limit(void **state)
{
    (void)state;
    enum { MID = 40 * 1024, BIG = 64 * 1024 + 1 };
    char *refs = map(MID + BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    assert_int_equal(madvise(refs, MID + BIG, MADV_DONTDUMP), 0);
    assert_int_equal(getrandom(refs, MID + BIG, 0), MID + BIG); /* random: two unrelated */
    for (size_t i = 0; i < MID + BIG; i++)                        /* printable values */
        refs[i] = "0123456789abcdefghijklmnopqrstuv"[(unsigned char)refs[i] % 32];
    unsigned char *m = map(8 * PAGE + 2 * MID + 2 * BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    unsigned char *mid = m + PAGE, *mid16 = mid + MID + PAGE, *big = mid16 + 2 * MID + PAGE;
    memcpy(mid, refs, MID);
    for (size_t i = 0; i < MID; i++) {
        mid16[2 * i] = (unsigned char)refs[i];
        mid16[2 * i + 1] = 0;
    }
    memcpy(big, refs + MID, BIG);
    sweep_add_value(refs, MID);
    sweep_add_value(refs + MID, BIG);
    struct sweep_stats st = run();
    assert_int_equal(st.patterns, 1);
    assert_int_equal(st.dropped, 3);
    assert_true(zeros(mid, MID));
    assert_int_equal(mid16[0], (unsigned char)refs[0]); /* the UTF-16 copy, untouched */
    assert_int_equal(mid16[2 * MID - 2], (unsigned char)refs[MID - 1]);
    assert_memory_equal(big, refs + MID, BIG);
    explicit_bzero(refs, MID + BIG);
    munmap(refs, MID + BIG);
    munmap(m, 8 * PAGE + 2 * MID + 2 * BIG);
}

int main(void)
{
    safe = mmap(NULL, SAFE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (safe == MAP_FAILED || madvise(safe, SAFE_BYTES, MADV_DONTDUMP) != 0)
        return 1;
    if (sweep_prepare(0, NULL) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encodings_and_alignments),
        cmocka_unit_test(test_protections),
        cmocka_unit_test(test_shared_memory_hidden),
        cmocka_unit_test(test_private_file_mapping),
        cmocka_unit_test(test_sparse_reservation),
        cmocka_unit_test(test_short_values_ignored),
        cmocka_unit_test(test_values_from_vault),
        cmocka_unit_test(test_many_values),
        cmocka_unit_test(test_straddles_mappings),
        cmocka_unit_test(test_short_head_across_seam),
        cmocka_unit_test(test_short_tail_across_seam),
        cmocka_unit_test(test_every_split_across_seam),
        cmocka_unit_test(test_every_split_across_read_only_seam),
        cmocka_unit_test(test_seam_private_then_shared),
        cmocka_unit_test(test_seam_shared_then_private),
        cmocka_unit_test(test_short_mapping_between_seams),
        cmocka_unit_test(test_copy_from_short_mapping_start),
        cmocka_unit_test(test_copy_across_three_mappings),
        cmocka_unit_test(test_long_value_across_read_chunks),
        cmocka_unit_test(test_every_split_across_read_chunks),
        cmocka_unit_test(test_pieces_of_long_values),
        cmocka_unit_test(test_piece_at_mapping_start),
        cmocka_unit_test(test_scrub_slices_at_area_start),
        cmocka_unit_test(test_thousands_of_values),
        cmocka_unit_test(test_pattern_count_limit),
        cmocka_unit_test(test_pattern_bytes_limit),
        cmocka_unit_test(test_pattern_length_limit),
    };
    int failed = cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
    explicit_bzero(safe, SAFE_BYTES);
    return failed ? 1 : 0;
}
