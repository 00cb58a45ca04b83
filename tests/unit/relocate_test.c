/* Unit tests of preload/core/relocate.c on a fake initial environment: one contiguous
 * block of "NAME=value\0" strings, as the kernel lays it out, and an envp array. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "preload/core/config.h"
#include "preload/core/relocate.h"
#include "preload/core/vault.h"
#include "tests/unit/unit_util.h"

/* A fake start-up environment plus a pristine copy of its block for comparison. */
struct fake_env {
    char *block, *orig;
    size_t size;
    char **envp;
    size_t n;
};

static struct config cfg;
static struct vault vault;
static struct fake_env env;

static void env_build(struct fake_env *f, const char *const *entries, size_t n)
{
    f->size = 0;
    for (size_t i = 0; i < n; i++)
        f->size += strlen(entries[i]) + 1;
    f->block = malloc(f->size);
    f->orig = malloc(f->size);
    f->envp = calloc(n + 1, sizeof *f->envp);
    assert_non_null(f->block);
    assert_non_null(f->orig);
    assert_non_null(f->envp);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(entries[i]) + 1;
        memcpy(f->block + at, entries[i], len);
        f->envp[i] = f->block + at;
        at += len;
    }
    memcpy(f->orig, f->block, f->size);
    f->n = n;
}

static void env_free(struct fake_env *f)
{
    free(f->block);
    free(f->orig);
    free(f->envp);
    memset(f, 0, sizeof *f);
}

static void load_config(const char *secrets, const char *exclude)
{
    char s[256], x[256];
    char *envp[3] = {NULL, NULL, NULL};
    int k = 0;
    if (secrets) {
        snprintf(s, sizeof s, "ENVSEAL_SECRETS=%s", secrets);
        envp[k++] = s;
    }
    if (exclude) {
        snprintf(x, sizeof x, "ENVSEAL_EXCLUDE=%s", exclude);
        envp[k++] = x;
    }
    config_load(&cfg, envp);
    assert_int_equal(cfg.nproblems, 0);
}

static int setup(void **state)
{
    (void)state;
    load_config(NULL, NULL);
    vault_init(&vault, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vault_unmap(&vault);
    env_free(&env);
    return 0;
}

/* Defines the cmocka case `name` as one call (cases that share a body). */
#define HARNESS_UNIT(name, call)                                                              \
    static void name(void **state)                                                            \
    {                                                                                         \
        (void)state;                                                                          \
        call;                                                                                 \
    }

/* vault_each callback: counts entries "K<5 digits>_TOKEN=v<7 x the number>". */
static void count_match(const char *entry, size_t cap, void *arg)
{
    (void)cap;
    int k;
    char want[32];
    if (sscanf(entry, "K%05d_TOKEN=", &k) == 1 &&
        snprintf(want, sizeof want, "K%05d_TOKEN=v%d", k, k * 7) > 0 && strcmp(entry, want) == 0)
        ++*(size_t *)arg;
}

static bool all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Offset in the block of the i-th entry as originally laid out. */
static size_t orig_offset(size_t i)
{
    size_t at = 0;
    for (size_t k = 0; k < i; k++)
        at += strlen(env.orig + at) + 1;
    return at;
}

/* Checks one relocation: each entry in `secret_idx` is in the vault with its text
 * unchanged and its original bytes zeroed; every other byte of the block and every
 * other envp pointer is exactly as before. */
static void check_relocated(const bool *is_secret)
{
    char *expect = malloc(env.size);
    assert_non_null(expect);
    memcpy(expect, env.orig, env.size);
    for (size_t i = 0, off = 0; i < env.n; off += strlen(env.orig + off) + 1, i++) {
        const char *text = env.orig + off;
        if (is_secret[i]) {
            if (!vault_owns(&vault, env.envp[i]))
                fail_msg("entry %zu (%.*s) was not moved into the vault", i,
                         (int)entry_name_len(text), text);
            assert_string_equal(env.envp[i], text);
            memset(expect + off, 0, strlen(text));
        } else {
            assert_ptr_equal(env.envp[i], env.block + off);
        }
    }
    assert_null(env.envp[env.n]);
    /* The whole block, byte for byte: secrets zero, everything else untouched. */
    for (size_t b = 0; b < env.size; b++)
        if (env.block[b] != expect[b])
            fail_msg("block byte %zu is %s", b, expect[b] ? "changed" : "not zeroed");
    free(expect);
}

static void seals_secrets_and_zeroes_originals(void **state)
{
    (void)state;
    const char *entries[] = {
        "PATH=/usr/bin:/bin", "GITHUB_TOKEN=fake-gh-0001", "HOME=/root",
        "DB_PASSWORD=fake-db-0002", "LANG=C.UTF-8", "LD_PRELOAD=/opt/libenvseal.so",
        "SENTRY_DSN=https://fake@example.invalid/1", "TERM=xterm",
    };
    const bool secret[] = {false, true, false, true, false, false, true, false};
    env_build(&env, entries, 8);
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, env.envp, &r);
    assert_int_equal(r.secrets, 3);
    assert_int_equal(r.sealed, 3);
    assert_int_equal(r.unsealed, 0);
    assert_int_equal(vault.nregions, 1); /* one reservation for all of them */
    check_relocated(secret);
    assert_ptr_equal(vault_find(&vault, "GITHUB_TOKEN", 12), env.envp[1]);
}

static struct vault other; /* stands for another shim's vault */

/* env: PATH, GITHUB_TOKEN's entry in a slot of `other`, then `third`. */
static void env_with_other_vault_entry(const char *third)
{
    vault_init(&other, false);
    char *theirs = vault_store(&other, "GITHUB_TOKEN", 12, "fake-gh-0001", 12);
    assert_non_null(theirs);
    const char *entries[] = {"PATH=/usr/bin", "GITHUB_TOKEN=placeholder", third};
    env_build(&env, entries, 3);
    env.envp[1] = theirs;
}

/* Every secret entry points into a vault slot, but no other envseal shim is loaded
 * (this test's vault stands for one): strings that merely look sealed, such as a
 * program's own buffer with a forged header, are sealed here. (With another shim
 * loaded, nothing is done: crash_test, musl_test: test_two_shims_one_protects.) */
static void look_alike_slots_without_another_shim_sealed(void **state)
{
    (void)state;
    env_with_other_vault_entry("HOME=/root");
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, env.envp, &r);
    assert_false(r.foreign);
    assert_int_equal(r.sealed, 1);
    assert_true(vault_owns(&vault, env.envp[1]));
    assert_string_equal(env.envp[1], "GITHUB_TOKEN=fake-gh-0001");
    vault_wipe(&other);
}

/* Only some secrets look sealed elsewhere (a string of the program's own that
 * merely follows such bytes): nothing stands down, every secret is sealed here. */
static void partly_foreign_all_sealed(void **state)
{
    (void)state;
    env_with_other_vault_entry("DB_PASSWORD=fake-db");
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, env.envp, &r);
    assert_false(r.foreign);
    assert_int_equal(r.sealed, 2);
    assert_true(vault_owns(&vault, env.envp[1]));
    assert_true(vault_owns(&vault, env.envp[2]));
    vault_wipe(&other);
}

/* Secret entries of the block (the byte before each ends the previous string) and
 * from malloc (its chunk header before) are never taken for another shim's. */
static void no_false_foreign(void **state)
{
    (void)state;
    const char *entries[] = {"PATH=/usr/bin", "GITHUB_TOKEN=fake-gh-0001"};
    env_build(&env, entries, 2);
    char *heap = strdup("DB_PASSWORD=fake-db-0002");
    char **envp = calloc(4, sizeof *envp);
    envp[0] = env.envp[0];
    envp[1] = env.envp[1];
    envp[2] = heap;
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, envp, envp, &r);
    assert_false(r.foreign);
    assert_int_equal(r.sealed, 2);
    free(envp);
    free(heap);
}

static void updates_a_separate_environ_array(void **state)
{
    (void)state;
    const char *entries[] = {"PATH=/usr/bin", "API_TOKEN=fake-api-0003", "USER=root",
                             "SMTP_PASS=fake-smtp-0004"};
    const bool secret[] = {false, true, false, true};
    env_build(&env, entries, 4);
    /* An earlier constructor replaced environ: same pointers, another order, plus a
     * heap entry of its own that is not in the initial block. */
    char heap_entry[] = "EXTRA_TOKEN=fake-heap-0005";
    char *cur[] = {env.envp[3], env.envp[2], heap_entry, env.envp[1], env.envp[0], NULL};
    char *const old1 = env.envp[1], *const old3 = env.envp[3];
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, cur, &r);
    assert_int_equal(r.secrets, 2);
    assert_int_equal(r.sealed, 2);
    check_relocated(secret);
    assert_ptr_not_equal(env.envp[1], old1);
    assert_ptr_not_equal(env.envp[3], old3);
    assert_ptr_equal(cur[0], env.envp[3]);
    assert_ptr_equal(cur[1], env.block + orig_offset(2));
    assert_ptr_equal(cur[2], heap_entry); /* not in envp: left alone */
    assert_string_equal(heap_entry, "EXTRA_TOKEN=fake-heap-0005");
    assert_ptr_equal(cur[3], env.envp[1]);
    assert_ptr_equal(cur[4], env.block);
    assert_null(cur[5]);
}

static void null_cur_is_accepted(void **state)
{
    (void)state;
    const char *entries[] = {"A_TOKEN=fake-1", "B=2"};
    const bool secret[] = {true, false};
    env_build(&env, entries, 2);
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, NULL, &r);
    assert_int_equal(r.sealed, 1);
    check_relocated(secret);
}

/* Past the memo of which entries are secrets, names are matched again: both sides
 * of its end, and the last entry. */
static void more_entries_than_the_memo(void **state)
{
    (void)state;
    enum { N = RELOCATE_MEMO_BITS + 1500 };
    static char texts[N][40];
    static const char *entries[N];
    static bool secret[N];
    size_t want = 0, past = 0;
    for (int i = 0; i < N; i++) {
        secret[i] = i % 7 == 3 || i == (int)RELOCATE_MEMO_BITS - 1 || i == (int)RELOCATE_MEMO_BITS ||
                    i == N - 1;
        if (secret[i])
            snprintf(texts[i], sizeof texts[i], "S%d_TOKEN=fake-%d", i, i * 31);
        else
            snprintf(texts[i], sizeof texts[i], "VAR%d=plain-%d", i, i);
        entries[i] = texts[i];
        want += secret[i];
        past += secret[i] && i >= (int)RELOCATE_MEMO_BITS;
    }
    env_build(&env, entries, N);
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, env.envp, &r);
    print_message("%zu of %d entries are secrets, %zu of them past the memo\n", want, N, past);
    assert_int_equal(r.secrets, want);
    assert_int_equal(r.sealed, want);
    assert_int_equal(r.unsealed, 0);
    assert_int_equal(vault.nregions, 1);
    check_relocated(secret);
}

/* Start-up keeps the first secrets it finds in a short list and the rest as one bit
 * each: every count around the list's end (32) seals exactly the secrets, with a
 * separate environ array in reverse order updated as well. */
static void secrets_around_the_list_end(void **state)
{
    (void)state;
    const size_t counts[] = {1, 31, 32, 33, 34, 64, 100};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        for (int last_is_secret = 0; last_is_secret <= 1; last_is_secret++) {
            size_t nsec = counts[c], n = 3 * nsec + (last_is_secret ? 0 : 2);
            char(*texts)[48] = calloc(n, sizeof *texts);
            const char **entries = calloc(n, sizeof *entries);
            bool *secret = calloc(n, sizeof *secret);
            assert_true(texts && entries && secret);
            for (size_t i = 0, s = 0; i < n; i++) {
                /* secrets at every third entry, the last one where asked */
                secret[i] = s < nsec && (i % 3 == 2 || (last_is_secret && i == n - 1));
                s += secret[i];
                if (secret[i])
                    snprintf(texts[i], sizeof texts[i], "K%u_TOKEN=fake-%u", (unsigned)i, (unsigned)i * 13);
                else
                    snprintf(texts[i], sizeof texts[i], "PLAIN%u=value-%u", (unsigned)i, (unsigned)i);
                entries[i] = texts[i];
            }
            size_t want = 0;
            for (size_t i = 0; i < n; i++)
                want += secret[i];
            assert_int_equal(want, nsec);
            env_build(&env, entries, n);
            char **cur = calloc(n + 1, sizeof *cur);
            assert_non_null(cur);
            for (size_t i = 0; i < n; i++)
                cur[i] = env.envp[n - 1 - i];
            struct relocate_result r;
            relocate_secrets(&cfg, &vault, env.envp, cur, &r);
            assert_int_equal(r.secrets, nsec);
            assert_int_equal(r.sealed, nsec);
            assert_int_equal(r.unsealed, 0);
            check_relocated(secret);
            for (size_t i = 0; i < n; i++)
                assert_ptr_equal(cur[i], env.envp[n - 1 - i]);
            free(cur);
            env_free(&env);
            vault_unmap(&vault);
            vault_init(&vault, true);
            free(texts);
            free(entries);
            free(secret);
        }
    }
}

static void entries_without_equals_left_alone(void **state)
{
    (void)state;
    const char *entries[] = {"GITHUB_TOKEN", "DB_PASSWORD=fake-5", "=GITHUB_TOKEN",
                             "NO_EQUALS_PASSWORD", ""};
    const bool secret[] = {false, true, false, false, false};
    env_build(&env, entries, 5);
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, env.envp, &r);
    assert_int_equal(r.secrets, 1);
    assert_int_equal(r.sealed, 1);
    check_relocated(secret);
}

static void duplicate_names_all_sealed(void **state)
{
    (void)state;
    const char *entries[] = {"A_TOKEN=fake-first", "X=1", "A_TOKEN=fake-second"};
    const bool secret[] = {true, false, true};
    env_build(&env, entries, 3);
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, env.envp, &r);
    assert_int_equal(r.sealed, 2);
    check_relocated(secret);
    assert_ptr_not_equal(env.envp[0], env.envp[2]);
}

static void zero_secrets_maps_no_vault(void **state)
{
    (void)state;
    const char *entries[] = {"PATH=/usr/bin", "HOME=/root", "LD_PRELOAD=/x.so", "TOKEN_URL=x"};
    const bool secret[] = {false, false, false, false};
    env_build(&env, entries, 4);
    struct relocate_result r = {9, 9, 9, true, true};
    relocate_secrets(&cfg, &vault, env.envp, env.envp, &r);
    assert_int_equal(r.secrets, 0);
    assert_int_equal(r.sealed, 0);
    assert_int_equal(r.unsealed, 0);
    assert_int_equal(vault.nregions, 0);
    check_relocated(secret);
}

static void empty_environment(void **state)
{
    (void)state;
    char *envp[] = {NULL};
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, envp, envp, &r);
    assert_int_equal(r.secrets, 0);
    assert_int_equal(vault.nregions, 0);
}

static void follows_configured_patterns(void **state)
{
    (void)state;
    load_config("MY_THING", "GITHUB_TOKEN");
    const char *entries[] = {"MY_THING=fake-6", "GITHUB_TOKEN=fake-7", "NPM_TOKEN=fake-8",
                             "ENVSEAL_SECRETS=MY_THING"};
    const bool secret[] = {true, false, true, false};
    env_build(&env, entries, 4);
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, env.envp, &r);
    assert_int_equal(r.sealed, 2);
    check_relocated(secret);
}

/* With no address space left for a vault, secrets stay where they are (and are
 * counted as unsealed) rather than being lost. Runs in a child: RLIMIT_AS. */
static void relocate_without_memory(void *arg)
{
    (void)arg;
    struct rlimit none = {0, RLIM_INFINITY};
    CHILD_CHECK(setrlimit(RLIMIT_AS, &none) == 0);
    struct relocate_result r;
    relocate_secrets(&cfg, &vault, env.envp, env.envp, &r);
    CHILD_CHECK(r.secrets == 2);
    CHILD_CHECK(r.sealed == 0);
    CHILD_CHECK(r.unsealed == 2);
    CHILD_CHECK(vault.nregions == 0);
    CHILD_CHECK(vault.map_errno == ENOMEM);
    CHILD_CHECK(memcmp(env.block, env.orig, env.size) == 0);
    for (size_t i = 0; i < env.n; i++)
        CHILD_CHECK(env.envp[i] == env.block + orig_offset(i));
}

static void no_vault_memory_leaves_entries(void **state)
{
    (void)state;
    const char *entries[] = {"A_TOKEN=fake-9", "PATH=/bin", "B_PASSWORD=fake-10"};
    env_build(&env, entries, 3);
    char why[96];
    int st = run_in_child(relocate_without_memory, NULL);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("child %s", status_text(st, why, sizeof why));
}

/* ---- strict mode's removal (relocate_remove_strict) ---- */

static void load_strict_config(void)
{
    char *envp[] = {"ENVSEAL_MODE=strict", NULL};
    config_load(&cfg, envp);
    assert_int_equal(cfg.mode, MODE_STRICT);
}

struct adopted {
    char *e[64];
    size_t n;
};

static void adopt_into(char *sealed, void *ctx)
{
    struct adopted *a = ctx;
    if (a->n < 64)
        a->e[a->n] = sealed;
    a->n++;
}

/* The secrets leave envp and cur (an earlier constructor's copy: the same order
 * with an entry of its own added, or another order); both arrays keep the rest in
 * their order, the vault entries are adopted in envp's order, the originals zeroed. */
static void strict_removal(bool same_order)
{
    load_strict_config();
    const char *entries[] = {"PATH=/usr/bin", "A_TOKEN=fake-s1", "HOME=/root",
                             "B_PASSWORD=fake-s2", "C_TOKEN=fake-s3", "TERM=xterm"};
    const bool secret[] = {false, true, false, true, true, false};
    env_build(&env, entries, 6);
    char heap_entry[] = "EXTRA=kept";
    char **p = env.envp;
    char *cur_same[] = {p[0], p[1], p[2], p[3], p[4], p[5], heap_entry, NULL};
    char *cur_other[] = {p[5], p[4], heap_entry, p[0], p[3], p[2], p[1], NULL};
    char **cur = same_order ? cur_same : cur_other;
    char *plain[] = {p[0], p[2], p[5]};
    struct adopted a = {{0}, 0};
    struct relocate_result r;
    relocate_remove_strict(&cfg, &vault, env.envp, cur, adopt_into, &a, &r);
    assert_int_equal(r.secrets, 3);
    assert_int_equal(r.sealed, 3);
    assert_int_equal(a.n, 3);
    assert_string_equal(a.e[0], "A_TOKEN=fake-s1");
    assert_string_equal(a.e[1], "B_PASSWORD=fake-s2");
    assert_string_equal(a.e[2], "C_TOKEN=fake-s3");
    for (int i = 0; i < 3; i++)
        assert_true(vault_owns(&vault, a.e[i]));
    for (int i = 0; i < 3; i++)
        assert_ptr_equal(env.envp[i], plain[i]);
    for (int i = 3; i <= 6; i++)
        assert_null(env.envp[i]);
    char *want_same[] = {plain[0], plain[1], plain[2], heap_entry, NULL};
    char *want_other[] = {plain[2], heap_entry, plain[0], plain[1], NULL};
    char **want = same_order ? want_same : want_other;
    for (int i = 0; i < 5; i++)
        assert_ptr_equal(cur[i], want[i]);
    for (int i = 5; i < 8; i++)
        assert_null(cur[i]);
    for (size_t i = 0; i < env.n; i++)
        if (secret[i])
            assert_true(env.block[orig_offset(i)] == '\0' &&
                        env.block[orig_offset(i) + strlen(env.orig + orig_offset(i)) - 1] == '\0');
}

HARNESS_UNIT(strict_removal_same_order, strict_removal(true))
HARNESS_UNIT(strict_removal_other_order, strict_removal(false))

/* 50,000 secrets among 60,000 entries, environ a separate copy (an earlier
 * constructor's setenv): every value reaches the vault intact and both arrays
 * point at it. Untimed: the start-up benchmark (bench/startup_secrets) measures. */
static void fifty_thousand_secrets(bool strict)
{
    enum { N = 60000 };
    static const char *entries[N];
    static char texts[N][32];
    static bool secret[N];
    static char *cur[N + 2];
    for (int i = 0; i < N; i++) {
        secret[i] = i % 6 != 0;
        snprintf(texts[i], sizeof texts[i], secret[i] ? "K%05d_TOKEN=v%d" : "PLAIN%05d=p%d", i,
                 i * 7);
        entries[i] = texts[i];
    }
    env_build(&env, entries, N);
    memcpy(cur, env.envp, N * sizeof *cur);
    char heap_entry[] = "ADDED_BY_A_CONSTRUCTOR=1";
    cur[N] = heap_entry;
    cur[N + 1] = NULL;
    struct relocate_result r;
    if (strict) {
        load_strict_config();
        static struct adopted a;
        a.n = 0;
        relocate_remove_strict(&cfg, &vault, env.envp, cur, adopt_into, &a, &r);
        assert_int_equal(a.n, 50000);
        for (int i = 0, k = 0; i < N; i++)
            if (!secret[i])
                assert_ptr_equal(env.envp[k] , cur[k]), k++;
        assert_ptr_equal(cur[10000], heap_entry);
        assert_null(cur[10001]);
        assert_null(env.envp[10000]);
    } else {
        relocate_secrets(&cfg, &vault, env.envp, cur, &r);
        size_t off = 0; /* check_relocated's checks, in one pass */
        for (int i = 0; i < N; i++) {
            size_t len = strlen(texts[i]);
            assert_ptr_equal(cur[i], env.envp[i]);
            if (secret[i]) {
                assert_true(vault_owns(&vault, env.envp[i]));
                assert_true(strcmp(env.envp[i], texts[i]) == 0);
                assert_true(all_zero(env.block + off, len));
            } else {
                assert_ptr_equal(env.envp[i], env.block + off);
                assert_true(memcmp(env.block + off, texts[i], len + 1) == 0);
            }
            off += len + 1;
        }
    }
    assert_int_equal(r.secrets, 50000);
    assert_int_equal(r.sealed, 50000);
    assert_int_equal(vault.nregions, 1);
    size_t found = 0;
    vault_each(&vault, count_match, &found); /* every vault entry is one of the texts */
    assert_int_equal(found, 50000);
}

HARNESS_UNIT(fifty_thousand_secrets_relocated, fifty_thousand_secrets(false))
HARNESS_UNIT(fifty_thousand_secrets_removed_strict, fifty_thousand_secrets(true))

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(seals_secrets_and_zeroes_originals, setup, teardown),
        cmocka_unit_test_setup_teardown(updates_a_separate_environ_array, setup, teardown),
        cmocka_unit_test_setup_teardown(look_alike_slots_without_another_shim_sealed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(no_false_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(partly_foreign_all_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(null_cur_is_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(more_entries_than_the_memo, setup, teardown),
        cmocka_unit_test_setup_teardown(secrets_around_the_list_end, setup, teardown),
        cmocka_unit_test_setup_teardown(entries_without_equals_left_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_names_all_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(zero_secrets_maps_no_vault, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(follows_configured_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(no_vault_memory_leaves_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(strict_removal_same_order, setup, teardown),
        cmocka_unit_test_setup_teardown(strict_removal_other_order, setup, teardown),
        cmocka_unit_test_setup_teardown(fifty_thousand_secrets_relocated, setup, teardown),
        cmocka_unit_test_setup_teardown(fifty_thousand_secrets_removed_strict, setup, teardown),
    };
    return cmocka_run_group_tests_name("relocate", tests, NULL, NULL);
}
