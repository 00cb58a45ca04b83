#define _GNU_SOURCE
#include "preload/core/relocate.h"

#include <string.h>

/* Every pass below is linear in the size of the environment: start-up with 50,000
 * secrets must not cost more than a few times what reading them costs. */

/* Remembers which entries are secrets between the sizing and the copying pass, so
 * each name is matched once: one bit per entry, on the stack, 8 KiB at most (the
 * constructor may also run in a thread that dlopen()s the shim, on a small stack);
 * entries past RELOCATE_MEMO_BITS are matched again instead. */
#define MEMO_MAX_BITS RELOCATE_MEMO_BITS

static size_t count_entries(char *const *envp)
{
    size_t n = 0;
    while (envp[n])
        n++;
    return n;
}

/* The slot of arr that holds e, searched from *at on, then from the start. cur
 * is most often envp's copy in the same order (an earlier constructor's setenv
 * made it), so each search resumes where the last one ended and a whole pass
 * stays linear; any other order is still handled. */
static char **slot_of(char **arr, size_t *at, const char *e)
{
    for (size_t i = *at; arr[i]; i++)
        if (arr[i] == e) {
            *at = i + 1;
            return &arr[i];
        }
    for (size_t i = 0; i < *at && arr[i]; i++)
        if (arr[i] == e) {
            *at = i + 1;
            return &arr[i];
        }
    return NULL;
}

void relocate_secrets(const struct config *c, struct vault *v, char **envp, char **cur,
                      struct relocate_result *res)
{
    size_t n = count_entries(envp);
    size_t bits = n < MEMO_MAX_BITS ? n : MEMO_MAX_BITS;
    uint64_t memo[bits / 64 + 1];
    memset(memo, 0, sizeof memo);
    size_t need = 0;
    memset(res, 0, sizeof *res);

    for (size_t i = 0; i < n; i++) {
        const char *e = envp[i];
        bool secret;
        size_t nlen = config_scan_entry(c, e, &secret);
        if (!secret)
            continue;
        if (i < bits)
            memo[i / 64] |= 1ull << (i % 64);
        res->secrets++;
        need += vault_slot_size(nlen + 1 + strlen(e + nlen + 1));
    }
    if (res->secrets == 0)
        return;
    vault_reserve(v, need); /* one region for all; failure shows up per entry below */

    size_t at = 0; /* where the search of cur resumes */
    for (size_t i = 0; i < n; i++) {
        char *e = envp[i];
        bool secret;
        if (i < bits)
            secret = memo[i / 64] >> (i % 64) & 1;
        else
            config_scan_entry(c, e, &secret);
        if (!secret)
            continue;
        size_t len = strlen(e);
        char *sealed = vault_store_entry(v, e, len);
        if (!sealed) {
            res->unsealed++;
            continue;
        }
        envp[i] = sealed;
        char **p = cur && cur != envp ? slot_of(cur, &at, e) : NULL;
        if (p)
            *p = sealed;
        explicit_bzero(e, len);
        res->sealed++;
    }
}

/* Marks a slot of cur whose entry moved out; swept out by drop_marked. */
static char removed_mark;

/* Removes the marked pointers from a NULL-terminated array, keeping the order, and
 * NULLs the freed tail slots. */
static void drop_marked(char **arr)
{
    size_t j = 0;
    for (size_t i = 0; arr[i]; i++)
        if (arr[i] != &removed_mark)
            arr[j++] = arr[i];
    while (arr[j])
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

    /* One pass: envp is compacted as it is read (j trails i); cur's slots of the
     * entries that move out are marked, then swept in one more pass. */
    size_t j = 0, at = 0;
    bool marked = false;
    for (size_t i = 0; envp[i]; i++) {
        char *e = envp[i];
        size_t nlen = entry_name_len(e);
        char *sealed = NULL;
        if (e[nlen] == '=' && config_is_strict(c, e, nlen)) {
            sealed = vault_store_entry(v, e, strlen(e));
            if (!sealed)
                res->unsealed++;
        }
        if (!sealed) {
            envp[j++] = e;
            continue;
        }
        adopt(sealed, ctx);
        char **p = cur && cur != envp ? slot_of(cur, &at, e) : NULL;
        if (p) {
            *p = &removed_mark;
            marked = true;
        }
        explicit_bzero(e, strlen(e));
        res->sealed++;
    }
    for (size_t k = j; envp[k]; k++) /* NULL out the freed tail slots */
        envp[k] = NULL;
    if (marked)
        drop_marked(cur);
}
