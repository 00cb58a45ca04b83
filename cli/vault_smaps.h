/* Which mappings of a process are envseal's vault, as /proc/PID/smaps shows them:
 * "/secretmem" (memfd_secret pages), "[anon:envseal-vault]" (kernels that name
 * anonymous mappings), or an anonymous mapping whose VmFlags hold both "dd"
 * (MADV_DONTDUMP) and "rr" (MADV_RANDOM), the mark the shim gives its anonymous
 * vault on every kernel (preload/platform/linux/memory.c). Used by `envseal status`
 * and by the tests, so that both recognise the vault the same way. */
#ifndef ENVSEAL_CLI_VAULT_SMAPS_H
#define ENVSEAL_CLI_VAULT_SMAPS_H

#include <stdbool.h>
#include <sys/types.h>

struct vault_map {
    unsigned long start, end;
    bool secretmem; /* /secretmem: memfd_secret pages */
    bool locked;    /* VmFlags "lo", or Locked: > 0 */
    bool dontdump;  /* VmFlags "dd" */
};

/* The vault mappings of smaps text, in address order: stores at most max of them
 * in out and returns how many there are. */
int vault_smaps_parse(const char *smaps, struct vault_map *out, int max);

/* The same for /proc/PID/smaps (pid 0: this process); -1 with errno set when it
 * cannot be read. */
int vault_smaps_read(pid_t pid, struct vault_map *out, int max);

#endif
