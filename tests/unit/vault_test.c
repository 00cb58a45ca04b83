/* Unit tests of preload/core/vault.c and the mapping side of preload/platform/linux/memory.c:
 * slots, growth, wiping, overflow detection, guard pages, both backings, fork. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "cli/vault_smaps.h"
#include "preload/platform/platform.h"
#include "preload/core/vault.h"
#include "tests/unit/unit_util.h"

/* Test values are made up; no test prints a value, only names and offsets. */
#define NAME "APP_TOKEN"
#define VAL "fake-value-0123456789"

static struct vault vault; /* static, reset by each test */

/* Region i of the test's vault (NULL past the last). */
#define REGION(i) vault_region_at(&vault, (i))

static int teardown_vault(void **state)
{
    (void)state;
    vault_unmap(&vault);
    return 0;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Does the kernel give this process memfd_secret memory? Probed once with the raw
 * system call (not through platform_map, so a broken platform_map cannot turn the
 * secretmem tests into skips); the errno name is kept for the skip message. */
static int secretmem_errno = -1;
static bool secretmem_available(void)
{
    if (secretmem_errno < 0) {
        secretmem_errno = 0;
        size_t page = platform_page_size();
        int fd = (int)syscall(447 /* SYS_memfd_secret */, (unsigned)O_CLOEXEC);
        void *p = MAP_FAILED;
        if (fd < 0 || ftruncate(fd, (off_t)page) != 0 ||
            (p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
            secretmem_errno = errno ? errno : EINVAL;
        if (p != MAP_FAILED) {
            *(volatile char *)p = 1;
            munmap(p, page);
        }
        if (fd >= 0)
            close(fd);
    }
    return secretmem_errno == 0;
}

#define REQUIRE_SECRETMEM()                                                              \
    do {                                                                                 \
        if (!secretmem_available()) {                                                    \
            print_message("skipped: memfd_secret unavailable here (%s)\n",               \
                          strerrorname_np(secretmem_errno));                             \
            skip();                                                                      \
        }                                                                                \
    } while (0)

/* The /proc/self/smaps record of the mapping starting at `start`: its header line
 * and its VmFlags line. Returns false when there is none. */
static bool smaps_of(const void *start, char *head, size_t hlen, char *flags, size_t flen)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return false;
    char line[512], want[32];
    snprintf(want, sizeof want, "%lx-", (unsigned long)(uintptr_t)start);
    bool in = false, found = false;
    while (fgets(line, sizeof line, f)) {
        /* Records start "start-end perms ..." (lower-case hex); fields start upper-case. */
        bool header = (line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f');
        if (!header && strncmp(line, "VmFlags:", 8) != 0)
            continue;
        if (header) {
            in = strncmp(line, want, strlen(want)) == 0;
            if (in)
                snprintf(head, hlen, "%s", line);
        } else if (in) {
            snprintf(flags, flen, "%s", line);
            found = true;
            break;
        }
    }
    fclose(f);
    return found;
}

/* A "Key:  N kB" field of the smaps record starting at `start` (-1: none). */
static long smaps_kb(const void *start, const char *key)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512], want[32];
    snprintf(want, sizeof want, "%lx-", (unsigned long)(uintptr_t)start);
    bool in = false;
    long kb = -1;
    while (kb < 0 && fgets(line, sizeof line, f)) {
        bool header = strchr(line, '-') && strchr(line, ':') && line[0] != ' ' &&
                      strncmp(line, want, strlen(want)) == 0;
        if (header)
            in = true;
        else if (in && strncmp(line, key, strlen(key)) == 0)
            kb = atol(line + strlen(key));
        else if (in && strncmp(line, "VmFlags:", 8) == 0)
            break;
    }
    fclose(f);
    return kb;
}

static bool has_flag(const char *flags, const char *flag)
{
    char pat[8];
    snprintf(pat, sizeof pat, " %s ", flag);
    return strstr(flags, pat) != NULL;
}

/* ---- slots ---- */

static void store_and_find(void **state)
{
    (void)state;
    vault_init(&vault, false);
    char *e = vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL));
    assert_non_null(e);
    assert_entry_equal(e, NAME "=" VAL);
    assert_true(vault_owns(&vault, e));
    assert_ptr_equal(vault_find(&vault, NAME, strlen(NAME)), e);
    assert_null(vault_find(&vault, "APP_TOKE", 8));    /* a prefix of the name */
    assert_null(vault_find(&vault, "APP_TOKENS", 10)); /* longer name */
    assert_null(vault_find(&vault, "OTHER", 5));
    char local[] = NAME "=" VAL;
    assert_false(vault_owns(&vault, local));

    char *f = vault_store_entry(&vault, "B_PASS=x", 8);
    assert_non_null(f);
    assert_entry_equal(f, "B_PASS=x");
    assert_ptr_equal(vault_find(&vault, "B_PASS", 6), f);

    char *g = vault_store(&vault, "EMPTY_TOKEN", 11, "", 0);
    assert_non_null(g);
    assert_entry_equal(g, "EMPTY_TOKEN=");
    assert_int_equal(vault.nregions, 1);
}

/* A process with no secret draws no canary (one getrandom fewer at every start-up):
 * vault_init leaves it unset, the first region draws it before any slot exists,
 * and a later region keeps it (the slots already written stay valid). */
static void canary_drawn_with_first_region(void **state)
{
    (void)state;
    vault_init(&vault, false);
    assert_int_equal(vault.canary, 0);
    assert_non_null(vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL)));
    uint64_t c = vault.canary;
    assert_true(c != 0);
    assert_int_equal(vault_reserve(&vault, 3 * platform_page_size()), 0);
    assert_int_equal(vault.nregions, 2);
    assert_true(vault.canary == c);
    assert_int_equal(vault_wipe(&vault), 0); /* no slot reads as overwritten */
}

static void find_returns_first_live_duplicate(void **state)
{
    (void)state;
    vault_init(&vault, false);
    char *a = vault_store(&vault, NAME, strlen(NAME), "one", 3);
    char *b = vault_store(&vault, NAME, strlen(NAME), "two", 3);
    assert_ptr_equal(vault_find(&vault, NAME, strlen(NAME)), a);
    vault_release(&vault, a);
    assert_ptr_equal(vault_find(&vault, NAME, strlen(NAME)), b);
    vault_release(&vault, b);
    assert_null(vault_find(&vault, NAME, strlen(NAME)));
}

static void release_zeroes_slot(void **state)
{
    (void)state;
    vault_init(&vault, false);
    vault.keep_max = 0; /* past the keep budget: released values go at once */
    char *a = vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL));
    char *b = vault_store(&vault, "NEXT_TOKEN", 10, "keep", 4);
    size_t cap = round8(strlen(NAME "=" VAL) + 1), nlen = strlen(NAME);
    vault_release(&vault, a);
    assert_memory_equal(a, NAME "=", nlen + 1); /* the name stays, for reuse */
    assert_true(all_zero(a + nlen + 1, cap - nlen - 1));
    assert_null(vault_find(&vault, NAME, strlen(NAME)));
    assert_entry_equal(b, "NEXT_TOKEN=keep"); /* the neighbour is untouched */
    vault_release(&vault, a);                  /* twice: harmless */
    assert_entry_equal(b, "NEXT_TOKEN=keep");
    assert_int_equal(vault_wipe(&vault), 0);   /* and no slot was damaged */
}

static void count_known(const char *entry, size_t cap, void *arg)
{
    (void)entry;
    (void)cap;
    ++*(size_t *)arg;
}

/* A released value is wiped where it was (a pointer kept into it reads it emptied,
 * and its name may reuse the slot), but a copy stays for the crash sweep (the
 * program may hold copies of it): found by nothing, listed for the sweep only,
 * wiped at exit. */
static void released_value_kept_for_sweep(void **state)
{
    (void)state;
    vault_init(&vault, false);
    size_t cap = round8(strlen(NAME "=" VAL) + 1), nlen = strlen(NAME);
    char *a = vault_store(&vault, NAME, nlen, VAL, strlen(VAL));
    vault_release(&vault, a);
    assert_null(vault_find(&vault, NAME, nlen));
    assert_memory_equal(a, NAME "=", nlen + 1);
    assert_true(all_zero(a + nlen + 1, cap - nlen - 1)); /* emptied where it was */
    size_t live = 0, known = 0;
    vault_each(&vault, count_known, &live);
    vault_each_known(&vault, count_known, &known);
    assert_int_equal(live, 0);
    assert_int_equal(known, 1); /* the copy kept for the sweep */
    char *b = vault_store(&vault, NAME, nlen, "later", 5);
    assert_ptr_equal(b, a); /* the name reuses its slot, not the copy's */
    assert_entry_equal(b, NAME "=later");
    known = 0;
    vault_each_known(&vault, count_known, &known);
    assert_int_equal(known, 2);
    assert_int_equal(vault_wipe(&vault), 0);
    unsigned char *base = REGION(0)->map.data;
    for (size_t o = 0; o < REGION(0)->used; o += 8) /* headers aside, nothing of VAL */
        assert_false(memcmp(base + o, VAL, 8) == 0);
}

/* The copies kept stop at keep_max bytes: a program replacing a secret in a loop
 * does not grow the vault past it. */
static void kept_values_bounded(void **state)
{
    (void)state;
    vault_init(&vault, false);
    size_t cap = round8(strlen(NAME "=" VAL) + 1);
    vault.keep_max = 3 * cap;
    char *e = vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL));
    for (int i = 0; i < 1000; i++) {
        vault_release(&vault, e);
        e = vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL));
        assert_non_null(e);
    }
    assert_int_equal(vault.kept, 3 * cap);
    size_t known = 0;
    vault_each_known(&vault, count_known, &known);
    assert_int_equal(known, 4); /* three kept, one live */
    assert_int_equal(REGION(0)->used, 4 * vault_slot_size(strlen(NAME "=" VAL)));
    assert_int_equal(vault_wipe(&vault), 0);
}

static void release_ignores_foreign_pointer(void **state)
{
    (void)state;
    vault_init(&vault, false);
    char *a = vault_store(&vault, NAME, strlen(NAME), "v", 1);
    char local[] = "LOCAL_TOKEN=v";
    vault_release(&vault, local);
    assert_entry_equal(local, "LOCAL_TOKEN=v");
    assert_entry_equal(a, NAME "=v");
}

/* A freed slot is reused for the same name only: a pointer kept into the released
 * value then reads that variable's later value, or nothing; never another secret. */
static void freed_slot_reused_by_same_name_only(void **state)
{
    (void)state;
    vault_init(&vault, false);
    vault.keep_max = 0; /* past the keep budget: released values go at once */
    char *a = vault_store(&vault, "A_TOKEN", 7, "0123456789abcdef", 16); /* 24 bytes + NUL */
    char *b = vault_store(&vault, "B_TOKEN", 7, "x", 1);
    size_t used = REGION(0)->used;
    const char *stale = a + 8; /* what getenv("A_TOKEN") returned */
    vault_release(&vault, a);
    assert_string_equal(stale, "");
    char *c = vault_store(&vault, "C_TOKEN", 7, "short", 5); /* would fit a's slot */
    assert_ptr_not_equal(c, a);
    assert_string_equal(stale, ""); /* not C_TOKEN's value */
    assert_true(REGION(0)->used > used);
    used = REGION(0)->used;
    char *a2 = vault_store(&vault, "A_TOKEN", 7, "later", 5); /* the same name */
    assert_ptr_equal(a2, a);
    assert_entry_equal(a2, "A_TOKEN=later");
    assert_string_equal(stale, "later");
    assert_int_equal(REGION(0)->used, used); /* nothing appended */
    assert_entry_equal(b, "B_TOKEN=x");
    vault_release(&vault, a2);
    char *d = vault_store(&vault, "A_TOKEN", 7, "0123456789abcdefghijklmnop", 26);
    assert_ptr_not_equal(d, a); /* too big for the freed slot: appended */
    assert_true(REGION(0)->used > used);
    assert_int_equal(vault_wipe(&vault), 0);
}

static void many_secrets_grow_regions(void **state)
{
    (void)state;
    enum { N = 1000 };
    static char *ptr[N];
    vault_init(&vault, false);
    char name[32], val[32], want[64];
    for (int i = 0; i < N; i++) {
        int nl = snprintf(name, sizeof name, "S%d_TOKEN", i);
        int vl = snprintf(val, sizeof val, "fake-%d", i * 7919);
        ptr[i] = vault_store(&vault, name, (size_t)nl, val, (size_t)vl);
        assert_non_null(ptr[i]);
    }
    print_message("%d secrets in %u regions\n", N, vault.nregions);
    assert_true(vault.nregions > 1);
    for (int i = 0; i < N; i++) {
        int nl = snprintf(name, sizeof name, "S%d_TOKEN", i);
        snprintf(want, sizeof want, "S%d_TOKEN=fake-%d", i, i * 7919);
        assert_entry_equal(ptr[i], want);
        assert_true(vault_owns(&vault, ptr[i]));
        assert_ptr_equal(vault_find(&vault, name, (size_t)nl), ptr[i]);
    }
    /* Regions never move or overlap. */
    for (unsigned i = 0; i < vault.nregions; i++)
        for (unsigned j = i + 1; j < vault.nregions; j++)
            assert_true(REGION(i)->map.data + REGION(i)->map.size <= REGION(j)->map.data ||
                        REGION(j)->map.data + REGION(j)->map.size <= REGION(i)->map.data);
    assert_int_equal(vault_wipe(&vault), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(ptr[i][0], 0);
}

/* A value of 2.1 KB, different for each i (never printed). */
static size_t big_value(char *buf, size_t n, int i)
{
    for (size_t k = 0; k + 1 < n; k++)
        buf[k] = (char)('a' + (k * 7 + (size_t)i * 13) % 26);
    buf[n - 1] = '\0';
    return n - 1;
}

/* Secrets set one by one at run time: the vault grows without a cap, in regions
 * sized geometrically (not one per value), and every value stays in it. */
static void many_large_secrets_fit_in_few_regions(void **state)
{
    (void)state;
    enum { N = 200, LEN = 2100 };
    static char *ptr[N];
    static char val[LEN + 1];
    vault_init(&vault, false);
    char name[32];
    size_t total = 0;
    for (int i = 0; i < N; i++) {
        int nl = snprintf(name, sizeof name, "BIG%d_TOKEN", i);
        size_t vl = big_value(val, sizeof val, i);
        ptr[i] = vault_store(&vault, name, (size_t)nl, val, vl);
        if (!ptr[i])
            fail_msg("secret %d of %d not stored (%u regions)", i + 1, N, vault.nregions);
        total += vault_slot_size((size_t)nl + 1 + vl);
    }
    /* Each region is at least as large as all before it (up to VAULT_GROWTH_MAX):
     * log2 of the total in pages, plus the first. */
    unsigned bound = 2;
    for (size_t b = platform_page_size(); b < total; b *= 2)
        bound++;
    print_message("%d secrets of %d bytes (%zu bytes of slots) in %u regions (bound %u)\n", N,
                  LEN, total, vault.nregions, bound);
    assert_true(vault.nregions <= bound);
    for (int i = 0; i < N; i++) {
        int nl = snprintf(name, sizeof name, "BIG%d_TOKEN", i);
        big_value(val, sizeof val, i);
        if (strncmp(ptr[i], name, (size_t)nl) != 0 || ptr[i][nl] != '=' ||
            strcmp(ptr[i] + nl + 1, val) != 0)
            fail_msg("secret %d reads back wrong", i);
        assert_ptr_equal(vault_find(&vault, name, (size_t)nl), ptr[i]);
    }
    assert_int_equal(vault_wipe(&vault), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(ptr[i][0], 0);
}

static void count_entry(const char *entry, size_t cap, void *arg)
{
    (void)entry;
    (void)cap;
    ++*(size_t *)arg;
}

static void count_region(const struct vault_region *r, void *arg)
{
    (void)r;
    ++*(unsigned *)arg;
}

/* One region per value (growth_max lowered to a page): far more regions than the
 * descriptors inside struct vault, so the table grows in chunks; every walk (the
 * wipe, vault_each for the crash sweep, find, owns) still reaches every region. */
static void region_table_grows_in_chunks(void **state)
{
    (void)state;
    enum { N = 300, LEN = 2100 };
    static char *ptr[N];
    static char val[LEN + 1];
    vault_init(&vault, false);
    vault.keep_max = 0; /* the release below frees its slot at once */
    vault.growth_max = platform_page_size();
    char name[32];
    for (int i = 0; i < N; i++) {
        int nl = snprintf(name, sizeof name, "T%d_TOKEN", i);
        ptr[i] = vault_store(&vault, name, (size_t)nl, val, big_value(val, sizeof val, i));
        if (!ptr[i])
            fail_msg("secret %d not stored (%u regions)", i + 1, vault.nregions);
    }
    print_message("%d secrets in %u regions\n", N, vault.nregions);
    assert_true(vault.nregions > 4 + 8 + 16 + 32 + 64); /* five chunks and more */
    unsigned regions = 0;
    vault_each_region(&vault, count_region, &regions);
    assert_int_equal(regions, vault.nregions);
    assert_null(REGION(vault.nregions));
    size_t live = 0;
    vault_each(&vault, count_entry, &live);
    assert_int_equal(live, N);
    for (int i = 0; i < N; i++) {
        int nl = snprintf(name, sizeof name, "T%d_TOKEN", i);
        assert_true(vault_owns(&vault, ptr[i]));
        assert_ptr_equal(vault_find(&vault, name, (size_t)nl), ptr[i]);
    }
    vault_release(&vault, ptr[N - 1]); /* the last region's slot is reused by its name */
    int nl = snprintf(name, sizeof name, "T%d_TOKEN", N - 1);
    char *again = vault_store(&vault, name, (size_t)nl, "v", 1);
    assert_ptr_equal(again, ptr[N - 1]);
    assert_int_equal(vault_wipe(&vault), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(ptr[i][0], 0);
}

static void reserve_maps_one_region(void **state)
{
    (void)state;
    vault_init(&vault, false);
    size_t want = 100 * vault_slot_size(40);
    assert_int_equal(vault_reserve(&vault, want), 0);
    assert_int_equal(vault.nregions, 1);
    assert_true(REGION(0)->map.size >= want);
    char val[32];
    memset(val, 'v', sizeof val);
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "R%03d_TOKEN", i); /* 10 + 1 + 29 = 40 bytes */
        assert_non_null(vault_store(&vault, name, 10, val, 29));
    }
    assert_int_equal(vault.nregions, 1);
    assert_int_equal(REGION(0)->used, want);
}

static void slot_size_covers_entry(void **state)
{
    (void)state;
    for (size_t n = 0; n < 100; n++) {
        size_t s = vault_slot_size(n);
        assert_int_equal(s % 8, 0);
        assert_true(s >= n + 1 + 16);
        assert_true(s <= n + 1 + 16 + 7);
    }
}

static void release_all_zeroes_everything(void **state)
{
    (void)state;
    vault_init(&vault, false);
    vault.keep_max = 0; /* past the keep budget: released values go at once */
    char *a = vault_store(&vault, "A_TOKEN", 7, VAL, strlen(VAL));
    char *b = vault_store(&vault, "B_TOKEN", 7, VAL, strlen(VAL));
    vault_release_all(&vault);
    assert_true(all_zero(a + 8, strlen(VAL) + 1)); /* the values; the names stay */
    assert_true(all_zero(b + 8, strlen(VAL) + 1));
    assert_null(vault_find(&vault, "A_TOKEN", 7));
    assert_null(vault_find(&vault, "B_TOKEN", 7));
}

/* ---- wiping ---- */

static void wipe_zeroes_every_value(void **state)
{
    (void)state;
    vault_init(&vault, false);
    char *e[20];
    size_t len[20];
    char name[16];
    for (int i = 0; i < 20; i++) {
        int nl = snprintf(name, sizeof name, "W%d_TOKEN", i);
        e[i] = vault_store(&vault, name, (size_t)nl, VAL, strlen(VAL) - (size_t)(i % 9));
        assert_non_null(e[i]);
        len[i] = strlen(e[i]);
    }
    vault_release(&vault, e[3]);
    assert_int_equal(vault_wipe(&vault), 0);
    assert_true(vault.wiped);
    for (int i = 0; i < 20; i++)
        if (!all_zero(e[i], round8(len[i] + 1)))
            fail_msg("slot %d not wiped", i);
    /* Every data byte of the used region is zero; only headers and canaries remain. */
    unsigned char *base = REGION(0)->map.data;
    size_t nonzero = 0;
    for (size_t i = 0; i < REGION(0)->used; i++)
        nonzero += base[i] != 0;
    assert_true(nonzero <= 20 * 16);
}

static void wipe_detects_canary_overflow(void **state)
{
    (void)state;
    vault_init(&vault, false);
    /* "O_TOKEN=" + 7 bytes + NUL = 16: the byte after the NUL is the canary's first. */
    char *a = vault_store(&vault, "O_TOKEN", 7, "1234567", 7);
    char *b = vault_store(&vault, "P_TOKEN", 7, "1234567", 7);
    assert_int_equal(strlen(a) + 1, 16);
    a[16] ^= 0x5a; /* one byte past the NUL */
    assert_int_equal(vault_wipe(&vault), 1);
    assert_true(all_zero(a, 16));
    assert_true(all_zero(b, 16));
}

static void wipe_without_overflow_reports_zero(void **state)
{
    (void)state;
    vault_init(&vault, false);
    char *a = vault_store(&vault, "O_TOKEN", 7, "1234567", 7);
    a[15] = 'x'; /* overwrites the NUL but stays inside the slot */
    assert_int_equal(vault_wipe(&vault), 0);
    assert_true(all_zero(a, 16));
}

static void wipe_counts_and_wipes_trashed_header(void **state)
{
    (void)state;
    vault_init(&vault, false);
    char *a = vault_store(&vault, "A_TOKEN", 7, VAL, strlen(VAL));
    char *b = vault_store(&vault, "B_TOKEN", 7, VAL, strlen(VAL));
    char *c = vault_store(&vault, "C_TOKEN", 7, VAL, strlen(VAL));
    size_t n = strlen(a) + 1;
    memset(b - 8, 'Z', 8); /* b's header (cap and state) */
    assert_int_equal(vault_wipe(&vault), 1);
    assert_true(all_zero(a, n));
    assert_true(all_zero(b - 8, n + 8));
    assert_true(all_zero(c, n));
}

static void wipe_twice_is_harmless(void **state)
{
    (void)state;
    vault_init(&vault, false);
    char *a = vault_store(&vault, "A_TOKEN", 7, VAL, strlen(VAL));
    assert_int_equal(vault_wipe(&vault), 0);
    assert_int_equal(vault_wipe(&vault), 0);
    assert_int_equal(a[0], 0);
    /* Storing after the wipe still works (e.g. an atexit handler calls setenv). */
    char *b = vault_store(&vault, "B_TOKEN", 7, "v", 1);
    assert_non_null(b);
    assert_entry_equal(b, "B_TOKEN=v");
}

static void empty_vault_wipe(void **state)
{
    (void)state;
    vault_init(&vault, true);
    assert_int_equal(vault_wipe(&vault), 0);
    assert_int_equal(vault.nregions, 0);
}

/* ---- guard pages ---- */

struct guard_arg {
    unsigned char *at;
};

static void write_byte(void *arg)
{
    struct guard_arg *g = arg;
    *(volatile unsigned char *)g->at = 0x41;
}

static void check_guards(bool secretmem)
{
    vault_init(&vault, secretmem);
    assert_non_null(vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL)));
    const struct mapping *m = &REGION(0)->map;
    assert_int_equal(m->backing, secretmem ? BACKING_SECRETMEM : BACKING_ANON);
    char why[96];
    struct {
        unsigned char *at;
        bool faults;
        const char *what;
    } cases[] = {
        {m->data - 1, true, "one byte before the data"},
        {m->data + m->size, true, "one byte past the data"},
        {m->data - platform_page_size(), true, "start of the leading guard page"},
        {m->data + m->size + platform_page_size() - 1, true, "end of the trailing guard page"},
        {m->data + m->size - 1, false, "last data byte (control)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct guard_arg g = {cases[i].at};
        int st = run_in_child(write_byte, &g);
        bool segv = WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
        bool clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        if (cases[i].faults ? !segv : !clean)
            fail_msg("write at %s: child %s", cases[i].what, status_text(st, why, sizeof why));
    }
    assert_entry_equal((char *)m->data + 8, NAME "=" VAL); /* the parent is untouched */
}

static void guard_pages_anon(void **state)
{
    (void)state;
    check_guards(false);
}

static void guard_pages_secretmem(void **state)
{
    (void)state;
    REQUIRE_SECRETMEM();
    check_guards(true);
}

/* ---- backings ---- */

static bool have_cap_ipc_lock(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return false;
    return (d[CAP_IPC_LOCK / 32].effective >> (CAP_IPC_LOCK % 32)) & 1;
}

static bool mlock_allowed(size_t size)
{
    struct rlimit rl;
    if (have_cap_ipc_lock())
        return true;
    return getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
           (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= size + (1u << 20));
}

static void backing_secretmem(void **state)
{
    (void)state;
    REQUIRE_SECRETMEM();
    struct mapping m;
    struct map_report r;
    assert_int_equal(platform_map(10000, true, &m, &r), 0);
    if (m.backing != BACKING_SECRETMEM)
        fail_msg("the kernel has memfd_secret but platform_map fell back (%s)",
                 strerrorname_np(r.secretmem_errno));
    assert_int_equal(r.secretmem_errno, 0);
    assert_true(m.locked);
    assert_true(m.dontdump);
    assert_int_equal(m.size, 3 * platform_page_size());
    assert_int_equal((uintptr_t)m.data % platform_page_size(), 0);
    assert_true(all_zero(m.data, m.size));
    memcpy(m.data, VAL, sizeof VAL);

    char head[512] = "", flags[512] = "";
    assert_true(smaps_of(m.data, head, sizeof head, flags, sizeof flags));
    assert_non_null(strstr(head, "/secretmem"));
    assert_true(has_flag(flags, "dd"));
    /* The kernel refuses to read secretmem even for the owner via /proc/self/mem. */
    int fd = open("/proc/self/mem", O_RDONLY);
    assert_true(fd >= 0);
    char buf[sizeof VAL];
    ssize_t got = pread(fd, buf, sizeof buf, (off_t)(uintptr_t)m.data);
    int err = errno;
    close(fd);
    assert_int_equal(got, -1);
    assert_int_equal(err, EIO);
    mapping_unmap(&m);
}

static void backing_anon(void **state)
{
    (void)state;
    struct mapping m;
    struct map_report r;
    assert_int_equal(platform_map(10000, false, &m, &r), 0);
    assert_int_equal(m.backing, BACKING_ANON);
    assert_int_equal(r.secretmem_errno, EPERM); /* not tried */
    assert_true(m.dontdump);
    assert_int_equal(m.size, 3 * platform_page_size());
    bool allowed = mlock_allowed(m.size);
    assert_int_equal(m.locked, allowed);
    assert_int_equal(r.mlock_errno != 0, !allowed);
    memcpy(m.data, VAL, sizeof VAL);

    /* The effects are real: the kernel reports the VMA as locked and not dumped. */
    char head[512] = "", flags[512] = "";
    assert_true(smaps_of(m.data, head, sizeof head, flags, sizeof flags));
    assert_non_null(strstr(head, " rw-p "));
    assert_true(has_flag(flags, "dd"));
    assert_true(has_flag(flags, "rr")); /* the mark that tells it from other memory */
    struct vault_map vm[64];
    int nv = vault_smaps_read(0, vm, 64), seen = 0;
    for (int i = 0; i < nv && i < 64; i++)
        seen += vm[i].start == (uintptr_t)m.data && vm[i].end == (uintptr_t)m.data + m.size;
    assert_int_equal(seen, 1);
    assert_int_equal(has_flag(flags, "lo"), allowed);
    /* Guard pages are separate inaccessible VMAs. */
    char gh[512] = "", gf[512] = "";
    assert_true(smaps_of(m.data - platform_page_size(), gh, sizeof gh, gf, sizeof gf));
    assert_non_null(strstr(gh, " ---p "));
    mapping_unmap(&m);
}

/* Drops CAP_IPC_LOCK and lowers the memlock allowance to `limit` bytes (in a child). */
static bool limit_mlock(rlim_t limit)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return false;
    d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
    d[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
    if (syscall(SYS_capset, &h, d) != 0)
        return false;
    struct rlimit lim = {limit, limit};
    return setrlimit(RLIMIT_MEMLOCK, &lim) == 0 && !have_cap_ipc_lock();
}

static bool drop_mlock_rights(void)
{
    return limit_mlock(0);
}

static void map_without_mlock_rights(void *arg)
{
    bool secretmem = *(bool *)arg;
    CHILD_CHECK(drop_mlock_rights());
    struct mapping m;
    struct map_report r;
    CHILD_CHECK(platform_map(4096, secretmem, &m, &r) == 0);
    /* Still a usable, non-dumpable vault, just not locked; the reasons are kept. */
    CHILD_CHECK(m.backing == BACKING_ANON);
    CHILD_CHECK(!m.locked);
    CHILD_CHECK(m.dontdump);
    CHILD_CHECK(r.mlock_errno == EPERM || r.mlock_errno == ENOMEM);
    CHILD_CHECK(secretmem ? r.secretmem_errno != 0 : r.secretmem_errno == EPERM);
    memcpy(m.data, "ok", 3);
    CHILD_CHECK(strcmp((char *)m.data, "ok") == 0);
}

static void anon_without_mlock_rights(void **state)
{
    (void)state;
    bool secretmem = false;
    char why[96];
    int st = run_in_child(map_without_mlock_rights, &secretmem);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("child %s", status_text(st, why, sizeof why));
}

static void secretmem_without_mlock_rights_falls_back(void **state)
{
    (void)state;
    REQUIRE_SECRETMEM();
    bool secretmem = true;
    char why[96];
    int st = run_in_child(map_without_mlock_rights, &secretmem);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("child %s", status_text(st, why, sizeof why));
}

/* ---- protection of regions added after start-up (vault_policy) ---- */

static unsigned events[3];
static const char *event_what;

static void count_event(enum vault_event ev, const char *what, int err)
{
    (void)err;
    events[ev]++;
    event_what = what;
}

static void enforce(bool allow_secretmem, bool need_secretmem, bool refuse)
{
    vault_init(&vault, allow_secretmem);
    memset(events, 0, sizeof events);
    vault.policy = (struct vault_policy){true, need_secretmem, refuse, count_event, NULL};
}

/* True while /proc/self/smaps shows an anonymous vault mapping. */
static bool vault_anon_mapped(void)
{
    struct vault_map m[8];
    return vault_smaps_read(0, m, 8) > 0;
}

static void refuse_unlocked(void *arg)
{
    (void)arg;
    CHILD_CHECK(drop_mlock_rights());
    enforce(false, false, true);
    CHILD_CHECK(vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL)) == NULL);
    CHILD_CHECK(vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL)) == NULL);
    CHILD_CHECK(vault.map_errno == ENOMEM);
    CHILD_CHECK(vault.nregions == 0);
    CHILD_CHECK(events[VAULT_REFUSED] == 2 && events[VAULT_DEGRADED] == 0);
    CHILD_CHECK(strstr(event_what, "mlock refused") != NULL);
    CHILD_CHECK(!vault_anon_mapped()); /* the unlocked region was given back */
}

static void warn_unlocked(void *arg)
{
    (void)arg;
    CHILD_CHECK(drop_mlock_rights());
    enforce(false, false, false);
    char *e = vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL));
    CHILD_CHECK(e != NULL && strcmp(e, NAME "=" VAL) == 0);
    CHILD_CHECK(events[VAULT_DEGRADED] == 1 && events[VAULT_REFUSED] == 0);
    CHILD_CHECK(strstr(event_what, "mlock refused") != NULL);
    CHILD_CHECK(!REGION(0)->map.locked && REGION(0)->map.dontdump);
    size_t live = 0;
    vault_each(&vault, count_entry, &live); /* what the crash sweep takes */
    CHILD_CHECK(live == 1);
    CHILD_CHECK(vault_wipe(&vault) == 0 && e[0] == '\0');
}

static void expect_child_ok(void (*fn)(void *))
{
    char why[96];
    int st = run_in_child(fn, NULL);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("child %s", status_text(st, why, sizeof why));
}

static void new_region_without_mlock_refused(void **state)
{
    (void)state;
    expect_child_ok(refuse_unlocked);
}

static void new_region_without_mlock_warned_and_kept(void **state)
{
    (void)state;
    expect_child_ok(warn_unlocked);
}

/* Under a memlock limit of 60 KiB: regions of 4, 4, 8 and 16 KiB are locked; the
 * next, 32 KiB, would not be, so it is mapped again at the size the value needs,
 * and so on: the vault fills nearly all of the allowance, every region locked. */
static void fill_memlock_allowance(void *arg)
{
    (void)arg;
    CHILD_CHECK(limit_mlock(60 * 1024));
    enforce(false, false, true);
    static char val[3000 + 1];
    char name[32];
    int stored = 0;
    for (;; stored++) {
        int nl = snprintf(name, sizeof name, "L%d_TOKEN", stored);
        if (!vault_store(&vault, name, (size_t)nl, val, big_value(val, sizeof val, stored)))
            break;
        CHILD_CHECK(stored < 1000);
    }
    for (unsigned i = 0; i < vault.nregions; i++)
        CHILD_CHECK(REGION(i)->map.locked);
    CHILD_CHECK(vault.mapped >= 56 * 1024);
    CHILD_CHECK(events[VAULT_REFUSED] == 1);
}

static void growth_stays_within_memlock_allowance(void **state)
{
    (void)state;
    expect_child_ok(fill_memlock_allowance);
}

/* Address space this process has mapped, in bytes (/proc/self/status VmSize). */
static size_t vm_size(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %zu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

/* When the geometric region cannot be mapped at all (here: RLIMIT_AS), one of the
 * size the value needs is, and the store succeeds. */
static void shrink_when_large_region_fails(void *arg)
{
    (void)arg;
    enforce(false, false, true);
    static char val[3000 + 1];
    char name[32];
    for (int i = 0; vault.mapped < 512 * 1024; i++) {
        int nl = snprintf(name, sizeof name, "AS%d_TOKEN", i);
        CHILD_CHECK(vault_store(&vault, name, (size_t)nl, val, big_value(val, sizeof val, i)));
    }
    /* Fill the last region, so that the next value needs a new one. */
    unsigned regions = vault.nregions;
    for (int i = 0; vault.nregions == regions; i++) {
        int nl = snprintf(name, sizeof name, "FILL%d_TOKEN", i);
        CHILD_CHECK(vault_store(&vault, name, (size_t)nl, val, big_value(val, sizeof val, i)));
    }
    const struct vault_region *last = REGION(vault.nregions - 1);
    CHILD_CHECK(last->map.size == VAULT_GROWTH_MAX); /* grown: at the cap */
    size_t in_last = last->used;
    CHILD_CHECK(in_last < last->map.size);
    /* Room for a few pages more, not for another VAULT_GROWTH_MAX. */
    struct rlimit as = {vm_size() + 64 * 1024, RLIM_INFINITY};
    CHILD_CHECK(setrlimit(RLIMIT_AS, &as) == 0);
    for (int i = 0; vault.nregions == regions + 1; i++) {
        int nl = snprintf(name, sizeof name, "MORE%d_TOKEN", i);
        CHILD_CHECK(vault_store(&vault, name, (size_t)nl, val, big_value(val, sizeof val, i)));
    }
    CHILD_CHECK(REGION(vault.nregions - 1)->map.size < VAULT_GROWTH_MAX);
    CHILD_CHECK(events[VAULT_NO_MEMORY] == 0 && events[VAULT_REFUSED] == 0);
}

static void growth_shrinks_when_large_region_fails(void **state)
{
    (void)state;
    expect_child_ok(shrink_when_large_region_fails);
}

/* ENVSEAL_VAULT=secretmem: a private-pages region does not do. */
static void new_region_without_secretmem_refused(void **state)
{
    (void)state;
    enforce(false, true, true);
    assert_null(vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL)));
    assert_int_equal(events[VAULT_REFUSED], 1);
    assert_non_null(strstr(event_what, "memfd_secret unavailable"));
    assert_int_equal(vault.nregions, 0);
    enforce(false, true, false);
    assert_non_null(vault_store(&vault, NAME, strlen(NAME), VAL, strlen(VAL)));
    assert_int_equal(events[VAULT_DEGRADED], 1);
}

/* ---- fork ---- */

#define NSEC 40
static char *fork_ptr[NSEC];
static bool fork_locked; /* the parent's region was locked before the fork */

static void fill_for_fork(bool secretmem)
{
    vault_init(&vault, secretmem);
    char name[32];
    for (int i = 0; i < NSEC; i++) {
        int nl = snprintf(name, sizeof name, "F%d_TOKEN", i);
        fork_ptr[i] = vault_store(&vault, name, (size_t)nl, VAL, strlen(VAL));
        assert_non_null(fork_ptr[i]);
    }
    assert_int_equal(REGION(0)->map.backing, secretmem ? BACKING_SECRETMEM : BACKING_ANON);
    fork_locked = REGION(0)->map.locked;
}

static bool parent_values_intact(void)
{
    char name[32], want[64];
    for (int i = 0; i < NSEC; i++) {
        snprintf(name, sizeof name, "F%d_TOKEN", i);
        snprintf(want, sizeof want, "%s=%s", name, VAL);
        if (strcmp(fork_ptr[i], want) != 0)
            return false;
    }
    return true;
}

static void child_unshares_then_wipes(void *arg)
{
    bool secretmem = *(bool *)arg;
    vault_after_fork_child(&vault);
    CHILD_CHECK(!REGION(0)->borrowed);
    CHILD_CHECK(REGION(0)->map.backing == (secretmem ? BACKING_SECRETMEM : BACKING_ANON));
    CHILD_CHECK(REGION(0)->map.locked == fork_locked); /* mlock is not inherited: redone */
    if (!secretmem && fork_locked) {
        /* Locked again without a copy: the pages are still the parent's. */
        const void *data = REGION(0)->map.data;
        char head[512], flags[512];
        CHILD_CHECK(smaps_of(data, head, sizeof head, flags, sizeof flags));
        CHILD_CHECK(has_flag(flags, "lo"));
        CHILD_CHECK(smaps_kb(data, "Locked:") > 0);
        CHILD_CHECK(smaps_kb(data, "Private_Dirty:") == 0);
        CHILD_CHECK(smaps_kb(data, "Shared_Dirty:") > 0);
    }
    /* Pointers are still valid in the child and hold the same entries. */
    char name[32];
    for (int i = 0; i < NSEC; i++) {
        int nl = snprintf(name, sizeof name, "F%d_TOKEN", i);
        CHILD_CHECK(vault_find(&vault, name, (size_t)nl) == fork_ptr[i]);
        CHILD_CHECK(strcmp(fork_ptr[i] + nl + 1, VAL) == 0);
    }
    /* Write, release and wipe: none of it may reach the parent. */
    memset(fork_ptr[0] + 3, 'X', 5);
    vault_release(&vault, fork_ptr[1]);
    CHILD_CHECK(vault_store(&vault, "NEW_TOKEN", 9, "child", 5) != NULL);
    CHILD_CHECK(vault_wipe(&vault) == 0);
    for (int i = 0; i < NSEC; i++)
        CHILD_CHECK(fork_ptr[i][0] == 0);
}

/* A child made without the fork handlers (_Fork, clone): no unshare. Its wipe and
 * its stores leave the shared pages to the process that owns them; a store takes
 * the child's own copy first. */
static void child_wipes_and_stores_without_unshare(void *arg)
{
    (void)arg;
    CHILD_CHECK(vault_wipe(&vault) == 0);
    CHILD_CHECK(vault_store(&vault, "NEW_TOKEN", 9, "child-value", 11) != NULL);
    CHILD_CHECK(vault_wipe(&vault) == 0);
}

/* The control's child: as before the owner check, the wipe takes the pages as its own. */
static void child_wipes_without_unshare(void *arg)
{
    (void)arg;
    vault.secretmem_owner = 0;
    CHILD_CHECK(vault_wipe(&vault) == 0);
}

static void run_fork_case(bool secretmem, void (*child)(void *))
{
    char why[96];
    int st = run_in_child(child, &secretmem);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("child %s", status_text(st, why, sizeof why));
}

static void fork_child_separate_secretmem(void **state)
{
    (void)state;
    REQUIRE_SECRETMEM();
    fill_for_fork(true);
    run_fork_case(true, child_unshares_then_wipes);
    assert_true(parent_values_intact());
    assert_null(vault_find(&vault, "NEW_TOKEN", 9));
    assert_int_equal(vault_wipe(&vault), 0); /* the parent's canaries were not touched */
}

static void fork_child_separate_anon(void **state)
{
    (void)state;
    fill_for_fork(false);
    run_fork_case(false, child_unshares_then_wipes);
    assert_true(parent_values_intact());
    assert_null(vault_find(&vault, "NEW_TOKEN", 9));
    assert_int_equal(vault_wipe(&vault), 0);
}

/* Control for the check above: a plain mlock in the child copies the pages it locks
 * (it faults them in for writing), which the check sees as Private_Dirty. */
static void child_plain_mlock_copies(void *arg)
{
    (void)arg;
    const void *data = REGION(0)->map.data;
    CHILD_CHECK(smaps_kb(data, "Private_Dirty:") == 0);
    CHILD_CHECK(mlock(data, REGION(0)->map.size) == 0);
    CHILD_CHECK(smaps_kb(data, "Private_Dirty:") > 0);
}

static void control_plain_mlock_copies_in_child(void **state)
{
    (void)state;
    fill_for_fork(false);
    if (!fork_locked)
        skip();
    run_fork_case(false, child_plain_mlock_copies);
    assert_int_equal(vault_wipe(&vault), 0);
}

static void raw_fork_child_leaves_shared_secretmem(void **state)
{
    (void)state;
    REQUIRE_SECRETMEM();
    fill_for_fork(true);
    run_fork_case(true, child_wipes_and_stores_without_unshare);
    assert_true(parent_values_intact());
    assert_null(vault_find(&vault, "NEW_TOKEN", 9));
    assert_int_equal(vault_wipe(&vault), 0);
}

/* Control: why vault_after_fork_child and the owner check exist. secretmem is
 * MAP_SHARED, so without them a child's exit wipe erases the parent's secrets. */
static void control_secretmem_shared_without_unshare(void **state)
{
    (void)state;
    REQUIRE_SECRETMEM();
    fill_for_fork(true);
    run_fork_case(true, child_wipes_without_unshare);
    assert_false(parent_values_intact());
    for (int i = 0; i < NSEC; i++)
        assert_int_equal(fork_ptr[i][0], 0);
}

/* When the child cannot get its own copy (here: no right to lock memory, which
 * secretmem needs), the region stays shared and marked borrowed: nothing the child
 * does to its vault may then write into it, or the parent's secrets change. */
static void child_with_borrowed_region(void *arg)
{
    (void)arg;
    CHILD_CHECK(drop_mlock_rights());
    vault_after_fork_child(&vault);
    CHILD_CHECK(REGION(0)->borrowed);
    CHILD_CHECK(strcmp(fork_ptr[2] + strlen("F2_TOKEN="), VAL) == 0); /* still readable */
    /* What unsetenv does: release every entry vault_find returns. It must end. */
    int rounds = 0;
    char *e;
    while ((e = vault_find(&vault, "F0_TOKEN", 8)) != NULL && rounds++ < 3)
        vault_release(&vault, e);
    CHILD_CHECK(rounds == 0);
    vault_release(&vault, fork_ptr[0]); /* the entry replaced by a setenv */
    CHILD_CHECK(vault_store(&vault, "NEW_TOKEN", 9, "c", 1) != NULL);
    vault_release_all(&vault); /* clearenv */
    vault_wipe(&vault);        /* exit */
}

static void fork_child_borrowed_region_left_alone(void **state)
{
    (void)state;
    REQUIRE_SECRETMEM();
    fill_for_fork(true);
    /* A slot the parent freed before the fork: the child must not reuse it. */
    char *spare = vault_store(&vault, "SPARE_TOKEN", 11, VAL, strlen(VAL));
    assert_non_null(spare);
    vault_release(&vault, spare);
    run_fork_case(true, child_with_borrowed_region);
    int damaged = 0;
    for (int i = 0; i < NSEC; i++)
        damaged += fork_ptr[i][0] == 0;
    if (damaged)
        fail_msg("the child's release/store/wipe erased %d of the parent's %d entries", damaged,
                 NSEC);
    assert_true(parent_values_intact());
    assert_null(vault_find(&vault, "NEW_TOKEN", 9));
    assert_int_equal(vault_wipe(&vault), 0);
}

static void fork_child_guard_pages_stay(void *arg)
{
    (void)arg;
    vault_after_fork_child(&vault);
    /* A grandchild writes one byte before the re-mapped data: still a guard page. */
    struct guard_arg g = {REGION(0)->map.data - 1};
    int st = run_in_child(write_byte, &g);
    CHILD_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    g.at = REGION(0)->map.data + REGION(0)->map.size;
    st = run_in_child(write_byte, &g);
    CHILD_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

static void fork_child_keeps_guard_pages_secretmem(void **state)
{
    (void)state;
    REQUIRE_SECRETMEM();
    fill_for_fork(true);
    run_fork_case(true, fork_child_guard_pages_stay);
    assert_true(parent_values_intact());
}

/* Strings an earlier constructor gave putenv are never wiped: those listed, and
 * after an overflow (some not listed) none. */
static void wipe_spares_callers_strings(void **state)
{
    (void)state;
    static char caller[8], other[8];
    struct vault v;
    vault_init(&v, false);
    assert_true(vault_may_wipe(&v, caller)); /* no list: every copied string */
    struct vault_callers k = {.list = {caller}, .listed = 1};
    v.policy.callers = &k;
    assert_false(vault_may_wipe(&v, caller));
    assert_true(vault_may_wipe(&v, other));
    k.overflow = true;
    assert_false(vault_may_wipe(&v, caller));
    assert_false(vault_may_wipe(&v, other));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(store_and_find, teardown_vault),
        cmocka_unit_test_teardown(find_returns_first_live_duplicate, teardown_vault),
        cmocka_unit_test_teardown(release_zeroes_slot, teardown_vault),
        cmocka_unit_test_teardown(release_ignores_foreign_pointer, teardown_vault),
        cmocka_unit_test_teardown(freed_slot_reused_by_same_name_only, teardown_vault),
        cmocka_unit_test_teardown(released_value_kept_for_sweep, teardown_vault),
        cmocka_unit_test_teardown(kept_values_bounded, teardown_vault),
        cmocka_unit_test_teardown(many_secrets_grow_regions, teardown_vault),
        cmocka_unit_test_teardown(many_large_secrets_fit_in_few_regions, teardown_vault),
        cmocka_unit_test_teardown(region_table_grows_in_chunks, teardown_vault),
        cmocka_unit_test_teardown(reserve_maps_one_region, teardown_vault),
        cmocka_unit_test(slot_size_covers_entry),
        cmocka_unit_test_teardown(release_all_zeroes_everything, teardown_vault),
        cmocka_unit_test_teardown(wipe_zeroes_every_value, teardown_vault),
        cmocka_unit_test_teardown(wipe_detects_canary_overflow, teardown_vault),
        cmocka_unit_test_teardown(canary_drawn_with_first_region, teardown_vault),
        cmocka_unit_test_teardown(wipe_without_overflow_reports_zero, teardown_vault),
        cmocka_unit_test_teardown(wipe_counts_and_wipes_trashed_header, teardown_vault),
        cmocka_unit_test_teardown(wipe_twice_is_harmless, teardown_vault),
        cmocka_unit_test_teardown(empty_vault_wipe, teardown_vault),
        cmocka_unit_test_teardown(guard_pages_anon, teardown_vault),
        cmocka_unit_test_teardown(guard_pages_secretmem, teardown_vault),
        cmocka_unit_test(wipe_spares_callers_strings),
        cmocka_unit_test(backing_secretmem),
        cmocka_unit_test(backing_anon),
        cmocka_unit_test(anon_without_mlock_rights),
        cmocka_unit_test(secretmem_without_mlock_rights_falls_back),
        cmocka_unit_test(new_region_without_mlock_refused),
        cmocka_unit_test(new_region_without_mlock_warned_and_kept),
        cmocka_unit_test(growth_stays_within_memlock_allowance),
        cmocka_unit_test(growth_shrinks_when_large_region_fails),
        cmocka_unit_test_teardown(new_region_without_secretmem_refused, teardown_vault),
        cmocka_unit_test_teardown(fork_child_separate_secretmem, teardown_vault),
        cmocka_unit_test_teardown(raw_fork_child_leaves_shared_secretmem, teardown_vault),
        cmocka_unit_test_teardown(fork_child_separate_anon, teardown_vault),
        cmocka_unit_test_teardown(control_plain_mlock_copies_in_child, teardown_vault),
        cmocka_unit_test_teardown(control_secretmem_shared_without_unshare, teardown_vault),
        cmocka_unit_test_teardown(fork_child_keeps_guard_pages_secretmem, teardown_vault),
        cmocka_unit_test_teardown(fork_child_borrowed_region_left_alone, teardown_vault),
    };
    return cmocka_run_group_tests_name("vault", tests, NULL, NULL);
}
