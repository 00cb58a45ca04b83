/* musl's sigjmp_buf (platform_libc.h): the mask sigsetjmp saved. */
#define _GNU_SOURCE
#include "preload/platform/platform_libc.h"

#include <setjmp.h>
#include <string.h>

bool platform_jmpbuf_mask(const void *env, sigset_t *mask)
{
    /* musl's siglongjmp restores the mask in sigsetjmp's return path, from __ss,
     * when __fl is set. */
    const struct __jmp_buf_tag *b = env;
    if (!b->__fl)
        return false;
    memcpy(mask, b->__ss, sizeof *mask < sizeof b->__ss ? sizeof *mask : sizeof b->__ss);
    return true;
}

const uint64_t *platform_jmpbuf_record(const void *env)
{
    (void)env; /* musl's sigsetjmp is not interposed */
    return NULL;
}

void platform_prepare_save_points(void)
{
}
