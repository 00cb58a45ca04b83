/* The kernel-keyring floor: a preload whose constructor moves the bench's six secrets
 * (bench/bench_common.sh) out of the environment into the process keyring, one
 * add_key with all the values, and scrubs them in place. No vault page, no hooks,
 * nothing else. It measures a design envseal does not use: secrets held by the
 * kernel (not in the process's memory, not dumped, not swapped, zeroed when the key
 * is freed) until the program first reads one, so that the vault and the signal
 * hooks could wait until then. docs/performance.md says what it showed and why the
 * design was not taken. */
#define _GNU_SOURCE
#include <linux/keyctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench/floor_secrets.h"

static char *buf; /* the constructor's: no page of .bss */
static size_t used, cap;

static bool take(const char *value, size_t len)
{
    if (used + len + 1 > cap)
        return false;
    memcpy(buf + used, value, len + 1);
    used += len + 1;
    return true;
}

__attribute__((constructor)) static void keyring_floor_init(void)
{
    char values[4096];
    buf = values;
    cap = sizeof values;
    floor_take_secrets(take);
    if (used)
        syscall(SYS_add_key, "user", "envseal", values, used, KEY_SPEC_PROCESS_KEYRING);
    explicit_bzero(values, sizeof values);
}

/* One exported function, like the empty preload. */
__attribute__((visibility("default"))) int envseal_bench_keyring_floor(void)
{
    return 0;
}
