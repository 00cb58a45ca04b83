#define _GNU_SOURCE
#include "preload/core/config.h"

#include <limits.h>
#include <string.h>

#define PREFIX "ENVSEAL_"
#define PREFIX_LEN (sizeof PREFIX - 1)

size_t entry_name_len(const char *entry)
{
    const char *eq = strchrnul(entry, '=');
    return (size_t)(eq - entry);
}


/* Given whether the defaults match (default_hit): the settings' own sets decide. */
static bool decide(const struct config *c, const char *name, size_t nlen, bool default_hit)
{
    if (!default_hit && !(c->sets & SET_SECRETS))
        return false;
    uint32_t mask = c->sets & (SET_SECRETS | SET_EXCLUDE) ? name_class_mask(name, nlen) : 0;
    if (!default_hit && !pattern_set_match(&c->secrets, name, nlen, mask))
        return false;
    return !((c->sets & SET_EXCLUDE) && pattern_set_match(&c->exclude, name, nlen, mask));
}

bool config_is_secret(const struct config *c, const char *name, size_t nlen)
{
    if (nlen == 0 || config_name_reserved(name, nlen))
        return false;
    return decide(c, name, nlen, c->defaults && default_patterns_match(name, nlen));
}

bool config_entry_secret(const struct config *c, const char *entry, size_t n, bool default_hit)
{
    return n && entry[n] == '=' && !config_name_reserved(entry, n) &&
           decide(c, entry, n, default_hit);
}

size_t config_scan_entry_list(const struct config *c, const char *entry, bool *secret)
{
    size_t n = entry_name_len(entry);
    bool hit = c->defaults && n && default_patterns_match(entry, n);
    *secret = config_entry_secret(c, entry, n, hit);
    return n;
}

static void problem(struct config *c, const char *setting)
{
    if (c->nproblems < CONFIG_PROBLEMS_MAX)
        c->problems[c->nproblems++] = setting;
}

static bool is_true(const char *v)
{
    return strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
           strcmp(v, "on") == 0;
}

static bool is_false(const char *v)
{
    return strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
           strcmp(v, "off") == 0 || v[0] == '\0';
}

/* Parses a boolean setting; a malformed value keeps the default and is reported. */
static bool parse_bool(struct config *c, const char *setting, const char *v, bool dflt)
{
    if (is_true(v))
        return true;
    if (is_false(v))
        return false;
    problem(c, setting);
    return dflt;
}

/* A descriptor number: decimal digits only, at most INT_MAX; -1 otherwise. */
static int parse_fd(const char *v)
{
    long n = 0;
    if (!*v)
        return -1;
    for (; *v; v++) {
        int d = *v - '0';
        if (d < 0 || d > 9 || n > (INT_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    return (int)n;
}

/* The library decides the default: libenvseal-strict.so is built with ENVSEAL_STRICT. */
#if ENVSEAL_STRICT
#define ENVSEAL_DEFAULT_MODE MODE_STRICT
#else
#define ENVSEAL_DEFAULT_MODE MODE_RELOCATE
#endif

/* Adds a setting's list to one of the sets, which is empty (config_reset). */
static void load_list(struct config *c, unsigned set, struct pattern_set *s, const char *v,
                      const char *setting)
{
    c->sets |= set;
    if (pattern_set_add_list(s, v, strlen(v)) != 0)
        problem(c, setting);
}

/* ENVSEAL_CHILD_SECRETS: "none" (the default, also when unset or empty), "all", or
 * patterns. A list with a malformed item keeps its valid items. */
static void load_child_policy(struct config *c, const char *v)
{
    if (!v || v[0] == '\0' || strcmp(v, "none") == 0) {
        c->child = CHILD_NONE;
    } else if (strcmp(v, "all") == 0) {
        c->child = CHILD_ALL;
    } else {
        c->child = CHILD_PATTERNS;
        load_list(c, SET_CHILD, &c->child_secrets, v, "ENVSEAL_CHILD_SECRETS");
    }
}

bool config_is_strict(const struct config *c, const char *name, size_t nlen)
{
    if (c->mode != MODE_STRICT || !config_is_secret(c, name, nlen))
        return false;
    return !(c->sets & SET_STRICT) || c->strict.n == 0 ||
           pattern_set_match(&c->strict, name, nlen, name_class_mask(name, nlen));
}

bool config_child_gets(const struct config *c, const char *name, size_t nlen)
{
    if (c->child == CHILD_ALL)
        return true;
    return c->child == CHILD_PATTERNS &&
           pattern_set_match(&c->child_secrets, name, nlen, name_class_mask(name, nlen));
}

bool config_child_names(const struct config *c, const char *name, size_t nlen)
{
    if (c->child != CHILD_PATTERNS)
        return false;
    for (unsigned i = 0; i < c->child_secrets.n; i++) {
        const struct pattern *p = &c->child_secrets.p[i];
        if (p->kind == PAT_EXACT && p->len == nlen && memcmp(p->lit, name, nlen) == 0)
            return true;
    }
    return false;
}

/* The head, and only the sets a previous load filled (zero-filled ones are empty
 * already): a preloaded process pays a page fault for every page touched here. */
static void config_reset(struct config *c)
{
    /* At start-up c is zeros never touched (file pages, or .bss where no linker
     * script places it): its first access must be a write. A read first maps the
     * file's page (or the shared zero page), and the write after it faults again
     * (two page faults instead of one, in every preloaded process). */
    c->nproblems = 0;
    __asm__ volatile("" : : : "memory");
    struct pattern_set *sets[] = {&c->secrets, &c->exclude, &c->strict, &c->child_secrets};
    for (unsigned i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (c->sets & (1u << i))
            pattern_set_clear(sets[i]);
    memset(c, 0, offsetof(struct config, secrets));
    c->child = CHILD_NONE;
}

void config_load(struct config *c, char *const *envp)
{
    config_reset(c);
    const char *extra = NULL, *exclude = NULL, *strict = NULL, *child = NULL;
    c->mode = ENVSEAL_DEFAULT_MODE;
    bool defaults = true;

    for (char *const *e = envp; e && *e; e++) {
        const char *s = *e;
        if (s[0] != 'E' || strncmp(s, PREFIX, PREFIX_LEN) != 0)
            continue;
        const char *key = s + PREFIX_LEN;
        const char *eq = strchr(key, '=');
        if (!eq)
            continue;
        c->any_setting = true;
        size_t klen = (size_t)(eq - key);
        const char *v = eq + 1;
#define KEY(lit) (klen == sizeof(lit) - 1 && memcmp(key, lit, klen) == 0)
        if (KEY("SECRETS"))
            extra = v;
        else if (KEY("EXCLUDE"))
            exclude = v;
        else if (KEY("DEFAULTS")) /* empty keeps the built-in set: never fail open */
            defaults = v[0] == '\0' || parse_bool(c, "ENVSEAL_DEFAULTS", v, true);
        else if (KEY("DISABLE"))
            c->disabled = parse_bool(c, "ENVSEAL_DISABLE", v, false);
        else if (KEY("QUIET"))
            c->quiet = parse_bool(c, "ENVSEAL_QUIET", v, false);
        else if (KEY("VAULT")) {
            if (v[0] == '\0') /* empty: the default */
                c->vault = VAULT_ANON;
            else if (strcmp(v, "auto") == 0)
                c->vault = VAULT_AUTO;
            else if (strcmp(v, "secretmem") == 0)
                c->vault = VAULT_SECRETMEM;
            else if (strcmp(v, "anon") == 0)
                c->vault = VAULT_ANON;
            else
                problem(c, "ENVSEAL_VAULT");
        } else if (KEY("ON_FAILURE")) {
            if (strcmp(v, "warn") == 0 || v[0] == '\0')
                c->on_failure = ON_FAILURE_WARN;
            else if (strcmp(v, "refuse") == 0)
                c->on_failure = ON_FAILURE_REFUSE;
            else
                problem(c, "ENVSEAL_ON_FAILURE");
        } else if (KEY("MODE")) {
            if (strcmp(v, "relocate") == 0)
                c->mode = MODE_RELOCATE;
            else if (strcmp(v, "strict") == 0)
                c->mode = MODE_STRICT;
            else if (v[0] != '\0')
                problem(c, "ENVSEAL_MODE");
        } else if (KEY("PTRACE")) {
            if (strcmp(v, "deny") == 0)
                c->deny_ptrace = true;
            else if (strcmp(v, "allow") != 0 && v[0] != '\0')
                problem(c, "ENVSEAL_PTRACE");
        } else if (KEY("HANDOFF")) {
            c->handoff = true;
            c->handoff_fd = parse_fd(v);
            if (c->handoff_fd < 0)
                problem(c, "ENVSEAL_HANDOFF");
        } else if (KEY("STRICT_SECRETS")) {
            strict = v;
        } else if (KEY("CHILD_SECRETS")) {
            child = v;
        }
#undef KEY
    }

    c->defaults = defaults; /* default_patterns_compiled: compiled at build time */
    if (extra)
        load_list(c, SET_SECRETS, &c->secrets, extra, "ENVSEAL_SECRETS");
    if (exclude)
        load_list(c, SET_EXCLUDE, &c->exclude, exclude, "ENVSEAL_EXCLUDE");
    if (strict)
        load_list(c, SET_STRICT, &c->strict, strict, "ENVSEAL_STRICT_SECRETS");
    load_child_policy(c, child);
}
