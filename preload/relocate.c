#define _GNU_SOURCE
#include "relocate.h"

#include <string.h>

/* Remembers which entries are secrets between the sizing and the copying pass, so
 * each name is matched once; entries past the bitmap are matched again. */
#define MEMO_BITS 1024

void relocate_secrets(const struct config *c, struct vault *v, char **envp, char **cur,
                      struct relocate_result *res)
{
    uint64_t memo[MEMO_BITS / 64] = {0};
    size_t need = 0;
    memset(res, 0, sizeof *res);

    for (size_t i = 0; envp[i]; i++) {
        const char *e = envp[i];
        size_t nlen = entry_name_len(e);
        if (e[nlen] != '=' || !config_is_secret(c, e, nlen))
            continue;
        if (i < MEMO_BITS)
            memo[i / 64] |= 1ull << (i % 64);
        res->secrets++;
        need += vault_slot_size(nlen + 1 + strlen(e + nlen + 1));
    }
    if (res->secrets == 0)
        return;
    vault_reserve(v, need); /* one region for all; failure shows up per entry below */

    for (size_t i = 0; envp[i]; i++) {
        char *e = envp[i];
        if (i < MEMO_BITS ? !(memo[i / 64] >> (i % 64) & 1)
                          : (e[entry_name_len(e)] != '=' ||
                             !config_is_secret(c, e, entry_name_len(e))))
            continue;
        size_t len = strlen(e);
        char *sealed = vault_store_entry(v, e, len);
        if (!sealed) {
            res->unsealed++;
            continue;
        }
        envp[i] = sealed;
        if (cur && cur != envp)
            for (char **p = cur; *p; p++)
                if (*p == e)
                    *p = sealed;
        explicit_bzero(e, len);
        res->sealed++;
    }
}
