/* Throughput of the crash-time sweep (docs/performance.md, "Crash-time sweep"):
 * this process writes 1 GiB of heap with pseudo-random bytes, plants copies of
 * 16 random secret values in it, and times sweep_run() over its whole memory,
 * exactly as the signal hook runs it before a core dump.
 *
 *   sweep_bench [--secrets N] [--len BYTES] [--heap-mib MIB] [--rounds R]
 *
 * Prints one line per round and a summary line "median X GB/s" (10^9 bytes per
 * wall-clock second; also per second of this process's CPU time, which a busy
 * machine does not distort). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "preload/crash/sweep.h"

#define COPIES 64 /* planted copies of each value per round */

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t nsecrets = 16, len = 32, heap_mib = 1024;
    int rounds = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--secrets") == 0)
            nsecrets = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--len") == 0)
            len = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--heap-mib") == 0)
            heap_mib = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[i + 1]);
    }
    if (nsecrets == 0 || nsecrets > 256 || len < SWEEP_MIN_VALUE || len > 200 || rounds < 1 ||
        rounds > 100) {
        fprintf(stderr, "sweep_bench: bad arguments\n");
        return 2;
    }
    if (sweep_prepare(0, NULL) != 0) {
        fprintf(stderr, "sweep_bench: no scratch area\n");
        return 1;
    }

    /* The values live where the sweep never looks (left out of core dumps). */
    size_t slot = 256;
    char *values = mmap(NULL, nsecrets * slot, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (values == MAP_FAILED || madvise(values, nsecrets * slot, MADV_DONTDUMP) != 0)
        return 1;
    static const char hex[] = "0123456789abcdef";
    for (size_t s = 0; s < nsecrets; s++) {
        unsigned char r[200];
        if (getrandom(r, len, 0) != (ssize_t)len)
            return 1;
        for (size_t i = 0; i < len; i++)
            values[s * slot + i] = hex[r[i] & 15];
    }

    size_t heap_len = heap_mib << 20;
    unsigned char *heap = malloc(heap_len);
    if (!heap)
        return 1;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i + 8 <= heap_len; i += 8) {
        uint64_t v = xorshift(&seed);
        memcpy(heap + i, &v, 8);
    }

    double *gbps = calloc((size_t)rounds, sizeof *gbps);
    double *cpu_gbps = calloc((size_t)rounds, sizeof *cpu_gbps);
    printf("sweep_bench: %zu MiB written heap, %zu secrets of %zu bytes, %d copies each\n",
           heap_mib, nsecrets, len, COPIES);
    for (int round = 0; round < rounds; round++) {
        for (size_t s = 0; s < nsecrets; s++) {
            sweep_add_value(values + s * slot, len);
            for (int c = 0; c < COPIES; c++)
                memcpy(heap + xorshift(&seed) % (heap_len - len), values + s * slot, len);
        }
        struct sweep_stats st;
        double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        int rc = sweep_run(&st);
        double t = clock_s(CLOCK_MONOTONIC) - t0, c = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        sweep_forget();
        gbps[round] = (double)st.bytes / t / 1e9;
        cpu_gbps[round] = (double)st.bytes / c / 1e9;
        printf("round %d: %.3f s (CPU %.3f s), %llu bytes in %llu mappings = %.2f GB/s "
               "(per CPU second %.2f); %u patterns, %llu copies overwritten (rc %d)\n",
               round + 1, t, c, (unsigned long long)st.bytes, (unsigned long long)st.regions,
               gbps[round], cpu_gbps[round], st.patterns, (unsigned long long)st.overwritten,
               rc);
        if (st.overwritten < nsecrets) {
            fprintf(stderr, "sweep_bench: planted copies were not found\n");
            return 1;
        }
    }
    qsort(gbps, (size_t)rounds, sizeof *gbps, cmp_double);
    qsort(cpu_gbps, (size_t)rounds, sizeof *cpu_gbps, cmp_double);
    printf("median %.2f GB/s (min %.2f, max %.2f); per CPU second: median %.2f GB/s\n",
           gbps[rounds / 2], gbps[0], gbps[rounds - 1], cpu_gbps[rounds / 2]);
    free(heap);
    free(gbps);
    free(cpu_gbps);
    return 0;
}
