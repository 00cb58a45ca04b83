/* Linux: which memory a core dump of this process would hold, read from
 * /proc/thread-self/smaps with read(2) into a caller's buffer (no stdio, no malloc),
 * and access to that memory through /proc/thread-self/mem and pagemap.
 * The choice mirrors the kernel's vma_dump_size() under the coredump_filter.
 * Everything here is async-signal-safe. */
#define _GNU_SOURCE
#include "preload/platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* coredump_filter bits (core(5)). */
enum {
    FILTER_ANON_PRIVATE = 1 << 0,
    FILTER_ANON_SHARED = 1 << 1,
    FILTER_MAPPED_PRIVATE = 1 << 2,
    FILTER_MAPPED_SHARED = 1 << 3,
    FILTER_HUGETLB_PRIVATE = 1 << 5,
    FILTER_HUGETLB_SHARED = 1 << 6,
    FILTER_DEFAULT = 0x33,
};

static int open_retry(const char *path, int flags)
{
    int fd;
    do
        fd = open(path, flags | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
}

/* The process's own files are opened through /proc/thread-self (Linux 3.17), the
 * calling thread's view of the shared memory: once the main thread has ended
 * (pthread_exit), /proc/self names the thread-group leader, a zombie that has no
 * memory left, and its smaps, mem and pagemap read as empty. /proc/self when
 * thread-self cannot be opened (an older kernel). */
static int open_either(const char *thread_path, const char *self_path, int flags)
{
    int fd = open_retry(thread_path, flags);
    return fd >= 0 ? fd : open_retry(self_path, flags);
}

#define OPEN_SELF(name, flags) open_either("/proc/thread-self/" name, "/proc/self/" name, flags)

static ssize_t read_retry(int fd, void *buf, size_t n)
{
    ssize_t got;
    do
        got = read(fd, buf, n);
    while (got < 0 && errno == EINTR);
    return got;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned long parse_hex(const char **p)
{
    unsigned long v = 0;
    for (; is_hex(**p); (*p)++) {
        char c = **p;
        v = v * 16 + (unsigned long)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static unsigned long parse_dec(const char **p)
{
    unsigned long v = 0;
    for (; **p >= '0' && **p <= '9'; (*p)++)
        v = v * 10 + (unsigned long)(**p - '0');
    return v;
}

static void skip_spaces(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* Reads up to n bytes of fd and closes it; -1 when fd is -1. */
static ssize_t read_and_close(int fd, char *buf, size_t n)
{
    if (fd < 0)
        return -1;
    ssize_t got = read_retry(fd, buf, n);
    close(fd);
    return got;
}

/* /proc/TID/coredump_filter of the calling thread, with TID as /proc numbers it:
 * the last part of the /proc/thread-self link ("TGID/task/TID"). -1 if unknown. */
static int open_thread_filter(void)
{
    static const char head[] = "/proc", tail[] = "/coredump_filter";
    char link[64], path[sizeof head + sizeof link + sizeof tail];
    ssize_t n = readlink("/proc/thread-self", link, sizeof link - 1);
    if (n <= 0)
        return -1;
    link[n] = '\0';
    const char *tid = strrchr(link, '/'); /* "/TID" */
    if (!tid)
        return -1;
    size_t k = strlen(tid);
    memcpy(path, head, sizeof head - 1);
    memcpy(path + sizeof head - 1, tid, k);
    memcpy(path + sizeof head - 1 + k, tail, sizeof tail);
    return open_retry(path, O_RDONLY);
}

/* The filter belongs to the process (thread-self has no such file); /proc/self's
 * reads empty once the main thread has ended, and this thread's /proc/TID holds
 * the same. */
static unsigned read_filter(void)
{
    char buf[32];
    ssize_t n = read_and_close(open_retry("/proc/self/coredump_filter", O_RDONLY), buf,
                               sizeof buf - 1);
    if (n <= 0)
        n = read_and_close(open_thread_filter(), buf, sizeof buf - 1);
    if (n <= 0)
        return FILTER_DEFAULT;
    buf[n] = '\0';
    const char *p = buf;
    return (unsigned)parse_hex(&p);
}

/* One mapping as smaps describes it. */
struct vma {
    uintptr_t start, end;
    char perms[4];
    unsigned long inode;
    bool deleted;  /* the file has no links left: shmem, memfd, SysV, shared anonymous */
    bool special;  /* [vdso], [vvar], [vsyscall], ...: kernel pages, no program data */
    bool has_anon; /* Anonymous or Swap above zero (or unknown) */
    bool skip;     /* VmFlags dd (MADV_DONTDUMP), io or pf */
    bool huge;     /* VmFlags ht */
};

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* "start-end perms offset dev inode   path" */
static bool parse_header(const char *line, struct vma *v)
{
    const char *p = line;
    memset(v, 0, sizeof *v);
    v->start = parse_hex(&p);
    if (*p++ != '-')
        return false;
    v->end = parse_hex(&p);
    if (*p++ != ' ' || strlen(p) < 4)
        return false;
    memcpy(v->perms, p, 4);
    p += 4;
    skip_spaces(&p);
    parse_hex(&p); /* offset */
    skip_spaces(&p);
    while (*p && *p != ' ') /* device */
        p++;
    skip_spaces(&p);
    v->inode = parse_dec(&p);
    skip_spaces(&p);
    size_t len = strlen(p);
    v->deleted = ends_with(p, len, " (deleted)");
    v->special = p[0] == '[' && !starts_with(p, "[heap]") && !starts_with(p, "[stack") &&
                 !starts_with(p, "[anon");
    v->has_anon = true; /* until smaps says otherwise */
    return v->end > v->start;
}

static void parse_vmflags(const char *p, struct vma *v)
{
    for (;;) {
        skip_spaces(&p);
        if (!*p)
            return;
        const char *t = p;
        while (*p && *p != ' ')
            p++;
        if (p - t != 2)
            continue;
        if ((t[0] == 'd' && t[1] == 'd') || (t[0] == 'i' && t[1] == 'o') ||
            (t[0] == 'p' && t[1] == 'f'))
            v->skip = true; /* MADV_DONTDUMP, VM_IO, VM_PFNMAP: never dumped */
        else if (t[0] == 'h' && t[1] == 't')
            v->huge = true;
    }
}

struct walk {
    unsigned filter;
    bool smaps;
    bool open;      /* a header was seen and not yet decided */
    unsigned long anon_kb, swap_kb;
    struct vma v;
    void (*fn)(const struct dump_region *, void *);
    void *arg;
};

/* Decides whether the kernel would dump the mapping, as vma_dump_size() does. */
static void decide(struct walk *w)
{
    struct vma *v = &w->v;
    w->open = false;
    if (w->smaps)
        v->has_anon = w->anon_kb > 0 || w->swap_kb > 0;
    if (v->skip || v->special)
        return;
    bool shared = v->perms[3] == 's';
    bool file = v->inode != 0;
    bool dumped;
    if (v->huge)
        dumped = w->filter & (shared ? FILTER_HUGETLB_SHARED : FILTER_HUGETLB_PRIVATE);
    else if (shared)
        dumped = w->filter & (!file || v->deleted ? FILTER_ANON_SHARED : FILTER_MAPPED_SHARED);
    else
        dumped = (v->has_anon && (w->filter & FILTER_ANON_PRIVATE)) ||
                 (file && (w->filter & FILTER_MAPPED_PRIVATE));
    if (!dumped)
        return;
    struct dump_region r = {
        .start = v->start,
        .end = v->end,
        .anon = !file || v->huge, /* huge pages: never fault in (allocate) a hole */
        .shared = shared,
        .direct = !shared && !file && !v->huge && v->perms[0] == 'r' && v->perms[1] == 'w',
    };
    w->fn(&r, w->arg);
}

static unsigned long field_kb(const char *line, size_t keylen)
{
    const char *p = line + keylen;
    skip_spaces(&p);
    return parse_dec(&p);
}

static void on_line(struct walk *w, const char *line)
{
    if (is_hex(line[0]) && (line[0] < 'A' || line[0] > 'F')) { /* keys start upper-case */
        if (w->open)
            decide(w);
        w->anon_kb = w->swap_kb = 0;
        w->open = parse_header(line, &w->v);
        if (w->open && !w->smaps)
            decide(w);
    } else if (w->open) {
        if (starts_with(line, "Anonymous:"))
            w->anon_kb = field_kb(line, 10);
        else if (starts_with(line, "Swap:"))
            w->swap_kb = field_kb(line, 5);
        else if (starts_with(line, "VmFlags:")) { /* the last line of a mapping */
            parse_vmflags(line + 8, &w->v);
            decide(w);
        }
    }
}

int platform_dump_regions(char *buf, size_t len,
                          void (*fn)(const struct dump_region *r, void *arg), void *arg)
{
    struct walk w = {.filter = read_filter(), .smaps = true, .fn = fn, .arg = arg};
    int fd = OPEN_SELF("smaps", O_RDONLY);
    if (fd < 0) {
        w.smaps = false;
        fd = OPEN_SELF("maps", O_RDONLY);
    }
    if (fd < 0 || len < 2)
        return -1;
    size_t have = 0;
    bool discard = false; /* inside a line too long for buf: drop its tail */
    for (;;) {
        ssize_t n = read_retry(fd, buf + have, len - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        char *p = buf, *end = buf + have, *nl;
        while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            *nl = '\0';
            if (!discard)
                on_line(&w, p);
            discard = false;
            p = nl + 1;
        }
        if (p == buf && have == len - 1) { /* no newline in a full buffer */
            buf[have] = '\0';
            if (!discard)
                on_line(&w, buf);
            discard = true;
            have = 0;
        } else {
            have = (size_t)(end - p);
            memmove(buf, p, have);
        }
    }
    if (have > 0 && !discard) {
        buf[have] = '\0';
        on_line(&w, buf);
    }
    if (w.open)
        decide(&w);
    close(fd);
    return 0;
}

void platform_self_open(struct self_mem *m)
{
    m->mem = OPEN_SELF("mem", O_RDWR);
    if (m->mem < 0)
        m->mem = OPEN_SELF("mem", O_RDONLY);
    m->pagemap = OPEN_SELF("pagemap", O_RDONLY);
}

void platform_self_close(struct self_mem *m)
{
    if (m->mem >= 0)
        close(m->mem);
    if (m->pagemap >= 0)
        close(m->pagemap);
    m->mem = m->pagemap = -1;
}

bool platform_self_readable(const struct self_mem *m)
{
    return m->mem >= 0;
}

long platform_self_read(const struct self_mem *m, uintptr_t addr, void *buf, size_t n)
{
    if (m->mem < 0)
        return -1;
    ssize_t got;
    do
        got = pread(m->mem, buf, n, (off_t)addr);
    while (got < 0 && errno == EINTR);
    return got;
}

int platform_self_zero(const struct self_mem *m, uintptr_t addr, size_t n)
{
    static const unsigned char zeros[256];
    if (m->mem < 0)
        return -1;
    while (n > 0) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        ssize_t put = pwrite(m->mem, zeros, k, (off_t)addr);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        addr += (size_t)put;
        n -= (size_t)put;
    }
    return 0;
}

int platform_populated_runs(const struct self_mem *m, uintptr_t start, uintptr_t end,
                            uint64_t *entries, size_t n,
                            void (*fn)(uintptr_t start, uintptr_t end, void *arg), void *arg)
{
    const uint64_t present = 1ull << 63, swapped = 1ull << 62;
    size_t page = platform_page_size();
    if (m->pagemap < 0 || n == 0)
        return -1;
    uintptr_t run = 0; /* start of the current run, 0 when none */
    uintptr_t a = start;
    while (a < end) {
        size_t want = (end - a) / page;
        if (want > n)
            want = n;
        ssize_t got;
        do
            got = pread(m->pagemap, entries, want * sizeof *entries,
                        (off_t)(a / page * sizeof *entries));
        while (got < 0 && errno == EINTR);
        if (got < (ssize_t)sizeof *entries) {
            if (a == start)
                return -1;
            /* Unknown from here on: treat the rest as populated. */
            fn(run ? run : a, end, arg);
            return 0;
        }
        size_t k = (size_t)got / sizeof *entries;
        for (size_t i = 0; i < k; i++, a += page) {
            bool populated = (entries[i] & (present | swapped)) != 0;
            if (populated && !run)
                run = a;
            else if (!populated && run) {
                fn(run, a, arg);
                run = 0;
            }
        }
    }
    if (run)
        fn(run, end, arg);
    return 0;
}

int platform_exclude_from_dump(uintptr_t addr, size_t n)
{
    size_t page = platform_page_size();
    uintptr_t lo = addr & ~(uintptr_t)(page - 1);
    uintptr_t hi = (addr + n + page - 1) & ~(uintptr_t)(page - 1);
    return madvise((void *)lo, hi - lo, MADV_DONTDUMP);
}

void platform_lock_pages(void *p, size_t n)
{
    size_t page = platform_page_size();
    uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(page - 1);
    uintptr_t hi = ((uintptr_t)p + n + page - 1) & ~(uintptr_t)(page - 1);
    if (hi > lo)
        mlock((void *)lo, hi - lo);
}
