#define _GNU_SOURCE
#include "secmem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "preload/platform/platform.h"

/* The first mapping; each further one at least doubles the total, up to this
 * step, so locked memory never exceeds about twice what is used plus one step. */
#define SECMEM_FIRST (64 * 1024)
#define SECMEM_STEP_MAX (4 * 1024 * 1024)
#define SECMEM_ALIGN 64

struct region {
    struct mapping map;
    size_t used;
};

/* The table holds addresses and sizes only; it grows with realloc. */
static struct region *regions;
static size_t nregions, cap_regions;
static size_t total_mapped;

static void *carve(struct region *r, size_t n)
{
    void *p = r->map.data + r->used;
    r->used += n;
    return p;
}

void *secmem_alloc(size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2) {
        errno = ENOMEM;
        return NULL;
    }
    n = (n + SECMEM_ALIGN - 1) & ~(size_t)(SECMEM_ALIGN - 1);
    /* First fit: there are few regions, and what is left in the older ones
     * still serves small requests. */
    for (size_t i = 0; i < nregions; i++)
        if (regions[i].map.size - regions[i].used >= n)
            return carve(&regions[i], n);
    if (nregions == cap_regions) {
        size_t c = cap_regions ? 2 * cap_regions : 8;
        struct region *t = realloc(regions, c * sizeof *t);
        if (!t) {
            errno = ENOMEM;
            return NULL;
        }
        regions = t;
        cap_regions = c;
    }
    size_t want = total_mapped < SECMEM_FIRST ? SECMEM_FIRST : total_mapped;
    if (want > SECMEM_STEP_MAX)
        want = SECMEM_STEP_MAX;
    if (want < n)
        want = n;
    struct region *r = &regions[nregions];
    struct map_report rep;
    int err = platform_map(want, true, &r->map, &rep);
    if (err) {
        errno = err;
        return NULL;
    }
    r->used = 0;
    nregions++;
    total_mapped += r->map.size;
    return carve(r, n);
}

bool secmem_protected(void)
{
    for (size_t i = 0; i < nregions; i++)
        if (!regions[i].map.locked || !regions[i].map.dontdump)
            return false;
    return true;
}

void secmem_wipe_all(void)
{
    size_t page = platform_page_size();
    for (size_t i = 0; i < nregions; i++) {
        struct mapping *m = &regions[i].map;
        explicit_bzero(m->data, regions[i].used);
        munmap(m->data - page, m->size + 2 * page);
    }
    free(regions);
    regions = NULL;
    nregions = cap_regions = 0;
    total_mapped = 0;
}
