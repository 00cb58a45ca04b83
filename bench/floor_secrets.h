/* The bench's six secrets (bench/bench_common.sh, bench/exec_cost.c), as the floor
 * preloads find them: each value is handed to `take` (with its length, the NUL
 * excluded) and then scrubbed in place. Stops at the first value `take` refuses. */
#ifndef ENVSEAL_BENCH_FLOOR_SECRETS_H
#define ENVSEAL_BENCH_FLOOR_SECRETS_H

#include <stdbool.h>
#include <string.h>

extern char **environ;

static inline void floor_take_secrets(bool (*take)(const char *value, size_t len))
{
    static const char *const names[] = {"DB_PASSWORD=",   "GITHUB_TOKEN=",
                                        "AWS_SECRET_ACCESS_KEY=", "STRIPE_API_KEY=",
                                        "DATABASE_URL=",  "REDISCLI_AUTH="};
    for (char **e = environ; e && *e; e++)
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            size_t l = strlen(names[i]);
            if (strncmp(*e, names[i], l) != 0)
                continue;
            size_t v = strlen(*e + l);
            if (!take(*e + l, v))
                return;
            explicit_bzero(*e + l, v);
        }
}

#endif
