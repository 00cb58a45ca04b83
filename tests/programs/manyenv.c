/* manyenv: a program started with tens of thousands of secrets
 * (tests/integration/many_secrets_test.c).
 *
 *   manyenv spawn N SEED PRELOAD [VAR=VALUE]...
 *       execs itself as "manyenv check N SEED" with the environment PATH, the
 *       VAR=VALUE settings, LD_PRELOAD=PRELOAD (none when empty) and N secrets
 *       MANY<i>_TOKEN=grow_value(24, SEED, i) (the stack limit is raised first:
 *       the arguments and environment may take a quarter of it)
 *   manyenv check N SEED [hold]
 *       compares every 25th secret read with getenv, and every secret environ
 *       holds; prints "manyenv N: getenv ok K of A (in the vault V), environ E ok F" (K of the A
 *       values asked equal, V of them in envseal's vault; E secrets in environ,
 *       F of them equal); with hold, then sets LATE_TOKEN=late_value(SEED) (the
 *       vault's newest secret), keeps heap copies of it and of EARLY_TOKEN (given in
 *       the environment before the others), prints "copies held" and waits for a
 *       line on stdin
 *   manyenv spawn N SEED PRELOAD hold [VAR=VALUE]...
 *       the same, with hold
 * No value is printed. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/vault_smaps.h"
#include "tests/programs/grow_value.h"

#define VALUE_LEN 24

static int spawn(char **argv, int argc)
{
    long n = atol(argv[2]);
    const char *seed = argv[3], *preload = argv[4];
    char **env = calloc((size_t)n + (size_t)argc + 3, sizeof *env);
    char *block = malloc((size_t)n * 48);
    if (!env || !block)
        return 2;
    int k = 0;
    env[k++] = "PATH=/usr/bin:/bin";
    char ld[4200];
    if (preload[0]) {
        snprintf(ld, sizeof ld, "LD_PRELOAD=%s", preload);
        env[k++] = ld;
    }
    bool hold = argc > 5 && strcmp(argv[5], "hold") == 0;
    for (int i = hold ? 6 : 5; i < argc; i++)
        env[k++] = argv[i];
    char *at = block;
    for (long i = 0; i < n; i++) {
        int len = sprintf(at, "MANY%05ld_TOKEN=", i);
        grow_value(at + len, VALUE_LEN, seed, (int)i);
        env[k++] = at;
        at += len + VALUE_LEN + 1;
    }
    struct rlimit st = {RLIM_INFINITY, RLIM_INFINITY};
    if (getrlimit(RLIMIT_STACK, &st) == 0 && st.rlim_cur != RLIM_INFINITY) {
        st.rlim_cur = st.rlim_max;
        setrlimit(RLIMIT_STACK, &st);
    }
    char *args[] = {"manyenv", "check", argv[2], argv[3], hold ? "hold" : NULL, NULL};
    execve("/proc/self/exe", args, env);
    perror("manyenv: execve");
    return 2;
}

/* True when p lies in a mapping of envseal's vault (cli/vault_smaps.h). */
static bool in_vault(const void *p)
{
    static struct vault_map m[64];
    static int n = -1;
    if (n < 0) {
        n = vault_smaps_read(0, m, 64);
        n = n < 0 ? 0 : n > 64 ? 64 : n;
    }
    for (int i = 0; i < n; i++)
        if ((unsigned long)p >= m[i].start && (unsigned long)p < m[i].end)
            return true;
    return false;
}

/* getenv for every 25th secret (getenv scans environ: all of them would be
 * quadratic in the test itself), environ's entries all compared. */
static int check(long n, const char *seed)
{
    char name[32], want[VALUE_LEN + 1];
    long asked = 0, ok = 0, in_environ = 0, environ_ok = 0, vaulted = 0;
    for (long i = 0; i < n; i += 25, asked++) {
        snprintf(name, sizeof name, "MANY%05ld_TOKEN", i);
        grow_value(want, VALUE_LEN, seed, (int)i);
        const char *v = getenv(name);
        ok += v && strcmp(v, want) == 0;
        vaulted += v && in_vault(v);
    }
    extern char **environ;
    for (char **e = environ; *e; e++) {
        long i;
        int at;
        if (sscanf(*e, "MANY%05ld_TOKEN=%n", &i, &at) != 1 || at != 16)
            continue;
        in_environ++;
        grow_value(want, VALUE_LEN, seed, (int)i);
        environ_ok += strcmp(*e + at, want) == 0;
    }
    printf("manyenv %ld: getenv ok %ld of %ld (in the vault %ld), environ %ld ok %ld\n", n, ok,
           asked, vaulted, in_environ, environ_ok);
    return 0;
}

/* The program's own copies of EARLY_TOKEN and LATE_TOKEN, kept until it ends. */
static int hold_copies(const char *seed)
{
    static char *copies[2];
    char late[LATE_VALUE_MAX];
    late_value(late, seed);
    int rc = setenv("LATE_TOKEN", late, 1);
    explicit_bzero(late, sizeof late);
    if (rc != 0)
        return 2;
    for (int k = 0; k < 2; k++) {
        const char *v = getenv(k ? "LATE_TOKEN" : "EARLY_TOKEN");
        if (!v || !(copies[k] = strdup(v)))
            return 2;
    }
    printf("copies held\n");
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof line, stdin))
        return 0;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "spawn") == 0)
        return spawn(argv, argc);
    if (argc == 4 && strcmp(argv[1], "check") == 0)
        return check(atol(argv[2]), argv[3]);
    if (argc == 5 && strcmp(argv[1], "check") == 0 && strcmp(argv[4], "hold") == 0)
        return check(atol(argv[2]), argv[3]) || hold_copies(argv[3]);
    fprintf(stderr, "usage: manyenv spawn N SEED PRELOAD [hold] [VAR=VALUE]... | check N SEED [hold]\n");
    return 2;
}
