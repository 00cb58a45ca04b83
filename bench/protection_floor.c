/* The protection floor: a preload that keeps only the two promises every sealing
 * process pays for at start-up, done the cheapest way known, and nothing else:
 *   - the bench's six secrets (bench/bench_common.sh) copied into a vault page
 *     exactly as envseal's anonymous vault is mapped (platform_map: guard pages,
 *     MAP_LOCKED, MADV_DONTDUMP, its name; the shim's own code, linked in), and
 *     scrubbed from the environment block in place;
 *   - that page wiped on every signal whose default action ends the process: one
 *     rt_sigaction per signal, as envseal's hooks (53 on glibc).
 * No getenv interposition, no fork separation, no crash sweep, no exit handler, no
 * settings: a lower bound on what any design making those two promises costs a
 * short command, not a shim. docs/performance.md gives what it measured. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench/floor_secrets.h"
#include "preload/platform/platform.h"

static struct mapping vault;
static size_t used;

/* The kernel's struct sigaction on x86-64: glibc's sigaction would refuse its own
 * two internal signals and copies more than the kernel needs. */
struct kaction {
    void (*handler)(int, siginfo_t *, void *);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

void protection_floor_restore(void);
__asm__(".text\n.align 16\n.hidden protection_floor_restore\n"
        "protection_floor_restore:\n\tmovq $15, %rax\n\tsyscall\n");

static void wipe_and_die(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    explicit_bzero(vault.data, vault.size);
    struct kaction dfl = {0};
    syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig); /* delivered on return */
}

static void hook_fatal_signals(void)
{
    struct kaction k = {wipe_and_die, SA_SIGINFO | 0x04000000 /* SA_RESTORER */,
                        protection_floor_restore, ~0ul};
    for (int sig = 1; sig <= 64; sig++) {
        switch (sig) { /* not fatal by default, uncatchable, or glibc's own */
        case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH: case SIGSTOP:
        case SIGTSTP: case SIGTTIN: case SIGTTOU: case SIGKILL: case 32: case 33:
            continue;
        }
        syscall(SYS_rt_sigaction, sig, &k, NULL, 8);
    }
}

/* The vault is mapped when the first secret is found, as envseal's is. */
static bool take(const char *value, size_t len)
{
    struct map_report r;
    if (!vault.data && platform_map(4096, false, &vault, &r) != 0)
        return false;
    if (used + len + 1 > vault.size)
        return false;
    memcpy(vault.data + used, value, len + 1);
    used += len + 1;
    return true;
}

__attribute__((constructor)) static void protection_floor_init(void)
{
    floor_take_secrets(take);
    if (vault.data)
        hook_fatal_signals();
}

/* One exported function, like the empty preload. */
__attribute__((visibility("default"))) int envseal_bench_protection_floor(void)
{
    return 0;
}
