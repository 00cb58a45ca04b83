/* Linux: the process's own protections (platform.h). */
#define _GNU_SOURCE
#include "preload/platform/platform.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload/platform/linux/syscall.h"

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

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

static volatile pid_t *owner_mark ENVSEAL_HOT; /* in a page of its own */

void platform_mark_memory_owner(pid_t pid)
{
    if (owner_mark) { /* a fork child's page, zeroed: marked again as this one's */
        *owner_mark = pid;
        return;
    }
    size_t page = platform_page_size();
    void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    if (madvise(p, page, MADV_WIPEONFORK) != 0) { /* before Linux 4.14 */
        munmap(p, page);
        return;
    }
    *(volatile pid_t *)p = pid;
    owner_mark = p;
}

pid_t platform_memory_owner(void)
{
    volatile pid_t *m = owner_mark;
    return m ? *m : 0;
}

bool platform_memory_marked(void)
{
    return owner_mark != NULL;
}

#ifndef SYS_kcmp
#define SYS_kcmp 312
#endif
#define KCMP_VM_KIND 1 /* linux/kcmp.h's KCMP_VM */

bool platform_in_parent_memory(pid_t self)
{
    /* kcmp is 0 when both share one address space; an error (no kcmp in this
     * kernel, a seccomp filter, a parent we may not inspect) says nothing. */
    return SYS5(SYS_kcmp, self, getppid(), KCMP_VM_KIND, 0, 0) == 0;
}
