/* The memfd_secret floor: a preload whose constructor maps one vault page exactly
 * as envseal's vault does by default (platform_map: guard pages, memfd_secret,
 * ftruncate, mmap, close; the shim's own code, linked in) and writes its first byte,
 * as storing the first secret does. Nothing else. What it adds over the empty
 * preload is what the kernel charges for a secretmem page on this machine (taking
 * it out of the direct map flushes every CPU's TLB), a cost no preload that keeps
 * secrets in memfd_secret can avoid; exec_cost -b reports envseal over it. */
#include "preload/platform/platform.h"

__attribute__((constructor)) static void secretmem_floor_init(void)
{
    struct mapping m;
    struct map_report r;
    if (platform_map(1, true, &m, &r) == 0)
        __atomic_store_n(m.data, 1, __ATOMIC_RELAXED);
}

/* One exported function, like the empty preload. */
__attribute__((visibility("default"))) int envseal_bench_secretmem_floor(void)
{
    return 0;
}
