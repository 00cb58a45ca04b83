/* Unit tests of preload/core/config.c: settings read from hand-built environment arrays. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "preload/core/config.h"

/* The struct is a few KiB: keep it off cmocka's stack frames. */
static struct config cfg;

static void load(char **envp)
{
    config_load(&cfg, envp);
}

static bool secret(const char *name)
{
    return config_is_secret(&cfg, name, strlen(name));
}

static bool has_problem(const char *setting)
{
    for (unsigned i = 0; i < cfg.nproblems; i++)
        if (strcmp(cfg.problems[i], setting) == 0)
            return true;
    return false;
}

static size_t default_count(void)
{
    size_t n = 0;
    while (default_secret_patterns[n])
        n++;
    return n;
}

/* Secret patterns in force: the built-in ones (not copied) plus ENVSEAL_SECRETS. */
static size_t secret_patterns(void)
{
    return (cfg.defaults ? default_patterns_compiled.n : 0) +
           (cfg.sets & SET_SECRETS ? cfg.secrets.n : 0);
}

static void assert_all_defaults(void)
{
    assert_false(cfg.disabled);
    assert_false(cfg.quiet);
    assert_int_equal(cfg.vault, VAULT_ANON);
    assert_int_equal(cfg.on_failure, ON_FAILURE_WARN);
    assert_int_equal(secret_patterns(), default_count());
    assert_true(secret("GITHUB_TOKEN"));
}

static void defaults_on_empty_environment(void **state)
{
    (void)state;
    char *envp[] = {"PATH=/usr/bin", "HOME=/root", NULL};
    load(envp);
    assert_all_defaults();
    assert_int_equal(cfg.nproblems, 0);
    assert_int_equal(cfg.sets & SET_EXCLUDE ? cfg.exclude.n : 0, 0);
    assert_true(secret("DB_PASSWORD"));
    assert_false(secret("PATH"));
}

static void null_envp_gives_defaults(void **state)
{
    (void)state;
    load(NULL);
    assert_all_defaults();
    assert_int_equal(cfg.nproblems, 0);
}

static void secrets_extends_defaults(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_SECRETS=MY_THING, CUSTOM_*", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 0);
    assert_int_equal(secret_patterns(), default_count() + 2);
    assert_true(secret("MY_THING"));
    assert_true(secret("CUSTOM_ANYTHING"));
    assert_true(secret("GITHUB_TOKEN"));
    assert_false(secret("MY_THINGS"));
    assert_false(secret("PATH"));
}

static void defaults_off_replaces(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_DEFAULTS=0", "ENVSEAL_SECRETS=MY_THING", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 0);
    assert_int_equal(secret_patterns(), 1);
    assert_true(secret("MY_THING"));
    assert_false(secret("GITHUB_TOKEN"));
    assert_false(secret("DB_PASSWORD"));
}

static void defaults_off_alone_seals_nothing(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_DEFAULTS=no", NULL};
    load(envp);
    assert_int_equal(secret_patterns(), 0);
    assert_false(secret("GITHUB_TOKEN"));
}

static void defaults_on_explicitly(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_DEFAULTS=yes", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 0);
    assert_all_defaults();
}

/* An empty value (e.g. ENVSEAL_DEFAULTS="$UNSET_VAR") is not one of the documented
 * values; it must not silently drop the built-in patterns (fail open). */
static void empty_defaults_keeps_builtin_set(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_DEFAULTS=", NULL};
    load(envp);
    assert_all_defaults();
    assert_true(secret("DB_PASSWORD"));
}

static void exclude_wins_over_a_match(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_SECRETS=BUILD_ID", "ENVSEAL_EXCLUDE=GITHUB_TOKEN,BUILD_*,*_DSN",
                    NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 0);
    assert_false(secret("GITHUB_TOKEN")); /* default pattern */
    assert_false(secret("BUILD_ID"));     /* ENVSEAL_SECRETS pattern */
    assert_false(secret("SENTRY_DSN"));
    assert_true(secret("GH_TOKEN"));
    assert_true(secret("DB_PASSWORD"));
}

static void reserved_names_never_secret(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_DEFAULTS=0", "ENVSEAL_SECRETS=*", NULL};
    load(envp);
    const char *reserved[] = {"LD_PRELOAD",     "LD_LIBRARY_PATH", "LD_AUDIT", "LD_",
                              "GLIBC_TUNABLES", "ENVSEAL_SECRETS", "ENVSEAL_", "ENVSEAL_X_TOKEN"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (secret(reserved[i]))
            fail_msg("reserved name %s is treated as a secret", reserved[i]);
    /* Near misses are ordinary names, so '*' seals them. */
    const char *ordinary[] = {"LD", "LDX_FOO", "ld_preload", "GLIBC_TUNABLESX", "GLIBC_TUNABLE",
                              "ENVSEAL", "XENVSEAL_A", "PATH"};
    for (size_t i = 0; i < sizeof ordinary / sizeof ordinary[0]; i++)
        if (!secret(ordinary[i]))
            fail_msg("%s should match ENVSEAL_SECRETS='*'", ordinary[i]);
}

static void empty_name_never_secret(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_SECRETS=*", NULL};
    load(envp);
    assert_false(config_is_secret(&cfg, "", 0));
    /* Only the first nlen bytes count. */
    assert_true(config_is_secret(&cfg, "GITHUB_TOKEN=x", 12));
}

static void vault_values(void **state)
{
    (void)state;
    const struct {
        const char *entry;
        enum vault_pref want;
    } cases[] = {{"ENVSEAL_VAULT=auto", VAULT_AUTO},
                 {"ENVSEAL_VAULT=secretmem", VAULT_SECRETMEM},
                 {"ENVSEAL_VAULT=anon", VAULT_ANON},
                 {"ENVSEAL_VAULT=", VAULT_ANON}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *envp[] = {(char *)cases[i].entry, NULL};
        load(envp);
        assert_int_equal(cfg.vault, cases[i].want);
        assert_int_equal(cfg.nproblems, 0);
    }
}

static void on_failure_and_booleans(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_ON_FAILURE=refuse", "ENVSEAL_QUIET=1", "ENVSEAL_DISABLE=true",
                    "ENVSEAL_MODE=relocate", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 0);
    assert_int_equal(cfg.on_failure, ON_FAILURE_REFUSE);
    assert_true(cfg.quiet);
    assert_true(cfg.disabled);

    const char *truths[] = {"1", "yes", "true", "on"};
    const char *falses[] = {"0", "no", "false", "off", ""};
    char entry[64];
    for (size_t i = 0; i < 4; i++) {
        strcpy(entry, "ENVSEAL_DISABLE=");
        strcat(entry, truths[i]);
        char *e1[] = {entry, NULL};
        load(e1);
        assert_true(cfg.disabled);
        assert_int_equal(cfg.nproblems, 0);
    }
    for (size_t i = 0; i < 5; i++) {
        strcpy(entry, "ENVSEAL_DISABLE=");
        strcat(entry, falses[i]);
        char *e2[] = {entry, NULL};
        load(e2);
        assert_false(cfg.disabled);
        assert_int_equal(cfg.nproblems, 0);
    }
}

static void malformed_vault(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_VAULT=bogus", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 1);
    assert_string_equal(cfg.problems[0], "ENVSEAL_VAULT");
    assert_int_equal(cfg.vault, VAULT_ANON);
    assert_all_defaults();
}

static void malformed_on_failure(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_ON_FAILURE=bogus", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 1);
    assert_string_equal(cfg.problems[0], "ENVSEAL_ON_FAILURE");
    assert_int_equal(cfg.on_failure, ON_FAILURE_WARN);
    assert_all_defaults();
}

/* ENVSEAL_PTRACE: deny turns the guard on; allow, empty and unset leave it off; any
 * other value is reported and leaves it off (and is never read as deny). */
static void ptrace_setting(void **state)
{
    (void)state;
    const char *values[] = {"deny", "allow", "", "Deny", NULL};
    const bool want[] = {true, false, false, false, false};
    for (int i = 0; i < 5; i++) {
        char entry[64];
        snprintf(entry, sizeof entry, "ENVSEAL_PTRACE=%s", values[i] ? values[i] : "");
        char *envp[] = {values[i] ? entry : "PATH=/bin", NULL};
        load(envp);
        assert_int_equal(cfg.deny_ptrace, want[i]);
        assert_int_equal(has_problem("ENVSEAL_PTRACE"), i == 3);
    }
}

static void malformed_disable(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_DISABLE=maybe", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 1);
    assert_string_equal(cfg.problems[0], "ENVSEAL_DISABLE");
    assert_false(cfg.disabled);
    assert_all_defaults();
}

static void malformed_quiet_and_defaults(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_QUIET=loud", "ENVSEAL_DEFAULTS=perhaps", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 2);
    assert_true(has_problem("ENVSEAL_QUIET"));
    assert_true(has_problem("ENVSEAL_DEFAULTS"));
    assert_all_defaults(); /* quiet off, defaults kept */
}

static void malformed_mode(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_MODE=bogus", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 1);
    assert_string_equal(cfg.problems[0], "ENVSEAL_MODE");
    assert_all_defaults();
}

static void invalid_secret_pattern(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_SECRETS=GOOD_ONE,BAD=ONE", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 1);
    assert_string_equal(cfg.problems[0], "ENVSEAL_SECRETS");
    assert_int_equal(secret_patterns(), default_count() + 1); /* the good item is kept */
    assert_true(secret("GOOD_ONE"));
    assert_true(secret("GITHUB_TOKEN"));
}

static void invalid_exclude_pattern(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_EXCLUDE=X=Y", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 1);
    assert_string_equal(cfg.problems[0], "ENVSEAL_EXCLUDE");
    assert_int_equal(cfg.sets & SET_EXCLUDE ? cfg.exclude.n : 0, 0);
    assert_all_defaults();
}

static void problems_are_bounded(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_VAULT=a",   "ENVSEAL_ON_FAILURE=b", "ENVSEAL_DISABLE=c",
                    "ENVSEAL_QUIET=d",   "ENVSEAL_MODE=e",       "ENVSEAL_DEFAULTS=f",
                    "ENVSEAL_SECRETS=g=", NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, CONFIG_PROBLEMS_MAX);
    for (unsigned i = 0; i < cfg.nproblems; i++)
        assert_non_null(cfg.problems[i]);
    assert_all_defaults();
}

static void unknown_and_unset_settings_ignored(void **state)
{
    (void)state;
    char *envp[] = {"ENVSEAL_SECRETS",          /* no '=': not a setting */
                    "ENVSEAL_SECRETSX=A_*",     /* another name */
                    "ENVSEAL_FUTURE=whatever",  /* unknown setting */
                    "XENVSEAL_VAULT=bogus",     NULL};
    load(envp);
    assert_int_equal(cfg.nproblems, 0);
    assert_int_equal(secret_patterns(), default_count());
    assert_false(secret("A_B"));
}

static void entry_name_length(void **state)
{
    (void)state;
    assert_int_equal(entry_name_len("A=B"), 1);
    assert_int_equal(entry_name_len("GITHUB_TOKEN=x"), 12);
    assert_int_equal(entry_name_len("A==B"), 1);
    assert_int_equal(entry_name_len("=value"), 0);
    assert_int_equal(entry_name_len("NOEQUALS"), 8);
    assert_int_equal(entry_name_len(""), 0);
    assert_int_equal(entry_name_len("EMPTY="), 5);
}

/* config_scan_entry: the same length as entry_name_len, and the same decision as
 * config_is_secret (false without '='), with the defaults, without them, and with
 * ENVSEAL_SECRETS / ENVSEAL_EXCLUDE. */
static void config_scan_entry_matches(void **state)
{
    (void)state;
    const char *entries[] = {"A=B", "GITHUB_TOKEN=x", "A==B", "=value", "NOEQUALS", "",
                             "db_Pass9=v", "X-Y.Z=1", "GITHUB_TOKEN", "MY_THING=1",
                             "LD_PRELOAD_TOKEN=1", "ENVSEAL_TOKEN=1", "REDIS_URL=x",
                             "XREDIS_URL=x", "TOKEN=", "DB_PASSWORD_FILE=/x"};
    char *settings[][3] = {{NULL},
                           {"ENVSEAL_DEFAULTS=0", "ENVSEAL_SECRETS=MY_*", NULL},
                           {"ENVSEAL_SECRETS=MY_THING", "ENVSEAL_EXCLUDE=GITHUB_*", NULL}};
    for (size_t k = 0; k < sizeof settings / sizeof settings[0]; k++) {
        load(settings[k]);
        for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
            bool secret;
            size_t n = config_scan_entry(&cfg, config_scan_kind(&cfg), entries[i], &secret);
            assert_int_equal(n, entry_name_len(entries[i]));
            bool expect = entries[i][n] == '=' && config_is_secret(&cfg, entries[i], n);
            if (secret != expect)
                fail_msg("settings %zu, %.*s: scan says %d", k, (int)n, entries[i], secret);
        }
    }
}

/* A second load starts afresh: sets a previous load filled are emptied (a caller
 * may read them directly, as the envseal command reads exclude). */
static void reload_empties_previous_sets(void **state)
{
    (void)state;
    char *first[] = {"ENVSEAL_SECRETS=MY_THING", "ENVSEAL_EXCLUDE=GITHUB_*",
                     "ENVSEAL_STRICT_SECRETS=A_*", "ENVSEAL_CHILD_SECRETS=B_*", NULL};
    load(first);
    assert_true(secret("MY_THING"));
    assert_false(secret("GITHUB_TOKEN"));
    assert_int_equal(cfg.exclude.n, 1);
    char *second[] = {"ENVSEAL_DEFAULTS=1", NULL};
    load(second);
    assert_int_equal(cfg.sets, 0);
    assert_int_equal(cfg.secrets.n, 0);
    assert_int_equal(cfg.exclude.n, 0);
    assert_int_equal(cfg.strict.n, 0);
    assert_int_equal(cfg.child_secrets.n, 0);
    assert_false(secret("MY_THING"));
    assert_true(secret("GITHUB_TOKEN"));
    assert_int_equal(secret_patterns(), default_count());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_on_empty_environment),
        cmocka_unit_test(config_scan_entry_matches),
        cmocka_unit_test(reload_empties_previous_sets),
        cmocka_unit_test(null_envp_gives_defaults),
        cmocka_unit_test(secrets_extends_defaults),
        cmocka_unit_test(defaults_off_replaces),
        cmocka_unit_test(defaults_off_alone_seals_nothing),
        cmocka_unit_test(defaults_on_explicitly),
        cmocka_unit_test(empty_defaults_keeps_builtin_set),
        cmocka_unit_test(exclude_wins_over_a_match),
        cmocka_unit_test(reserved_names_never_secret),
        cmocka_unit_test(empty_name_never_secret),
        cmocka_unit_test(vault_values),
        cmocka_unit_test(on_failure_and_booleans),
        cmocka_unit_test(malformed_vault),
        cmocka_unit_test(malformed_on_failure),
        cmocka_unit_test(ptrace_setting),
        cmocka_unit_test(malformed_disable),
        cmocka_unit_test(malformed_quiet_and_defaults),
        cmocka_unit_test(malformed_mode),
        cmocka_unit_test(invalid_secret_pattern),
        cmocka_unit_test(invalid_exclude_pattern),
        cmocka_unit_test(problems_are_bounded),
        cmocka_unit_test(unknown_and_unset_settings_ignored),
        cmocka_unit_test(entry_name_length),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
