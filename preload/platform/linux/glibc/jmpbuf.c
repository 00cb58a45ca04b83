/* glibc's sigjmp_buf (platform_libc.h): the mask sigsetjmp saved. */
#define _GNU_SOURCE
#include "preload/platform/platform_libc.h"

#include <setjmp.h>

bool platform_jmpbuf_mask(const void *env, sigset_t *mask)
{
    const struct __jmp_buf_tag *b = env;
    if (!b->__mask_was_saved)
        return false;
    *mask = b->__saved_mask;
    return true;
}
