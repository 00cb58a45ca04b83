/* Linux: the process's own protections (platform.h). */
#define _GNU_SOURCE
#include "preload/platform/platform.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "preload/platform/linux/syscall.h"

#ifndef KCMP_VM
#define KCMP_VM 1
#endif

int platform_deny_ptrace(void)
{
    /* Not dumpable: only root may attach or read /proc/PID/mem, and no core is
     * written. exec resets it: every process that loads the shim sets it again. */
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : errno;
}

bool platform_can_exclude_from_dump(void)
{
    return true; /* MADV_DONTDUMP */
}

bool platform_shares_parent_memory(void)
{
#ifdef SYS_kcmp
    /* kcmp needs CONFIG_KCMP and ptrace-read access to the parent: an error (a
     * non-dumpable parent, an old kernel) answers "cannot tell". */
    long self = SYS0(SYS_getpid), parent = SYS0(SYS_getppid);
    return SYS5(SYS_kcmp, self, parent, KCMP_VM, 0, 0) == 0;
#else
    return false;
#endif
}
