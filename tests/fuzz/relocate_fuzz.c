/* Start-up relocation (preload/core/relocate.c) of random environments into a real
 * vault (preload/core/vault.c): every secret entry ends up in the vault with the same
 * bytes, in environment order, its original bytes zeroed and every pointer to it
 * (envp and a separate `environ` array) moved; every other entry is untouched.
 * Strict mode's variant removes the secrets from both arrays, keeping the order of
 * the rest. Environments past 1024 entries take relocate's unmemoized path.
 * Input: flags, ENVSEAL_SECRETS and ENVSEAL_EXCLUDE lines, a repeat count, then
 * one entry per line (a line's first byte may put a known name in front). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "preload/core/config.h"
#include "preload/core/relocate.h"
#include "preload/core/vault.h"
#include "tests/fuzz/fuzz_util.h"

#define ENTRIES_MAX 1536 /* past relocate's 1,024-entry memo, and quick */

static const char *const names[] = {
    "API_TOKEN", "DB_PASSWORD", "MY_SECRET_X", "DATABASE_URL", "AWS_SECRET_ACCESS_KEY",
    "LD_X_TOKEN", "ENVSEAL_TOKEN", "GLIBC_TUNABLES", "HOME", "PATH", "X_AUTH", "REDIS_URL",
};
#define NNAMES (sizeof names / sizeof *names)

/* An extra entry only the separate environ array holds. */
static char extra[] = "ONLY_IN_ENVIRON_TOKEN=x";

struct env {
    char *block, *orig;     /* the entries back to back, as the kernel lays them out */
    size_t size, n;
    char *entry[ENTRIES_MAX + 1];  /* original pointers */
    char *envp[ENTRIES_MAX + 1];   /* what relocation rewrites */
    char *cur[ENTRIES_MAX + 2];    /* a separate environ: reversed, plus `extra` */
    bool secret[ENTRIES_MAX];
};

static struct env env;

static void env_build(struct input *in, unsigned repeat)
{
    char *lines[ENTRIES_MAX];
    size_t n = 0;
    while (in->n && n < ENTRIES_MAX) {
        unsigned pick = in_byte(in);
        size_t l;
        const char *rest = (const char *)in_until(in, '\n', &l);
        int rc = pick % 4 == 0 ? asprintf(&lines[n], "%s=%.*s", names[pick / 4 % NNAMES],
                                          (int)l, rest)
                 : pick % 4 == 1 ? asprintf(&lines[n], "%s%.*s", names[pick / 4 % NNAMES],
                                            (int)l, rest)
                                 : asprintf(&lines[n], "%.*s", (int)l, rest);
        FUZZ_CHECK(rc >= 0);
        n++;
    }
    size_t total = 0;
    env.n = 0;
    for (unsigned r = 0; r < repeat; r++)
        for (size_t i = 0; i < n && env.n + i < ENTRIES_MAX; i++)
            total += strlen(lines[i]) + 1;
    env.block = malloc(total + 1);
    env.orig = malloc(total + 1);
    FUZZ_CHECK(env.block && env.orig);
    size_t at = 0;
    for (unsigned r = 0; r < repeat; r++)
        for (size_t i = 0; i < n && env.n < ENTRIES_MAX; i++) {
            size_t len = strlen(lines[i]) + 1;
            memcpy(env.block + at, lines[i], len);
            env.entry[env.n++] = env.block + at;
            at += len;
        }
    env.size = at;
    memcpy(env.orig, env.block, at);
    env.entry[env.n] = NULL;
    memcpy(env.envp, env.entry, (env.n + 1) * sizeof *env.entry);
    for (size_t i = 0; i < env.n; i++)
        env.cur[i] = env.entry[env.n - 1 - i];
    env.cur[env.n] = extra;
    env.cur[env.n + 1] = NULL;
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
}

static const char *orig_of(size_t i)
{
    return env.orig + (env.entry[i] - env.block);
}

/* The entry's original bytes: zeroed for a secret, as they were otherwise. */
static void check_block(size_t i)
{
    size_t len = strlen(orig_of(i));
    if (env.secret[i]) {
        for (size_t k = 0; k < len; k++)
            FUZZ_CHECK(env.entry[i][k] == '\0');
    } else {
        FUZZ_CHECK(memcmp(env.entry[i], orig_of(i), len + 1) == 0);
    }
}

struct order {
    char *seen[ENTRIES_MAX];
    size_t n;
};

static void record(const char *entry, size_t cap, void *arg)
{
    struct order *o = arg;
    (void)cap;
    FUZZ_CHECK(o->n < ENTRIES_MAX);
    o->seen[o->n++] = (char *)entry;
}

static void adopt(char *sealed, void *ctx)
{
    record(sealed, 0, ctx);
}

/* Relocate mode: secrets repointed in place, in both arrays. */
static void check_relocated(struct vault *v, const struct relocate_result *res, bool same)
{
    struct order o = {.n = 0};
    vault_each(v, record, &o);
    size_t k = 0;
    for (size_t i = 0; i < env.n; i++) {
        check_block(i);
        if (!env.secret[i]) {
            FUZZ_CHECK(env.envp[i] == env.entry[i]);
            continue;
        }
        FUZZ_CHECK(env.envp[i] != env.entry[i] && vault_owns(v, env.envp[i]));
        FUZZ_CHECK(strcmp(env.envp[i], orig_of(i)) == 0);
        FUZZ_CHECK(k < o.n && o.seen[k] == env.envp[i]); /* vault order = envp order */
        k++;
    }
    FUZZ_CHECK(env.envp[env.n] == NULL);
    FUZZ_CHECK(k == o.n && res->secrets == k && res->sealed == k && res->unsealed == 0);
    if (same)
        return;
    for (size_t j = 0; j < env.n; j++) /* cur[j] held entry n-1-j */
        FUZZ_CHECK(env.cur[j] == env.envp[env.n - 1 - j]);
    FUZZ_CHECK(env.cur[env.n] == extra && env.cur[env.n + 1] == NULL);
}

/* Strict mode: secrets removed from both arrays, the rest in order; `adopt` got
 * each vault copy in environment order. */
static void check_removed(struct vault *v, const struct order *adopted,
                          const struct relocate_result *res, bool same)
{
    size_t k = 0, kept = 0;
    for (size_t i = 0; i < env.n; i++) {
        check_block(i);
        if (!env.secret[i]) {
            FUZZ_CHECK(env.envp[kept++] == env.entry[i]);
            continue;
        }
        FUZZ_CHECK(k < adopted->n && vault_owns(v, adopted->seen[k]));
        FUZZ_CHECK(strcmp(adopted->seen[k], orig_of(i)) == 0);
        k++;
    }
    FUZZ_CHECK(k == adopted->n && res->secrets == k && res->sealed == k && res->unsealed == 0);
    for (size_t i = kept; i <= env.n; i++)
        FUZZ_CHECK(env.envp[i] == NULL);
    if (same)
        return;
    size_t j = 0;
    for (size_t i = env.n; i-- > 0;)
        if (!env.secret[i])
            FUZZ_CHECK(env.cur[j++] == env.entry[i]);
    FUZZ_CHECK(env.cur[j++] == extra);
    for (; j <= env.n + 1; j++)
        FUZZ_CHECK(env.cur[j] == NULL);
}

static void unmap_region(const struct vault_region *r, void *arg)
{
    (void)arg;
    struct mapping m = r->map;
    platform_unmap(&m);
}

/* Start-up reserves one region for all the secrets: the descriptors stay in the
 * vault itself, so nothing else is left mapped between runs. */
static void vault_unmap_all(struct vault *v)
{
    vault_each_region(v, unmap_region, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    unsigned flags = in_byte(&in);
    bool strict = flags & 1, same = flags & 2; /* same: environ is envp itself */
    size_t l1, l2;
    const char *secrets = (const char *)in_until(&in, '\n', &l1);
    const char *exclude = (const char *)in_until(&in, '\n', &l2);
    char *settings[4] = {NULL};
    FUZZ_CHECK(asprintf(&settings[0], "ENVSEAL_SECRETS=%.*s", (int)l1, secrets) >= 0);
    FUZZ_CHECK(asprintf(&settings[1], "ENVSEAL_EXCLUDE=%.*s", (int)l2, exclude) >= 0);
    settings[2] = strict ? "ENVSEAL_MODE=strict" : "ENVSEAL_MODE=relocate";
    static struct config cfg;
    config_load(&cfg, settings);
    free(settings[0]);
    free(settings[1]);

    env_build(&in, 1 + (flags >> 2) % 8);
    for (size_t i = 0; i < env.n; i++) {
        const char *e = env.entry[i];
        size_t nlen = strcspn(e, "=");
        env.secret[i] = e[nlen] == '=' &&
                        (strict ? config_is_strict(&cfg, e, nlen) : config_is_secret(&cfg, e, nlen));
    }

    static struct vault v;
    vault_init(&v, false);
    struct relocate_result res;
    char **cur = same ? env.envp : env.cur;
    if (strict) {
        static struct order adopted;
        adopted.n = 0;
        relocate_remove_strict(&cfg, &v, env.envp, cur, adopt, &adopted, &res);
        check_removed(&v, &adopted, &res, same);
    } else {
        relocate_secrets(&cfg, &v, env.envp, cur, &res);
        check_relocated(&v, &res, same);
    }
    FUZZ_CHECK(vault_wipe(&v) == 0); /* no write past any value */
    vault_unmap_all(&v);
    free(env.block);
    free(env.orig);
    return 0;
}
