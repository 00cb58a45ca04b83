/* macOS implementation of platform.h's memory half: the vault is private
 * anonymous memory between guard pages, locked with mlock. macOS has neither
 * memfd_secret nor MADV_DONTDUMP: the vault stays in the kernel's direct map and
 * would be in a core dump, so it is wiped before any core is written (crash/). */
#include "preload/platform/platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

size_t platform_page_size(void)
{
    return (size_t)getpagesize(); /* 16 KiB on Apple silicon, 4 KiB on Intel */
}

static size_t round_to_pages(size_t n)
{
    size_t page = platform_page_size();
    if (n == 0)
        n = 1;
    return (n + page - 1) & ~(page - 1);
}

int platform_map(size_t size, bool allow_secretmem, struct mapping *m, struct map_report *r)
{
    memset(m, 0, sizeof *m);
    memset(r, 0, sizeof *r);
    if (allow_secretmem)
        r->secretmem_errno = ENOSYS;
    size_t page = platform_page_size(), data = round_to_pages(size);
    unsigned char *base =
        mmap(NULL, data + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANON, -1, 0);
    if (base == MAP_FAILED)
        return errno;
    if (mprotect(base + page, data, PROT_READ | PROT_WRITE) != 0) {
        int err = errno;
        munmap(base, data + 2 * page);
        return err;
    }
    m->data = base + page;
    m->size = data;
    m->backing = BACKING_ANON;
    m->dontdump = false; /* see platform_can_exclude_from_dump */
    if (mlock(m->data, data) == 0)
        m->locked = true;
    else
        r->mlock_errno = errno;
    return 0;
}

void platform_unmap(struct mapping *m)
{
    if (!m->data)
        return;
    size_t page = platform_page_size();
    munmap(m->data - page, m->size + 2 * page);
    memset(m, 0, sizeof *m);
}

int platform_unshare_after_fork(struct mapping *m)
{
    /* Private pages are already the child's own (copy-on-write); locks are not
     * inherited across fork. */
    if (m->data && m->locked && mlock(m->data, m->size) != 0)
        m->locked = false;
    return 0;
}

void platform_write_stderr(const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(2, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

uint64_t platform_random64(void)
{
    uint64_t v;
    arc4random_buf(&v, sizeof v);
    return v;
}

static const char *program_name ENVSEAL_HOT;

const char *platform_program_name(void)
{
    if (program_name)
        return program_name;
    const char *p = getprogname();
    return p ? p : "envseal";
}

void platform_set_program_name(const char *argv0)
{
    if (!argv0 || !*argv0)
        return;
    const char *slash = strrchr(argv0, '/');
    program_name = slash ? slash + 1 : argv0;
}
