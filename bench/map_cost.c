/* map_cost VARIANT: one way of getting a writable (and for some, locked) page,
 * timed once in this new process; prints the nanoseconds. bench/map_cost.sh runs
 * each variant in many new processes, as a short command meets the kernel
 * (docs/performance.md, "Where a sealing process's start-up goes"). Variants: a page
 * inside a guard-paged reservation, as the vault's is:
 *   locked    mmap MAP_FIXED|MAP_LOCKED (what envseal does)
 *   touch     mmap MAP_FIXED, then a write
 *   mlock     mmap MAP_FIXED, a write, then mlock
 *   onfault   mmap MAP_FIXED, mlock2(MLOCK_ONFAULT), then a write
 *   populate  mmap MAP_FIXED|MAP_POPULATE
 *   map       mmap MAP_FIXED alone
 * and, for comparison, another place to hold secrets:
 *   keyring   add_key of 200 bytes into the process keyring, which it creates */
#define _GNU_SOURCE
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: map_cost locked|touch|mlock|onfault|populate|map|keyring\n");
        return 2;
    }
    const char *v = argv[1];
    const int rw = PROT_READ | PROT_WRITE, fixed = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    char *r = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return 1;
    char *p = r + 4096;
    long t0 = now_ns();
    if (strcmp(v, "locked") == 0) {
        p = mmap(p, 4096, rw, fixed | MAP_LOCKED, -1, 0);
    } else if (strcmp(v, "touch") == 0) {
        p = mmap(p, 4096, rw, fixed, -1, 0);
        *(volatile char *)p = 1;
    } else if (strcmp(v, "mlock") == 0) {
        p = mmap(p, 4096, rw, fixed, -1, 0);
        *(volatile char *)p = 1;
        mlock(p, 4096);
    } else if (strcmp(v, "onfault") == 0) {
        p = mmap(p, 4096, rw, fixed, -1, 0);
        syscall(SYS_mlock2, p, 4096, 1 /* MLOCK_ONFAULT */);
        *(volatile char *)p = 1;
    } else if (strcmp(v, "populate") == 0) {
        p = mmap(p, 4096, rw, fixed | MAP_POPULATE, -1, 0);
    } else if (strcmp(v, "map") == 0) {
        p = mmap(p, 4096, rw, fixed, -1, 0);
    } else if (strcmp(v, "keyring") == 0) {
        char payload[200];
        memset(payload, 'k', sizeof payload);
        if (syscall(SYS_add_key, "user", "envseal", payload, sizeof payload,
                    KEY_SPEC_PROCESS_KEYRING) < 0)
            p = MAP_FAILED;
    } else {
        fprintf(stderr, "map_cost: unknown variant %s\n", v);
        return 2;
    }
    long t1 = now_ns();
    if (p == MAP_FAILED)
        return 1;
    printf("%ld\n", t1 - t0);
    return 0;
}
