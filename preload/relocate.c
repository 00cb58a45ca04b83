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
        bool secret;
        size_t nlen = config_scan_entry(c, e, &secret);
        if (!secret)
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

/* Removes the pointer e from a NULL-terminated array, keeping the order. */
static void drop_pointer(char **arr, const char *e)
{
    size_t j = 0;
    for (size_t i = 0; arr[i]; i++)
        if (arr[i] != e)
            arr[j++] = arr[i];
    while (arr[j]) /* NULL out the freed tail slots */
        arr[j++] = NULL;
}

void relocate_remove_strict(const struct config *c, struct vault *v, char **envp, char **cur,
                            void (*adopt)(char *sealed, void *ctx), void *ctx,
                            struct relocate_result *res)
{
    size_t need = 0;
    memset(res, 0, sizeof *res);
    for (size_t i = 0; envp[i]; i++) {
        const char *e = envp[i];
        size_t nlen = entry_name_len(e);
        if (e[nlen] == '=' && config_is_strict(c, e, nlen)) {
            res->secrets++;
            need += vault_slot_size(strlen(e));
        }
    }
    if (res->secrets == 0)
        return;
    vault_reserve(v, need);

    for (size_t i = 0; envp[i];) {
        char *e = envp[i];
        size_t nlen = entry_name_len(e);
        if (e[nlen] != '=' || !config_is_strict(c, e, nlen)) {
            i++;
            continue;
        }
        size_t len = strlen(e);
        char *sealed = vault_store_entry(v, e, len);
        if (!sealed) {
            res->unsealed++;
            i++;
            continue;
        }
        adopt(sealed, ctx);
        drop_pointer(envp, e); /* envp[i] is now the next entry */
        if (cur && cur != envp)
            drop_pointer(cur, e);
        explicit_bzero(e, len);
        res->sealed++;
    }
}
