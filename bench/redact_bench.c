/* Helper for bench/redact_bench.sh: produces and consumes the benchmark stream.
 *
 *   gen BYTES     writes BYTES of log-like text to stdout; every 50th line holds one
 *                 of the secrets $BENCH_SECRET_01..16 (one per ~5 KB); prints the
 *                 number of planted secrets to stderr
 *   sink          reads stdin to the end, prints the byte count to stderr
 *   verify        reads stdin; prints "bytes masks leaks" (leaks: secret values
 *                 found) to stderr; exit 1 on any leak
 *   memory BYTES  the masker alone over BYTES in memory (no pipes, no processes),
 *                 vector and scalar search; prints GB/s for each
 *   worst BYTES   the masker alone on adversarial inputs (needs no secrets set):
 *                 a long secret and output sharing a long prefix ('aaa...b' against
 *                 'aaa...c'), output that never leaves a secret's prefix, text made
 *                 of truncated copies of a thousand secrets, and output where every
 *                 position is a prefilter candidate; prints MB/s for each, vector
 *                 and scalar, over BYTES or 10 s of input, whichever comes first
 *   cpu CMD...    runs CMD (stdin/stdout inherited) and prints "wall W own O kids K":
 *                 seconds of wall time, of CPU time CMD itself used (read from its
 *                 zombie's /proc/PID/stat before reaping it), and of its children's;
 *                 CMD's exit status is returned
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/masker.h"

#define NSECRETS 16
#define BLOCK (8u << 20)     /* text for the in-memory run (beyond the caches) */
#define GEN_BLOCK (1u << 20) /* gen's stream repeats with this period: built fast */
#define MASK "[REDACTED]"

static const char *secrets[NSECRETS];

static void load_secrets(void)
{
    for (int i = 0; i < NSECRETS; i++) {
        char name[32];
        snprintf(name, sizeof name, "BENCH_SECRET_%02d", i + 1);
        secrets[i] = getenv(name);
        if (!secrets[i] || strlen(secrets[i]) < 4) {
            fprintf(stderr, "redact_bench: %s is not set\n", name);
            exit(2);
        }
    }
}

static size_t secret_end[BLOCK / 1000]; /* where each planted secret ends */

/* One period of text: log lines, a secret every 50th. Returns its length. */
static size_t make_block(char *buf, size_t cap, size_t *planted)
{
    size_t o = 0;
    unsigned long r = 88172645463325252ul;
    *planted = 0;
    for (unsigned line = 0; o + 400 < cap; line++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        int n = snprintf(buf + o, cap - o,
                         "2024-05-01T12:%02u:%02u.%03uZ INFO  request id=%016lx "
                         "method=GET path=/api/v1/items/%lu status=200 bytes=%lu took=%lums",
                         line / 60 % 60, line % 60, line % 1000, r, r % 100000, r % 65536,
                         r % 997);
        o += (size_t)n;
        if (line % 50 == 49) {
            o += (size_t)snprintf(buf + o, cap - o, " auth=Bearer %s",
                                  secrets[(line / 50) % NSECRETS]);
            secret_end[(*planted)++] = o;
        }
        buf[o++] = '\n';
    }
    return o;
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w <= 0)
            exit(3);
        p += w;
        n -= (size_t)w;
    }
}

static int gen(size_t total)
{
    char *buf = malloc(GEN_BLOCK);
    size_t planted_per_block;
    size_t len = make_block(buf, GEN_BLOCK, &planted_per_block);
    size_t done = 0, planted = 0;
    const size_t piece = 256 * 1024;
    while (done < total) {
        size_t at = 0;
        while (at < len && done < total) {
            size_t n = len - at < piece ? len - at : piece;
            if (n > total - done)
                n = total - done;
            write_all(buf + at, n);
            at += n;
            done += n;
        }
        for (size_t i = 0; i < planted_per_block && secret_end[i] <= at; i++)
            planted++; /* whole secrets only, for a partial last period */
    }
    fprintf(stderr, "planted %zu\n", planted);
    return 0;
}

static int sink(bool verify)
{
    size_t cap = 1 << 20, carry = 0, total = 0, masks = 0, leaks = 0;
    const size_t keep = 256; /* longer than any secret and the mask */
    char *buf = malloc(cap + keep);
    for (;;) {
        ssize_t n = read(0, buf + carry, cap);
        if (n <= 0)
            break;
        total += (size_t)n;
        if (!verify)
            continue;
        size_t len = carry + (size_t)n;
        /* count matches that end in the new bytes only */
        for (char *p = buf; (p = memmem(p, len - (size_t)(p - buf), MASK, strlen(MASK)));
             p++)
            if ((size_t)(p - buf) + strlen(MASK) > carry)
                masks++;
        for (int i = 0; i < NSECRETS; i++) {
            size_t sl = strlen(secrets[i]);
            for (char *p = buf; (p = memmem(p, len - (size_t)(p - buf), secrets[i], sl)); p++)
                if ((size_t)(p - buf) + sl > carry)
                    leaks++;
        }
        carry = len < keep ? len : keep;
        memmove(buf, buf + len - carry, carry);
    }
    if (verify)
        fprintf(stderr, "bytes %zu masks %zu leaks %zu\n", total, masks, leaks);
    else
        fprintf(stderr, "bytes %zu\n", total);
    return leaks ? 1 : 0;
}

static size_t counted;

static int count_emit(void *ctx, const struct iovec *iov, int n)
{
    (void)ctx;
    for (int i = 0; i < n; i++)
        counted += iov[i].iov_len;
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Feeds text[0..len) over and over the way read(2) would (copied into the
 * stream's buffer in 256 KiB pieces), up to total bytes or `limit` seconds, with
 * the vector and the scalar prefilter; prints the throughput of each. */
static void timed_run(const char *label, struct masker *m, const unsigned char *text, size_t len,
                      size_t total, double limit)
{
    const size_t chunk = 256 * 1024;
    size_t cap = mstream_buf_size(m, chunk);
    unsigned char *buf = malloc(cap);
    for (int simd = 1; simd >= 0; simd--) {
        bool on = masker_use_simd(m, simd);
        if (simd && !on)
            continue;
        struct mstream st;
        mstream_init(&st, m, buf, cap, count_emit, NULL);
        counted = 0;
        size_t done = 0;
        double t0 = now(), t = 0, c0 = cpu_now();
        while (done < total && t < limit) {
            for (size_t at = 0; at < len && done < total;) {
                size_t room, n = len - at < chunk ? len - at : chunk;
                unsigned char *p = mstream_space(&st, &room);
                n = n > room ? room : n;
                n = n > total - done ? total - done : n;
                memcpy(p, text + at, n);
                mstream_commit(&st, n);
                at += n;
                done += n;
            }
            t = now() - t0;
        }
        mstream_finish(&st);
        t = now() - t0;
        double c = cpu_now() - c0;
        fprintf(stderr,
                "%-40s %-6s %8.1f MB/s, per CPU second %8.1f MB/s (%zu bytes in, %zu out, "
                "%.2f s)\n",
                label, simd ? "avx2" : "scalar", (double)done / t / 1e6, (double)done / c / 1e6,
                done, counted, t);
    }
    free(buf);
}

static struct masker *build(const struct masker_secret *s, size_t n)
{
    size_t sz = masker_size(s, n, strlen(MASK));
    void *mem = malloc(sz);
    return masker_init(mem, sz, s, n, (const unsigned char *)MASK, strlen(MASK));
}

static int memory(size_t total)
{
    char *text = malloc(BLOCK);
    size_t planted;
    size_t len = make_block(text, BLOCK, &planted);
    struct masker_secret s[NSECRETS];
    for (int i = 0; i < NSECRETS; i++)
        s[i] = (struct masker_secret){(const unsigned char *)secrets[i], strlen(secrets[i])};
    timed_run("memory: log lines, 16 secrets", build(s, NSECRETS), (unsigned char *)text, len,
              total, 1e9);
    return 0;
}

static int worst(size_t total)
{
    const double limit = 10;
    enum { L = 8192, LONG = 100000, TEXT = 4u << 20, MANY = 1000 };
    unsigned char *text = malloc(TEXT), *secret = malloc(LONG);
    unsigned long r = 2463534242ul;

    /* 1. 'a' x (L-1) 'b' against lines of 'a' x (L-1) 'c' */
    struct masker *m = NULL;
    for (size_t len = L; len <= LONG; len += LONG - L) {
        memset(secret, 'a', len - 1);
        secret[len - 1] = 'b';
        for (size_t i = 0; i < TEXT; i++)
            text[i] = i % len == len - 1 ? 'c' : 'a';
        struct masker_secret one = {secret, len};
        m = build(&one, 1);
        timed_run(len == L ? "worst: aaa..b (8 KiB) vs aaa..c lines"
                           : "worst: aaa..b (100 KB) vs aaa..c lines",
                  m, text, TEXT, total, limit);
    }
    /* 2. the long secret, output all 'a' (never leaves the secret's prefix) */
    memset(text, 'a', TEXT);
    timed_run("worst: aaa..b (100 KB) vs all 'a'", m, text, TEXT, total, limit);

    /* 3. a thousand 64-byte secrets, text of copies cut one byte short */
    static unsigned char many[MANY][64];
    struct masker_secret s[MANY];
    for (int k = 0; k < MANY; k++) {
        for (int i = 0; i < 64; i++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            many[k][i] = (unsigned char)"0123456789abcdef"[r % 16];
        }
        s[k] = (struct masker_secret){many[k], 64};
    }
    m = build(s, MANY);
    for (size_t o = 0; o + 63 <= TEXT; o += 63) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        memcpy(text + o, many[r % MANY], 63);
    }
    timed_run("worst: 1000 secrets, copies cut short", m, text, TEXT, total, limit);

    /* 4. every position a candidate, no match: 'abcd' secrets, text 'abcX' */
    static const char *const cands[] = {"abcdefgh", "bcdaefgh", "cdabefgh", "dabcefgh"};
    struct masker_secret c4[4];
    for (int k = 0; k < 4; k++)
        c4[k] = (struct masker_secret){(const unsigned char *)cands[k], 8};
    m = build(c4, 4);
    for (size_t i = 0; i < TEXT; i++)
        text[i] = (unsigned char)"abcdabce"[i % 8];
    timed_run("worst: 4 secrets, candidates everywhere", m, text, TEXT, total, limit);

    /* 5. a short secret inside a long one: 'ab' and ('ab' x 4000) 'c', text of 'ab':
     * every 2 bytes a match that must wait while the long one may still come */
    for (size_t i = 0; i < 8000; i++)
        secret[i] = "ab"[i % 2];
    secret[8000] = 'c';
    struct masker_secret nest[2] = {{secret, 2}, {secret, 8001}};
    m = build(nest, 2);
    for (size_t i = 0; i < TEXT; i++)
        text[i] = "ab"[i % 2];
    timed_run("worst: 'ab' inside 'abab..c', text 'ab'", m, text, TEXT, total, limit);
    return 0;
}

static int cpu(char **argv)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    siginfo_t si;
    if (pid < 0 || waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0)
        return 3;
    double wall = now() - t0;
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    unsigned long long ut = 0, st = 0, cut = 0, cst = 0;
    const char *p = strrchr(text, ')'); /* the command name may hold spaces */
    if (p)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &ut,
               &st, &cut, &cst);
    int status;
    waitpid(pid, &status, 0);
    double tick = (double)sysconf(_SC_CLK_TCK);
    fprintf(stderr, "wall %.3f own %.3f kids %.3f\n", wall, (double)(ut + st) / tick,
            (double)(cut + cst) / tick);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: redact_bench_tool gen BYTES | sink | verify | memory BYTES |"
                        " worst BYTES | cpu CMD...\n");
        return 2;
    }
    if (strcmp(argv[1], "sink") == 0)
        return sink(false);
    if (strcmp(argv[1], "cpu") == 0 && argc > 2)
        return cpu(argv + 2);
    if (strcmp(argv[1], "worst") == 0)
        return worst(argc > 2 ? strtoull(argv[2], NULL, 10) : (size_t)1 << 30);
    load_secrets();
    if (strcmp(argv[1], "verify") == 0)
        return sink(true);
    size_t bytes = argc > 2 ? strtoull(argv[2], NULL, 10) : (size_t)1 << 30;
    if (strcmp(argv[1], "gen") == 0)
        return gen(bytes);
    if (strcmp(argv[1], "memory") == 0)
        return memory(bytes);
    fprintf(stderr, "redact_bench_tool: unknown mode %s\n", argv[1]);
    return 2;
}
