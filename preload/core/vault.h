/* The vault: secret "NAME=value" strings live only here. Slots with a header and a
 * canary, in guarded regions from the platform layer; a region never moves, so a
 * pointer into it stays valid until its slot is released.
 *
 * The vault grows without a fixed cap: each new region is at least as large as all
 * the regions before it together (up to growth_max), and the region descriptors
 * live in chunks that never move either (the first few inside struct vault, then
 * mapped chunks of doubling size, linked). Walkers (the exit wipe, the crash-time
 * sweep) take no lock: they read nregions once and see every region it counts. */
#ifndef ENVSEAL_VAULT_H
#define ENVSEAL_VAULT_H

#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "preload/platform/platform.h"

struct vault_region {
    struct mapping map;
    size_t used;              /* atomic: bytes of slots written from map.data */
    struct map_report report; /* why a protection is missing */
    bool borrowed;            /* shared with another process: never wipe */
};

struct vault_chunk {
    struct vault_chunk *next; /* atomic; written once */
    struct vault_region *r;   /* cap descriptors */
    unsigned cap;
};

#define VAULT_FIRST_REGIONS 4
#define VAULT_GROWTH_MAX (256u * 1024) /* bytes: the largest region grown to */
/* Bytes of released values kept for the crash sweep (vault_release), per process. */
#define VAULT_KEEP_MAX (16u * 1024)

/* What happened to a region mapped after start-up (vault_policy.enforce). */
enum vault_event {
    VAULT_DEGRADED, /* kept, without a protection the settings ask for */
    VAULT_REFUSED,  /* not used: lacks a protection and the settings say refuse */
    VAULT_NO_MEMORY /* no region at all could be had */
};

/* Strings sealing copies but never writes: those an earlier constructor gave
 * putenv that environ still holds, the caller's own (a literal is read-only). Past
 * VAULT_CALLERS_MAX of them at once (overflow), none it copied is written: what it
 * copied out of the initial block is zeroed there by early_env_mend's pass. */
#define VAULT_CALLERS_MAX 16
struct vault_callers {
    char *list[VAULT_CALLERS_MAX];
    unsigned listed;
    bool overflow;
};

/* What the settings ask of every region mapped once enforce is set (after
 * start-up; start-up reports its own regions). */
struct vault_policy {
    bool enforce;
    bool need_secretmem; /* ENVSEAL_VAULT=secretmem */
    bool refuse;         /* ENVSEAL_ON_FAILURE=refuse: a degraded region is unmapped */
    /* Told of every event (what: a reason, never a value; err: an errno value). */
    void (*report)(enum vault_event ev, const char *what, int err);
    const struct vault_callers *callers; /* NULL: none */
};

struct vault {
    struct vault_chunk head; /* its descriptors: first[] */
    struct vault_region first[VAULT_FIRST_REGIONS];
    struct vault_chunk *tail;
    struct vault_region *fill; /* the region appended to last */
    unsigned nregions;         /* atomic: regions published, over all chunks */
    size_t mapped;             /* bytes of all regions */
    size_t growth_max;         /* VAULT_GROWTH_MAX; tests lower it */
    size_t nfree;              /* released slots that a store of their name may reuse */
    size_t kept, keep_max;     /* bytes of released values kept (VAULT_KEEP_MAX; tests
                                * lower it) */
    uint64_t canary;
    bool canary_drawn; /* at the first region: a process with no secret draws none */
    bool allow_secretmem;
    bool wiped;
    /* The process whose own copy the memfd_secret regions are (0: none is). They
     * stay shared across fork; a child made without the fork handlers (_Fork,
     * clone without CLONE_VM) still shares them with that process. */
    pid_t secretmem_owner;
    struct vault_policy policy;
    int map_errno; /* last failure to add a region (ENOMEM when refused) */
};

void vault_init(struct vault *v, bool allow_secretmem);

/* Whether sealing may zero the string e it copied (policy.callers). */
bool vault_may_wipe(const struct vault *v, const char *e);

/* Region i (i < nregions), or NULL. */
const struct vault_region *vault_region_at(const struct vault *v, unsigned i);

/* Calls fn for every published region, in order. Async-signal-safe, no lock. */
void vault_each_region(const struct vault *v, void (*fn)(const struct vault_region *r, void *arg),
                       void *arg);

/* The protection region r lacks compared with what the vault was asked for
 * (need_secretmem; locked; left out of dumps), or NULL; *err says why. */
const char *vault_region_degradation(const struct vault *v, const struct vault_region *r,
                                     int *err);

/* Makes sure `bytes` of entries fit without another mapping (one region). */
int vault_reserve(struct vault *v, size_t bytes);

/* Copies name=value into a new slot; returns the NUL-terminated entry or NULL. */
char *vault_store(struct vault *v, const char *name, size_t nlen, const char *val, size_t vlen);

/* Copies a whole "NAME=value" entry of `len` bytes (without NUL). */
char *vault_store_entry(struct vault *v, const char *entry, size_t len);

/* Wipes the value of the slot holding `entry` (a pointer vault_store returned) and
 * frees the slot for a later entry of the same name; does nothing to a borrowed
 * region. While the copies so kept stay within keep_max bytes, the value is first
 * copied into a slot of its own that only the crash sweep reads (the program may
 * hold copies of it), wiped at exit. */
void vault_release(struct vault *v, char *entry);

bool vault_owns(const struct vault *v, const void *p);

/* Whether the string e sits in a live slot of another vault: another envseal shim
 * in this process sealed it first (two shim files preloaded). Reads the 8 bytes
 * before e only where they share e's page. A string of the initial block never
 * follows a slot header (the byte before it ends the previous string), nor one
 * from malloc (its chunk header). */
bool vault_slot_elsewhere(const struct vault *v, const char *e);

/* The copy vault_release keeps for the crash sweep, taken now: for a caller that
 * empties the value itself before releasing it. */
void vault_keep(struct vault *v, const char *entry);


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

/* The same, and every released value kept for the crash sweep. */
void vault_each_known(const struct vault *v,
                      void (*fn)(const char *entry, size_t cap, void *arg), void *arg);

/* Call in a fork child before it runs anything else. */
void vault_after_fork_child(struct vault *v);

/* Before anything writes vault memory other than through vault_store and
 * vault_release (which call it): in a child made without the fork handlers (_Fork,
 * clone without CLONE_VM), the copy of the memfd_secret regions the fork handler
 * would have made. */
void vault_prepare_write(struct vault *v);

/* Bytes of slot overhead around an entry of n bytes (header, padding, canary). */
size_t vault_slot_size(size_t n);

#endif
