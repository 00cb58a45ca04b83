/* exec_cost: what a preload adds to a program's start-up.
 *
 * Usage: exec_cost [-n ROUNDS] [-w WARMUP] [-p PROGRAM] [-o DIR] [-V VALGRIND]
 *                  [-e VAR=VALUE]... NAME=PRELOAD...   (an empty PRELOAD: no preload)
 *
 * Every configuration runs PROGRAM (default /bin/true) with the same synthetic
 * environment of 60 variables, 6 of them secrets with random values; a preload
 * adds LD_PRELOAD as a 61st. Wall time: fork+execve+wait timed with
 * CLOCK_MONOTONIC, ROUNDS times per configuration, the configurations taken
 * round-robin (starting one further each round) so drift hits all of them alike.
 * Instructions: one callgrind run per configuration when -o DIR is given (its
 * profiles are written there); counts are repeatable, so one run is enough.
 * -e adds a variable to every configuration's environment, for experiments such as
 * ENVSEAL_VAULT=anon (it is not one of the 60).
 * Columns compare with the first configuration ("none"), the one named "simplest"
 * (the simplest possible preload) and the one named "empty" (the shim-like empty
 * preload; the second configuration when none is so named): d = instructions added,
 * x = ratio of median wall times, faults = median minor page faults of one exec; the
 * closing lines hold the last configuration to the start-up budget against "empty".
 * -b NAME names a "floor" configuration (a cost any preload doing the same job must
 * pay, e.g. bench's memfd_secret floor): the closing lines then also give it over
 * "empty" and the last over it. -P NAME names a peer (another preload doing the same
 * job): the closing lines compare the last configuration's instructions over
 * "simplest" with the peer's.
 * Targets are reported, never asserted: the exit status is 0 unless a run failed.
 * Secret values are never printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SETUPS 8
#define MAX_EXTRA 8
#define BUDGET_INSTRUCTIONS 20000
#define BUDGET_WALL_PERCENT 5.0

/* The ordinary part of a developer's or a service's environment. */
static const char *const plain_vars[][2] = {
    {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
    {"HOME", "/home/app"},
    {"USER", "app"},
    {"LOGNAME", "app"},
    {"SHELL", "/bin/bash"},
    {"TERM", "xterm-256color"},
    {"LANG", "en_US.UTF-8"},
    {"LC_CTYPE", "en_US.UTF-8"},
    {"LANGUAGE", "en_US:en"},
    {"PWD", "/srv/app"},
    {"OLDPWD", "/home/app"},
    {"SHLVL", "2"},
    {"HOSTNAME", "app-7f9c6d5b8-x2kqz"},
    {"TZ", "Europe/Berlin"},
    {"EDITOR", "vim"},
    {"VISUAL", "vim"},
    {"PAGER", "less"},
    {"LESS", "-R -F -X"},
    {"MAIL", "/var/mail/app"},
    {"TMPDIR", "/tmp"},
    {"XDG_RUNTIME_DIR", "/run/user/1000"},
    {"XDG_CONFIG_HOME", "/home/app/.config"},
    {"XDG_DATA_HOME", "/home/app/.local/share"},
    {"XDG_CACHE_HOME", "/home/app/.cache"},
    {"XDG_SESSION_TYPE", "tty"},
    {"XDG_SESSION_ID", "42"},
    {"SSH_CONNECTION", "10.0.0.5 51234 10.0.0.10 22"},
    {"SSH_CLIENT", "10.0.0.5 51234 22"},
    {"SSH_TTY", "/dev/pts/0"},
    {"SSH_AUTH_SOCK", "/tmp/ssh-XXXXc1xq/agent.1234"},
    {"COLORTERM", "truecolor"},
    {"HISTSIZE", "10000"},
    {"HISTCONTROL", "ignoreboth"},
    {"LS_COLORS", "rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01:"
                  "cd=40;33;01:or=40;31;01:mi=00:su=37;41:sg=30;43:ca=00:tw=30;42:ow=34;42:"
                  "st=37;44:ex=01;32:*.tar=01;31:*.tgz=01;31:*.zip=01;31:*.gz=01;31:"
                  "*.bz2=01;31:*.xz=01;31:*.zst=01;31:*.deb=01;31:*.rpm=01;31:"
                  "*.jpg=01;35:*.png=01;35:*.gif=01;35:*.svg=01;35:*.mp4=01;35:"
                  "*.mkv=01;35:*.mp3=00;36:*.flac=00;36:*.ogg=00;36:*.wav=00;36"},
    {"GOPATH", "/home/app/go"},
    {"JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"},
    {"NODE_ENV", "production"},
    {"PYTHONPATH", "/srv/app/lib"},
    {"VIRTUAL_ENV", "/srv/app/.venv"},
    {"MANPATH", "/usr/local/man:/usr/share/man"},
    {"CARGO_HOME", "/home/app/.cargo"},
    {"DOCKER_HOST", "unix:///run/user/1000/docker.sock"},
    {"KUBECONFIG", "/home/app/.kube/config"},
    {"AWS_REGION", "eu-central-1"},
    {"AWS_DEFAULT_REGION", "eu-central-1"},
    {"AWS_PROFILE", "deploy"},
    {"GIT_AUTHOR_NAME", "Deploy Bot"},
    {"GIT_AUTHOR_EMAIL", "deploy@example.com"},
    {"APP_ENV", "staging"},
    {"LOG_LEVEL", "info"},
    {"PORT", "8080"},
    {"HTTP_PROXY", "http://proxy.internal:3128"},
    {"NO_PROXY", "localhost,127.0.0.1,.internal"},
    {"MALLOC_ARENA_MAX", "2"},
};

/* The secrets, each matched by one of envseal's default patterns: a fixed prefix
 * and suffix around `random` random characters. */
static const struct {
    const char *name, *prefix, *suffix;
    size_t random;
} secret_vars[] = {
    {"DB_PASSWORD", "", "", 24},
    {"GITHUB_TOKEN", "ghp_", "", 36},
    {"AWS_SECRET_ACCESS_KEY", "", "", 40},
    {"STRIPE_API_KEY", "sk_live_", "", 24},
    {"DATABASE_URL", "postgres://app:", "@db.internal:5432/app", 24},
    {"REDISCLI_AUTH", "", "", 32},
};

#define NPLAIN (sizeof plain_vars / sizeof plain_vars[0])
#define NSECRET (sizeof secret_vars / sizeof secret_vars[0])
_Static_assert(NPLAIN + NSECRET == 60, "the benchmark environment has 60 variables");

struct setup {
    const char *name;
    const char *preload; /* NULL: none */
    char **env;
    double *us;          /* one wall time per round, microseconds */
    double *faults;      /* minor page faults of the program, per round */
    uint64_t ir;         /* callgrind instruction count, 0 when not measured */
};

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("exec_cost: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("out of memory");
    return s;
}

static void random_text(char *out, size_t n)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[64];
    if (n > sizeof r || getrandom(r, n, 0) != (ssize_t)n)
        die("getrandom failed");
    for (size_t i = 0; i < n; i++)
        out[i] = alnum[r[i] % (sizeof alnum - 1)];
    out[n] = '\0';
    explicit_bzero(r, sizeof r);
}

/* The shared environment; secrets are interleaved with the rest as in real ones. */
static char **base_environment(void)
{
    char **env = calloc(NPLAIN + NSECRET + 2, sizeof *env); /* + LD_PRELOAD + NULL */
    if (!env)
        die("out of memory");
    size_t n = 0, s = 0, step = NPLAIN / NSECRET;
    for (size_t i = 0; i < NPLAIN; i++) {
        env[n++] = xasprintf("%s=%s", plain_vars[i][0], plain_vars[i][1]);
        if ((i + 1) % step == 0 && s < NSECRET) {
            char r[65];
            random_text(r, secret_vars[s].random);
            env[n++] = xasprintf("%s=%s%s%s", secret_vars[s].name, secret_vars[s].prefix, r,
                                 secret_vars[s].suffix);
            explicit_bzero(r, sizeof r);
            s++;
        }
    }
    if (n != 60)
        die("built %zu variables instead of 60", n);
    return env;
}

static char **environment_for(char **base, char *const *extra, int nextra, const char *preload)
{
    size_t n = NPLAIN + NSECRET;
    char **env = calloc(n + (size_t)nextra + 2, sizeof *env);
    if (!env)
        die("out of memory");
    memcpy(env, base, n * sizeof *env);
    for (int i = 0; i < nextra; i++)
        env[n++] = extra[i];
    if (preload)
        env[n++] = xasprintf("LD_PRELOAD=%s", preload);
    return env;
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void check_status(const char *what, const char *name, int status)
{
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("%s for configuration %s failed (wait status 0x%x)", what, name, status);
}

/* One fork+execve+wait of the program, in microseconds; *faults gets its minor
 * page faults (each first touch of a page: the dominant start-up cost on some VMs). */
static double time_exec(const char *prog, const struct setup *s, double *faults)
{
    char *argv[] = {(char *)prog, NULL};
    double t0 = now_us();
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        execve(prog, argv, s->env);
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR)
            die("wait4: %s", strerror(errno));
    double t1 = now_us();
    check_status("exec", s->name, status);
    *faults = (double)ru.ru_minflt;
    return t1 - t0;
}

/* Total instructions of one callgrind run (the profile's "totals:" line). */
static uint64_t callgrind(const char *valgrind, const char *prog, const char *dir,
                          const struct setup *s)
{
    char *out = xasprintf("%s/callgrind.%s.out", dir, s->name);
    char *log = xasprintf("%s/callgrind.%s.log", dir, s->name);
    char *outopt = xasprintf("--callgrind-out-file=%s", out);
    char *argv[] = {(char *)valgrind, "--tool=callgrind", "--trace-children=no",
                    outopt, (char *)prog, NULL};
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(126);
        /* The environment goes through untouched (the valgrind launcher found on
         * our PATH, not a wrapper script that adds variables). */
        execvpe(valgrind, argv, s->env);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die("waitpid: %s", strerror(errno));
    check_status("callgrind", s->name, status);

    FILE *f = fopen(out, "r");
    if (!f)
        die("no callgrind profile %s (see %s)", out, log);
    uint64_t total = 0;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "totals: %" SCNu64, &total) == 1)
            break;
    fclose(f);
    if (total == 0)
        die("no totals in %s", out);
    free(out);
    free(log);
    free(outopt);
    return total;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted samples. */
static double percentile(const double *sorted, size_t n, double p)
{
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

struct summary {
    double p10, median, p90;
};

static struct summary summarize(const double *us, size_t n)
{
    double *s = malloc(n * sizeof *s);
    if (!s)
        die("out of memory");
    memcpy(s, us, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    struct summary r = {percentile(s, n, 10), percentile(s, n, 50), percentile(s, n, 90)};
    free(s);
    return r;
}

/* Thousands separators, so instruction counts read at a glance. */
static const char *grouped(int64_t v, char *buf, size_t len, bool sign)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%" PRIu64, (uint64_t)(v < 0 ? -v : v));
    size_t nd = strlen(digits), o = 0;
    if (v < 0)
        buf[o++] = '-';
    else if (sign)
        buf[o++] = '+';
    for (size_t i = 0; i < nd && o + 2 < len; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* How much slower a's execs are than b's, in percent: the ratio of the medians, and
 * the median of the per-round ratios (the runs of one round are back to back, so
 * that ratio is the least disturbed by load that drifts over the run). */
static void wall_over(const struct setup *a, const struct setup *b, long rounds, double *pct,
                      double *paired)
{
    *pct = (summarize(a->us, (size_t)rounds).median / summarize(b->us, (size_t)rounds).median -
            1.0) * 100.0;
    double *ratio = malloc((size_t)rounds * sizeof *ratio);
    if (!ratio)
        die("out of memory");
    for (long r = 0; r < rounds; r++)
        ratio[r] = a->us[r] / b->us[r];
    *paired = (summarize(ratio, (size_t)rounds).median - 1.0) * 100.0;
    free(ratio);
}

static const struct setup *find_setup(const struct setup *set, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(set[i].name, name) == 0)
            return &set[i];
    return NULL;
}

static void usage(void)
{
    fputs("usage: exec_cost [-n ROUNDS] [-w WARMUP] [-p PROGRAM] [-o DIR] [-V VALGRIND] "
          "[-e VAR=VALUE]... [-b FLOOR] [-P PEER] NAME=PRELOAD...\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    long rounds = 2000, warmup = 100;
    const char *prog = "/bin/true", *dir = NULL, *valgrind = "valgrind.bin", *floor = NULL,
               *peer_name = NULL;
    char *extra[MAX_EXTRA];
    int nextra = 0, opt;
    while ((opt = getopt(argc, argv, "n:w:p:o:V:e:b:P:")) != -1) {
        switch (opt) {
        case 'n': rounds = strtol(optarg, NULL, 10); break;
        case 'w': warmup = strtol(optarg, NULL, 10); break;
        case 'p': prog = optarg; break;
        case 'o': dir = optarg; break;
        case 'V': valgrind = optarg; break;
        case 'b': floor = optarg; break;
        case 'P': peer_name = optarg; break;
        case 'e':
            if (nextra == MAX_EXTRA || !strchr(optarg, '='))
                usage();
            extra[nextra++] = optarg;
            break;
        default: usage();
        }
    }
    int n = argc - optind;
    if (n < 1 || n > MAX_SETUPS || rounds < 1 || warmup < 0)
        usage();

    char **base = base_environment();
    struct setup set[MAX_SETUPS];
    for (int i = 0; i < n; i++) {
        char *arg = argv[optind + i], *eq = strchr(arg, '=');
        if (!eq || eq == arg)
            usage();
        *eq = '\0';
        set[i].name = arg;
        set[i].preload = eq[1] ? eq + 1 : NULL;
        if (set[i].preload && access(set[i].preload, R_OK) != 0)
            die("%s: %s", set[i].preload, strerror(errno));
        set[i].env = environment_for(base, extra, nextra, set[i].preload);
        set[i].us = calloc((size_t)rounds, sizeof(double));
        set[i].faults = calloc((size_t)rounds, sizeof(double));
        set[i].ir = 0;
        if (!set[i].us || !set[i].faults)
            die("out of memory");
    }

    double load_before = -1, load_after = -1;
    getloadavg(&load_before, 1);
    for (long r = -warmup; r < rounds; r++) {
        long turn = r + warmup;
        for (int k = 0; k < n; k++) {
            struct setup *s = &set[(k + turn) % n];
            double faults;
            double us = time_exec(prog, s, &faults);
            if (r >= 0) {
                s->us[r] = us;
                s->faults[r] = faults;
            }
        }
    }
    getloadavg(&load_after, 1);
    if (dir)
        for (int i = 0; i < n; i++)
            set[i].ir = callgrind(valgrind, prog, dir, &set[i]);

    struct utsname u;
    uname(&u);
    printf("exec cost of %s: %zu variables (%zu secrets)%s; %ld rounds round-robin after "
           "%ld warm-up; %ld CPUs, %s %s\n",
           prog, NPLAIN + NSECRET, NSECRET, n > 1 ? ", +LD_PRELOAD when preloading" : "",
           rounds, warmup, sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release);
    /* Other work on the machine slows every exec; the ratios bear it best. */
    printf("load average (1 min) %.2f before the timed runs, %.2f after\n", load_before,
           load_after);
    for (int i = 0; i < nextra; i++) /* names only: a value could be a secret */
        printf("extra variable in every configuration: %.*s\n",
               (int)(strchr(extra[i], '=') - extra[i]), extra[i]);
    printf("\n");
    const struct setup *simplest = find_setup(set, n, "simplest"), *e = find_setup(set, n, "empty");
    if (!e && n > 1)
        e = &set[1];
    printf("%-10s %12s %12s %12s %12s %10s %9s %9s %8s %8s %8s %7s\n", "config", "instructions",
           "d none", "d simplest", "d empty", "median us", "p10 us", "p90 us", "x none",
           "x simplest", "x empty", "faults");
    struct summary sum[MAX_SETUPS];
    for (int i = 0; i < n; i++)
        sum[i] = summarize(set[i].us, (size_t)rounds);
    for (int i = 0; i < n; i++) {
        char a[32] = "-", b[32] = "-", c[32] = "-", d[32] = "-";
        if (set[i].ir) {
            grouped((int64_t)set[i].ir, a, sizeof a, false);
            grouped((int64_t)set[i].ir - (int64_t)set[0].ir, b, sizeof b, true);
            if (simplest && simplest->ir)
                grouped((int64_t)set[i].ir - (int64_t)simplest->ir, c, sizeof c, true);
            if (e && e->ir)
                grouped((int64_t)set[i].ir - (int64_t)e->ir, d, sizeof d, true);
        }
        double med_s = simplest ? summarize(simplest->us, (size_t)rounds).median : 0;
        double med_e = e ? summarize(e->us, (size_t)rounds).median : 0;
        printf("%-10s %12s %12s %12s %12s %10.1f %9.1f %9.1f %8.3f %10.3f %8.3f %7.0f\n",
               set[i].name, a, b, c, d, sum[i].median, sum[i].p10, sum[i].p90,
               sum[i].median / sum[0].median, med_s > 0 ? sum[i].median / med_s : 0.0,
               med_e > 0 ? sum[i].median / med_e : 1.0,
               summarize(set[i].faults, (size_t)rounds).median);
    }

    if (n >= 3 && e) {
        const struct setup *t = &set[n - 1];
        printf("\n");
        if (t->ir) {
            int64_t d = (int64_t)t->ir - (int64_t)e->ir;
            char buf[32], bud[32];
            printf("target: %s over %s: %s instructions (budget %s): %s\n", t->name, e->name,
                   grouped(d, buf, sizeof buf, true),
                   grouped(BUDGET_INSTRUCTIONS, bud, sizeof bud, false),
                   d <= BUDGET_INSTRUCTIONS ? "within" : "OVER");
        }
        const struct setup *peer = peer_name ? find_setup(set, n, peer_name) : NULL;
        if (peer_name && !peer)
            die("-P %s: no configuration of that name", peer_name);
        if (peer && simplest && t->ir && peer->ir && simplest->ir) {
            int64_t dt = (int64_t)t->ir - (int64_t)simplest->ir;
            int64_t dp = (int64_t)peer->ir - (int64_t)simplest->ir;
            char bt[32], bp[32];
            printf("target: %s over %s: %s instructions, %s over it: %s (at most the peer's): "
                   "%s\n", t->name, simplest->name, grouped(dt, bt, sizeof bt, true),
                   peer->name, grouped(dp, bp, sizeof bp, true), dt <= dp ? "within" : "OVER");
        }
        double pct, paired;
        wall_over(t, e, rounds, &pct, &paired);
        printf("target: %s over %s: %+.1f%% median wall time, %+.1f%% median of per-round "
               "ratios (budget %.0f%%): %s\n",
               t->name, e->name, pct, paired, BUDGET_WALL_PERCENT,
               pct <= BUDGET_WALL_PERCENT ? "within" : "OVER");
        if (peer) {
            wall_over(peer, e, rounds, &pct, &paired);
            printf("peer: %s over %s: %+.1f%% median wall time, %+.1f%% median of per-round "
                   "ratios\n", peer->name, e->name, pct, paired);
        }
        const struct setup *f = floor ? find_setup(set, n, floor) : NULL;
        if (floor && !f)
            die("-b %s: no configuration of that name", floor);
        if (f && f != t && f != e) {
            wall_over(f, e, rounds, &pct, &paired);
            printf("floor: %s over %s: %+.1f%% median wall time, %+.1f%% median of per-round "
                   "ratios\n", f->name, e->name, pct, paired);
            wall_over(t, f, rounds, &pct, &paired);
            printf("floor: %s over %s: %+.1f%% median wall time, %+.1f%% median of per-round "
                   "ratios\n", t->name, f->name, pct, paired);
        }
    }
    return 0;
}
