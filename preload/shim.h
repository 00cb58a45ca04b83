/* State shared by the start-up code and the interposed functions. */
#ifndef ENVSEAL_SHIM_H
#define ENVSEAL_SHIM_H

#include <pthread.h>
#include <stdbool.h>

#include "config.h"
#include "vault.h"

#define ENVSEAL_EXPORT __attribute__((visibility("default")))

struct shim_state {
    struct config cfg;
    struct vault vault;
    bool active;           /* start-up finished: the interposers seal secrets */
    pthread_mutex_t lock;  /* serialises environment changes made through us */
};

extern struct shim_state envseal_state;

#endif
