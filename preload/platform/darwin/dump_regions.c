/* macOS implementation of platform.h's "memory a core dump would hold": the
 * process's regions from mach_vm_region_recurse, read and written through its own
 * task port (mach_vm_read_overwrite, mach_vm_write), which never fault in the
 * caller. macOS writes every readable region into a core and has no way to leave
 * one out, so the sweep's own scratch area (which holds the values it looks for)
 * is left out of the walk here, and wiped before the core is written. */
#include "preload/platform/platform.h"
#include "preload/platform/darwin/mach_calls.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

/* Areas of our own the walk skips (the sweep's scratch, vault bookkeeping). */
#define SKIP_MAX 32
static struct {
    uintptr_t start, end;
} skip[SKIP_MAX];
static unsigned nskip;
static int skip_lock;

static void skip_add(uintptr_t start, uintptr_t end)
{
    while (__atomic_exchange_n(&skip_lock, 1, __ATOMIC_ACQUIRE))
        platform_yield();
    if (nskip < SKIP_MAX) {
        skip[nskip].start = start;
        skip[nskip].end = end;
        __atomic_store_n(&nskip, nskip + 1, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&skip_lock, 0, __ATOMIC_RELEASE);
}

/* Calls fn for the parts of r outside every skipped area. */
static void report_unskipped(struct dump_region r,
                             void (*fn)(const struct dump_region *, void *), void *arg)
{
    unsigned n = __atomic_load_n(&nskip, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n && r.start < r.end; i++) {
        if (skip[i].end <= r.start || skip[i].start >= r.end)
            continue;
        if (skip[i].start > r.start) {
            struct dump_region head = r;
            head.end = skip[i].start;
            report_unskipped(head, fn, arg);
        }
        r.start = skip[i].end;
    }
    if (r.start < r.end)
        fn(&r, arg);
}

int platform_dump_regions(char *buf, size_t len,
                          void (*fn)(const struct dump_region *r, void *arg), void *arg)
{
    (void)buf;
    (void)len;
    mach_vm_address_t addr = 0;
    natural_t depth = 0;
    for (;;) {
        mach_vm_size_t size = 0;
        vm_region_submap_info_data_64_t info;
        mach_msg_type_number_t count = VM_REGION_SUBMAP_INFO_COUNT_64;
        kern_return_t kr = mach_vm_region_recurse(mach_task_self(), &addr, &size, &depth,
                                                  (vm_region_recurse_info_t)&info, &count);
        if (kr != KERN_SUCCESS)
            return kr == KERN_INVALID_ADDRESS ? 0 : -1; /* past the last region */
        if (info.is_submap) {
            depth++;
            continue;
        }
        /* Only memory the process can write can hold a copy it made: the dyld
         * shared cache and mapped files, read-only, are gigabytes the sweep skips.
         * (A region written and then made read-only is missed: a limit.) */
        const vm_prot_t rw = VM_PROT_READ | VM_PROT_WRITE;
        if ((info.protection & rw) == rw) {
            bool shared = info.share_mode == SM_SHARED || info.share_mode == SM_TRUESHARED;
            bool anon = !info.external_pager;
            struct dump_region r = {
                .start = (uintptr_t)addr,
                .end = (uintptr_t)(addr + size),
                .anon = anon,
                .shared = shared,
                .direct = anon && !shared,
            };
            report_unskipped(r, fn, arg);
        }
        addr += size;
    }
}

void platform_self_open(struct self_mem *m)
{
    m->mem = m->pagemap = -1; /* the task port serves instead */
}

void platform_self_close(struct self_mem *m)
{
    (void)m;
}

bool platform_self_readable(const struct self_mem *m)
{
    (void)m;
    return true; /* the task port */
}

long platform_self_read(const struct self_mem *m, uintptr_t addr, void *buf, size_t n)
{
    (void)m;
    mach_vm_size_t got = 0;
    if (mach_vm_read_overwrite(mach_task_self(), addr, n, (mach_vm_address_t)(uintptr_t)buf,
                               &got) != KERN_SUCCESS)
        return -1;
    return (long)got;
}

static const unsigned char zeros[4096];

int platform_self_zero(const struct self_mem *m, uintptr_t addr, size_t n)
{
    (void)m;
    while (n) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        if (mach_vm_write(mach_task_self(), addr, (vm_offset_t)zeros,
                          (mach_msg_type_number_t)k) != KERN_SUCCESS)
            return -1;
        addr += k;
        n -= k;
    }
    return 0;
}

int platform_populated_runs(const struct self_mem *m, uintptr_t start, uintptr_t end,
                            uint64_t *entries, size_t n,
                            void (*fn)(uintptr_t start, uintptr_t end, void *arg), void *arg)
{
    (void)m;
    /* mincore: resident or paged out; entries is scratch for n * 8 page flags. */
    size_t page = platform_page_size(), cap = n * sizeof *entries;
    char *vec = (char *)entries;
    for (uintptr_t a = start; a < end;) {
        size_t pages = (end - a) / page;
        if (pages > cap)
            pages = cap;
        if (mincore((void *)a, pages * page, vec) != 0)
            return -1;
        uintptr_t run = 0;
        for (size_t i = 0; i < pages; i++) {
            uintptr_t p = a + i * page;
            if (vec[i] && !run)
                run = p;
            if (!vec[i] && run) {
                fn(run, p, arg);
                run = 0;
            }
        }
        a += pages * page;
        if (run)
            fn(run, a, arg);
    }
    return 0;
}

int platform_exclude_from_dump(uintptr_t addr, size_t n)
{
    (void)addr;
    (void)n;
    errno = ENOSYS; /* no MADV_DONTDUMP on macOS */
    return -1;
}

void *platform_map_scratch(size_t size, size_t stack_size, void **stack)
{
    size_t page = platform_page_size(), guard = stack_size ? page : 0;
    size_t total = guard + stack_size + size;
    unsigned char *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (guard)
        mprotect(p, guard, PROT_NONE);
    if (stack)
        *stack = stack_size ? p + guard : NULL;
    skip_add((uintptr_t)(p + guard + stack_size), (uintptr_t)(p + total));
    return p + guard + stack_size;
}

void platform_lock_pages(void *p, size_t n)
{
    mlock(p, n);
}
