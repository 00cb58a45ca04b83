/* Unit tests of the shim's own string functions (preload/platform/linux/libc_local.c),
 * linked into this test in place of libc's: every length up to 80 at every
 * alignment, strings that end just before an inaccessible page (the word-at-a-time
 * reads must not cross into it), and the bytes around each write left untouched. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

void __stack_chk_fail(void); /* the shim's own (libc_local.c), linked in here */

enum { MAXLEN = 80, GUARD = 16 };

/* Called through pointers: neither the compiler nor FORTIFY's inline wrappers may
 * put their own code in place of the functions under test. explicit_bzero is
 * called as the shim calls it (FORTIFY makes it __explicit_bzero_chk, defined there). */
static size_t (*volatile str_len)(const char *) = strlen;
static void *(*volatile mem_cpy)(void *, const void *, size_t) = memcpy;
static void *(*volatile mem_set)(void *, int, size_t) = memset;

/* Two pages, the second inaccessible: a string placed to end at the first page's
 * last byte faults if anything reads past the word that holds its terminator. */
static unsigned char *edge_page(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char *p = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    assert_int_equal(mprotect(p + pg, (size_t)pg, PROT_NONE), 0);
    return p + pg; /* the inaccessible page starts here */
}

static void strlen_every_length_and_alignment(void **state)
{
    (void)state;
    unsigned char *end = edge_page();
    for (size_t len = 0; len <= MAXLEN; len++)
        for (size_t lead = 0; lead < 8; lead++) {
            /* the terminator is the page's last byte, or `lead` bytes before it */
            unsigned char *s = end - 1 - lead - len;
            for (size_t i = 0; i < len; i++)
                s[i] = (unsigned char)(1 + (i * 37 + lead) % 255); /* 1..255, never 0 */
            s[len] = 0;
            for (size_t i = len + 1; i <= len + lead; i++)
                s[i] = 0xff;
            memset(end - 1 - lead - len - 8, 0, 8); /* zeros before s must not count */
            size_t got = str_len((const char *)s);
            if (got != len)
                fail_msg("strlen: %zu for a string of %zu bytes at %p", got, len, (void *)s);
        }
}

static void memcpy_every_length_and_alignment(void **state)
{
    (void)state;
    unsigned char src[MAXLEN + 16], dst[MAXLEN + 2 * GUARD + 16];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    for (size_t len = 0; len <= MAXLEN; len++)
        for (size_t soff = 0; soff < 8; soff++)
            for (size_t doff = 0; doff < 8; doff++) {
                for (size_t i = 0; i < sizeof dst; i++)
                    dst[i] = 0xa5;
                unsigned char *d = dst + GUARD + doff;
                void *r = mem_cpy(d, src + soff, len);
                assert_ptr_equal(r, d);
                for (size_t i = 0; i < sizeof dst; i++) {
                    unsigned char want = dst + i >= d && dst + i < d + len
                                             ? src[soff + (size_t)(dst + i - d)]
                                             : 0xa5;
                    if (dst[i] != want)
                        fail_msg("memcpy of %zu bytes (offsets %zu, %zu): byte %zu is %u",
                                 len, soff, doff, i, dst[i]);
                }
            }
}

/* memset, and explicit_bzero (FORTIFY makes it __explicit_bzero_chk here). */
static void memset_and_bzero_every_length_and_alignment(void **state)
{
    (void)state;
    unsigned char buf[MAXLEN + 2 * GUARD + 8];
    for (int zero = 0; zero <= 1; zero++)
        for (size_t len = 0; len <= MAXLEN; len++)
            for (size_t off = 0; off < 8; off++) {
                for (size_t i = 0; i < sizeof buf; i++)
                    buf[i] = 0xa5;
                unsigned char *d = buf + GUARD + off;
                if (zero)
                    explicit_bzero(d, len);
                else
                    assert_ptr_equal(mem_set(d, 0x3c, len), d);
                for (size_t i = 0; i < sizeof buf; i++) {
                    bool in = buf + i >= d && buf + i < d + len;
                    unsigned char want = in ? (zero ? 0 : 0x3c) : 0xa5;
                    if (buf[i] != want)
                        fail_msg("%s of %zu bytes at offset %zu: byte %zu is %u",
                                 zero ? "explicit_bzero" : "memset", len, off, i, buf[i]);
                }
            }
}

static void returning_handler(int sig)
{
    (void)sig;
}

/* The stack protector's handler of the shim's own functions: glibc's line on stderr,
 * then death by SIGABRT, even when SIGABRT is blocked or a handler returns. */
static void stack_chk_fail_aborts(void **state)
{
    (void)state;
    for (int variant = 0; variant < 3; variant++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            dup2(p[1], 2);
            if (variant == 1) {
                sigset_t s;
                sigemptyset(&s);
                sigaddset(&s, SIGABRT);
                sigprocmask(SIG_BLOCK, &s, NULL);
            } else if (variant == 2) {
                signal(SIGABRT, returning_handler);
            }
            __stack_chk_fail();
        }
        close(p[1]);
        char out[128] = {0};
        ssize_t got = read(p[0], out, sizeof out - 1);
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
            fail_msg("variant %d: wait status 0x%x, not killed by SIGABRT", variant, status);
        assert_true(got > 0);
        assert_string_equal(out, "*** stack smashing detected ***: terminated\n");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strlen_every_length_and_alignment),
        cmocka_unit_test(memcpy_every_length_and_alignment),
        cmocka_unit_test(memset_and_bzero_every_length_and_alignment),
        cmocka_unit_test(stack_chk_fail_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
