/* envseal's settings, read once from the ENVSEAL_* variables of the initial
 * environment (docs/configuration.md). Values of ENVSEAL_* are never secrets. */
#ifndef ENVSEAL_CONFIG_H
#define ENVSEAL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "patterns.h"

enum vault_pref { VAULT_AUTO, VAULT_SECRETMEM, VAULT_ANON };
enum on_failure { ON_FAILURE_WARN, ON_FAILURE_REFUSE };
/* Strict mode (docs/strict-mode.md): only libenvseal-strict.so implements it. */
enum env_mode { MODE_RELOCATE, MODE_STRICT };
enum child_policy { CHILD_NONE, CHILD_ALL, CHILD_PATTERNS };

/* Exit status when ENVSEAL_ON_FAILURE=refuse stops a program from starting. */
#define ENVSEAL_EXIT_REFUSED 111

#define CONFIG_PROBLEMS_MAX 4

struct config {
    bool disabled;
    bool quiet;
    enum vault_pref vault;
    enum on_failure on_failure;
    struct pattern_set secrets;
    struct pattern_set exclude;
    /* Names of settings that were malformed (static strings), reported once. */
    const char *problems[CONFIG_PROBLEMS_MAX];
    unsigned nproblems;
    /* Strict mode: ENVSEAL_MODE, ENVSEAL_STRICT_SECRETS (empty: every secret) and
     * ENVSEAL_CHILD_SECRETS (which strict secrets an exec'd child receives). */
    enum env_mode mode;
    struct pattern_set strict;
    enum child_policy child;
    struct pattern_set child_secrets;
};

/* Builds the configuration from an environment array (NULL-terminated). */
void config_load(struct config *c, char *const *envp);

/* True when NAME (not NUL-terminated, nlen bytes) must be sealed. */
bool config_is_secret(const struct config *c, const char *name, size_t nlen);

/* True when NAME is a secret that strict mode keeps out of environ entirely. */
bool config_is_strict(const struct config *c, const char *name, size_t nlen);

/* True when an exec'd child may receive the strict secret NAME. */
bool config_child_gets(const struct config *c, const char *name, size_t nlen);

/* Length of the name part of a "NAME=value" entry (up to '=' or the end). */
size_t entry_name_len(const char *entry);

#endif
