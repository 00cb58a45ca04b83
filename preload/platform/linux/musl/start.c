/* musl (platform_libc.h), and what musl lacks of the glibc interfaces the other
 * sources use (platform/linux/musl/compat.h and platform/linux/musl/include/, given to every musl
 * compilation). */
#define _GNU_SOURCE
#include "preload/platform/platform_libc.h"
#include "preload/platform/linux/musl/compat.h"
#include "preload/platform/linux/syscall.h"
#include "preload/platform/platform.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

extern char **__environ;

/* musl calls constructors without arguments; its start-up has set __environ and
 * program_invocation_name (argv[0]) before the first one runs. */
__attribute__((constructor)) static void envseal_init(void)
{
    envseal_start(program_invocation_name, __environ);
}

/* musl's exit runs every atexit handler first, then the destructors in the reverse
 * order of the constructors: this one (a preloaded library's, constructed before
 * the program's and its libraries') runs after theirs. */
static void (*exit_fn)(void) ENVSEAL_HOT;

__attribute__((destructor)) static void envseal_fini(void)
{
    if (exit_fn)
        exit_fn();
}

bool platform_env_strings(char **envp, char **lo, char **hi)
{
    (void)envp; /* musl passes its constructors no arguments: not told */
    (void)lo;
    (void)hi;
    return false;
}

int platform_at_exit(void (*fn)(void))
{
    exit_fn = fn;
    return 0;
}

int platform_at_quick_exit(void (*fn)(void))
{
    /* quick_exit runs no destructor, only these handlers, last in first out:
     * registered before the program's, this one runs after them. */
    return at_quick_exit(fn);
}

bool envseal_musl_single_threaded(void)
{
    /* musl keeps no public flag. The link count of /proc/self/task is 2 plus the
     * number of threads; one system call, async-signal-safe. Unknown: false. */
    struct stat s;
    long r = SYS4(SYS_newfstatat, -100 /* AT_FDCWD */, "/proc/self/task", &s, 0);
    return r == 0 && s.st_nlink == 3;
}
