/* macOS: the process's own protections (platform.h). */
#include "preload/platform/platform.h"

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>
#if __has_include(<sys/ptrace.h>)
#include <sys/ptrace.h>
#else /* the cross toolchain's headers lack it; as <sys/ptrace.h> declares it */
#define PT_DENY_ATTACH 31
int ptrace(int request, pid_t pid, caddr_t addr, int data);
#endif

int platform_deny_ptrace(void)
{
    /* PT_DENY_ATTACH: no debugger may attach from now on (a running one is
     * detached with a SIGSEGV; none runs before main). */
    return ptrace(PT_DENY_ATTACH, 0, 0, 0) == 0 ? 0 : errno;
}

bool platform_secure_execution(void)
{
    return issetugid() != 0; /* set-user-ID or set-group-ID at exec */
}

bool platform_shim_loaded(unsigned flavour)
{
    (void)flavour;
    return false; /* not looked for on macOS */
}

bool platform_can_exclude_from_dump(void)
{
    return false; /* no MADV_DONTDUMP: the vault is wiped before a core is written */
}

void platform_mark_memory_owner(pid_t pid)
{
    (void)pid; /* no wipe-on-fork advice: a vfork child's exit is _exit by contract */
}

pid_t platform_memory_owner(void)
{
    return 0;
}

bool platform_memory_marked(void)
{
    return false; /* no MADV_WIPEONFORK: never marked */
}

bool platform_in_parent_memory(pid_t self)
{
    (void)self;
    return false; /* no kcmp; a vfork child is taken for the process itself */
}
