/* musl's sigjmp_buf (platform_libc.h): the mask sigsetjmp saved. */
#define _GNU_SOURCE
#include "preload/platform/platform_libc.h"

#include <setjmp.h>
#include <stddef.h>

/* musl's siglongjmp restores the mask in sigsetjmp's return path, from __ss, when
 * __fl is set. */
sigset_t *platform_jmpbuf_saved(void *env)
{
    struct __jmp_buf_tag *b = env;
    _Static_assert(sizeof b->__ss >= sizeof(sigset_t), "__ss holds a sigset_t");
    return b->__fl ? (sigset_t *)(void *)b->__ss : NULL;
}

void platform_prepare_save_points(void)
{
}
