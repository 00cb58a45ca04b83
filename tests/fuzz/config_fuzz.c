/* ENVSEAL_* settings (preload/core/config.c config_load) from a fuzzed environment,
 * against a reference reading of docs/configuration.md: every field, the problems
 * reported, and the sealing decision for every name in the environment. The same
 * environment loaded into a configuration that held another one first must decide
 * exactly as a fresh load (config_reset clears only what a load filled).
 * Input: two environments separated by a NUL byte, one entry per line; a line's
 * first byte picks an ENVSEAL_ setting for the rest of it (or leaves it raw). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "preload/core/config.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/refglob.h"

#define ENTRIES_MAX 256

static const char *const keys[] = {
    "SECRETS", "EXCLUDE", "DEFAULTS", "DISABLE", "QUIET",
    "VAULT", "ON_FAILURE", "MODE", "STRICT_SECRETS", "CHILD_SECRETS",
    "PTRACE", "HANDOFF",
};
#define NKEYS (sizeof keys / sizeof *keys)

struct env {
    char *entry[ENTRIES_MAX + 1];
    size_t n;
};

/* Builds one environment from the bytes up to the next NUL. */
static void env_build(struct input *in, struct env *e)
{
    size_t len;
    struct input part = {in_until(in, '\0', &len), 0};
    part.n = len;
    e->n = 0;
    while (part.n && e->n < ENTRIES_MAX) {
        unsigned pick = in_byte(&part);
        size_t l;
        const char *rest = (const char *)in_until(&part, '\n', &l);
        char *s;
        int rc = pick % 16 < NKEYS ? asprintf(&s, "ENVSEAL_%s=%.*s", keys[pick % 16], (int)l, rest)
                 : pick % 16 < 13  ? asprintf(&s, "ENVSEAL_%.*s", (int)l, rest)
                                   : asprintf(&s, "%c%.*s", (char)pick, (int)l, rest);
        if (rc < 0)
            abort();
        e->entry[e->n++] = s;
    }
    e->entry[e->n] = NULL;
}

static void env_free(struct env *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->entry[i]);
    e->n = 0;
}

/* ---- The reference --------------------------------------------------------- */

struct ref {
    bool disabled, quiet, defaults, deny_ptrace, handoff;
    long handoff_fd;
    enum vault_pref vault;
    enum on_failure on_failure;
    enum env_mode mode;
    enum child_policy child;
    const char *problems[16];
    unsigned nproblems;
    bool has_secrets, has_exclude, has_strict;
    struct ref_set secrets, exclude, strict, child_secrets;
};

static void ref_problem(struct ref *r, const char *what)
{
    if (r->nproblems < sizeof r->problems / sizeof *r->problems)
        r->problems[r->nproblems++] = what;
}

static bool word_in(const char *v, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(v, *words) == 0)
            return true;
    return false;
}

static const char *const yes[] = {"1", "yes", "true", "on", NULL};
static const char *const no[] = {"0", "no", "false", "off", "", NULL};

/* A boolean setting: a malformed value is reported and means `dflt`. */
static bool ref_bool(struct ref *r, const char *setting, const char *v, bool dflt)
{
    if (word_in(v, yes))
        return true;
    if (word_in(v, no))
        return false;
    ref_problem(r, setting);
    return dflt;
}

static void ref_list(struct ref *r, struct ref_set *s, const char *v, const char *setting)
{
    ref_set_add_list(s, v, strlen(v));
    if (s->rejected)
        ref_problem(r, setting);
}

static void ref_load(struct ref *r, char *const *envp)
{
    memset(r, 0, sizeof *r);
    r->defaults = true;
    r->mode = MODE_RELOCATE; /* this build is libenvseal.so's */
    const char *list[4] = {NULL}, *child = NULL; /* SECRETS, EXCLUDE, STRICT_SECRETS */
    for (; *envp; envp++) {
        const char *e = *envp, *eq = strchr(e, '=');
        if (strncmp(e, "ENVSEAL_", 8) != 0 || !eq)
            continue;
        size_t klen = (size_t)(eq - e) - 8;
        const char *v = eq + 1;
#define IS(k) (klen == strlen(k) && memcmp(e + 8, k, klen) == 0)
        if (IS("SECRETS"))
            list[0] = v;
        else if (IS("EXCLUDE"))
            list[1] = v;
        else if (IS("STRICT_SECRETS"))
            list[2] = v;
        else if (IS("CHILD_SECRETS"))
            child = v;
        else if (IS("DEFAULTS"))
            r->defaults = !*v || ref_bool(r, "ENVSEAL_DEFAULTS", v, true);
        else if (IS("DISABLE"))
            r->disabled = ref_bool(r, "ENVSEAL_DISABLE", v, false);
        else if (IS("QUIET"))
            r->quiet = ref_bool(r, "ENVSEAL_QUIET", v, false);
        else if (IS("VAULT")) {
            if (!*v || !strcmp(v, "auto") || !strcmp(v, "secretmem") || !strcmp(v, "anon"))
                r->vault = !strcmp(v, "secretmem") ? VAULT_SECRETMEM
                           : !strcmp(v, "auto")    ? VAULT_AUTO
                                                   : VAULT_ANON;
            else
                ref_problem(r, "ENVSEAL_VAULT");
        } else if (IS("ON_FAILURE")) {
            if (!*v || !strcmp(v, "warn") || !strcmp(v, "refuse"))
                r->on_failure = !strcmp(v, "refuse") ? ON_FAILURE_REFUSE : ON_FAILURE_WARN;
            else
                ref_problem(r, "ENVSEAL_ON_FAILURE");
        } else if (IS("MODE")) {
            if (!strcmp(v, "relocate") || !strcmp(v, "strict"))
                r->mode = !strcmp(v, "strict") ? MODE_STRICT : MODE_RELOCATE;
            else if (*v)
                ref_problem(r, "ENVSEAL_MODE");
        } else if (IS("PTRACE")) {
            if (!strcmp(v, "deny"))
                r->deny_ptrace = true;
            else if (*v && strcmp(v, "allow"))
                ref_problem(r, "ENVSEAL_PTRACE");
        } else if (IS("HANDOFF")) { /* a descriptor number: decimal digits, an int */
            r->handoff = true;
            char *end;
            errno = 0;
            long n = strtol(v, &end, 10);
            bool ok = *v >= '0' && *v <= '9' && !*end && !errno && n <= INT_MAX;
            r->handoff_fd = ok ? n : -1;
            if (!ok)
                ref_problem(r, "ENVSEAL_HANDOFF");
        }
#undef IS
    }
    r->has_secrets = list[0], r->has_exclude = list[1], r->has_strict = list[2];
    if (list[0])
        ref_list(r, &r->secrets, list[0], "ENVSEAL_SECRETS");
    if (list[1])
        ref_list(r, &r->exclude, list[1], "ENVSEAL_EXCLUDE");
    if (list[2])
        ref_list(r, &r->strict, list[2], "ENVSEAL_STRICT_SECRETS");
    if (!child || !*child || !strcmp(child, "none"))
        r->child = CHILD_NONE;
    else if (!strcmp(child, "all"))
        r->child = CHILD_ALL;
    else {
        r->child = CHILD_PATTERNS;
        ref_list(r, &r->child_secrets, child, "ENVSEAL_CHILD_SECRETS");
    }
}

static bool ref_secret(const struct ref *r, const char *name, size_t nlen)
{
    if (!nlen || ref_reserved(name, nlen))
        return false;
    bool in = (r->defaults && ref_default_match(name, nlen)) ||
              (r->has_secrets && ref_set_match(&r->secrets, name, nlen));
    return in && !(r->has_exclude && ref_set_match(&r->exclude, name, nlen));
}

/* ---- The checks ------------------------------------------------------------ */

static void check_fields(const struct config *c, const struct ref *r)
{
    FUZZ_CHECK(c->disabled == r->disabled);
    FUZZ_CHECK(c->quiet == r->quiet);
    FUZZ_CHECK(c->defaults == r->defaults);
    FUZZ_CHECK(c->vault == r->vault);
    FUZZ_CHECK(c->on_failure == r->on_failure);
    FUZZ_CHECK(c->mode == r->mode);
    FUZZ_CHECK(c->child == r->child);
    FUZZ_CHECK(c->deny_ptrace == r->deny_ptrace);
    FUZZ_CHECK(c->handoff == r->handoff);
    if (r->handoff)
        FUZZ_CHECK(c->handoff_fd == r->handoff_fd);
    unsigned want = r->nproblems < CONFIG_PROBLEMS_MAX ? r->nproblems : CONFIG_PROBLEMS_MAX;
    FUZZ_CHECK(c->nproblems == want);
    for (unsigned i = 0; i < want; i++)
        FUZZ_CHECK(strcmp(c->problems[i], r->problems[i]) == 0);
}

/* Every name of the environment (and each entry whole, as a name): the decisions
 * of a fresh and of a reused configuration, the start-up scan and the reference. */
static void check_names(const struct config *fresh, const struct config *reused,
                        const struct ref *r, char *const *envp)
{
    for (; *envp; envp++) {
        const char *e = *envp;
        size_t n = entry_name_len(e);
        FUZZ_CHECK(n == strcspn(e, "="));
        for (int whole = 0; whole < 2; whole++) {
            size_t len = whole ? strlen(e) : n;
            bool secret = ref_secret(r, e, len);
            FUZZ_CHECK(config_is_secret(fresh, e, len) == secret);
            FUZZ_CHECK(config_is_secret(reused, e, len) == secret);
            bool strict = r->mode == MODE_STRICT && secret &&
                          (!r->has_strict || !r->strict.n || ref_set_match(&r->strict, e, len));
            FUZZ_CHECK(config_is_strict(fresh, e, len) == strict);
            FUZZ_CHECK(config_is_strict(reused, e, len) == strict);
            bool child = r->child == CHILD_ALL ||
                         (r->child == CHILD_PATTERNS && ref_set_match(&r->child_secrets, e, len));
            FUZZ_CHECK(config_child_gets(fresh, e, len) == child);
            FUZZ_CHECK(config_child_gets(reused, e, len) == child);
        }
        bool want = e[n] == '=' && ref_secret(r, e, n), got;
        FUZZ_CHECK(config_scan_entry(fresh, config_scan_kind(fresh), e, &got) == n && got == want);
        FUZZ_CHECK(config_scan_entry(reused, config_scan_kind(reused), e, &got) == n && got == want);
        FUZZ_CHECK(config_scan_entry_list(fresh, e, &got) == n && got == want);
    }
}

static struct config fresh, reused;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    struct env first, second;
    env_build(&in, &first);
    env_build(&in, &second);

    memset(&fresh, 0, sizeof fresh);
    config_load(&fresh, second.entry);
    config_load(&reused, first.entry); /* reused across runs, as config_load allows */
    config_load(&reused, second.entry);

    static struct ref r;
    ref_load(&r, second.entry);
    check_fields(&fresh, &r);
    check_fields(&reused, &r);
    check_names(&fresh, &reused, &r, second.entry);
    check_names(&fresh, &reused, &r, first.entry);

    env_free(&first);
    env_free(&second);
    return 0;
}
