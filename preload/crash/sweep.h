/* The crash-time sweep: before a core dump is written, every copy of every secret
 * value (and its UTF-16 and Latin-1 forms) in the memory the dump would hold is
 * overwritten with zeros, or, in memory shared with other processes, left out of
 * the dump. Async-signal-safe except sweep_prepare: no malloc, no locks, no stdio. */
#ifndef ENVSEAL_SWEEP_H
#define ENVSEAL_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "preload/core/vault.h"

/* Values shorter than this are not searched for: they occur by chance everywhere. */
#define SWEEP_MIN_VALUE 6
/* Of a longer value, no run of this many bytes may survive anywhere the sweep
 * reaches (shorter values are searched for whole). */
#define SWEEP_PIECE 12

struct sweep_stats {
    uint64_t bytes;       /* bytes of memory examined */
    uint64_t regions;     /* mappings examined */
    uint64_t overwritten; /* occurrences zeroed */
    uint64_t hidden;      /* occurrences in shared memory, left out of the dump instead */
    uint32_t patterns;    /* byte patterns searched for (values and their encodings) */
    uint32_t dropped;     /* values (or encodings) that did not fit the scratch area */
};

/* Maps the scratch area (left out of core dumps) ahead of any crash, so a sweep
 * needs no allocation; with stack_size, also a signal stack of that size in the
 * same mapping (guard page below), returned in *stack. Returns 0, or -1 (a sweep
 * then maps it itself). */
int sweep_prepare(size_t stack_size, void **stack);

/* Adds one value to search for; copied into the scratch area. */
void sweep_add_value(const char *value, size_t len);

/* Adds the value of every live vault entry, and of every released one the vault
 * keeps (vault_release). Call before vault_wipe. */
void sweep_take_vault(const struct vault *v);

/* Sweeps this process's memory for the values added (they stay in the scratch
 * area, so it can run again). st may be NULL. Returns 0, or -1 when memory could
 * not be listed. */
int sweep_run(struct sweep_stats *st);

/* Removes every piece of a value added from [p, p+n) (memory the caller may write
 * directly, such as a signal frame's saved registers), as sweep_run does from the
 * process's memory. */
void sweep_scrub(void *p, size_t n);

/* Wipes the values from the scratch area. */
void sweep_forget(void);

#endif
