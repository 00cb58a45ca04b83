/* vaultgrow: sets many large secrets at run time (tests/integration/vault_growth_test.c).
 *
 *   vaultgrow COUNT SIZE SEED [crash]
 *
 * setenv("GROW<i>_TOKEN", value, 1) for i < COUNT, the value SIZE bytes derived
 * from SEED and i (grow_value.h: it appears nowhere in the arguments); the
 * program's own copy is wiped after each call. Then
 * every value that was stored is read back with getenv and compared. Prints:
 *   stored S refused R ERRNO   (ERRNO: the first failure's errno name, or "-")
 *   readback ok|bad
 *   private-vault-mappings N   (mappings of envseal's private-pages vault in
 *                               /proc/self/maps: regions without memfd_secret)
 * With "crash" it then dereferences NULL (SIGSEGV). No value is ever printed.
 * With VAULTGROW_AS_AFTER=K in the environment, once K values are set, the address
 * space is capped (RLIMIT_AS) at what is mapped plus 160 KiB: room for the C
 * library's small allocations, none for a new vault region. It then also prints
 *   first-refused I            (the first value whose setenv failed, or -1) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/vault_smaps.h"
#include "tests/programs/grow_value.h"

/* The anonymous vault's mappings (cli/vault_smaps.h tells them). */
static int private_vault_mappings(void)
{
    struct vault_map m[64];
    int n = vault_smaps_read(0, m, 64), anon = 0;
    for (int i = 0; i < n && i < 64; i++)
        anon += !m[i].secretmem;
    return anon;
}

/* Caps the address space at what is mapped now plus slack bytes. */
static void cap_address_space(size_t slack)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %lu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    struct rlimit as = {kib * 1024 + slack, kib * 1024 + slack};
    if (!kib || setrlimit(RLIMIT_AS, &as) != 0)
        exit(3);
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    int count = atoi(argv[1]);
    size_t size = (size_t)atol(argv[2]);
    const char *seed = argv[3];
    char *buf = malloc(size + 1);
    char *stored = calloc((size_t)count, 1);
    if (!buf || !stored || !seed[0])
        return 2;
    int nstored = 0, refused = 0, first_errno = 0, first_refused = -1;
    const char *cap = getenv("VAULTGROW_AS_AFTER");
    int cap_after = cap ? atoi(cap) : -1;
    char name[32];
    for (int i = 0; i < count; i++) {
        if (i == cap_after)
            cap_address_space(160 * 1024);
        snprintf(name, sizeof name, "GROW%02d_TOKEN", i);
        grow_value(buf, size, seed, i);
        errno = 0;
        int rc = setenv(name, buf, 1);
        explicit_bzero(buf, size);
        if (rc == 0) {
            stored[i] = 1;
            nstored++;
        } else {
            refused++;
            if (!first_errno) {
                first_errno = errno;
                first_refused = i;
            }
        }
    }
    bool ok = true;
    for (int i = 0; i < count; i++) {
        if (!stored[i])
            continue;
        snprintf(name, sizeof name, "GROW%02d_TOKEN", i);
        grow_value(buf, size, seed, i);
        const char *v = getenv(name);
        ok &= v && strcmp(v, buf) == 0;
        explicit_bzero(buf, size);
    }
    const char *en = first_errno ? strerrorname_np(first_errno) : "-";
    printf("stored %d refused %d %s\n", nstored, refused, en ? en : "?");
    printf("readback %s\n", ok ? "ok" : "bad");
    printf("private-vault-mappings %d\n", private_vault_mappings());
    if (cap)
        printf("first-refused %d\n", first_refused);
    fflush(stdout);
    if (argc > 4 && strcmp(argv[4], "crash") == 0)
        *(volatile int *)0 = 1;
    return 0;
}
