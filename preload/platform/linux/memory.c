/* Linux implementation of platform.h: memfd_secret, guard pages, mlock, MADV_DONTDUMP,
 * the anonymous vault's mark. A Darwin implementation provides the same functions. */
#define _GNU_SOURCE
#include "preload/platform/platform.h"
#include "preload/platform/linux/auxv.h"
#include "preload/platform/linux/syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

/* How /proc/PID/smaps tells the anonymous vault from the program's memory
 * (cli/vault_smaps.c): the name "[anon:envseal-vault]" where the kernel names
 * anonymous mappings (CONFIG_ANON_VMA_NAME), and everywhere the VmFlags "rr" of
 * MADV_RANDOM next to the "dd" of MADV_DONTDUMP. MADV_RANDOM only steers swap-in
 * read-ahead, which locked pages never see. A named memfd would show on every
 * kernel, but creating, faulting in and freeing its shmem file cost 2% of a short
 * command's run time (docs/performance.md). */
static void mark_anonymous_vault(void *data, size_t size)
{
    madvise(data, size, MADV_RANDOM);
    SYS5(SYS_prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, data, size, "envseal-vault");
}

size_t platform_page_size(void)
{
#if defined(__x86_64__)
    return 4096; /* x86-64's only base page size; no getauxval import to bind */
#else
    /* Not cached: a static written at start-up would cost a page of .bss. */
    unsigned long p = getauxval(AT_PAGESZ);
    return p ? (size_t)p : 4096;
#endif
}

/* An auxiliary-vector entry read from /proc/self/auxv (0 when absent): for rare
 * paths, so that start-up binds no getauxval. System calls only: async-signal-safe. */
unsigned long linux_auxv_entry(unsigned long type)
{
    unsigned long pair[2], value = 0;
    int fd = open("/proc/self/auxv", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    while (read(fd, pair, sizeof pair) == (ssize_t)sizeof pair && pair[0] != AT_NULL)
        if (pair[0] == type) {
            value = pair[1];
            break;
        }
    close(fd);
    return value;
}

static size_t round_to_pages(size_t n)
{
    size_t page = platform_page_size();
    if (n == 0)
        n = 1;
    return (n + page - 1) & ~(page - 1);
}

/* Maps `size` bytes of a fresh secretmem file at `at` (MAP_FIXED when at != NULL). */
static void *map_secretmem(void *at, size_t size, int *err)
{
    long r = SYS1(SYS_memfd_secret, (unsigned)O_CLOEXEC);
    if (r < 0) {
        *err = (int)-r;
        return MAP_FAILED;
    }
    int fd = (int)r;
    void *p = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) == 0)
        p = mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | (at ? MAP_FIXED : 0), fd, 0);
    *err = p == MAP_FAILED ? errno : 0;
    close(fd);
    return p;
}

/* Private anonymous pages at `at`; `flags` adds MAP_LOCKED, or not. */
static void *map_private(void *at, size_t size, int flags)
{
    return mmap(at, size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | flags, -1, 0);
}

/* Locked private pages, in one system call fewer than mmap + mlock: MAP_LOCKED
 * fails (EAGAIN) where mlock would (RLIMIT_MEMLOCK); only then are the pages mapped
 * unlocked and mlock asked, for the reason it gives. */
static void *map_private_locked(void *at, size_t size, struct mapping *m, int *mlock_err)
{
    void *p = map_private(at, size, MAP_LOCKED);
    if (p != MAP_FAILED) {
        m->locked = true;
        *mlock_err = 0;
        return p;
    }
    p = map_private(at, size, 0);
    if (p != MAP_FAILED) {
        m->locked = mlock(p, size) == 0;
        *mlock_err = m->locked ? 0 : errno;
    }
    return p;
}

int platform_map(size_t size, bool allow_secretmem, struct mapping *m, struct map_report *r)
{
    size_t page = platform_page_size();
    size = round_to_pages(size);
    memset(m, 0, sizeof *m);
    r->secretmem_errno = allow_secretmem ? 0 : EPERM;
    r->mlock_errno = 0;

    unsigned char *base = mmap(NULL, size + 2 * page, PROT_NONE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return errno;
    unsigned char *data = base + page;

    if (allow_secretmem) {
        int err;
        if (map_secretmem(data, size, &err) != MAP_FAILED) {
            m->data = data;
            m->size = size;
            m->backing = BACKING_SECRETMEM;
            m->locked = true;   /* secretmem pages are never swapped */
            m->dontdump = true; /* nor readable by the core dumper */
            return 0;
        }
        r->secretmem_errno = err;
    }
    /* A failed MAP_FIXED may already have unmapped the range: map it afresh. */
    if (map_private_locked(data, size, m, &r->mlock_errno) == MAP_FAILED) {
        int err = errno;
        munmap(base, size + 2 * page);
        return err;
    }
    m->data = data;
    m->size = size;
    m->backing = BACKING_ANON;
    m->dontdump = madvise(data, size, MADV_DONTDUMP) == 0;
    mark_anonymous_vault(data, size);
    return 0;
}

void platform_unmap(struct mapping *m)
{
    size_t page = platform_page_size();
    if (m->data)
        munmap(m->data - page, m->size + 2 * page);
    m->data = NULL;
}

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1u
#endif

/* Locks a forked child's vault pages without copying them: plain mlock would fault
 * each one in for writing, breaking copy-on-write for a page that a child about to
 * exec throws away. MLOCK_ONFAULT locks the pages already mapped (the parent's,
 * shared) and every page this child later writes. mlock where the kernel lacks
 * mlock2 (before Linux 4.4). */
static int relock_shared(void *data, size_t size)
{
#ifdef SYS_mlock2
    long r = SYS3(SYS_mlock2, data, size, MLOCK_ONFAULT);
    if (r != -ENOSYS && r != -EINVAL)
        return r < 0 ? (int)-r : 0;
#endif
    return mlock(data, size) == 0 ? 0 : errno;
}

int platform_unshare_after_fork(struct mapping *m)
{
    if (m->backing == BACKING_ANON) {
        /* Private pages are the parent's until either side writes; only the lock
         * was lost. m is written only if that fails: a page written after fork is
         * copied first. */
        if (m->locked && relock_shared(m->data, m->size) != 0)
            m->locked = false;
        return 0;
    }
    if (m->backing != BACKING_SECRETMEM)
        return 0;
    int err;
    unsigned char *copy = map_secretmem(NULL, m->size, &err);
    if (copy == MAP_FAILED)
        return err;
    memcpy(copy, m->data, m->size);
    /* Move the private copy over the shared one: same address, pointers stay valid. */
    void *moved = mremap(copy, m->size, m->size, MREMAP_MAYMOVE | MREMAP_FIXED, m->data);
    if (moved == MAP_FAILED) {
        err = errno;
        explicit_bzero(copy, m->size);
        munmap(copy, m->size);
        return err;
    }
    return 0;
}

void platform_write_stderr(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
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
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v && v != 0)
        return v;
    const unsigned char *at_random = (const unsigned char *)linux_auxv_entry(AT_RANDOM);
    if (at_random) /* bytes 8..15: glibc uses 0..7 for the stack guard */
        memcpy(&v, at_random + 8, sizeof v);
    return v ^ (uint64_t)(uintptr_t)&v ^ 0x9e3779b97f4a7c15ull;
}

/* What glibc's program_invocation_short_name holds (the last component of argv[0]),
 * taken from the constructor's argv: one imported symbol fewer to bind at start. */
static const char *program_name ENVSEAL_HOT;

void platform_set_program_name(const char *argv0)
{
    if (!argv0)
        return;
    const char *base = argv0;
    for (const char *p = argv0; *p; p++)
        if (*p == '/')
            base = p + 1;
    program_name = base;
}

const char *platform_program_name(void)
{
    if (program_name)
        return program_name;
    /* A message before the constructor ran (another library's constructor changed
     * the environment): the kernel's name for the process. */
    static char comm[17];
    int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, comm, sizeof comm - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return "?";
    comm[n - (comm[n - 1] == '\n')] = '\0';
    return comm;
}

void *platform_map_scratch(size_t size, size_t stack_size, void **stack)
{
    size_t below = stack_size ? stack_size + platform_page_size() : 0, total = below + size;
    unsigned char *p = mmap(NULL, total, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* A scratch area that would be dumped is worse than none. */
    if (madvise(p, total, MADV_DONTDUMP) != 0 ||
        (below && mprotect(p, platform_page_size(), PROT_NONE) != 0)) {
        munmap(p, total);
        return NULL;
    }
    if (stack)
        *stack = below ? p + platform_page_size() : NULL;
    return p + below;
}
