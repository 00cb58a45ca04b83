/* What a constructor that ran before envseal's did to the environment (a library
 * the program links: glibc initializes those first), found at start-up once the
 * interposers saw such a change (shim_state.early_change). */
#ifndef ENVSEAL_EARLY_ENV_H
#define ENVSEAL_EARLY_ENV_H

#include "preload/core/config.h"
#include "preload/core/relocate.h"
#include "preload/core/vault.h"

/* After relocation: seals the secrets that are only in cur (environ, moved by
 * an earlier setenv: relocation reads envp), and zeroes the secret entries of the
 * initial block that nothing references any more (replaced or removed before us,
 * they would stay in /proc/PID/environ and in cores), the strings between lo and
 * hi (platform_env_strings; lo NULL: not known). Adds to res. */
void early_env_mend(const struct config *c, struct vault *v, char **envp, char **cur,
                    char *lo, char *hi, struct relocate_result *res);

#endif
