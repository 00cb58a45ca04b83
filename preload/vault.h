/* The vault: secret "NAME=value" strings live only here. Slots with a header and a
 * canary, in guarded regions from the platform layer; a region never moves, so a
 * pointer into it stays valid until its slot is released. */
#ifndef ENVSEAL_VAULT_H
#define ENVSEAL_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"

#define VAULT_REGIONS_MAX 32

struct vault {
    struct mapping region[VAULT_REGIONS_MAX];
    size_t used[VAULT_REGIONS_MAX];
    bool borrowed[VAULT_REGIONS_MAX]; /* shared with another process: never wipe */
    unsigned nregions;
    uint64_t canary;
    bool allow_secretmem;
    bool wiped;
    struct map_report first_report; /* protections of the first region, for warnings */
    int map_errno;                  /* last failure to map a region at all */
};

void vault_init(struct vault *v, bool allow_secretmem);

/* Makes sure `bytes` of entries fit without another mapping (one region). */
int vault_reserve(struct vault *v, size_t bytes);

/* Copies name=value into a new slot; returns the NUL-terminated entry or NULL. */
char *vault_store(struct vault *v, const char *name, size_t nlen, const char *val, size_t vlen);

/* Copies a whole "NAME=value" entry of `len` bytes (without NUL). */
char *vault_store_entry(struct vault *v, const char *entry, size_t len);

/* Wipes and frees the slot holding `entry` (a pointer vault_store returned);
 * does nothing to a borrowed region. */
void vault_release(struct vault *v, char *entry);

bool vault_owns(const struct vault *v, const void *p);

/* Wipes and frees every live slot (clearenv). */
void vault_release_all(struct vault *v);

/* First live entry named NAME in a region that is not borrowed, or NULL. */
char *vault_find(const struct vault *v, const char *name, size_t nlen);

/* Zeroes every secret. Async-signal-safe, takes no lock. Returns the number of
 * slots whose canary was overwritten (a write past a secret). */
size_t vault_wipe(struct vault *v);

/* Calls fn for every live entry ("NAME=value", NUL-terminated within cap bytes),
 * borrowed regions included. Async-signal-safe, takes no lock; stops in a region
 * at a damaged slot header. */
void vault_each(const struct vault *v, void (*fn)(const char *entry, size_t cap, void *arg),
                void *arg);

/* Call in a fork child before it runs anything else. */
void vault_after_fork_child(struct vault *v);

/* Bytes of slot overhead around an entry of n bytes (header, padding, canary). */
size_t vault_slot_size(size_t n);

#endif
