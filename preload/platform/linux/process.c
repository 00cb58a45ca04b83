/* Linux: the process's own protections (platform.h). */
#define _GNU_SOURCE
#include "preload/platform/platform.h"

#include <errno.h>
#include <sys/prctl.h>

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
