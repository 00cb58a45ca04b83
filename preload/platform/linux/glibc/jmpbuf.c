/* glibc's sigjmp_buf (platform_libc.h): the mask sigsetjmp saved. */
#define _GNU_SOURCE
#include "preload/platform/platform_libc.h"

#include <setjmp.h>
#include <stddef.h>

sigset_t *platform_jmpbuf_saved(void *env)
{
    struct __jmp_buf_tag *b = env;
    return b->__mask_was_saved ? &b->__saved_mask : NULL;
}
