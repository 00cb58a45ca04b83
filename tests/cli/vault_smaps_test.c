/* How `envseal status` and the tests tell the vault in /proc/PID/smaps
 * (cli/vault_smaps.c), against mappings this process makes: the anonymous vault's
 * mark (MADV_DONTDUMP with MADV_RANDOM) is told; memory that looks like it but lacks
 * the mark (libsodium's guarded, locked, undumped allocations) or is a file's is not. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/vault_smaps.h"

#define PAGE 4096ul

/* Guard page, two locked pages, guard page: how sodium_malloc lays out memory. */
static unsigned char *guarded_locked(void)
{
    unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    assert_int_equal(mprotect(p, PAGE, PROT_NONE), 0);
    assert_int_equal(mprotect(p + 3 * PAGE, PAGE, PROT_NONE), 0);
    (void)mlock(p + PAGE, 2 * PAGE); /* may be refused (RLIMIT_MEMLOCK): not the point */
    assert_int_equal(madvise(p + PAGE, 2 * PAGE, MADV_DONTDUMP), 0);
    memset(p + PAGE, 0x5a, 2 * PAGE);
    return p + PAGE;
}

/* How many told vault mappings cover exactly [p, p + len). */
static int told(const unsigned char *p, size_t len)
{
    struct vault_map m[64];
    int n = vault_smaps_read(0, m, 64), seen = 0;
    assert_true(n >= 0);
    for (int i = 0; i < n && i < 64; i++)
        seen += m[i].start == (uintptr_t)p && m[i].end == (uintptr_t)p + len;
    return seen;
}

static void marked_anonymous_memory_is_told(void **state)
{
    (void)state;
    unsigned char *p = guarded_locked();
    assert_int_equal(told(p, 2 * PAGE), 0); /* control: the look alone is not enough */
    assert_int_equal(madvise(p, 2 * PAGE, MADV_RANDOM), 0);
    assert_int_equal(told(p, 2 * PAGE), 1);
    struct vault_map m[64];
    int n = vault_smaps_read(0, m, 64);
    for (int i = 0; i < n && i < 64; i++)
        if (m[i].start == (uintptr_t)p) {
            assert_false(m[i].secretmem);
            assert_true(m[i].dontdump);
        }
    munmap(p - PAGE, 4 * PAGE);
}

static void random_read_alone_is_not_told(void **state)
{
    (void)state;
    unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    assert_int_equal(madvise(p, PAGE, MADV_RANDOM), 0); /* a database's read hint */
    assert_int_equal(told(p, PAGE), 0);
    assert_int_equal(madvise(p, PAGE, MADV_DONTDUMP), 0);
    assert_int_equal(told(p, PAGE), 1); /* control: both flags are */
    munmap(p, PAGE);
}

static void marked_file_mapping_is_not_told(void **state)
{
    (void)state;
    char path[] = "/tmp/vault_smaps_test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(ftruncate(fd, PAGE), 0);
    unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    assert_true(p != MAP_FAILED);
    assert_int_equal(madvise(p, PAGE, MADV_DONTDUMP), 0);
    assert_int_equal(madvise(p, PAGE, MADV_RANDOM), 0);
    assert_int_equal(told(p, PAGE), 0);
    munmap(p, PAGE);
}

/* Text as a kernel with CONFIG_ANON_VMA_NAME writes it (this one may not), and as
 * every kernel writes a memfd_secret mapping; "FilePmdMapped:" starts with a hex
 * digit, which once overwrote the mapping's start. */
static void named_and_secretmem_text_is_told(void **state)
{
    (void)state;
    const char *text =
        "7f0000001000-7f0000002000 rw-p 00000000 00:00 0                          "
        "[anon:envseal-vault]\n"
        "Size:                  4 kB\n"
        "FilePmdMapped:         0 kB\n"
        "Locked:                4 kB\n"
        "VmFlags: rd wr mr mw me lo ac dd \n"
        "7f0000002000-7f0000003000 ---p 00000000 00:00 0 \n"
        "FilePmdMapped:         0 kB\n"
        "VmFlags: mr mw me ac \n"
        "7f0000005000-7f0000007000 rw-s 00000000 00:01 1234                       "
        "/secretmem (deleted)\n"
        "Locked:                0 kB\n"
        "VmFlags: rd wr sh mr mw me ms lo dd \n"
        "7f0000008000-7f0000009000 rw-p 00000000 00:00 0                          "
        "[anon:other]\n"
        "VmFlags: rd wr mr mw me ac dd \n";
    struct vault_map m[4];
    assert_int_equal(vault_smaps_parse(text, m, 4), 2);
    assert_true(m[0].start == 0x7f0000001000ul && m[0].end == 0x7f0000002000ul);
    assert_true(!m[0].secretmem && m[0].locked && m[0].dontdump);
    assert_true(m[1].start == 0x7f0000005000ul && m[1].end == 0x7f0000007000ul);
    assert_true(m[1].secretmem && m[1].locked && m[1].dontdump);
    assert_int_equal(vault_smaps_parse(text, m, 1), 2); /* counts past max */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marked_anonymous_memory_is_told),
        cmocka_unit_test(random_read_alone_is_not_told),
        cmocka_unit_test(marked_file_mapping_is_not_told),
        cmocka_unit_test(named_and_secretmem_text_is_told),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
