#define _GNU_SOURCE
#include "config.h"

#include <string.h>

#define PREFIX "ENVSEAL_"
#define PREFIX_LEN (sizeof PREFIX - 1)

size_t entry_name_len(const char *entry)
{
    const char *eq = strchrnul(entry, '=');
    return (size_t)(eq - entry);
}

static bool is_reserved(const char *name, size_t nlen)
{
    /* The loader keeps pointers into LD_* and GLIBC_TUNABLES; ENVSEAL_* are ours. */
    if (nlen >= 3 && name[0] == 'L' && name[1] == 'D' && name[2] == '_')
        return true;
    if (nlen >= PREFIX_LEN && memcmp(name, PREFIX, PREFIX_LEN) == 0)
        return true;
    return nlen == 14 && memcmp(name, "GLIBC_TUNABLES", 14) == 0;
}

bool config_is_secret(const struct config *c, const char *name, size_t nlen)
{
    if (nlen == 0 || is_reserved(name, nlen))
        return false;
    uint32_t mask = name_class_mask(name, nlen);
    if (!pattern_set_match(&c->secrets, name, nlen, mask))
        return false;
    return !pattern_set_match(&c->exclude, name, nlen, mask);
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

/* The library decides the default: libenvseal-strict.so is built with ENVSEAL_STRICT. */
#if ENVSEAL_STRICT
#define ENVSEAL_DEFAULT_MODE MODE_STRICT
#else
#define ENVSEAL_DEFAULT_MODE MODE_RELOCATE
#endif

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
        if (pattern_set_add_list(&c->child_secrets, v, strlen(v)) != 0)
            problem(c, "ENVSEAL_CHILD_SECRETS");
    }
}

bool config_is_strict(const struct config *c, const char *name, size_t nlen)
{
    if (c->mode != MODE_STRICT || !config_is_secret(c, name, nlen))
        return false;
    return c->strict.n == 0 ||
           pattern_set_match(&c->strict, name, nlen, name_class_mask(name, nlen));
}

bool config_child_gets(const struct config *c, const char *name, size_t nlen)
{
    if (c->child == CHILD_ALL)
        return true;
    return c->child == CHILD_PATTERNS &&
           pattern_set_match(&c->child_secrets, name, nlen, name_class_mask(name, nlen));
}

/* Everything but the pattern sets' storage (kilobytes): a preloaded process pays
 * for every byte cleared here at start-up. */
static void config_reset(struct config *c)
{
    struct pattern_set *keep[] = {&c->secrets, &c->exclude, &c->strict, &c->child_secrets};
    size_t head = offsetof(struct config, secrets);
    memset(c, 0, head);
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        pattern_set_clear(keep[i]);
    c->nproblems = 0;
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
            if (strcmp(v, "auto") == 0 || v[0] == '\0')
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
        } else if (KEY("STRICT_SECRETS")) {
            strict = v;
        } else if (KEY("CHILD_SECRETS")) {
            child = v;
        }
#undef KEY
    }

    if (defaults)
        c->secrets = default_patterns_compiled; /* compiled at build time */
    if (extra && pattern_set_add_list(&c->secrets, extra, strlen(extra)) != 0)
        problem(c, "ENVSEAL_SECRETS");
    if (exclude && pattern_set_add_list(&c->exclude, exclude, strlen(exclude)) != 0)
        problem(c, "ENVSEAL_EXCLUDE");
    if (strict && pattern_set_add_list(&c->strict, strict, strlen(strict)) != 0)
        problem(c, "ENVSEAL_STRICT_SECRETS");
    load_child_policy(c, child);
}
