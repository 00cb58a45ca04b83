/* Stress program for strict mode's lock-free getenv, built with -fsanitize=thread
 * together with every envseal source (strict build), run by strict_tsan_test.
 *
 * Readers call getenv/secure_getenv and build child environments while writers
 * setenv/unsetenv/putenv strict secrets (replacing, adding and removing table
 * entries, so tables and vault values are retired all the time). What is checked:
 *  - a stable secret always reads back exactly (its value is never retired);
 *  - a changing secret is NULL or one of its values: read while pinned, because a
 *    value may be wiped as soon as it is replaced (POSIX allows it, see
 *    docs/strict-mode.md); unpinned, only the pointer is checked;
 *  - ThreadSanitizer reports nothing (the test runs us with halt_on_error).
 * With --race the program instead wipes a value with no synchronisation while a
 * reader reads it: the control that shows ThreadSanitizer sees this memory. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload/core/shim.h"
#include "preload/interposers/strict.h"

extern char **environ;

#define READERS 4
#define WRITERS 2
#define ROUNDS 20000

static const char *const values[] = {"v-alpha-0123456789", "v-bravo-xy", "v-charlie-long-value-00",
                                     "v-d"};
static char *const put_entries[] = {"STRESS_B_TOKEN=p-one", "STRESS_B_TOKEN=p-two-two",
                                    "STRESS_B_TOKEN=p-three-333"};
static char *stable; /* the stable secret's value, copied before the threads start */
static int failures;

static void failure(const char *what)
{
    __atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
    fprintf(stderr, "stress: %s\n", what);
}

static bool known(const char *v, const char *const *set, size_t n, size_t skip)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, set[i] + skip) == 0)
            return true;
    return false;
}

static void check_child_env(void)
{
    unsigned pin = strict_pin();
    const struct strict_table *t = strict_pinned_table();
    size_t cap = child_env_cap(t, environ);
    char *arr[cap];
    child_env_build(t, environ, arr, NULL);
    bool saw_stable = false;
    for (char **e = arr; *e; e++) {
        if (strncmp(*e, "STRESS_STABLE_TOKEN=", 20) == 0)
            saw_stable = strcmp(*e + 20, stable) == 0;
        else if (strncmp(*e, "STRESS_A_TOKEN=", 15) == 0 && !known(*e + 15, values, 4, 0))
            failure("child env: torn STRESS_A_TOKEN");
    }
    strict_unpin(pin);
    if (!saw_stable)
        failure("child env: stable secret missing");
}

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        const char *s = getenv("STRESS_STABLE_TOKEN");
        if (!s || strcmp(s, stable) != 0)
            failure("stable secret changed");
        if (!secure_getenv("STRESS_STABLE_TOKEN"))
            failure("secure_getenv lost the stable secret");
        const char *a = getenv("STRESS_A_TOKEN");
        if (a && !vault_owns(&envseal_state.vault, a))
            failure("STRESS_A_TOKEN outside the vault");
        if (!getenv("PATH"))
            failure("PATH lost");
        unsigned pin = strict_pin();
        a = getenv("STRESS_A_TOKEN");
        if (a && !known(a, values, 4, 0))
            failure("torn STRESS_A_TOKEN");
        const char *b = getenv("STRESS_B_TOKEN");
        if (b && !known(b, (const char *const *)put_entries, 3, 15))
            failure("torn STRESS_B_TOKEN");
        strict_unpin(pin);
        if (i % 64 == 0)
            check_child_env();
    }
    return NULL;
}

static void *writer(void *arg)
{
    long id = (long)arg;
    char extra[32];
    for (int i = 0; i < ROUNDS / 4; i++) {
        setenv("STRESS_A_TOKEN", values[(i + id) % 4], 1);
        putenv(put_entries[(i + id) % 3]);
        snprintf(extra, sizeof extra, "STRESS_X%ld_%d_TOKEN", id, i % 8);
        setenv(extra, values[i % 4], 0);
        if (i % 3 == 0)
            unsetenv("STRESS_A_TOKEN");
        if (i % 5 == 0)
            unsetenv(extra);
    }
    return NULL;
}

/* The control: a wipe with no grace period, racing a reader of the same bytes.
 * Both start together: a reader done before the wiper began would be ordered
 * before it by whatever synchronisation thread creation and exit involve. */
static pthread_barrier_t race_start;

static void *racy_wiper(void *arg)
{
    pthread_barrier_wait(&race_start);
    char *v = arg;
    size_t n = strlen(v); /* a run-time length: a call ThreadSanitizer intercepts */
    for (int i = 0; i < 1000; i++)
        memset(v, 'x', n);
    return NULL;
}

static void *racy_reader(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&race_start);
    size_t sum = 0;
    for (int i = 0; i < 1000; i++) {
        const char *v = getenv("STRESS_STABLE_TOKEN");
        sum += v ? strlen(v) : 0;
    }
    return (void *)sum;
}

int main(int argc, char **argv)
{
    const char *s = getenv("STRESS_STABLE_TOKEN");
    if (!strict_on() || !s || getenv("ENVSEAL_MODE") == NULL) {
        fprintf(stderr, "stress: strict mode is not active\n");
        return 2;
    }
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "STRESS_", 7) == 0) {
            fprintf(stderr, "stress: a strict secret is in environ\n");
            return 2;
        }
    stable = strdup(s);

    if (argc > 1 && strcmp(argv[1], "--race") == 0) {
        pthread_t w, r;
        pthread_barrier_init(&race_start, NULL, 2);
        pthread_create(&r, NULL, racy_reader, NULL);
        pthread_create(&w, NULL, racy_wiper, (void *)s);
        pthread_join(w, NULL);
        pthread_join(r, NULL);
        puts("race ran");
        return 0;
    }

    pthread_t r[READERS], w[WRITERS];
    for (long i = 0; i < READERS; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    for (long i = 0; i < WRITERS; i++)
        pthread_create(&w[i], NULL, writer, (void *)i);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(w[i], NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(r[i], NULL);

    /* After the storm: one final value reads back, and environ stayed clean. */
    setenv("STRESS_A_TOKEN", values[2], 1);
    const char *a = getenv("STRESS_A_TOKEN");
    if (!a || strcmp(a, values[2]) != 0)
        failure("final value");
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "STRESS_", 7) == 0)
            failure("a strict secret reached environ");
    printf("stress: %d readers x %d rounds, %d writers x %d rounds, %d failures\n", READERS,
           ROUNDS, WRITERS, ROUNDS / 4, failures);
    return failures ? 1 : 0;
}
