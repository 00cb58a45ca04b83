#define _GNU_SOURCE
#include "secmem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "preload/platform.h"

#define SECMEM_MAPS 64

static struct mapping maps[SECMEM_MAPS];
static unsigned nmaps;

void *secmem_alloc(size_t n)
{
    if (nmaps >= SECMEM_MAPS) {
        errno = ENOMEM;
        return NULL;
    }
    struct mapping m;
    struct map_report r;
    int err = platform_map(n, true, &m, &r);
    if (err) {
        errno = err;
        return NULL;
    }
    maps[nmaps++] = m;
    return m.data;
}

bool secmem_protected(void)
{
    for (unsigned i = 0; i < nmaps; i++)
        if (!maps[i].locked || !maps[i].dontdump)
            return false;
    return true;
}

void secmem_wipe_all(void)
{
    size_t page = platform_page_size();
    for (unsigned i = 0; i < nmaps; i++) {
        explicit_bzero(maps[i].data, maps[i].size);
        munmap(maps[i].data - page, maps[i].size + 2 * page);
    }
    nmaps = 0;
}
