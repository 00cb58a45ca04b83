/* envseal's settings, read once from the ENVSEAL_* variables of the initial
 * environment (docs/configuration.md). Values of ENVSEAL_* are never secrets. */
#ifndef ENVSEAL_CONFIG_H
#define ENVSEAL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "preload/core/patterns.h"

/* VAULT_ANON, the default, is 0: private locked pages left out of dumps. AUTO tries
 * memfd_secret first and falls back to ANON; SECRETMEM requires memfd_secret. */
enum vault_pref { VAULT_ANON, VAULT_AUTO, VAULT_SECRETMEM };
enum on_failure { ON_FAILURE_WARN, ON_FAILURE_REFUSE };
/* Strict mode (docs/strict-mode.md): only libenvseal-strict.so implements it. */
enum env_mode { MODE_RELOCATE, MODE_STRICT };
enum child_policy { CHILD_NONE, CHILD_ALL, CHILD_PATTERNS };

/* Exit status when ENVSEAL_ON_FAILURE=refuse stops a program from starting. */
#define ENVSEAL_EXIT_REFUSED 111

#define CONFIG_PROBLEMS_MAX 4

/* Bits of config.sets: the pattern sets that a setting filled. */
enum { SET_SECRETS = 1, SET_EXCLUDE = 2, SET_STRICT = 4, SET_CHILD = 8 };

struct config {
    bool any_setting; /* an ENVSEAL_* entry was there, whatever its name or value */
    bool disabled;
    bool quiet;
    bool defaults; /* the built-in patterns (default_patterns_compiled) count */
    bool deny_ptrace; /* ENVSEAL_PTRACE=deny: the process is made non-dumpable */
    bool handoff;     /* ENVSEAL_HANDOFF was given: secrets wait on handoff_fd */
    int handoff_fd;   /* -1 when the value is not a descriptor number */
    unsigned sets; /* SET_* of the sets below that a setting filled */
    enum vault_pref vault;
    enum on_failure on_failure;
    /* Names of settings that were malformed (static strings), reported once. */
    const char *problems[CONFIG_PROBLEMS_MAX];
    unsigned nproblems;
    /* Strict mode: ENVSEAL_MODE, ENVSEAL_STRICT_SECRETS (empty: every secret) and
     * ENVSEAL_CHILD_SECRETS (which strict secrets an exec'd child receives). */
    enum env_mode mode;
    enum child_policy child;
    /* Kilobytes each, read and written only when `sets` says so: a preloaded
     * process without such settings never touches their pages. */
    struct pattern_set secrets; /* ENVSEAL_SECRETS, in addition to the defaults */
    struct pattern_set exclude;
    struct pattern_set strict;
    struct pattern_set child_secrets;
};

/* `envseal run`'s hand-off of secrets outside the environment (docs/cli.md):
 * ENVSEAL_HANDOFF=FD names an inherited sealed memfd holding HANDOFF_MAGIC and
 * then the "NAME=value" entries, each NUL-terminated; the environment holds one
 * HANDOFF_SLOT entry per handed entry, which the shim replaces by it (so environ
 * and main's envp have room for them), and the slots' order is the entries'. */
#define HANDOFF_MAGIC "envseal-handoff-1"
#define HANDOFF_SLOT "ENVSEAL_HANDOFF_SLOT="

/* Builds the configuration from an environment array (NULL-terminated). c is
 * zero-filled (static storage) or was loaded before. */
void config_load(struct config *c, char *const *envp);

/* True when NAME (not NUL-terminated, nlen bytes) must be sealed. */
bool config_is_secret(const struct config *c, const char *name, size_t nlen);


/* True when NAME is a secret that strict mode keeps out of environ entirely. */
bool config_is_strict(const struct config *c, const char *name, size_t nlen);

/* True when an exec'd child may receive the strict secret NAME. */
bool config_child_gets(const struct config *c, const char *name, size_t nlen);

/* True when ENVSEAL_CHILD_SECRETS names NAME itself (an item without '*' or '?';
 * not `all`): the only way a child that will not load envseal receives it. */
bool config_child_names(const struct config *c, const char *name, size_t nlen);

/* Length of the name part of a "NAME=value" entry (up to '=' or the end). */
size_t entry_name_len(const char *entry);

/* The parts of config_scan_entry below: whether entry (name of n bytes) must be
 * sealed, given whether the defaults match it; and the scan without the automaton. */
bool config_entry_secret(const struct config *c, const char *entry, size_t n, bool default_hit);
size_t config_scan_entry_list(const struct config *c, const char *entry, bool *secret);

/* Names never sealed: LD_* and GLIBC_TUNABLES (the loader keeps pointers into
 * them) and ENVSEAL_* (the settings). `name` has nlen > 0 bytes. */
static inline bool config_name_reserved(const char *name, size_t nlen)
{
    switch (name[0]) {
    case 'L':
        return nlen >= 3 && name[1] == 'D' && name[2] == '_';
    case 'E':
        return nlen >= 8 && memcmp(name, "ENVSEAL_", 8) == 0;
    case 'G':
        return nlen == 14 && memcmp(name, "GLIBC_TUNABLES", 14) == 0;
    default:
        return false;
    }
}

/* How config_scan_entry decides, the same for every entry of a pass: by the
 * pattern lists; by the automaton and then the settings' own sets; by the automaton
 * alone (the defaults on, and no setting adds or removes patterns: most processes). */
enum config_scan { SCAN_LISTS, SCAN_AUTOMATON, SCAN_DEFAULTS };

static inline enum config_scan config_scan_kind(const struct config *c)
{
    if (!c->defaults || !default_automaton_usable)
        return SCAN_LISTS;
    return c->sets ? SCAN_AUTOMATON : SCAN_DEFAULTS;
}

/* entry_name_len of a "NAME=value" entry, and whether it must be sealed
 * (config_is_secret; false for an entry without '='), in one pass at start-up.
 * `kind`: config_scan_kind(c), read once per pass: with a constant kind the caller's
 * loop is compiled for that case alone. */
static inline __attribute__((always_inline)) size_t
config_scan_entry(const struct config *c, enum config_scan kind, const char *entry, bool *secret)
{
    if (kind == SCAN_LISTS)
        return config_scan_entry_list(c, entry, secret);
    bool hit;
    size_t n = default_automaton_scan(entry, &hit);
    if (kind == SCAN_DEFAULTS)
        *secret = hit && !config_name_reserved(entry, n); /* hit: entry[n] is '=' */
    else
        *secret = (hit || (c->sets & SET_SECRETS)) && config_entry_secret(c, entry, n, hit);
    return n;
}

#endif
