/* Start-up relocation: every secret entry of the initial environment moves into the
 * vault, and its original bytes (the block /proc/PID/environ shows) are zeroed. */
#ifndef ENVSEAL_RELOCATE_H
#define ENVSEAL_RELOCATE_H

#include <stddef.h>

#include "preload/core/config.h"
#include "preload/core/vault.h"

/* Entries whose secret-or-not answer start-up remembers between its two passes
 * (relocate.c); later ones are matched twice. */
#define RELOCATE_MEMO_BITS (1u << 16)

struct relocate_result {
    size_t secrets;  /* secret entries found */
    size_t sealed;   /* moved into the vault and scrubbed */
    size_t unsealed; /* left in place: no vault memory could be had */
    bool foreign;    /* every secret already sits in another envseal shim's vault:
                      * that shim protects the process, and nothing was done here */
    bool foreign_strict; /* ...and they are strict ones, which a shim in strict mode
                          * would have taken out of the environment: not in effect */
};

/* `envp` is the array main() will receive (the kernel's initial one); `cur` is
 * `environ` now, which an earlier constructor may have replaced (cur may == envp). */
void relocate_secrets(const struct config *c, struct vault *v, char **envp, char **cur,
                      struct relocate_result *res);

/* Seals every entry of envp that pick selects, as relocate_secrets seals a secret,
 * whatever the settings say of its name; adds to res. For what the passes above left
 * in place and must not stay there. */
void relocate_picked(struct vault *v, char **envp, char **cur, bool (*pick)(const char *entry),
                     struct relocate_result *res);

/* Strict mode's variant: every entry config_is_strict selects moves into the vault
 * and is REMOVED from envp and from cur (the arrays are compacted, the original
 * bytes zeroed) instead of being repointed; `adopt` receives each vault entry.
 * Entries the vault cannot take stay where they are (counted as unsealed). */
void relocate_remove_strict(const struct config *c, struct vault *v, char **envp, char **cur,
                            void (*adopt)(char *sealed, void *ctx), void *ctx,
                            struct relocate_result *res);

#endif
