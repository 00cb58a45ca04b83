#define _GNU_SOURCE
#include "preload/core/relocate.h"

#include <string.h>

/* Every pass below is linear in the size of the environment: start-up with 50,000
 * secrets must not cost more than a few times what reading them costs. */

/* A secret the first pass found, for the second: its index and the length of the
 * whole "NAME=value" entry. The first LISTED ones are kept so (a process has a
 * handful; the second pass then reads no other entry); after them, one bit per
 * entry (relocate_many). */
#define LISTED 32

struct found {
    size_t index, len;
};

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

/* Moves secret entry envp[i] (len bytes) into the vault and zeroes the original. */
static void seal(struct vault *v, char **envp, size_t i, size_t len, char **cur, size_t *at,
                 struct relocate_result *res)
{
    char *e = envp[i];
    char *sealed = vault_store_entry(v, e, len);
    if (!sealed) {
        res->unsealed++;
        return;
    }
    envp[i] = sealed;
    char **p = cur && cur != envp ? slot_of(cur, at, e) : NULL;
    if (p)
        *p = sealed;
    if (vault_may_wipe(v, e)) /* not a string an earlier constructor gave putenv */
        explicit_bzero(e, len);
    res->sealed++;
}

/* relocate_secrets past its LISTED-th secret, envp[from] on: the rest of the first
 * pass remembers which entries are secrets as one bit each, on the stack, 8 KiB at
 * most (the constructor may also run in a thread that dlopen()s the shim, on a
 * small stack); entries past RELOCATE_MEMO_BITS are matched again instead. Out of
 * line, so the common case's stack frame holds no such bitmap. */
static __attribute__((noinline)) void relocate_many(const struct config *c, enum config_scan kind,
                                                    struct vault *v, char **envp, char **cur,
                                                    const struct found *list, size_t from,
                                                    size_t need, size_t foreign,
                                                    struct relocate_result *res)
{
    size_t n = from;
    while (envp[n])
        n++;
    size_t bits = n - from < RELOCATE_MEMO_BITS ? n - from : RELOCATE_MEMO_BITS;
    uint64_t memo[bits / 64 + 1];
    memset(memo, 0, sizeof memo);
    for (size_t i = from; i < n; i++) {
        const char *e = envp[i];
        bool secret;
        size_t nlen = config_scan_entry(c, kind, e, &secret);
        if (!secret)
            continue;
        if (i - from < bits)
            memo[(i - from) / 64] |= 1ull << ((i - from) % 64);
        if (foreign == res->secrets) /* all so far: the rest may be too */
            foreign += vault_slot_elsewhere(v, e);
        res->secrets++;
        need += vault_slot_size(nlen + 1 + strlen(e + nlen + 1));
    }
    if (foreign == res->secrets && platform_shim_loaded(0)) {
        res->foreign = true;
        return;
    }
    vault_reserve(v, need);

    size_t at = 0; /* where the search of cur resumes */
    for (size_t k = 0; k < LISTED; k++)
        seal(v, envp, list[k].index, list[k].len, cur, &at, res);
    for (size_t i = from; i < n; i++) {
        bool secret;
        if (i - from < bits)
            secret = memo[(i - from) / 64] >> ((i - from) % 64) & 1;
        else
            config_scan_entry(c, kind, envp[i], &secret);
        if (secret)
            seal(v, envp, i, strlen(envp[i]), cur, &at, res);
    }
}

/* The first pass, then the second over the listed secrets; `kind` is a constant in
 * each call below, so each gets a loop of its own. */
static inline __attribute__((always_inline)) void
relocate_with(const struct config *c, enum config_scan kind, struct vault *v, char **envp,
              char **cur, struct relocate_result *res)
{
    struct found list[LISTED];
    size_t listed = 0, need = 0, i = 0, foreign = 0;
    memset(res, 0, sizeof *res);

    for (const char *e; (e = envp[i]); i++) {
        bool secret;
        size_t nlen = config_scan_entry(c, kind, e, &secret);
        if (!secret)
            continue;
        /* Looked at only while every secret so far was another shim's: one of ours
         * settles it, and the usual process looks at its first secret alone. */
        if (foreign == res->secrets)
            foreign += vault_slot_elsewhere(v, e);
        size_t len = nlen + 1 + strlen(e + nlen + 1);
        res->secrets++;
        need += vault_slot_size(len);
        list[listed].index = i;
        list[listed].len = len;
        if (++listed == LISTED && envp[i + 1]) {
            relocate_many(c, kind, v, envp, cur, list, i + 1, need, foreign, res);
            return;
        }
    }
    if (res->secrets == 0)
        return;
    /* Every secret already in another vault, and another envseal shim loaded: that
     * shim sealed them. Some only, or no such shim: strings that merely look so (the
     * program's own buffers), sealed here. */
    if (foreign == res->secrets && platform_shim_loaded(0)) {
        res->foreign = true;
        return;
    }
    vault_reserve(v, need); /* one region for all; failure shows up per entry below */
    size_t at = 0;          /* where the search of cur resumes */
    for (size_t k = 0; k < listed; k++)
        seal(v, envp, list[k].index, list[k].len, cur, &at, res);
}

void relocate_secrets(const struct config *c, struct vault *v, char **envp, char **cur,
                      struct relocate_result *res)
{
    switch (config_scan_kind(c)) {
    case SCAN_DEFAULTS:
        relocate_with(c, SCAN_DEFAULTS, v, envp, cur, res);
        break;
    case SCAN_AUTOMATON:
        relocate_with(c, SCAN_AUTOMATON, v, envp, cur, res);
        break;
    case SCAN_LISTS:
        relocate_with(c, SCAN_LISTS, v, envp, cur, res);
        break;
    }
}

void relocate_picked(struct vault *v, char **envp, char **cur, bool (*pick)(const char *entry),
                     struct relocate_result *res)
{
    size_t at = 0;
    for (size_t i = 0; envp[i]; i++)
        if (pick(envp[i])) {
            res->secrets++;
            seal(v, envp, i, strlen(envp[i]), cur, &at, res);
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
    size_t need = 0, foreign = 0;
    memset(res, 0, sizeof *res);
    for (size_t i = 0; envp[i]; i++) {
        const char *e = envp[i];
        size_t nlen = entry_name_len(e);
        if (e[nlen] == '=' && config_is_strict(c, e, nlen)) {
            if (foreign == res->secrets) /* as relocate_with */
                foreign += vault_slot_elsewhere(v, e);
            res->secrets++;
            need += vault_slot_size(strlen(e));
        }
    }
    if (res->secrets == 0)
        return;
    if (foreign == res->secrets && platform_shim_loaded(0)) { /* as relocate_with */
        res->foreign = true;
        res->secrets = 0;
        return;
    }
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
        if (vault_may_wipe(v, e))
            explicit_bzero(e, strlen(e));
        res->sealed++;
    }
    for (size_t k = j; envp[k]; k++) /* NULL out the freed tail slots */
        envp[k] = NULL;
    if (marked)
        drop_marked(cur);
}
