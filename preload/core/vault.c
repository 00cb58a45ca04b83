#define _GNU_SOURCE
#include "preload/core/vault.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "preload/platform/valgrind.h"

/* Slot layout: [u32 cap][u32 state][cap data bytes][u64 canary]; cap is a multiple of 8. */
#define HDR 8u
#define CANARY 8u
/* KEPT: a value the environment no longer holds (unsetenv, a replacement, clearenv)
 * that the crash sweep still searches for, since the program may have copied it;
 * never found, never reused; wiped at exit like the rest. */
enum { SLOT_FREE = 0, SLOT_LIVE = 0x4c495645 /* "LIVE" */, SLOT_KEPT = 0x4b455054 /* "KEPT" */ };

struct slot_hdr {
    uint32_t cap;
    uint32_t state;
};

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

size_t vault_slot_size(size_t n)
{
    return HDR + round8(n + 1) + CANARY;
}

static uint64_t canary_for(const struct vault *v, const void *slot)
{
    return v->canary ^ (uint64_t)(uintptr_t)slot;
}

bool vault_may_wipe(const struct vault *v, const char *e)
{
    const struct vault_callers *k = v->policy.callers;
    if (!k)
        return true;
    for (unsigned i = 0; i < k->listed; i++)
        if (k->list[i] == e)
            return false;
    return !k->overflow; /* some were not listed: none is surely libc's */
}

void vault_init(struct vault *v, bool allow_secretmem)
{
    memset(v, 0, sizeof *v);
    v->head.r = v->first;
    v->head.cap = VAULT_FIRST_REGIONS;
    v->tail = &v->head;
    v->growth_max = VAULT_GROWTH_MAX;
    v->keep_max = VAULT_KEEP_MAX;
    v->allow_secretmem = allow_secretmem;
}

/* ---- the region table: chunks that never move, read without a lock ---- */

struct cursor {
    struct vault_chunk *c;
    unsigned i;    /* next descriptor in c */
    unsigned left; /* published regions not yet returned */
};

static void cursor_start(const struct vault *v, struct cursor *k)
{
    k->c = (struct vault_chunk *)&v->head;
    k->i = 0;
    k->left = __atomic_load_n(&v->nregions, __ATOMIC_ACQUIRE);
}

static struct vault_region *cursor_next(struct cursor *k)
{
    if (k->left == 0)
        return NULL;
    if (k->i == k->c->cap) {
        k->c = __atomic_load_n(&k->c->next, __ATOMIC_ACQUIRE);
        k->i = 0;
        if (!k->c)
            return NULL;
    }
    k->left--;
    return &k->c->r[k->i++];
}

#define EACH_REGION(v, k, r) for (cursor_start((v), &(k)); ((r) = cursor_next(&(k))) != NULL;)

const struct vault_region *vault_region_at(const struct vault *v, unsigned i)
{
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    if (i-- == 0)
        return r;
    return NULL;
}

void vault_each_region(const struct vault *v, void (*fn)(const struct vault_region *r, void *arg),
                       void *arg)
{
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    fn(r, arg);
}

/* Where the next region's descriptor goes: the tail chunk, or a new chunk twice
 * its size linked after it (the descriptors already published never move). */
static struct vault_region *next_descriptor(struct vault *v)
{
    struct vault_chunk *t = v->tail;
    unsigned in_tail = v->nregions;
    for (const struct vault_chunk *c = &v->head; c != t; c = c->next)
        in_tail -= c->cap;
    if (in_tail < t->cap)
        return &t->r[in_tail];
    unsigned cap = t->cap * 2;
    struct vault_chunk *c =
        platform_map_scratch(sizeof *c + (size_t)cap * sizeof(struct vault_region), 0, NULL);
    if (!c)
        return NULL;
    c->r = (struct vault_region *)(c + 1);
    c->cap = cap;
    __atomic_store_n(&t->next, c, __ATOMIC_RELEASE);
    v->tail = c;
    return &c->r[0];
}

/* ---- protection ---- */

const char *vault_region_degradation(const struct vault *v, const struct vault_region *r,
                                     int *err)
{
    *err = 0;
    if (v->policy.need_secretmem && r->map.backing != BACKING_SECRETMEM) {
        *err = r->report.secretmem_errno;
        return "memfd_secret unavailable (ENVSEAL_VAULT=secretmem)";
    }
    if (!r->map.locked) {
        *err = r->report.mlock_errno;
        return "mlock refused (see RLIMIT_MEMLOCK, ulimit -l); secrets are sealed and "
               "wiped but their pages may be swapped";
    }
    if (!r->map.dontdump && platform_can_exclude_from_dump())
        return "MADV_DONTDUMP refused; secrets are sealed and wiped but may reach a core dump";
    return NULL;
}

static void report(const struct vault *v, enum vault_event ev, const char *what, int err)
{
    if (v->policy.enforce && v->policy.report)
        v->policy.report(ev, what, err);
}

/* Maps `bytes` into *r; *what: the protection it lacks under an enforced policy. */
static int map_region(struct vault *v, size_t bytes, struct vault_region *r, const char **what,
                      int *why)
{
    memset(r, 0, sizeof *r);
    int err = platform_map(bytes, v->allow_secretmem, &r->map, &r->report);
    *what = NULL;
    if (err == 0 && v->policy.enforce)
        *what = vault_region_degradation(v, r, why);
    return err;
}

static int add_failed(struct vault *v, int err, enum vault_event ev, const char *what, int why)
{
    v->map_errno = err;
    report(v, ev, what, why);
    return err;
}

/* Maps a region of `size` bytes, or of `need` (<= size) when that one cannot be had
 * or lacks a protection: a region just large enough may still be had with every
 * protection (RLIMIT_MEMLOCK, RLIMIT_AS). */
static int map_best(struct vault *v, size_t need, size_t size, struct vault_region *r,
                    const char **what, int *why)
{
    int err = map_region(v, size, r, what, why);
    if (size == need || (err == 0 && !*what))
        return err;
    bool had_size = err == 0;
    if (had_size)
        platform_unmap(&r->map);
    err = map_region(v, need, r, what, why);
    if (err == 0 && *what && had_size && !v->policy.refuse) {
        /* Degraded either way, and kept: the larger one, so regions stay few. */
        struct vault_region small = *r;
        const char *w;
        int y = 0;
        if (map_region(v, size, r, &w, &y) == 0) {
            platform_unmap(&small.map);
            *what = w;
            *why = y;
        } else {
            *r = small;
        }
    }
    return err;
}

/* Adds a region for at least `need` bytes: exactly that much, or (grow) as much as
 * all regions so far, up to growth_max, so that n secrets take O(log n) regions. */
static int add_region(struct vault *v, size_t need, bool grow)
{
    if (!v->canary_drawn) { /* no slot exists before the first region */
        v->canary = platform_random64();
        v->canary_drawn = true;
    }
    struct vault_region *d = next_descriptor(v);
    if (!d)
        return add_failed(v, ENOMEM, VAULT_NO_MEMORY, "no memory for the vault's region table",
                          ENOMEM);
    size_t more = grow ? (v->mapped < v->growth_max ? v->mapped : v->growth_max) : 0;
    struct vault_region r;
    const char *what;
    int why = 0;
    int err = map_best(v, need, need > more ? need : more, &r, &what, &why);
    if (err)
        return add_failed(v, err, VAULT_NO_MEMORY, "no vault memory for a new secret", err);
    if (what && v->policy.refuse) {
        platform_unmap(&r.map); /* never written: nothing to wipe */
        return add_failed(v, ENOMEM, VAULT_REFUSED, what, why);
    }
    if (what)
        report(v, VAULT_DEGRADED, what, why);
    if (r.map.backing == BACKING_SECRETMEM && !v->secretmem_owner) {
        /* A vfork child making the process's first region makes it in its
         * parent's memory, for the parent: whose exit must wipe it. */
        pid_t self = getpid();
        v->secretmem_owner = platform_in_parent_memory(self) ? getppid() : self;
    }
    *d = r;
    v->mapped += r.map.size;
    v->fill = d;
    __atomic_store_n(&v->nregions, v->nregions + 1, __ATOMIC_RELEASE);
    return 0;
}

int vault_reserve(struct vault *v, size_t bytes)
{
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    if (!r->borrowed && r->map.size - r->used >= bytes)
        return 0;
    return add_region(v, bytes, false);
}

/* ---- slots ---- */

static void write_slot(const struct vault *v, unsigned char *s, uint32_t cap)
{
    struct slot_hdr h = {cap, SLOT_LIVE};
    memcpy(s, &h, sizeof h);
    uint64_t c = canary_for(v, s);
    memcpy(s + HDR + cap, &c, sizeof c);
}

static bool has_room(const struct vault_region *r, size_t need)
{
    return !r->borrowed && r->map.size - r->used >= need;
}

/* True when the slot data d (cap bytes) starts with "NAME=". */
static bool holds_name(const unsigned char *d, size_t cap, const char *name, size_t nlen)
{
    return cap > nlen && memcmp(d, name, nlen) == 0 && d[nlen] == '=';
}

/* A freed slot of at least cap bytes that held the same name, made live again;
 * NULL when none. Only the same name: a pointer the program kept into a released
 * value (getenv's answer, a copy of environ) then reads that variable's later
 * value, never another secret. */
static unsigned char *reuse_free(struct vault *v, size_t cap, const char *name, size_t nlen)
{
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    {
        if (r->borrowed)
            continue; /* another process's memory: never write into it */
        unsigned char *base = r->map.data;
        for (size_t o = 0; o < r->used;) {
            struct slot_hdr h;
            memcpy(&h, base + o, sizeof h);
            if (h.state == SLOT_FREE && h.cap >= cap &&
                holds_name(base + o + HDR, h.cap, name, nlen)) {
                h.state = SLOT_LIVE;
                memcpy(base + o, &h, sizeof h);
                v->nfree--;
                return base + o + HDR;
            }
            o += HDR + h.cap + CANARY;
        }
    }
    return NULL;
}

#define NAME_LEN_UNKNOWN ((size_t)-1)

/* Whether the memfd_secret regions are another process's as well (see
 * secretmem_owner): this one then neither writes nor wipes them. Told by the
 * memory's owner mark, which a fork child's copy gets zeroed and which the fork
 * handler marks again (a pid alone can repeat: PID 1 of two nested namespaces), or
 * without a mark by the pid. */
static bool secretmem_shared(const struct vault *v, pid_t self)
{
    if (!platform_memory_marked())
        return v->secretmem_owner != self;
    pid_t marked = platform_memory_owner();
    return marked == 0 || marked != self; /* a child without the handlers; vfork */
}

void vault_prepare_write(struct vault *v)
{
    if (!v->secretmem_owner)
        return;
    pid_t self = getpid(), marked = platform_memory_owner();
    if (!secretmem_shared(v, self) || (marked && marked != self))
        return; /* ours; or a vfork child's, whose memory is its parent's */
    /* A vfork child of a process that has set up no mark yet (a fork child made
     * without the handlers has the mark, zeroed: its pages are still shared with
     * its own parent, and are made its own below). */
    if (!platform_memory_marked() && platform_in_parent_memory(self))
        return;
    vault_after_fork_child(v);
}

/* Returns a live slot's data area of at least n bytes, for an entry named NAME
 * (nlen NAME_LEN_UNKNOWN: up to the entry's '=', found only when a freed slot
 * could be reused, which start-up never meets; name NULL: never a freed slot). */
static unsigned char *slot_alloc(struct vault *v, size_t n, const char *name, size_t nlen)
{
    size_t cap = round8(n);
    if (cap > UINT32_MAX - HDR - CANARY) {
        add_failed(v, ENOMEM, VAULT_NO_MEMORY, "a value too large for the vault", E2BIG);
        return NULL;
    }
    size_t need = HDR + cap + CANARY;
    vault_prepare_write(v);
    if (name && v->nfree && !v->wiped) { /* first fit among freed slots; never after the exit wipe */
        if (nlen == NAME_LEN_UNKNOWN) {
            const char *eq = memchr(name, '=', n);
            nlen = eq ? (size_t)(eq - name) : n;
        }
        unsigned char *s = reuse_free(v, cap, name, nlen);
        if (s)
            return s;
    }
    struct vault_region *r = v->fill;
    if (!r || !has_room(r, need)) {
        struct cursor k;
        EACH_REGION(v, k, r)
        if (has_room(r, need))
            break;
        if (!r) {
            if (add_region(v, need, true) != 0)
                return NULL;
            r = v->fill;
        }
        v->fill = r;
    }
    unsigned char *s = r->map.data + r->used;
    write_slot(v, s, (uint32_t)cap);
    __atomic_store_n(&r->used, r->used + need, __ATOMIC_RELEASE);
    return s + HDR;
}

/* A slot for n bytes; errno as it was when one is found: a new region whose lock or
 * guard the kernel refused still holds the value (the report said so), and the
 * program's setenv succeeds without an errno of ours. */
static unsigned char *slot_for_store(struct vault *v, size_t n, const char *name, size_t nlen)
{
    int saved = errno;
    unsigned char *d = slot_alloc(v, n, name, nlen);
    if (d)
        errno = saved;
    return d;
}

char *vault_store(struct vault *v, const char *name, size_t nlen, const char *val, size_t vlen)
{
    unsigned char *d = slot_for_store(v, nlen + 1 + vlen + 1, name, nlen);
    if (!d)
        return NULL;
    memcpy(d, name, nlen);
    d[nlen] = '=';
    memcpy(d + nlen + 1, val, vlen);
    d[nlen + 1 + vlen] = '\0';
    return (char *)d;
}

char *vault_store_entry(struct vault *v, const char *entry, size_t len)
{
    unsigned char *d = slot_for_store(v, len + 1, entry, NAME_LEN_UNKNOWN);
    if (!d)
        return NULL;
    memcpy(d, entry, len);
    d[len] = '\0';
    return (char *)d;
}

static struct vault_region *region_of(const struct vault *v, const void *p)
{
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    {
        const unsigned char *b = r->map.data;
        if ((const unsigned char *)p >= b && (const unsigned char *)p < b + r->map.size)
            return r;
    }
    return NULL;
}

bool vault_owns(const struct vault *v, const void *p)
{
    return region_of(v, p) != NULL;
}

/* The 8 bytes before a string from malloc are its chunk header: mapped, but a
 * sanitizer's redzone or another block to it, and valgrind's (which then goes
 * without the check). */
__attribute__((no_sanitize_address, no_sanitize_thread)) bool
vault_slot_elsewhere(const struct vault *v, const char *e)
{
    uintptr_t a = (uintptr_t)e;
    if ((a & 7) || (a & 4095) < HDR || ENVSEAL_UNDER_VALGRIND || vault_owns(v, e))
        return false; /* a slot's data is 8-aligned, its header on the same page here */
    const volatile uint32_t *w = (const volatile uint32_t *)(e - HDR);
    uint32_t cap = w[0], state = w[1];
    if (state != SLOT_LIVE || cap % 8 != 0)
        return false;
    for (uint32_t i = 0; i < cap; i++) /* NUL-terminated within the slot */
        if (e[i] == '\0')
            return true;
    return false;
}

/* A released value, copied for the crash sweep into a slot of its own (KEPT): the
 * program may hold copies of it. The released slot itself is wiped as before, so a
 * pointer the program kept into it reads it emptied, never the old value. Only
 * while the copies stay within keep_max bytes, and where the vault has or gets the
 * room (a run-time region, under the same policy as any). */
static void keep_copy(struct vault *v, const char *entry, size_t cap)
{
    size_t n = strnlen(entry, cap) + 1;
    const char *eq = memchr(entry, '=', n);
    if (!eq || !eq[1] || v->kept + round8(n) > v->keep_max || v->wiped)
        return; /* no value (one emptied already: vault_keep) */
    int saved = errno;
    unsigned char *d = slot_alloc(v, n, NULL, 0);
    errno = saved;
    if (!d)
        return;
    memcpy(d, entry, n);
    struct slot_hdr h;
    memcpy(&h, d - HDR, sizeof h);
    h.state = SLOT_KEPT;
    memcpy(d - HDR, &h, sizeof h);
    v->kept += h.cap;
}

void vault_keep(struct vault *v, const char *entry)
{
    const struct vault_region *r = region_of(v, entry);
    struct slot_hdr h;
    if (!r || r->borrowed)
        return;
    memcpy(&h, entry - HDR, sizeof h);
    if (h.state == SLOT_LIVE)
        keep_copy(v, entry, h.cap);
}

void vault_release(struct vault *v, char *entry)
{
    vault_prepare_write(v);
    struct vault_region *r = region_of(v, entry);
    if (!r || r->borrowed)
        return; /* borrowed: the other process still uses (and will wipe) it */
    unsigned char *s = (unsigned char *)entry - HDR;
    struct slot_hdr h;
    memcpy(&h, s, sizeof h);
    if (h.state != SLOT_LIVE)
        return;
    keep_copy(v, entry, h.cap);
    /* The value goes; "NAME=" stays, so that only that name reuses the slot. */
    const char *eq = memchr(entry, '=', h.cap);
    size_t keep = eq ? (size_t)(eq - entry) + 1 : 0;
    explicit_bzero(entry + keep, h.cap - keep);
    h.state = SLOT_FREE;
    memcpy(s, &h, sizeof h);
    v->nfree++;
}

void vault_release_all(struct vault *v)
{
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    {
        unsigned char *base = r->map.data;
        for (size_t o = 0; o < r->used;) {
            struct slot_hdr h;
            memcpy(&h, base + o, sizeof h);
            if (h.state == SLOT_LIVE)
                vault_release(v, (char *)base + o + HDR);
            o += HDR + h.cap + CANARY;
        }
    }
}

char *vault_find(const struct vault *v, const char *name, size_t nlen)
{
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    {
        if (r->borrowed)
            continue; /* not ours to release: a find-and-release loop must end */
        unsigned char *base = r->map.data;
        for (size_t o = 0; o < r->used;) {
            struct slot_hdr h;
            memcpy(&h, base + o, sizeof h);
            char *d = (char *)base + o + HDR;
            if (h.state == SLOT_LIVE && h.cap > nlen && memcmp(d, name, nlen) == 0 &&
                d[nlen] == '=')
                return d;
            o += HDR + h.cap + CANARY;
        }
    }
    return NULL;
}

/* A slot header that cannot be trusted: the walk of its region stops there. */
static bool damaged(const struct slot_hdr *h, size_t left)
{
    return (h->state != SLOT_LIVE && h->state != SLOT_FREE && h->state != SLOT_KEPT) ||
           h->cap > left ||
           left - h->cap < HDR + CANARY;
}

size_t vault_wipe(struct vault *v)
{
    size_t corrupted = 0;
    bool shared = v->secretmem_owner && secretmem_shared(v, getpid());
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    {
        if (r->borrowed || (shared && r->map.backing == BACKING_SECRETMEM))
            continue;
        unsigned char *base = r->map.data;
        size_t used = __atomic_load_n(&r->used, __ATOMIC_ACQUIRE);
        size_t o = 0;
        while (o < used) {
            struct slot_hdr h;
            memcpy(&h, base + o, sizeof h);
            if (damaged(&h, used - o)) {
                /* The header itself was overwritten: wipe the rest wholesale. */
                corrupted++;
                explicit_bzero(base + o, used - o);
                break;
            }
            uint64_t c;
            memcpy(&c, base + o + HDR + h.cap, sizeof c);
            if (c != canary_for(v, base + o))
                corrupted++;
            explicit_bzero(base + o + HDR, h.cap);
            o += HDR + h.cap + CANARY;
        }
    }
    v->wiped = true;
    return corrupted;
}

void vault_after_fork_child(struct vault *v)
{
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    if (!r->borrowed && platform_unshare_after_fork(&r->map) != 0)
        r->borrowed = true;
    if (v->secretmem_owner) { /* what could not be copied is borrowed */
        v->secretmem_owner = getpid();
        if (platform_memory_marked())
            platform_mark_memory_owner(v->secretmem_owner);
    }
}

static void each_slot(const struct vault *v, bool with_kept,
                      void (*fn)(const char *entry, size_t cap, void *arg), void *arg)
{
    struct cursor k;
    struct vault_region *r;
    EACH_REGION(v, k, r)
    {
        const unsigned char *base = r->map.data;
        size_t used = __atomic_load_n(&r->used, __ATOMIC_ACQUIRE);
        for (size_t o = 0; o < used;) {
            struct slot_hdr h;
            memcpy(&h, base + o, sizeof h);
            if (damaged(&h, used - o))
                break; /* a damaged header: the rest of the region cannot be walked */
            if (h.state == SLOT_LIVE || (with_kept && h.state == SLOT_KEPT))
                fn((const char *)base + o + HDR, h.cap, arg);
            o += HDR + h.cap + CANARY;
        }
    }
}

void vault_each(const struct vault *v, void (*fn)(const char *entry, size_t cap, void *arg),
                void *arg)
{
    each_slot(v, false, fn, arg);
}

void vault_each_known(const struct vault *v,
                      void (*fn)(const char *entry, size_t cap, void *arg), void *arg)
{
    each_slot(v, true, fn, arg);
}
