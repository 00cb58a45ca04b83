/* Unit tests of preload/core/patterns.c: the glob matcher, the compiled pattern kinds,
 * the quick-reject mask, adding patterns and the built-in secret set. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "preload/core/patterns.h"

#define G(p, n) glob_match((p), strlen(p), (n), strlen(n))

static bool set_matches(const struct pattern_set *s, const char *name)
{
    size_t n = strlen(name);
    return pattern_set_match(s, name, n, name_class_mask(name, n));
}

/* Obviously correct (exponential) reference matcher for the cross-checks. */
static bool ref_match(const char *p, size_t pl, const char *n, size_t nl)
{
    if (pl == 0)
        return nl == 0;
    if (p[0] == '*')
        return ref_match(p + 1, pl - 1, n, nl) || (nl > 0 && ref_match(p, pl, n + 1, nl - 1));
    if (nl == 0)
        return false;
    return (p[0] == '?' || p[0] == n[0]) && ref_match(p + 1, pl - 1, n + 1, nl - 1);
}

/* xorshift64*: a fixed seed keeps failures reproducible. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static size_t random_string(char *buf, const char *alphabet, size_t minlen, size_t maxlen)
{
    size_t len = minlen + (size_t)(rnd() % (maxlen - minlen + 1));
    size_t k = strlen(alphabet);
    for (size_t i = 0; i < len; i++)
        buf[i] = alphabet[rnd() % k];
    buf[len] = '\0';
    return len;
}

/* ---- glob_match ---- */

static void glob_star(void **state)
{
    (void)state;
    assert_true(G("*", ""));
    assert_true(G("*", "ANYTHING"));
    assert_true(G("A*", "A"));
    assert_true(G("A*", "ABC"));
    assert_true(G("*C", "ABC"));
    assert_true(G("A*C", "AC"));
    assert_false(G("A*", "BA"));
    assert_false(G("*C", "CB"));
}

static void glob_question(void **state)
{
    (void)state;
    assert_true(G("?", "A"));
    assert_true(G("A?C", "ABC"));
    assert_true(G("???", "XYZ"));
    assert_false(G("?", ""));
    assert_false(G("??", "A"));
    assert_false(G("?", "AB"));
    assert_false(G("A?C", "AC"));
}

static void glob_empty(void **state)
{
    (void)state;
    assert_true(G("", ""));
    assert_false(G("", "A"));
    assert_false(G("A", ""));
    assert_true(G("**", ""));
    assert_false(G("?", ""));
}

static void glob_multiple_stars(void **state)
{
    (void)state;
    assert_true(G("*A*B*", "xxAyyBzz"));
    assert_true(G("*A*B*", "AB"));
    assert_true(G("**A**", "A"));
    assert_true(G("A*B*C", "A_B_C"));
    assert_false(G("*A*B*", "BA"));
    assert_false(G("A*B*C", "A_C_B"));
}

static void glob_backtracking(void **state)
{
    (void)state;
    /* The first candidate for each '*' is wrong; the matcher must retry. */
    assert_true(G("*AB", "AAB"));
    assert_true(G("*_TOKEN", "A_TOKEN_TOKEN"));
    assert_true(G("*ABC*ABD", "ABCABCABD"));
    assert_true(G("A*B*C", "AXBXBXC"));
    assert_true(G("*?X", "XXX"));
    assert_false(G("*TOKEN", "TOKENTOKE"));
    assert_false(G("*AB*AB", "ABAB_"));
}

static void glob_no_match(void **state)
{
    (void)state;
    assert_false(G("ABC", "ABD"));
    assert_false(G("ABC", "AB"));
    assert_false(G("AB", "ABC"));
    assert_false(G("abc", "ABC")); /* case-sensitive */
    assert_false(G("*_TOKEN", "TOKEN"));
}

static void glob_uses_lengths_not_nul(void **state)
{
    (void)state;
    assert_true(glob_match("ABCX", 3, "ABCY", 3));
    assert_false(glob_match("ABC", 3, "ABC", 2));
}

/* ---- compiled kinds ---- */

static const struct {
    const char *pat;
    enum pattern_kind kind;
} kinds[] = {
    {"GITHUB_TOKEN", PAT_EXACT}, {"AWS_*", PAT_PREFIX},  {"*_TOKEN", PAT_SUFFIX},
    {"*SECRET*", PAT_INFIX},     {"A*B", PAT_GLOB},      {"?X", PAT_GLOB},
    {"*A?*", PAT_GLOB},          {"**A", PAT_GLOB},      {"A**", PAT_GLOB},
    {"*A*B*", PAT_GLOB},         {"*", PAT_ANY},         {"***", PAT_ANY},
    {"X", PAT_EXACT},            {"*X", PAT_SUFFIX},     {"X*", PAT_PREFIX},
    {"*X*", PAT_INFIX},
};

static const char *const kind_names[] = {
    "",       "X",          "XX",          "AWS_",      "AWS_REGION",   "GITHUB_TOKEN",
    "_TOKEN", "A_TOKEN",    "A_TOKENX",    "SECRET",    "MY_SECRET_KEY", "SECRE",
    "AB",     "AXB",        "ABX",         "BA",        "AX",           "A",
    "AAX",    "X_SECRETX",  "github_token", "aws_x",    "A?",           "AXXB",
    "XAXBX",  "AB_",        "_A_B_",       "TOKEN",     "SECRETSECRET",
};

static void kinds_are_compiled(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct pattern_set s;
        pattern_set_clear(&s);
        assert_int_equal(pattern_set_add(&s, kinds[i].pat, strlen(kinds[i].pat)), 0);
        if (s.p[0].kind != kinds[i].kind)
            fail_msg("pattern %s compiled to kind %u, expected %u", kinds[i].pat, s.p[0].kind,
                     kinds[i].kind);
    }
}

static void kinds_agree_with_glob(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct pattern_set s;
        pattern_set_clear(&s);
        const char *pat = kinds[i].pat;
        assert_int_equal(pattern_set_add(&s, pat, strlen(pat)), 0);
        for (size_t j = 0; j < sizeof kind_names / sizeof kind_names[0]; j++) {
            const char *name = kind_names[j];
            bool want = G(pat, name);
            if (set_matches(&s, name) != want)
                fail_msg("pattern %s on %s: set says %d, glob_match says %d", pat, name, !want,
                         want);
            checked++;
        }
    }
    print_message("%zu pattern/name pairs agree\n", checked);
}

static void glob_matches_reference_randomized(void **state)
{
    (void)state;
    rng_state = 0x5eed5eed12345678ull;
    char pat[16], name[16];
    for (int i = 0; i < 200000; i++) {
        size_t pl = random_string(pat, "AB_*?", 0, 8);
        size_t nl = random_string(name, "AB_", 0, 10);
        if (glob_match(pat, pl, name, nl) != ref_match(pat, pl, name, nl))
            fail_msg("glob_match disagrees with the reference: pattern %s, name %s", pat, name);
    }
}

static void set_match_agrees_with_glob_randomized(void **state)
{
    (void)state;
    rng_state = 0xc0ffee0123456789ull;
    unsigned matches = 0, total = 0;
    for (int i = 0; i < 20000; i++) {
        /* One set of 1..4 random patterns against 8 random names. */
        struct pattern_set s;
        pattern_set_clear(&s);
        char pats[4][16];
        size_t np = 1 + rnd() % 4;
        for (size_t k = 0; k < np; k++) {
            size_t pl = random_string(pats[k], "AB_*?a", 1, 8);
            assert_int_equal(pattern_set_add(&s, pats[k], pl), 0);
        }
        for (int j = 0; j < 8; j++) {
            char name[16];
            size_t nl = random_string(name, "AB_ab", 0, 10);
            bool want = false;
            for (size_t k = 0; k < np; k++)
                want = want || glob_match(pats[k], strlen(pats[k]), name, nl);
            bool got = pattern_set_match(&s, name, nl, name_class_mask(name, nl));
            if (got != want)
                fail_msg("set of %zu patterns (first %s) on %s: got %d want %d", np, pats[0],
                         name, got, want);
            matches += want;
            total++;
        }
    }
    /* The random sets must exercise both outcomes to mean anything. */
    print_message("%u of %u random names matched\n", matches, total);
    assert_true(matches > total / 20);
    assert_true(matches < total - total / 20);
}

static void quick_reject_never_rejects_a_match(void **state)
{
    (void)state;
    rng_state = 0x0123456789abcdefull;
    unsigned real_matches = 0;
    for (int i = 0; i < 100000; i++) {
        char pat[16], name[16];
        size_t pl = random_string(pat, "AB_1.*?a", 1, 6);
        size_t nl = random_string(name, "AB_1.a", 0, 8);
        if (!glob_match(pat, pl, name, nl))
            continue;
        real_matches++;
        struct pattern_set s;
        pattern_set_clear(&s);
        assert_int_equal(pattern_set_add(&s, pat, pl), 0);
        uint32_t mask = name_class_mask(name, nl);
        if ((s.p[0].need & ~mask) != 0)
            fail_msg("quick reject would drop pattern %s on %s", pat, name);
    }
    print_message("%u real matches checked\n", real_matches);
    assert_true(real_matches > 1000);
    /* And it does reject: a name lacking a required class is refused early. */
    struct pattern_set s;
    pattern_set_clear(&s);
    assert_int_equal(pattern_set_add(&s, "*_TOKEN", 7), 0);
    assert_true((s.p[0].need & ~name_class_mask("TOKEN", 5)) != 0);
}

/* ---- adding patterns ---- */

static void add_rejects_equals(void **state)
{
    (void)state;
    struct pattern_set s;
    pattern_set_clear(&s);
    assert_int_equal(pattern_set_add(&s, "A=B", 3), -1);
    assert_int_equal(pattern_set_add(&s, "=", 1), -1);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.used, 0);
}

static void add_rejects_empty(void **state)
{
    (void)state;
    struct pattern_set s;
    pattern_set_clear(&s);
    assert_int_equal(pattern_set_add(&s, "", 0), -1);
    assert_int_equal(pattern_set_add(&s, "X", 0), -1);
    assert_int_equal(s.n, 0);
}

static void add_rejects_embedded_nul(void **state)
{
    (void)state;
    struct pattern_set s;
    pattern_set_clear(&s);
    assert_int_equal(pattern_set_add(&s, "A\0B", 3), -1);
    assert_int_equal(s.n, 0);
}

static void add_rejects_past_patterns_max(void **state)
{
    (void)state;
    struct pattern_set s;
    pattern_set_clear(&s);
    char pat[16];
    for (int i = 0; i < PATTERNS_MAX; i++) {
        int n = snprintf(pat, sizeof pat, "P%d", i);
        assert_int_equal(pattern_set_add(&s, pat, (size_t)n), 0);
    }
    size_t used = s.used;
    assert_int_equal(pattern_set_add(&s, "ONE_MORE", 8), -1);
    assert_int_equal(s.n, PATTERNS_MAX);
    assert_int_equal(s.used, used);
    assert_true(set_matches(&s, "P63"));
    assert_false(set_matches(&s, "ONE_MORE"));
}

static void add_rejects_past_text_max(void **state)
{
    (void)state;
    static char big[PATTERNS_TEXT_MAX + 1];
    memset(big, 'A', sizeof big);
    struct pattern_set s;
    pattern_set_clear(&s);
    /* A pattern and its NUL must fit: TEXT_MAX bytes of pattern cannot. */
    assert_int_equal(pattern_set_add(&s, big, PATTERNS_TEXT_MAX), -1);
    assert_int_equal(pattern_set_add(&s, big, PATTERNS_TEXT_MAX - 1), 0);
    assert_int_equal(s.used, PATTERNS_TEXT_MAX);
    assert_int_equal(pattern_set_add(&s, "B", 1), -1);
    assert_int_equal(s.n, 1);
    assert_true(set_matches(&s, "AAAA") == false);
    assert_true(pattern_set_match(&s, big, PATTERNS_TEXT_MAX - 1,
                                  name_class_mask(big, PATTERNS_TEXT_MAX - 1)));
}

static void add_copies_the_pattern(void **state)
{
    (void)state;
    struct pattern_set s;
    pattern_set_clear(&s);
    char buf[] = "MY_*";
    assert_int_equal(pattern_set_add(&s, buf, 4), 0);
    memcpy(buf, "ZZZZ", 4);
    assert_true(set_matches(&s, "MY_KEY"));
    assert_false(set_matches(&s, "ZZZZ"));
}

static void clear_empties_the_set(void **state)
{
    (void)state;
    struct pattern_set s;
    pattern_set_clear(&s);
    assert_int_equal(pattern_set_add(&s, "*", 1), 0);
    assert_true(set_matches(&s, "X"));
    pattern_set_clear(&s);
    assert_int_equal(s.n, 0);
    assert_false(set_matches(&s, "X"));
}

static void add_list_trims_and_skips_empty(void **state)
{
    (void)state;
    struct pattern_set s;
    pattern_set_clear(&s);
    const char *list = " FOO , BAR_* ,,\tBAZ\t,  ,";
    assert_int_equal(pattern_set_add_list(&s, list, strlen(list)), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.p[0].kind, PAT_EXACT);
    assert_int_equal(s.p[0].len, 3);
    assert_memory_equal(s.p[0].lit, "FOO", 3);
    assert_true(set_matches(&s, "FOO"));
    assert_true(set_matches(&s, "BAR_X"));
    assert_true(set_matches(&s, "BAZ"));
    assert_false(set_matches(&s, " FOO"));
    assert_false(set_matches(&s, "BAZ\t"));
}

static void add_list_counts_rejects(void **state)
{
    (void)state;
    struct pattern_set s;
    pattern_set_clear(&s);
    const char *list = "GOOD_ONE,BAD=ONE, ALSO=BAD ,GOOD_TWO";
    assert_int_equal(pattern_set_add_list(&s, list, strlen(list)), 2);
    assert_int_equal(s.n, 2);
    assert_true(set_matches(&s, "GOOD_ONE"));
    assert_true(set_matches(&s, "GOOD_TWO"));

    /* Items past PATTERNS_MAX are counted as rejected, one each. */
    char big[1024];
    size_t len = 0;
    for (int i = 0; i < PATTERNS_MAX + 6; i++)
        len += (size_t)snprintf(big + len, sizeof big - len, "%sQ%d", i ? "," : "", i);
    pattern_set_clear(&s);
    assert_int_equal(pattern_set_add_list(&s, big, len), 6);
    assert_int_equal(s.n, PATTERNS_MAX);
}

static void add_list_honours_length(void **state)
{
    (void)state;
    struct pattern_set s;
    pattern_set_clear(&s);
    assert_int_equal(pattern_set_add_list(&s, "ONE,TWO", 3), 0);
    assert_int_equal(s.n, 1);
    assert_false(set_matches(&s, "TWO"));
}

/* ---- the built-in set ---- */

static const char *const must_be_secret[] = {
    "PGPASSWORD",          "MYSQL_PWD",
    "REDISCLI_AUTH",       "DATABASE_URL",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "GITHUB_TOKEN",        "OPENAI_API_KEY",
    "STRIPE_SECRET_KEY",   "DJANGO_SECRET_KEY",
    "SSH_PRIVATE_KEY",     "DB_PASSWORD",
    "SMTP_PASS",           "GPG_PASSPHRASE",
    "SENTRY_DSN",          "AZURE_STORAGE_CONNECTION_STRING",
    "GOOGLE_APPLICATION_CREDENTIALS", "ANTHROPIC_API_KEY",
    "NPM_TOKEN",           "GH_TOKEN",
    "HF_TOKEN",            "SLACK_BOT_TOKEN",
    "VAULT_TOKEN",         "CI_JOB_TOKEN",
    "TWILIO_AUTH_TOKEN",   "POSTGRES_PASSWORD",
    "MYSQL_ROOT_PASSWORD", "RABBITMQ_DEFAULT_PASS",
    "JWT_SECRET",          "CLIENT_SECRET",
    "SECRET_KEY_BASE",     "MAILGUN_APIKEY",
    "SSH_PRIVATE_KEY_B64", "DOCKER_PASSWD",
    "PRIMARY_DATABASE_URL", "SQLALCHEMY_DATABASE_URL",
    "REDIS_PASSWORD",      "NUGET_API_KEY",
    "KAFKA_SASL_PASSWORD", "MONGO_INITDB_ROOT_PASSWORD",
    "TOKEN",               "API_KEY",
    "PRIVATE_KEY",         "CSRFTOKEN",
    "REDIS_URL",           "MONGODB_URI",
};

static const char *const must_not_be_secret[] = {
    "PATH",         "HOME",           "PWD",          "OLDPWD",
    "USER",         "SHELL",          "TERM",         "LANG",
    "LD_PRELOAD",   "SSH_AUTH_SOCK",  "HOSTNAME",     "TOKENIZERS_PARALLELISM",
    "LOGNAME",      "MAIL",           "SHLVL",        "DISPLAY",
    "XDG_RUNTIME_DIR", "EDITOR",      "PAGER",        "TMPDIR",
    "TZ",           "LC_ALL",         "COLORTERM",    "LD_LIBRARY_PATH",
    "GLIBC_TUNABLES", "SSH_AGENT_PID", "SSH_CONNECTION", "GPG_TTY",
    "DBUS_SESSION_BUS_ADDRESS", "PYTHONPATH", "JAVA_HOME", "GOPATH",
    "NODE_ENV",     "CI",             "KUBECONFIG",   "AWS_REGION",
    "AWS_ACCESS_KEY_ID", "GIT_AUTHOR_NAME", "XAUTHORITY", "PGHOST",
    "PGUSER",       "PGPASSFILE",     "DATABASE_NAME", "TOKEN_URL_BASE",
    "MAKEFLAGS",    "COLUMNS",        "HISTFILE",     "PS1",
};

static void default_set(struct pattern_set *s)
{
    pattern_set_clear(s);
    for (const char *const *p = default_secret_patterns; *p; p++)
        assert_int_equal(pattern_set_add(s, *p, strlen(*p)), 0);
}

static void defaults_match_secret_names(void **state)
{
    (void)state;
    struct pattern_set s;
    default_set(&s);
    int missed = 0;
    for (size_t i = 0; i < sizeof must_be_secret / sizeof must_be_secret[0]; i++)
        if (!set_matches(&s, must_be_secret[i])) {
            print_error("not matched by the defaults: %s\n", must_be_secret[i]);
            missed++;
        }
    assert_int_equal(missed, 0);
}

static void defaults_skip_ordinary_names(void **state)
{
    (void)state;
    struct pattern_set s;
    default_set(&s);
    int wrong = 0;
    for (size_t i = 0; i < sizeof must_not_be_secret / sizeof must_not_be_secret[0]; i++)
        if (set_matches(&s, must_not_be_secret[i])) {
            print_error("wrongly matched by the defaults: %s\n", must_not_be_secret[i]);
            wrong++;
        }
    assert_int_equal(wrong, 0);
}

static void defaults_compile_and_agree_with_glob(void **state)
{
    (void)state;
    struct pattern_set s;
    default_set(&s);
    size_t n = 0;
    while (default_secret_patterns[n])
        n++;
    assert_int_equal(s.n, n);
    /* Every default is one of the fast kinds; the fast path must equal the glob. */
    for (unsigned i = 0; i < s.n; i++)
        assert_int_not_equal(s.p[i].kind, PAT_GLOB);
    const char *const *lists[] = {must_be_secret, must_not_be_secret};
    size_t lens[] = {sizeof must_be_secret / sizeof must_be_secret[0],
                     sizeof must_not_be_secret / sizeof must_not_be_secret[0]};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < lens[l]; i++) {
            const char *name = lists[l][i];
            bool want = false;
            for (size_t k = 0; k < n; k++)
                want = want || G(default_secret_patterns[k], name);
            assert_int_equal(set_matches(&s, name), want);
        }
}

/* The build-time tables are exactly what the runtime code would compute. */
static void test_compiled_defaults_match_runtime_compilation(void **state)
{
    (void)state;
    static struct pattern_set fresh;
    pattern_set_clear(&fresh);
    for (const char *const *p = default_secret_patterns; *p; p++)
        assert_int_equal(pattern_set_add(&fresh, *p, strlen(*p)), 0);
    const struct pattern_set *c = &default_patterns_compiled;
    assert_int_equal(c->n, fresh.n);
    assert_int_equal(c->used, fresh.used);
    assert_memory_equal(c->text, fresh.text, fresh.used);
    for (unsigned i = 0; i < fresh.n; i++) {
        assert_int_equal(c->p[i].kind, fresh.p[i].kind);
        assert_int_equal(c->p[i].len, fresh.p[i].len);
        assert_int_equal(c->p[i].need, fresh.p[i].need);
        assert_int_equal(c->p[i].lit - c->text, fresh.p[i].lit - fresh.text);
    }
    for (unsigned ch = 0; ch < 256; ch++)
        assert_int_equal(pattern_class_table[ch], pattern_class_bit((unsigned char)ch));
}

/* The generated automaton decides exactly as the list of default patterns, over
 * common real names, every literal with bytes around it and a million pseudo-random names drawn
 * mostly from the literals' own letters (where mistakes would hide). */
static bool list_decides(const char *name, size_t n)
{
    return pattern_set_match(&default_patterns_compiled, name, n, name_class_mask(name, n));
}

static void check_automaton(const char *name, size_t n)
{
    bool scanned;
    char entry[80];
    memcpy(entry, name, n);
    memcpy(entry + n, "=v", 3);
    assert_int_equal(default_automaton_scan(entry, &scanned), n);
    bool expect = list_decides(name, n);
    if (default_patterns_match(name, n) != expect || scanned != expect)
        fail_msg("%.*s: automaton and pattern list disagree", (int)n, name);
    entry[n] = '\0'; /* an entry without '=' has no value: never a secret */
    assert_int_equal(default_automaton_scan(entry, &scanned), n);
    if (scanned)
        fail_msg("%.*s without '=': the automaton matches it", (int)n, name);
}

static void test_automaton_decides_as_the_list(void **state)
{
    (void)state;
    assert_true(default_automaton_usable);
    const struct pattern_set *d = &default_patterns_compiled;
    const char *around[] = {"", "X", "_", "A_", "S", "P", "PASS", "SECRE", "TOKEN"};
    char name[64];
    for (unsigned i = 0; i < d->n; i++)
        for (size_t a = 0; a < sizeof around / sizeof around[0]; a++)
            for (size_t b = 0; b < sizeof around / sizeof around[0]; b++) {
                int n = snprintf(name, sizeof name, "%s%.*s%s", around[a], (int)d->p[i].len,
                                 d->p[i].lit, around[b]);
                check_automaton(name, (size_t)n);
                if (n > 1)
                    check_automaton(name, (size_t)n - 1); /* one byte short */
            }
    const char *names[] = {"GITHUB_TOKEN", "TOKEN", "XTOKENX", "MY_SECRET_THING", "DB_PASSWORD",
                           "PASSWD", "A_PWD", "PWD", "X_PASS", "OPENAI_API_KEY", "X_APIKEY",
                           "SSH_PRIVATE_KEY_FILE", "AWS_CREDENTIALS", "GPG_PASSPHRASE",
                           "X_AUTH", "AUTH", "DATABASE_URL", "PG_DSN", "DSN", "REDIS_URL",
                           "MONGODB_URI", "MONGODB_URL", "PATH", "HOME", "LS_COLORS", "N",
                           "_", "SECRET", "XDG_CONFIG_HOME", "SQL_CONNECTION_STRING"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        check_automaton(names[i], strlen(names[i]));
    const char alphabet[] = "TOKENSECRTPASWDIV_YHULBGMQZ0ak";
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int r = 0; r < 1000000; r++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = 1 + x % 20;
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            name[k] = alphabet[x % (sizeof alphabet - 1)];
        }
        check_automaton(name, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compiled_defaults_match_runtime_compilation),
        cmocka_unit_test(test_automaton_decides_as_the_list),
        cmocka_unit_test(glob_star),
        cmocka_unit_test(glob_question),
        cmocka_unit_test(glob_empty),
        cmocka_unit_test(glob_multiple_stars),
        cmocka_unit_test(glob_backtracking),
        cmocka_unit_test(glob_no_match),
        cmocka_unit_test(glob_uses_lengths_not_nul),
        cmocka_unit_test(kinds_are_compiled),
        cmocka_unit_test(kinds_agree_with_glob),
        cmocka_unit_test(glob_matches_reference_randomized),
        cmocka_unit_test(set_match_agrees_with_glob_randomized),
        cmocka_unit_test(quick_reject_never_rejects_a_match),
        cmocka_unit_test(add_rejects_equals),
        cmocka_unit_test(add_rejects_empty),
        cmocka_unit_test(add_rejects_embedded_nul),
        cmocka_unit_test(add_rejects_past_patterns_max),
        cmocka_unit_test(add_rejects_past_text_max),
        cmocka_unit_test(add_copies_the_pattern),
        cmocka_unit_test(clear_empties_the_set),
        cmocka_unit_test(add_list_trims_and_skips_empty),
        cmocka_unit_test(add_list_counts_rejects),
        cmocka_unit_test(add_list_honours_length),
        cmocka_unit_test(defaults_match_secret_names),
        cmocka_unit_test(defaults_skip_ordinary_names),
        cmocka_unit_test(defaults_compile_and_agree_with_glob),
    };
    return cmocka_run_group_tests_name("patterns", tests, NULL, NULL);
}
