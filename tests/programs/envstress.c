/* envstress: two threads change the environment at once, never calling getenv
 * while they race: one sets, replaces and unsets a secret name (setenv, putenv,
 * unsetenv), the other adds and removes plain names (so glibc reallocates environ
 * and frees the old array all the time); every 1024 rounds the first also adds a
 * secret for good, so the vault grows meanwhile. glibc alone survives this; it is what
 * tests/integration/env_stress_test.c runs under libenvseal.so and
 * libenvseal-strict.so, and built with the shim's sources under TSan and ASan.
 *
 *   envstress MS     race for MS milliseconds, then check and print one line:
 *                    "envstress ok" (the values and environ are as expected)
 *
 * No value is printed: checks compare, and report only which check failed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char **environ;

#define SECRET "STRESS_SECRET_TOKEN"
#define PLAIN_NAMES 48

static int stop;
static unsigned long rounds[2];

static const char *const secret_values[] = {"sv-one-0123456789abcdef", "sv-two", "sv-three-xyz"};
static char put_a[] = SECRET "=pv-alpha-0123456789";
static char put_b[] = SECRET "=pv-bravo";

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Secrets added for good every 1024 rounds, 1 KB each: the vault keeps growing
 * (new regions, a growing region table) while the race goes on. */
#define GROW_EVERY 1024
#define GROW_LEN 1024
static unsigned long grown;

static void grow_value(char *v, unsigned long k)
{
    for (size_t j = 0; j < GROW_LEN; j++)
        v[j] = (char)('a' + (j + k) % 26);
    v[GROW_LEN] = '\0';
}

static void *secret_writer(void *arg)
{
    (void)arg;
    char name[48], v[GROW_LEN + 1];
    for (unsigned long i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++) {
        if (i % GROW_EVERY == 0) {
            snprintf(name, sizeof name, "STRESS_GROW_%lu_TOKEN", grown);
            grow_value(v, grown);
            if (setenv(name, v, 1) == 0)
                grown++;
        }
        setenv(SECRET, secret_values[i % 3], 1);
        setenv(SECRET, secret_values[(i + 1) % 3], i & 1);
        putenv(i & 2 ? put_a : put_b);
        if (i % 4 == 0)
            putenv((char *)SECRET); /* glibc: a name without '=' removes it */
        unsetenv(SECRET);
        rounds[0]++;
    }
    return NULL;
}

static void *plain_writer(void *arg)
{
    (void)arg;
    char name[32], entry[64];
    static char entries[PLAIN_NAMES][64];
    for (unsigned long i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++) {
        unsigned k = (unsigned)(i % PLAIN_NAMES);
        snprintf(name, sizeof name, "STRESS_PLAIN_%u", k);
        snprintf(entry, sizeof entry, "plain-%lu", i);
        setenv(name, entry, 1); /* a new name: glibc grows environ (realloc) */
        if (i % 3 == 0) {
            snprintf(entries[k], sizeof entries[k], "STRESS_PUT_%u=p%lu", k, i);
            putenv(entries[k]);
        }
        if (k == PLAIN_NAMES - 1) /* every name removed again, then added back */
            for (unsigned j = 0; j < PLAIN_NAMES; j++) {
                snprintf(name, sizeof name, "STRESS_PLAIN_%u", j);
                unsetenv(name);
                snprintf(name, sizeof name, "STRESS_PUT_%u", j);
                unsetenv(name);
            }
        rounds[1]++;
    }
    return NULL;
}

static int count_named(const char *prefix)
{
    int n = 0;
    for (char **e = environ; *e; e++)
        n += strncmp(*e, prefix, strlen(prefix)) == 0;
    return n;
}

static int failed(const char *what)
{
    printf("envstress failed: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    long ms = argc > 1 ? atol(argv[1]) : 2000;
    pthread_t t[2];
    if (pthread_create(&t[0], NULL, secret_writer, NULL) != 0 ||
        pthread_create(&t[1], NULL, plain_writer, NULL) != 0)
        return failed("pthread_create");
    for (long end = now_ms() + ms; now_ms() < end;) {
        struct timespec pause = {0, 10 * 1000000};
        nanosleep(&pause, NULL);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    if (rounds[0] == 0 || rounds[1] == 0)
        return failed("a thread made no progress");

    /* After the race: the secret is gone, then set once more reads back. */
    if (getenv(SECRET) != NULL || count_named(SECRET "=") != 0)
        return failed("the secret outlived its unsetenv");
    if (setenv(SECRET, secret_values[0], 1) != 0)
        return failed("final setenv");
    const char *v = getenv(SECRET);
    if (!v || strcmp(v, secret_values[0]) != 0)
        return failed("final value");
    if (getenv("PATH") == NULL)
        return failed("PATH lost");
    for (unsigned long k = 0; k < grown; k++) {
        char name[48], want[GROW_LEN + 1];
        snprintf(name, sizeof name, "STRESS_GROW_%lu_TOKEN", k);
        grow_value(want, k);
        const char *g = getenv(name);
        if (!g || strcmp(g, want) != 0)
            return failed("a secret added during the race reads back wrong");
    }
    for (unsigned j = 0; j < PLAIN_NAMES; j++) {
        char name[32];
        snprintf(name, sizeof name, "STRESS_PLAIN_%u", j);
        unsetenv(name);
        snprintf(name, sizeof name, "STRESS_PUT_%u", j);
        unsetenv(name);
    }
    if (count_named("STRESS_PLAIN_") != 0 || count_named("STRESS_PUT_") != 0)
        return failed("plain names outlived their unsetenv");
    fprintf(stderr, "envstress: %lu secret rounds, %lu plain rounds, %lu secrets added\n",
            rounds[0], rounds[1], grown);
    puts("envstress ok");
    return 0;
}
