/* The plain libc functions the shim calls, defined here with hidden visibility.
 * Every symbol a preloaded library imports costs a dynamic lookup in every process
 * it is loaded into (BIND_NOW resolves them all before main); defined locally, the
 * static linker binds the shim's calls to these instead. Semantics follow glibc's
 * for the uses here; the shim's strings are short, so byte loops suffice.
 * Compiled without builtins, FORTIFY or loop-to-call rewriting (see BUILD). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "preload/platform/linux/syscall.h"

#ifndef AT_FDCWD
#define AT_FDCWD (-100)
#endif

#define LOCAL __attribute__((visibility("hidden")))

/* ---- memory and strings ---- */

LOCAL void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if (n >= 8) { /* secrets are copied at start-up: words, the last one overlapping */
        for (size_t i = 0; i < n - 8; i += 8)
            __builtin_memcpy(dp + i, sp + i, 8);
        __builtin_memcpy(dp + n - 8, sp + n - 8, 8);
        return d;
    }
    while (n--)
        *dp++ = *sp++;
    return d;
}

LOCAL void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if (dp < sp)
        while (n--)
            *dp++ = *sp++;
    else
        while (n--)
            dp[n] = sp[n];
    return d;
}

LOCAL void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    const uint64_t w = 0x0101010101010101ull * (unsigned char)c;
    if (n >= 8) { /* secrets are wiped at start-up: words, the last one overlapping */
        for (size_t i = 0; i < n - 8; i += 8)
            __builtin_memcpy(dp + i, &w, 8);
        __builtin_memcpy(dp + n - 8, &w, 8);
        return d;
    }
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

/* Secrets are zeroed with explicit_bzero, which FORTIFY turns into
 * __explicit_bzero_chk: glibc's only GLIBC_2.25 symbol the shim would import.
 * Only the fortified name is defined here, so a build without FORTIFY still
 * imports explicit_bzero (tests/elf checks that it does not). The empty asm after
 * memset keeps the stores: the compiler may not drop them as dead. */
LOCAL void __explicit_bzero_chk(void *d, size_t n, size_t dlen)
{
    if (n > dlen)
        __builtin_trap(); /* glibc's __chk_fail: a buffer overflow, never returns */
    memset(d, 0, n);
    __asm__ volatile("" : : "r"(d) : "memory");
}

/* FORTIFY turns a memcpy into a buffer of known size into __memcpy_chk: defined
 * here, it spares the loader a lookup and the check of symbol version GLIBC_2.3.4. */
LOCAL void *__memcpy_chk(void *restrict d, const void *restrict s, size_t n, size_t dlen)
{
    if (n > dlen)
        __builtin_trap(); /* glibc's __chk_fail */
    return memcpy(d, s, n);
}

/* The stack protector's handler for the shim's own functions (the program's call
 * libc's): defined here, it spares every process the loader's lookup of
 * __stack_chk_fail and its check of symbol version GLIBC_2.4. As glibc's: one line
 * on stderr, then SIGABRT, unblocked; should a handler return, SIGABRT by default. */
LOCAL __attribute__((noreturn)) void __stack_chk_fail(void)
{
    static const char msg[] = "*** stack smashing detected ***: terminated\n";
    SYS3(SYS_write, 2, msg, sizeof msg - 1);
    const uint64_t abrt = 1ull << (SIGABRT - 1);
    SYS4(SYS_rt_sigprocmask, SIG_UNBLOCK, &abrt, NULL, sizeof abrt);
    long pid = SYS0(SYS_getpid), tid = SYS0(SYS_gettid);
    SYS3(SYS_tgkill, pid, tid, SIGABRT);
    const struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        uint64_t mask;
    } dfl = {0}; /* SIG_DFL: the kernel's struct sigaction on x86-64 and arm64 */
    SYS4(SYS_rt_sigaction, SIGABRT, &dfl, NULL, sizeof dfl.mask);
    SYS3(SYS_tgkill, pid, tid, SIGABRT);
    __builtin_trap();
}

LOCAL int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

LOCAL void *memchr(const void *s, int c, size_t n)
{
    /* Eight bytes at a time while none matches ("has a zero byte" on w ^ c): it
     * skips lines of /proc/self/status at start-up. Never reads past s + n. */
    const unsigned char *p = s;
    const uint64_t ones = 0x0101010101010101ull, rep = ones * (unsigned char)c;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        __builtin_memcpy(&w, p, 8);
        w ^= rep;
        uint64_t hit = (w - ones) & ~w & (ones << 7);
        if (hit) /* its lowest bit marks the first matching byte exactly */
            return (void *)(p + (__builtin_ctzll(hit) >> 3));
    }
    for (; n; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)p;
    return NULL;
}

LOCAL size_t strlen(const char *s)
{
    /* Eight bytes at a time in aligned words: an aligned word never crosses into
     * another page, so reading before the start or past the terminator within it
     * cannot fault. The bytes of the first word before s count as non-zero. */
    const uint64_t ones = 0x0101010101010101ull;
    const char *p = (const char *)((uintptr_t)s & ~(uintptr_t)7);
    uint64_t w;
    __builtin_memcpy(&w, p, 8);
    _Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the low bytes come first");
    w |= (1ull << (((uintptr_t)s & 7) * 8)) - 1; /* the bytes before s */
    for (;;) {
        uint64_t zero = (w - ones) & ~w & (ones << 7);
        if (zero) /* its lowest bit marks the first zero byte exactly */
            return (size_t)(p - s) + (__builtin_ctzll(zero) >> 3);
        p += 8;
        __builtin_memcpy(&w, p, 8);
    }
}

LOCAL size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

LOCAL char *strchrnul(const char *s, int c)
{
    while (*s && *s != (char)c)
        s++;
    return (char *)s;
}

LOCAL char *strchr(const char *s, int c)
{
    s = strchrnul(s, c);
    return *s == (char)c ? (char *)s : NULL;
}

LOCAL char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    do
        if (*s == (char)c)
            last = s;
    while (*s++);
    return (char *)last;
}

LOCAL int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

LOCAL int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++)
        if (*a != *b || !*a)
            return (unsigned char)*a - (unsigned char)*b;
    return 0;
}

/* ---- system calls (errno set as libc does) ---- */

static long ret(long r)
{
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

LOCAL ssize_t read(int fd, void *buf, size_t n)
{
    return ret(SYS3(SYS_read, fd, buf, n));
}

LOCAL ssize_t write(int fd, const void *buf, size_t n)
{
    return ret(SYS3(SYS_write, fd, buf, n));
}

LOCAL ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    return ret(SYS4(SYS_pread64, fd, buf, n, off));
}

LOCAL ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    return ret(SYS4(SYS_pwrite64, fd, buf, n, off));
}

LOCAL int open(const char *path, int flags, ...)
{
    int mode = 0;
    if (flags & (0100 /* O_CREAT */ | 020000000 /* O_TMPFILE */)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return (int)ret(SYS4(SYS_openat, -100 /* AT_FDCWD */, path, flags, mode));
}

LOCAL ssize_t readlink(const char *restrict path, char *restrict buf, size_t n)
{
    return ret(SYS4(SYS_readlinkat, AT_FDCWD, path, buf, n));
}

LOCAL int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long); /* every command the shim uses takes an int or none */
    va_end(ap);
    return (int)ret(SYS3(SYS_fcntl, fd, cmd, arg));
}

LOCAL int fstat(int fd, struct stat *st)
{
    return (int)ret(SYS4(SYS_newfstatat, fd, "", st, 0x1000 /* AT_EMPTY_PATH */));
}

LOCAL int close(int fd)
{
    return (int)ret(SYS1(SYS_close, fd));
}

LOCAL int ftruncate(int fd, off_t len)
{
    return (int)ret(SYS2(SYS_ftruncate, fd, len));
}

LOCAL void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    long r = sys6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, (long)off);
    return r < 0 && r > -4096 ? (errno = (int)-r, (void *)-1) : (void *)r;
}

LOCAL int munmap(void *addr, size_t len)
{
    return (int)ret(SYS2(SYS_munmap, addr, len));
}

LOCAL void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
    void *new_addr = NULL;
    if (flags & 2 /* MREMAP_FIXED */) {
        va_list ap;
        va_start(ap, flags);
        new_addr = va_arg(ap, void *);
        va_end(ap);
    }
    long r = SYS5(SYS_mremap, old, old_len, new_len, flags, new_addr);
    return r < 0 && r > -4096 ? (errno = (int)-r, (void *)-1) : (void *)r;
}

LOCAL int mprotect(void *addr, size_t len, int prot)
{
    return (int)ret(SYS3(SYS_mprotect, addr, len, prot));
}

LOCAL int madvise(void *addr, size_t len, int advice)
{
    return (int)ret(SYS3(SYS_madvise, addr, len, advice));
}

LOCAL int mlock(const void *addr, size_t len)
{
    return (int)ret(SYS2(SYS_mlock, addr, len));
}

LOCAL int memfd_create(const char *name, unsigned flags)
{
    return (int)ret(SYS2(SYS_memfd_create, name, flags));
}

LOCAL ssize_t getrandom(void *buf, size_t n, unsigned flags)
{
    return ret(SYS3(SYS_getrandom, buf, n, flags));
}

LOCAL int prctl(int op, ...)
{
    va_list ap;
    va_start(ap, op);
    unsigned long a = va_arg(ap, unsigned long), b = va_arg(ap, unsigned long),
                  c = va_arg(ap, unsigned long), d = va_arg(ap, unsigned long);
    va_end(ap);
    return (int)ret(SYS5(SYS_prctl, op, a, b, c, d));
}

LOCAL int getrlimit(__rlimit_resource_t res, struct rlimit *rl)
{
    return (int)ret(SYS4(SYS_prlimit64, 0, res, NULL, rl));
}

LOCAL pid_t getpid(void)
{
    return (pid_t)SYS0(SYS_getpid);
}

LOCAL uid_t getuid(void)
{
    return (uid_t)SYS0(SYS_getuid);
}

LOCAL int sched_yield(void)
{
    return (int)ret(SYS0(SYS_sched_yield));
}

LOCAL int nanosleep(const struct timespec *req, struct timespec *rem)
{
    return (int)ret(SYS2(SYS_nanosleep, req, rem));
}

LOCAL __attribute__((noreturn)) void _exit(int status)
{
    for (;;)
        SYS1(SYS_exit_group, status);
}

/* ---- signal sets: glibc's rules, including its two internal signals (SIGCANCEL
 * and SIGSETXID, 32 and 33) that programs may not block or add ---- */

#define KSIG_BYTES 8 /* the kernel's sigset is 64 bits */

static int internal_signal(int sig)
{
    return sig == 32 || sig == 33;
}

static int bad_signal(int sig)
{
    return sig <= 0 || sig >= 65 || internal_signal(sig);
}

LOCAL int sigemptyset(sigset_t *set)
{
    memset(set, 0, sizeof *set);
    return 0;
}

LOCAL int sigfillset(sigset_t *set)
{
    memset(set, 0xff, sizeof *set);
    unsigned long *w = (unsigned long *)set;
    w[0] &= ~((1ul << 31) | (1ul << 32)); /* bits of signals 32 and 33 */
    return 0;
}

LOCAL int sigaddset(sigset_t *set, int sig)
{
    if (bad_signal(sig)) {
        errno = EINVAL;
        return -1;
    }
    ((unsigned long *)set)[(sig - 1) / (8 * sizeof(long))] |= 1ul << ((sig - 1) % (8 * sizeof(long)));
    return 0;
}

LOCAL int sigismember(const sigset_t *set, int sig)
{
    if (sig <= 0 || sig >= 65) {
        errno = EINVAL;
        return -1;
    }
    return (int)(((const unsigned long *)set)[(sig - 1) / (8 * sizeof(long))] >>
                 ((sig - 1) % (8 * sizeof(long))) & 1);
}
