/* The crash-time sweep (sweep.h). Multi-pattern search in one pass over memory.
 * A value shorter than SWEEP_PIECE is searched for whole; of a longer one, every
 * run of SWEEP_PIECE or more bytes it shares with memory is removed (a partial
 * copy, a slice a vector register spilled, a copy cut by a crash inside memcpy).
 * Either way each occurrence spans at least `span` = min(minlen, SWEEP_PIECE) bytes,
 * so sampling one 4-byte window every `step` = span-3 bytes meets it. The grams of
 * a whole value (its first `step` offsets) and of a pieced value (every offset) go
 * into a bit filter; a sampled window that passes it is looked up among the sorted
 * grams and checked. All state lives in one scratch mapping core dumps leave out. */
#define _GNU_SOURCE
#include "preload/crash/sweep.h"

#include <string.h>

#include "preload/platform/platform.h"

/* Room for about 11,000 secrets of 32 ASCII bytes (raw and UTF-16); the mapping is
 * reserved, not allocated: only what a sweep uses is ever touched. */
#define FILTER_BITS 21
#define PATTERNS_MAX 32768 /* struct gram indexes them in 16 bits */
#define PATTERN_BYTES (1024 * 1024)
#define GRAMS_MAX PATTERN_BYTES /* at most one per pattern byte */
#define PATTERN_LEN_MAX (64 * 1024) /* keeps a pattern well inside one read chunk */
#define IO_BYTES (256 * 1024)
#define TEXT_BYTES (32 * 1024)
#define PAGEMAP_ENTRIES 4096

struct pattern {
    uint32_t off, len; /* in scratch.bytes */
};

struct gram {
    uint32_t value;   /* 4 bytes of a pattern, as loaded from memory */
    uint16_t pattern; /* index in scratch.patterns */
    uint16_t at;      /* offset of the gram in the pattern */
};

struct scratch {
    uint64_t filter[(1u << FILTER_BITS) / 64];
    struct gram grams[GRAMS_MAX];
    struct pattern patterns[PATTERNS_MAX];
    uint64_t pagemap[PAGEMAP_ENTRIES];
    unsigned char bytes[PATTERN_BYTES];
    unsigned char io[IO_BYTES];
    char text[TEXT_BYTES];
    uint32_t npatterns, ngrams, nbytes, dropped;
    uint32_t step, minlen, maxlen;
    bool built;
};

#define SCRATCH_SIZE ((sizeof(struct scratch) + 65535) & ~(size_t)65535)

static struct scratch *scratch ENVSEAL_HOT; /* mapped at start-up */

static struct scratch *get_scratch(void)
{
    struct scratch *s = __atomic_load_n(&scratch, __ATOMIC_ACQUIRE);
    if (!s) {
        s = platform_map_scratch(SCRATCH_SIZE, 0, NULL);
        __atomic_store_n(&scratch, s, __ATOMIC_RELEASE);
    }
    return s;
}

int sweep_prepare(size_t stack_size, void **stack)
{
    if (stack_size == 0)
        return get_scratch() ? 0 : -1;
    /* One mapping for both: a system call or two fewer in every process. */
    struct scratch *s = platform_map_scratch(SCRATCH_SIZE, stack_size, stack);
    __atomic_store_n(&scratch, s, __ATOMIC_RELEASE);
    return s ? 0 : -1;
}

/* ---- Patterns --------------------------------------------------------------- */

/* Next code point of strict UTF-8, or -1 when malformed. */
static long utf8_next(const unsigned char **p, const unsigned char *end)
{
    unsigned c = *(*p)++;
    if (c < 0x80)
        return c;
    int n;
    unsigned long cp, min;
    if ((c & 0xe0) == 0xc0) {
        n = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 3, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (end - *p < n)
        return -1;
    for (int i = 0; i < n; i++) {
        c = *(*p)++;
        if ((c & 0xc0) != 0x80)
            return -1;
        cp = cp << 6 | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    return (long)cp;
}

enum encoding { ENC_RAW, ENC_LATIN1, ENC_UTF16LE };

/* Writes value in the encoding to out (room for 2*len bytes); returns its length. */
static size_t encode(const unsigned char *v, size_t len, enum encoding e, unsigned char *out)
{
    if (e == ENC_RAW) {
        memcpy(out, v, len);
        return len;
    }
    size_t n = 0;
    for (const unsigned char *p = v, *end = v + len; p < end;) {
        unsigned long cp = (unsigned long)utf8_next(&p, end); /* validated by the caller */
        if (e == ENC_LATIN1) {
            out[n++] = (unsigned char)cp;
        } else if (cp < 0x10000) {
            out[n++] = (unsigned char)cp;
            out[n++] = (unsigned char)(cp >> 8);
        } else {
            unsigned long hi = 0xd800 + ((cp - 0x10000) >> 10), lo = 0xdc00 + (cp & 0x3ff);
            out[n++] = (unsigned char)hi;
            out[n++] = (unsigned char)(hi >> 8);
            out[n++] = (unsigned char)lo;
            out[n++] = (unsigned char)(lo >> 8);
        }
    }
    /* UTF-16 of ASCII ends in a zero byte: leave it out, so a string that ends
     * exactly at a page followed by an untouched (zero) page still matches. */
    if (e == ENC_UTF16LE && n > 0 && out[n - 1] == 0)
        n--;
    return n;
}

static void add_pattern(struct scratch *s, const unsigned char *v, size_t len, enum encoding e)
{
    size_t room = e == ENC_RAW ? len : 2 * len;
    if (s->npatterns >= PATTERNS_MAX || room > PATTERN_LEN_MAX ||
        room > PATTERN_BYTES - s->nbytes) {
        s->dropped++;
        return;
    }
    unsigned char *out = s->bytes + s->nbytes;
    size_t n = encode(v, len, e, out);
    if (n < SWEEP_MIN_VALUE)
        return;
    for (uint32_t i = 0; i < s->npatterns; i++) /* the same bytes twice: one is enough */
        if (s->patterns[i].len == n && memcmp(s->bytes + s->patterns[i].off, out, n) == 0) {
            explicit_bzero(out, n);
            return;
        }
    s->patterns[s->npatterns++] = (struct pattern){s->nbytes, (uint32_t)n};
    s->nbytes += (uint32_t)n;
    s->built = false;
}

void sweep_add_value(const char *value, size_t len)
{
    struct scratch *s = get_scratch();
    if (!s || len < SWEEP_MIN_VALUE)
        return;
    const unsigned char *v = (const unsigned char *)value;
    add_pattern(s, v, len, ENC_RAW);
    /* Strings as runtimes hold them: CPython and V8 keep text whose code points
     * are all below 256 one byte each (Latin-1), other text in UTF-16 (CPython:
     * UCS-2 for the BMP); Java and Windows APIs use UTF-16. */
    bool valid = true;
    unsigned long max = 0;
    for (const unsigned char *p = v, *end = v + len; p < end && valid;) {
        long cp = utf8_next(&p, end);
        valid = cp >= 0;
        if (valid && (unsigned long)cp > max)
            max = (unsigned long)cp;
    }
    if (!valid)
        return;
    if (max >= 0x80 && max < 0x100)
        add_pattern(s, v, len, ENC_LATIN1);
    add_pattern(s, v, len, ENC_UTF16LE);
}

static void take_entry(const char *entry, size_t cap, void *arg)
{
    (void)arg;
    size_t len = strnlen(entry, cap);
    const char *eq = memchr(entry, '=', len);
    if (eq)
        sweep_add_value(eq + 1, len - (size_t)(eq + 1 - entry));
}

void sweep_take_vault(const struct vault *v)
{
    vault_each_known(v, take_entry, NULL);
}

/* ---- Matcher ---------------------------------------------------------------- */

static inline uint32_t load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t filter_slot(uint32_t v)
{
    return (v * 0x9e3779b1u) >> (32 - FILTER_BITS);
}

static bool gram_less(const struct gram *a, const struct gram *b)
{
    return a->value < b->value;
}

static void sift_down(struct gram *g, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && gram_less(&g[child], &g[child + 1]))
            child++;
        if (!gram_less(&g[root], &g[child]))
            return;
        struct gram t = g[root];
        g[root] = g[child];
        g[child] = t;
        root = child;
    }
}

static void sort_grams(struct gram *g, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(g, i, n);
    for (size_t end = n; end-- > 1;) {
        struct gram t = g[0];
        g[0] = g[end];
        g[end] = t;
        sift_down(g, 0, end);
    }
}

static void add_gram(struct scratch *s, const unsigned char *p, uint32_t pattern, uint32_t at)
{
    uint32_t v = load32(p + at);
    s->grams[s->ngrams++] = (struct gram){v, (uint16_t)pattern, (uint16_t)at};
    uint32_t slot = filter_slot(v);
    s->filter[slot / 64] |= 1ull << (slot % 64);
}

static void build(struct scratch *s)
{
    memset(s->filter, 0, sizeof s->filter);
    s->minlen = UINT32_MAX;
    s->maxlen = 0;
    for (uint32_t i = 0; i < s->npatterns; i++) {
        uint32_t n = s->patterns[i].len;
        s->minlen = n < s->minlen ? n : s->minlen;
        s->maxlen = n > s->maxlen ? n : s->maxlen;
    }
    uint32_t span = s->minlen < SWEEP_PIECE ? s->minlen : SWEEP_PIECE;
    s->step = span - 3;
    s->ngrams = 0;
    for (uint32_t i = 0; i < s->npatterns; i++) {
        const unsigned char *p = s->bytes + s->patterns[i].off;
        uint32_t len = s->patterns[i].len;
        uint32_t grams = len < SWEEP_PIECE ? s->step : len - 3;
        for (uint32_t at = 0; at < grams; at++)
            add_gram(s, p, i, at);
    }
    sort_grams(s->grams, s->ngrams);
    s->built = true;
}

/* Where a match is reported. */
struct sink {
    struct scratch *s;
    struct sweep_stats *st;
    const struct self_mem *m;
    bool direct;             /* lo..hi is the memory itself */
    bool shared;             /* never write: leave out of the dump */
    uintptr_t base;          /* otherwise: address of io[0] */
    /* A seam's window: below split lies the earlier mapping, shared or not. */
    uintptr_t split;
    bool shared_below;
    /* lo is where a mapping begins right after another: a run cut off there is
     * left to the window across their seam, which sees the copy whole (removing
     * the tail alone would leave a head too short to be found again). */
    bool open_lo;
    /* hi is where a read chunk ends and the next, overlapping it by maxlen-1, will
     * see a run cut off there whole, or where a mapping ends right before another
     * (the window across their seam will): left to it, for the same reason. */
    bool open_hi;
    /* A window's end that is a mapping's end before another seam: the next window
     * begins at open_from, so only runs that begin there or later are left to it. */
    uintptr_t open_from;
};

/* The address in memory of q, a pointer into what the sink scans. */
static uintptr_t address_of(const struct sink *k, const unsigned char *q)
{
    return k->direct ? (uintptr_t)q : k->base + (uintptr_t)(q - k->s->io);
}

static void remove_at(struct sink *k, uintptr_t addr, size_t len, bool shared)
{
    if (!shared && platform_self_zero(k->m, addr, len) == 0)
        k->st->overwritten++;
    else if (platform_exclude_from_dump(addr, len) == 0)
        k->st->hidden++;
}

static void report(struct sink *k, unsigned char *q, size_t len)
{
    memset(q, 0, len);
    if (k->direct) {
        k->st->overwritten++;
        return;
    }
    uintptr_t addr = address_of(k, q);
    if (addr < k->split) { /* each side of a seam as its own mapping */
        size_t below = k->split - addr < len ? k->split - addr : len;
        remove_at(k, addr, below, k->shared_below);
        addr += below;
        len -= below;
        if (!len)
            return;
    }
    remove_at(k, addr, len, k->shared);
}

/* A sampled window passed the filter: find its grams and check the patterns. Every
 * match found contains p, so together they cover one interval: it is removed whole
 * (two values sharing a long run, such as a value and its Latin-1 form, leave no
 * remnant of either). */
static __attribute__((noinline)) void verify(struct sink *k, unsigned char *lo,
                                             unsigned char *hi, unsigned char *p, uint32_t v)
{
    const struct scratch *s = k->s;
    size_t a = 0, b = s->ngrams;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (s->grams[mid].value < v)
            a = mid + 1;
        else
            b = mid;
    }
    unsigned char *from = p, *to = p; /* the union of the matches */
    for (; a < s->ngrams && s->grams[a].value == v; a++) {
        const struct gram *g = &s->grams[a];
        const struct pattern *pt = &s->patterns[g->pattern];
        const unsigned char *pat = s->bytes + pt->off;
        unsigned char *q, *end;
        if (pt->len >= SWEEP_PIECE) {
            /* The longest common run through p. It may begin at lo with the value's
             * start cut off (a mapping, a register area beginning mid-value). */
            size_t left = 0, right = 0;
            while (left < g->at && p - left > lo && p[-1 - (long)left] == pat[g->at - 1 - left])
                left++;
            while (g->at + right < pt->len && p + right < hi && p[right] == pat[g->at + right])
                right++;
            if (left + right < SWEEP_PIECE || (k->open_lo && p - left == lo && left < g->at) ||
                (k->open_hi && p + right == hi && g->at + right < pt->len &&
                 address_of(k, p - left) >= k->open_from))
                continue;
            q = p - left;
            end = p + right;
        } else {
            /* A short value whole, beginning g->at bytes before p. */
            if ((size_t)(p - lo) < g->at)
                continue;
            q = p - g->at;
            end = q + pt->len;
            if ((size_t)(hi - q) < pt->len || memcmp(q, pat, pt->len) != 0)
                continue;
        }
        from = q < from ? q : from;
        to = end > to ? end : to;
    }
    if (to > from)
        report(k, from, (size_t)(to - from));
}

static void scan(struct sink *k, unsigned char *lo, unsigned char *hi)
{
    const struct scratch *s = k->s;
    if ((size_t)(hi - lo) < s->step + 3)
        return;
    const uint64_t *filter = s->filter;
    const size_t step = s->step;
    unsigned char *last = hi - 4;
    unsigned char *p = lo;
    /* Four samples per round: independent loads and tests overlap in the CPU. */
    for (; p + 3 * step <= last; p += 4 * step) {
        uint32_t v0 = load32(p), v1 = load32(p + step);
        uint32_t v2 = load32(p + 2 * step), v3 = load32(p + 3 * step);
        uint32_t h0 = filter_slot(v0), h1 = filter_slot(v1);
        uint32_t h2 = filter_slot(v2), h3 = filter_slot(v3);
        uint64_t t0 = filter[h0 / 64] >> (h0 % 64), t1 = filter[h1 / 64] >> (h1 % 64);
        uint64_t t2 = filter[h2 / 64] >> (h2 % 64), t3 = filter[h3 / 64] >> (h3 % 64);
        if (__builtin_expect((t0 | t1 | t2 | t3) & 1, 0)) {
            if (t0 & 1)
                verify(k, lo, hi, p, v0);
            if (t1 & 1)
                verify(k, lo, hi, p + step, v1);
            if (t2 & 1)
                verify(k, lo, hi, p + 2 * step, v2);
            if (t3 & 1)
                verify(k, lo, hi, p + 3 * step, v3);
        }
    }
    for (; p <= last; p += step) {
        uint32_t v = load32(p), h = filter_slot(v);
        if (filter[h / 64] >> (h % 64) & 1)
            verify(k, lo, hi, p, v);
    }
}

/* ---- Walking memory --------------------------------------------------------- */

struct walk {
    struct scratch *s;
    struct sweep_stats *st;
    struct self_mem m;
    const struct dump_region *r;
    uintptr_t prev_start, prev_end; /* the region scanned last */
    bool prev_shared;
    uintptr_t open_at;  /* the start of the region being scanned, when it has a seam */
    uintptr_t close_at;  /* its end, when the next region begins there */
    uintptr_t open_from; /* in a window ending at close_at: see struct sink */
    uintptr_t split;    /* a seam's window: where the later region begins */
    bool shared_below;  /* and whether the earlier one is shared */
    struct dump_region next; /* a region is scanned once the one after it is known */
    bool has_next;
};

/* Scans [a, end) through /proc/self/mem, in chunks that overlap by maxlen-1 so
 * a match across a chunk boundary is seen whole in one of them. */
static void scan_copied(struct walk *w, uintptr_t a, uintptr_t end)
{
    struct scratch *s = w->s;
    size_t page = platform_page_size();
    struct sink k = {.s = s,
                     .st = w->st,
                     .m = &w->m,
                     .shared = w->r->shared,
                     .split = w->split,
                     .shared_below = w->shared_below};
    while (a < end) {
        size_t want = end - a < IO_BYTES ? end - a : IO_BYTES;
        long got = platform_self_read(&w->m, a, s->io, want);
        if (got <= 0) { /* unreadable page (beyond a file's end, ...): not dumped either */
            a = (a & ~(uintptr_t)(page - 1)) + page;
            continue;
        }
        k.base = a;
        k.open_lo = a == w->open_at;
        /* another chunk follows, or a seam */
        bool more = a + (size_t)got < end;
        k.open_hi = (size_t)got == want && (more || end == w->close_at);
        k.open_from = more ? 0 : w->open_from;
        scan(&k, s->io, s->io + got);
        w->st->bytes += (uint64_t)got;
        if ((size_t)got < want || a + (size_t)got >= end) {
            a += (size_t)got;
            continue;
        }
        a += (size_t)got - (s->maxlen - 1);
    }
}

static void scan_range(uintptr_t start, uintptr_t end, void *arg)
{
    struct walk *w = arg;
    if (w->r->direct) {
        struct sink k = {.s = w->s,
                         .st = w->st,
                         .m = &w->m,
                         .direct = true,
                         .open_lo = start == w->open_at,
                         .open_hi = end == w->close_at};
        scan(&k, (unsigned char *)start, (unsigned char *)end);
        w->st->bytes += end - start;
    } else {
        scan_copied(w, start, end);
    }
}

static void scan_region(struct walk *w, const struct dump_region *r)
{
    w->r = r;
    w->st->regions++;
    /* Anonymous pages never touched are zeros and not dumped: skip them rather
     * than fault in (possibly terabytes of) reserved address space. */
    if (!r->anon || platform_populated_runs(&w->m, r->start, r->end, w->s->pagemap,
                                            PAGEMAP_ENTRIES, scan_range, w) != 0)
        scan_range(r->start, r->end, w);
}

/* A copy may straddle two adjacent mappings (one region split by mlock, mprotect
 * or madvise): scan a window across their seam, read through /proc/self/mem. */
static void scan_seam(struct walk *w, const struct dump_region *r, uintptr_t close)
{
    size_t span = w->s->maxlen - 1;
    uintptr_t lo = r->start - w->prev_start > span ? r->start - span : w->prev_start;
    uintptr_t hi = r->end - r->start < span ? r->end : r->start + span;
    struct dump_region seam = {lo, hi, false, r->shared, false};
    w->r = &seam;
    w->split = r->start;
    w->shared_below = w->prev_shared;
    /* r is shorter than the window and another seam follows it: a run cut off at
     * its end is left to the next window, which begins at r's start, when the run
     * begins there too (one begun before would be cut off by that window in turn). */
    if (close && hi == close) {
        w->close_at = close;
        w->open_from = r->start;
    }
    scan_copied(w, lo, hi);
    w->split = w->close_at = w->open_from = 0;
    w->shared_below = false;
}

static void scan_part(struct walk *w, const struct dump_region *r, bool seam_after)
{
    bool seam = r->start == w->prev_end;
    /* Nothing is left to a window that cannot be read. */
    bool windows = platform_self_readable(&w->m);
    uintptr_t close = seam_after && windows ? r->end : 0;
    w->open_at = seam && windows ? r->start : 0;
    w->close_at = close;
    scan_region(w, r);
    w->open_at = w->close_at = 0;
    if (seam)
        scan_seam(w, r, close);
    w->prev_start = r->start;
    w->prev_end = r->end;
    w->prev_shared = r->shared;
}

/* Scans the region held back, now that the one after it (r, or none) is known: a
 * run cut off at its end is left to the window across a seam that follows. */
static void queue_part(struct walk *w, const struct dump_region *r)
{
    if (w->has_next) {
        struct dump_region cur = w->next;
        scan_part(w, &cur, r && r->start == cur.end);
    }
    w->has_next = r != NULL;
    if (r)
        w->next = *r;
}

static void on_region(const struct dump_region *r, void *arg)
{
    struct walk *w = arg;
    uintptr_t lo = (uintptr_t)w->s, hi = lo + SCRATCH_SIZE;
    if (r->end <= lo || r->start >= hi) {
        queue_part(w, r);
        return;
    }
    /* Never the scratch area itself (it holds the patterns). */
    struct dump_region part = *r;
    if (r->start < lo) {
        part.end = lo;
        queue_part(w, &part);
    }
    if (r->end > hi) {
        part.start = hi;
        part.end = r->end;
        queue_part(w, &part);
    }
}

static void forget(struct scratch *s)
{
    explicit_bzero(s->bytes, s->nbytes);
    explicit_bzero(s->grams, s->ngrams * sizeof s->grams[0]);
    explicit_bzero(s->filter, sizeof s->filter);
    explicit_bzero(s->io, sizeof s->io);
    s->npatterns = s->ngrams = s->nbytes = s->dropped = 0;
    s->built = false;
}

int sweep_run(struct sweep_stats *st)
{
    struct sweep_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    struct scratch *s = __atomic_load_n(&scratch, __ATOMIC_ACQUIRE);
    if (!s)
        return 0;
    st->patterns = s->npatterns;
    st->dropped = s->dropped;
    if (s->npatterns == 0)
        return 0;
    platform_lock_pages(s->bytes, s->nbytes);
    build(s);
    struct walk w = {.s = s, .st = st};
    platform_self_open(&w.m);
    int rc = platform_dump_regions(s->text, sizeof s->text, on_region, &w);
    queue_part(&w, NULL); /* the last region */
    platform_self_close(&w.m);
    return rc;
}

void sweep_scrub(void *p, size_t n)
{
    struct scratch *s = __atomic_load_n(&scratch, __ATOMIC_ACQUIRE);
    if (!s || s->npatterns == 0)
        return;
    if (!s->built) /* no sweep_run since the last value was added */
        build(s);
    struct sweep_stats st;
    struct sink k = {.s = s, .st = &st, .direct = true};
    scan(&k, p, (unsigned char *)p + n);
}

void sweep_forget(void)
{
    struct scratch *s = __atomic_load_n(&scratch, __ATOMIC_ACQUIRE);
    if (s)
        forget(s);
}
