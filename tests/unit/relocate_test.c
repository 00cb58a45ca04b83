/* Unit tests of preload/relocate.c on a fake initial environment: one contiguous
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

#include "preload/config.h"
#include "preload/relocate.h"
#include "preload/vault.h"
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
    for (size_t i = 0; i < env.n; i++) {
        size_t off = orig_offset(i);
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

static void more_entries_than_the_memo(void **state)
{
    (void)state;
    enum { N = 1500 };
    static char texts[N][40];
    static const char *entries[N];
    static bool secret[N];
    size_t want = 0, past = 0;
    for (int i = 0; i < N; i++) {
        secret[i] = i % 7 == 3 || i == 1023 || i == 1024 || i == N - 1;
        if (secret[i])
            snprintf(texts[i], sizeof texts[i], "S%d_TOKEN=fake-%d", i, i * 31);
        else
            snprintf(texts[i], sizeof texts[i], "VAR%d=plain-%d", i, i);
        entries[i] = texts[i];
        want += secret[i];
        past += secret[i] && i >= 1024;
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
    struct relocate_result r = {9, 9, 9};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(seals_secrets_and_zeroes_originals, setup, teardown),
        cmocka_unit_test_setup_teardown(updates_a_separate_environ_array, setup, teardown),
        cmocka_unit_test_setup_teardown(null_cur_is_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(more_entries_than_the_memo, setup, teardown),
        cmocka_unit_test_setup_teardown(entries_without_equals_left_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_names_all_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(zero_secrets_maps_no_vault, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(follows_configured_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(no_vault_memory_leaves_entries, setup, teardown),
    };
    return cmocka_run_group_tests_name("relocate", tests, NULL, NULL);
}
