/* ENVSEAL_MODE at start-up: which relocation the constructor runs. The same source
 * builds both libraries; only libenvseal-strict.so (ENVSEAL_STRICT=1) has strict. */
#ifndef ENVSEAL_MODE_H
#define ENVSEAL_MODE_H

#include "preload/core/config.h"
#include "preload/core/relocate.h"
#include "preload/core/vault.h"

/* Strict mode asked where it cannot work: libenvseal.so given ENVSEAL_MODE=strict,
 * or libenvseal-strict.so loaded with dlopen (the process's getenv is libc's).
 * One line saying so, then relocate mode. Returns -1 when ENVSEAL_ON_FAILURE=refuse
 * wants the program stopped (exit ENVSEAL_EXIT_REFUSED), else 0; and
 * MODE_STAND_DOWN from libenvseal.so given ENVSEAL_MODE=strict while
 * libenvseal-strict.so is loaded as well, which then serves the process alone. */
#define MODE_STAND_DOWN 1
int mode_check(struct config *c);

/* Another envseal shim, started first, protects the process (relocate.h: foreign),
 * and this one stays inactive. Strict mode wanted here while that shim left strict
 * secrets in the environment (relocate mode) is strict mode lost: one line saying
 * so, or -1 when ENVSEAL_ON_FAILURE=refuse wants the program stopped; else 0. */
int mode_yield(const struct config *c, const struct relocate_result *r);

/* Seals the initial environment: strict secrets removed (strict mode), every other
 * secret relocated. `res` sums both. */
void mode_relocate(const struct config *c, struct vault *v, char **envp, char **cur,
                   struct relocate_result *res);

#endif
