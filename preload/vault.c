#define _GNU_SOURCE
#include "vault.h"

#include <errno.h>
#include <string.h>

/* Slot layout: [u32 cap][u32 state][cap data bytes][u64 canary]; cap is a multiple of 8. */
#define HDR 8u
#define CANARY 8u
enum { SLOT_FREE = 0, SLOT_LIVE = 0x4c495645 /* "LIVE" */ };

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

void vault_init(struct vault *v, bool allow_secretmem)
{
    memset(v, 0, sizeof *v);
    v->allow_secretmem = allow_secretmem;
    v->canary = platform_random64();
}

static int add_region(struct vault *v, size_t bytes)
{
    if (v->nregions >= VAULT_REGIONS_MAX) {
        v->map_errno = ENOMEM;
        return ENOMEM;
    }
    struct mapping m;
    struct map_report r;
    int err = platform_map(bytes, v->allow_secretmem, &m, &r);
    if (err) {
        v->map_errno = err;
        return err;
    }
    if (v->nregions == 0)
        v->first_report = r;
    unsigned i = v->nregions;
    v->region[i] = m;
    v->used[i] = 0;
    v->borrowed[i] = false;
    __atomic_store_n(&v->nregions, i + 1, __ATOMIC_RELEASE);
    return 0;
}

int vault_reserve(struct vault *v, size_t bytes)
{
    for (unsigned i = 0; i < v->nregions; i++)
        if (v->region[i].size - v->used[i] >= bytes)
            return 0;
    return add_region(v, bytes);
}

static void write_slot(const struct vault *v, unsigned char *s, uint32_t cap)
{
    struct slot_hdr h = {cap, SLOT_LIVE};
    memcpy(s, &h, sizeof h);
    uint64_t c = canary_for(v, s);
    memcpy(s + HDR + cap, &c, sizeof c);
}

/* Returns a live slot's data area of at least n bytes. */
static unsigned char *slot_alloc(struct vault *v, size_t n)
{
    size_t cap = round8(n);
    if (cap > UINT32_MAX - HDR - CANARY)
        return NULL;
    size_t need = HDR + cap + CANARY;
    if (!v->wiped) { /* first fit among freed slots; never after the exit wipe */
        for (unsigned i = 0; i < v->nregions; i++) {
            if (v->borrowed[i])
                continue; /* another process's memory: never write into it */
            unsigned char *base = v->region[i].data;
            for (size_t o = 0; o < v->used[i];) {
                struct slot_hdr h;
                memcpy(&h, base + o, sizeof h);
                if (h.state == SLOT_FREE && h.cap >= cap) {
                    h.state = SLOT_LIVE;
                    memcpy(base + o, &h, sizeof h);
                    return base + o + HDR;
                }
                o += HDR + h.cap + CANARY;
            }
        }
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        for (unsigned i = 0; i < v->nregions; i++) {
            if (v->borrowed[i] || v->region[i].size - v->used[i] < need)
                continue;
            unsigned char *s = v->region[i].data + v->used[i];
            write_slot(v, s, (uint32_t)cap);
            __atomic_store_n(&v->used[i], v->used[i] + need, __ATOMIC_RELEASE);
            return s + HDR;
        }
        if (attempt == 0 && add_region(v, need) != 0)
            return NULL;
    }
    return NULL;
}

char *vault_store(struct vault *v, const char *name, size_t nlen, const char *val, size_t vlen)
{
    unsigned char *d = slot_alloc(v, nlen + 1 + vlen + 1);
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
    unsigned char *d = slot_alloc(v, len + 1);
    if (!d)
        return NULL;
    memcpy(d, entry, len);
    d[len] = '\0';
    return (char *)d;
}

static int region_of(const struct vault *v, const void *p)
{
    unsigned n = __atomic_load_n(&v->nregions, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++) {
        const unsigned char *b = v->region[i].data;
        if ((const unsigned char *)p >= b && (const unsigned char *)p < b + v->region[i].size)
            return (int)i;
    }
    return -1;
}

bool vault_owns(const struct vault *v, const void *p)
{
    return region_of(v, p) >= 0;
}

void vault_release(struct vault *v, char *entry)
{
    int r = region_of(v, entry);
    if (r < 0 || v->borrowed[r])
        return; /* borrowed: the other process still uses (and will wipe) it */
    unsigned char *s = (unsigned char *)entry - HDR;
    struct slot_hdr h;
    memcpy(&h, s, sizeof h);
    if (h.state != SLOT_LIVE)
        return;
    explicit_bzero(entry, h.cap);
    h.state = SLOT_FREE;
    memcpy(s, &h, sizeof h);
}

void vault_release_all(struct vault *v)
{
    for (unsigned i = 0; i < v->nregions; i++) {
        unsigned char *base = v->region[i].data;
        for (size_t o = 0; o < v->used[i];) {
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
    for (unsigned i = 0; i < v->nregions; i++) {
        if (v->borrowed[i])
            continue; /* not ours to release: a find-and-release loop must end */
        unsigned char *base = v->region[i].data;
        for (size_t o = 0; o < v->used[i];) {
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

size_t vault_wipe(struct vault *v)
{
    size_t corrupted = 0;
    unsigned n = __atomic_load_n(&v->nregions, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++) {
        if (v->borrowed[i])
            continue;
        unsigned char *base = v->region[i].data;
        size_t used = __atomic_load_n(&v->used[i], __ATOMIC_ACQUIRE);
        size_t o = 0;
        while (o < used) {
            struct slot_hdr h;
            memcpy(&h, base + o, sizeof h);
            if ((h.state != SLOT_LIVE && h.state != SLOT_FREE) || h.cap > used - o ||
                used - o - h.cap < HDR + CANARY) {
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
    for (unsigned i = 0; i < v->nregions; i++)
        if (!v->borrowed[i] && platform_unshare_after_fork(&v->region[i]) != 0)
            v->borrowed[i] = true;
}

void vault_each(const struct vault *v, void (*fn)(const char *entry, size_t cap, void *arg),
                void *arg)
{
    unsigned n = __atomic_load_n(&v->nregions, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++) {
        const unsigned char *base = v->region[i].data;
        size_t used = __atomic_load_n(&v->used[i], __ATOMIC_ACQUIRE);
        for (size_t o = 0; o < used;) {
            struct slot_hdr h;
            memcpy(&h, base + o, sizeof h);
            if ((h.state != SLOT_LIVE && h.state != SLOT_FREE) || h.cap > used - o ||
                used - o - h.cap < HDR + CANARY)
                break; /* a damaged header: the rest of the region cannot be walked */
            if (h.state == SLOT_LIVE)
                fn((const char *)base + o + HDR, h.cap, arg);
            o += HDR + h.cap + CANARY;
        }
    }
}
