#define _GNU_SOURCE
#include "preload/core/early_env.h"

#include <string.h>

static bool secret_entry(const struct config *c, const char *e)
{
    size_t n = entry_name_len(e);
    return n && e[n] == '=' && config_is_secret(c, e, n);
}

static bool referenced(char *const *arr, const char *e)
{
    for (; arr && *arr; arr++)
        if (*arr == e)
            return true;
    return false;
}

void early_env_mend(const struct config *c, struct vault *v, char **envp, char **cur,
                    char *lo, char *hi, struct relocate_result *res)
{
    if (cur && cur != envp)
        for (size_t i = 0; cur[i]; i++) {
            char *e = cur[i];
            if (vault_owns(v, e) || !secret_entry(c, e))
                continue;
            size_t len = strlen(e);
            char *sealed = vault_store_entry(v, e, len);
            res->secrets++;
            if (!sealed) {
                res->unsealed++;
                continue;
            }
            cur[i] = sealed;
            if (vault_may_wipe(v, e)) /* libc's copy, not a putenv caller's string */
                explicit_bzero(e, len);
            res->sealed++;
        }
    for (char *p = lo; lo && p < hi; p += strlen(p) + 1)
        if (*p && secret_entry(c, p) && !referenced(envp, p) && !referenced(cur, p))
            explicit_bzero(p, strlen(p));
}
