/* State shared by the start-up code and the interposed functions. */
#ifndef ENVSEAL_SHIM_H
#define ENVSEAL_SHIM_H

#include <pthread.h>
#include <stdbool.h>

#include "config.h"
#include "vault.h"

#define ENVSEAL_EXPORT __attribute__((visibility("default")))

/* Start-up writes the first ~1.3 KB only (the flags, the vault, the head of cfg):
 * on the page of .data/.bss the loader has written already. cfg's pattern sets
 * (kilobytes) come last and are left alone unless a setting fills them. */
struct shim_state {
    bool active;           /* start-up finished: the interposers seal secrets */
    pthread_mutex_t lock;  /* serialises environment changes made through us */
    struct vault vault;
    struct config cfg;
};

extern struct shim_state envseal_state;

#endif
