/* Linux: whether this process runs in secure-execution mode (platform.h). */
#include "preload/platform/platform.h"

#include <sys/auxv.h>

#include "preload/platform/interpose.h"

bool platform_secure_execution(void)
{
    /* AT_SECURE: the kernel's (or an LSM's) word that the process gained privilege
     * at exec. getauxval is looked up, not imported: only a process with an
     * ENVSEAL_* setting asks, and an import would cost every process a symbol
     * lookup at load. Where it cannot be found, the answer is the safe one. */
    static void *next_getauxval;
    unsigned long (*aux)(unsigned long) =
        (unsigned long (*)(unsigned long))next_symbol(&next_getauxval, "getauxval");
    return !aux || aux(AT_SECURE) != 0;
}
