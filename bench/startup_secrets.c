/* startup_secrets: start-up time of a program whose environment holds many secrets.
 *
 * Usage: startup_secrets [-n ROUNDS] [-p PROGRAM] [-c COUNT]... [-e VAR=VALUE]...
 *                        NAME=PRELOAD...
 *        (an empty PRELOAD: no preload; default counts 1000, 20000, 50000; -e adds
 *        a variable to every configuration, e.g. ENVSEAL_VAULT=anon)
 *
 * For each count C the environment is PATH plus C variables S<i>_TOKEN (matched by
 * envseal's default patterns) with 16 random characters each, drawn once per count
 * and never printed; a preload adds LD_PRELOAD. fork+execve+wait of PROGRAM
 * (default /bin/true) is timed with CLOCK_MONOTONIC. Each round runs every
 * configuration once for every count, the configurations taken round-robin
 * (starting one further each round) so that drift in the machine's load hits all
 * of them alike. Reported per count and configuration: median, 10th and 90th
 * percentile of the wall time, the median CPU time (user + system) of the child,
 * and the ratios of medians to the first configuration. Figures are
 * reported, never asserted: the exit status is 0 unless a run failed. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SETUPS 6
#define MAX_COUNTS 8
#define MAX_EXTRA 8
#define VALUE_LEN 16

static char *extra[MAX_EXTRA];
static int nextra;

struct setup {
    const char *name;
    const char *preload; /* NULL: none */
};

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* PATH, the -e variables, `count` secrets, LD_PRELOAD (when preload), NULL. One
 * block per count; the configurations share it, only the last pointer differs. */
static char **environment(long count)
{
    char **env = calloc((size_t)(count + nextra) + 3, sizeof *env);
    char *block = malloc((size_t)count * 32);
    unsigned char r[VALUE_LEN];
    if (!env || !block)
        die("out of memory");
    env[0] = "PATH=/usr/bin:/bin";
    for (int k = 0; k < nextra; k++)
        env[k + 1] = extra[k];
    env += nextra; /* the secrets and LD_PRELOAD follow, as time_exec expects */
    char *at = block;
    for (long i = 0; i < count; i++) {
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
            die("getrandom failed");
        int n = sprintf(at, "S%05ld_TOKEN=", i);
        for (size_t k = 0; k < VALUE_LEN; k++)
            at[n + k] = "0123456789abcdefghijklmnopqrstuv"[r[k] & 31];
        at[n + VALUE_LEN] = '\0';
        env[i + 1] = at;
        at += n + VALUE_LEN + 1;
    }
    explicit_bzero(r, sizeof r);
    return env - nextra;
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* Wall time of one run in µs; *cpu gets the child's user + system time in µs
 * (less disturbed than wall time when other work shares the machine). */
static double time_exec(const char *prog, char **env, long count, const struct setup *s,
                        double *cpu)
{
    char ld[4096];
    char **last = &env[count + nextra + 1];
    *last = NULL;
    if (s->preload) {
        snprintf(ld, sizeof ld, "LD_PRELOAD=%s", s->preload);
        *last = ld;
    }
    char *argv[] = {(char *)prog, NULL};
    double t0 = now_us();
    pid_t pid = fork();
    if (pid < 0)
        die("fork failed");
    if (pid == 0) {
        execve(prog, argv, env);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        die("wait4 failed");
    double t = now_us() - t0;
    *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("%s with %ld secrets: %s failed (status %#x)", s->name, count, prog, status);
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

int main(int argc, char **argv)
{
    long rounds = 20;
    const char *prog = "/bin/true";
    long counts[MAX_COUNTS];
    int ncounts = 0;
    int opt;
    while ((opt = getopt(argc, argv, "n:p:c:e:")) != -1) {
        if (opt == 'n')
            rounds = atol(optarg);
        else if (opt == 'p')
            prog = optarg;
        else if (opt == 'c' && ncounts < MAX_COUNTS)
            counts[ncounts++] = atol(optarg);
        else if (opt == 'e' && nextra < MAX_EXTRA && strchr(optarg, '='))
            extra[nextra++] = optarg;
        else
            die("usage: startup_secrets [-n ROUNDS] [-p PROGRAM] [-c COUNT]... [-e VAR=VALUE]... "
                "NAME=PRELOAD...");
    }
    if (ncounts == 0) {
        counts[0] = 1000, counts[1] = 20000, counts[2] = 50000;
        ncounts = 3;
    }
    struct setup setups[MAX_SETUPS];
    int nsetups = 0;
    for (int i = optind; i < argc && nsetups < MAX_SETUPS; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            die("configuration %s: NAME=PRELOAD expected", argv[i]);
        *eq = '\0';
        setups[nsetups++] = (struct setup){argv[i], eq[1] ? eq + 1 : NULL};
    }
    if (nsetups == 0 || rounds < 1)
        die("no configuration, or no round");

    /* 50,000 entries exceed the default argument space (a quarter of the stack limit). */
    struct rlimit st;
    if (getrlimit(RLIMIT_STACK, &st) == 0 && st.rlim_cur != RLIM_INFINITY &&
        st.rlim_cur < (64ul << 20)) {
        st.rlim_cur = st.rlim_max == RLIM_INFINITY || st.rlim_max > (64ul << 20) ? (64ul << 20)
                                                                                  : st.rlim_max;
        setrlimit(RLIMIT_STACK, &st);
    }

    char **env[MAX_COUNTS];
    double *us[MAX_COUNTS][MAX_SETUPS], *cpu[MAX_COUNTS][MAX_SETUPS];
    for (int c = 0; c < ncounts; c++) {
        env[c] = environment(counts[c]);
        for (int s = 0; s < nsetups; s++)
            if (!(us[c][s] = malloc((size_t)rounds * sizeof(double))) ||
                !(cpu[c][s] = malloc((size_t)rounds * sizeof(double))))
                die("out of memory");
    }
    double ignored;
    for (int c = 0; c < ncounts; c++) /* one warm-up run each */
        for (int s = 0; s < nsetups; s++)
            time_exec(prog, env[c], counts[c], &setups[s], &ignored);
    for (long r = 0; r < rounds; r++)
        for (int c = 0; c < ncounts; c++)
            for (int k = 0; k < nsetups; k++) {
                int s = (int)((r + k) % nsetups);
                us[c][s][r] = time_exec(prog, env[c], counts[c], &setups[s], &cpu[c][s][r]);
            }

    printf("%s, %ld rounds; wall time median, p10, p90 in ms, x = median over %s; cpu: "
           "median user+system ms of the child, x = over %s\n",
           prog, rounds, setups[0].name, setups[0].name);
    printf("%8s  %-16s %10s %10s %10s %8s %10s %8s\n", "secrets", "config", "median", "p10",
           "p90", "x", "cpu", "x");
    for (int c = 0; c < ncounts; c++) {
        double base = 0, cbase = 0;
        for (int s = 0; s < nsetups; s++) {
            double p10 = percentile(us[c][s], (size_t)rounds, 0.1) / 1e3;
            double med = percentile(us[c][s], (size_t)rounds, 0.5) / 1e3;
            double p90 = percentile(us[c][s], (size_t)rounds, 0.9) / 1e3;
            double cmed = percentile(cpu[c][s], (size_t)rounds, 0.5) / 1e3;
            if (s == 0)
                base = med, cbase = cmed;
            printf("%8ld  %-16s %10.2f %10.2f %10.2f %8.2f %10.2f %8.2f\n", counts[c],
                   setups[s].name, med, p10, p90, med / base, cmed, cmed / cbase);
        }
    }
    return 0;
}
