/* glibc's sigjmp_buf (platform_libc.h): the mask sigsetjmp saved, and the record
 * of the fault signals it saved beside it (save_points.c, save_mark.h). */
#define _GNU_SOURCE
#include "preload/platform/platform_libc.h"

#include <setjmp.h>

#include "preload/platform/linux/save_mark.h"

bool platform_jmpbuf_mask(const void *env, sigset_t *mask)
{
    const struct __jmp_buf_tag *b = env;
    if (!b->__mask_was_saved)
        return false;
    *mask = b->__saved_mask;
    return true;
}

const uint64_t *platform_jmpbuf_record(const void *env)
{
    const struct __jmp_buf_tag *b = env;
    return save_mark_read(&b->__saved_mask, env);
}
