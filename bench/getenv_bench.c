/* getenv cost, for callgrind (bench/getenv_bench_test.c runs it): calls getenv for
 * one class of names many times inside measure(), which callgrind alone counts
 * (--toggle-collect=measure). The environment (60 variables) is the caller's.
 *
 *   getenv_bench CLASS REPS [FILE]     CLASS: absent | plain | secret | nop
 *
 * FILE, when given, holds NAME=VALUE lines, each set with setenv first (the secrets,
 * where the environment cannot bring them: getenv_bench_test.c says why).
 *
 * "nop" runs the same loop over the plain names with an empty function instead of
 * getenv: its count is the loop and call overhead, which the caller subtracts.
 * Prints "getenv from FILE" (the object whose getenv is called), "vars N" and
 * "calls N"; never a value. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

typedef char *(*lookup_fn)(const char *);

#include "bench/getenv_names.h"

static uintptr_t sink;

__attribute__((noinline)) static char *nop_lookup(const char *name)
{
    __asm__ volatile("" : : "r"(name));
    return NULL;
}

/* The only function callgrind counts. */
__attribute__((noinline)) void measure(lookup_fn f, const char *const *names, long reps)
{
    for (long r = 0; r < reps; r++)
        for (const char *const *n = names; *n; n++)
            sink ^= (uintptr_t)f(*n);
}

/* Sets each NAME=VALUE line of path; the copies read are wiped. */
static int set_from(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[512];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            rc = setenv(line, eq + 1, 1);
        }
        explicit_bzero(line, sizeof line);
    }
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4)
        return 2;
    if (argc == 4 && set_from(argv[3]) != 0)
        return 4;
    const char *cls = argv[1];
    long reps = atol(argv[2]);
    const char *const *names = strcmp(cls, "absent") == 0   ? absent
                               : strcmp(cls, "secret") == 0 ? secret
                                                            : plain;
    lookup_fn f = strcmp(cls, "nop") == 0 ? nop_lookup : getenv;
    if (strcmp(cls, "absent") && strcmp(cls, "secret") && strcmp(cls, "plain") &&
        strcmp(cls, "nop"))
        return 2;
    /* Every present name must be there, every absent one not. */
    for (const char *const *n = names; *n; n++)
        if ((getenv(*n) == NULL) != (names == absent)) {
            fprintf(stderr, "getenv_bench: %s is %s\n", *n, names == absent ? "set" : "unset");
            return 3;
        }
    Dl_info info;
    const char *file = dladdr((void *)getenv, &info) && info.dli_fname ? info.dli_fname : "?";
    const char *base = strrchr(file, '/');
    size_t vars = 0, calls = 0;
    while (environ[vars])
        vars++;
    for (const char *const *n = names; *n; n++)
        calls++;
    measure(f, names, reps);
    printf("getenv from %s\nvars %zu\ncalls %zu\n", base ? base + 1 : file, vars,
           calls * (size_t)reps);
    return sink == 1; /* keeps the results alive; never 1 in practice */
}
