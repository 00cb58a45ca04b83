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

extern char **environ;

static const char *const names[] = {"DB_PASSWORD=",    "GITHUB_TOKEN=", "AWS_SECRET_ACCESS_KEY=",
                                    "STRIPE_API_KEY=", "DATABASE_URL=", "REDISCLI_AUTH="};

__attribute__((constructor)) static void keyring_floor_init(void)
{
    char buf[4096];
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            size_t l = strlen(names[i]);
            if (strncmp(*e, names[i], l) != 0)
                continue;
            size_t v = strlen(*e + l) + 1;
            if (n + v > sizeof buf)
                break;
            memcpy(buf + n, *e + l, v);
            n += v;
            explicit_bzero(*e + l, v - 1);
        }
    if (n)
        syscall(SYS_add_key, "user", "envseal", buf, n, KEY_SPEC_PROCESS_KEYRING);
    explicit_bzero(buf, sizeof buf);
}

/* One exported function, like the empty preload. */
__attribute__((visibility("default"))) int envseal_bench_keyring_floor(void)
{
    return 0;
}
