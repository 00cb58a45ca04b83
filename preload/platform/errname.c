/* strerrorname_np for the builds whose libc lacks it or which define libc's
 * functions locally (platform/linux/libc_local.c, musl, macOS): the errno names the shim can
 * report in its messages, hidden. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>

#define LOCAL __attribute__((visibility("hidden")))

const char *strerrorname_np(int err);

LOCAL const char *strerrorname_np(int err)
{
    static const struct {
        int err;
        const char name[12];
    } names[] = {
        {EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {EINTR, "EINTR"},   {EIO, "EIO"},
        {EBADF, "EBADF"},   {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"}, {EACCES, "EACCES"},
        {EFAULT, "EFAULT"}, {EBUSY, "EBUSY"},   {EEXIST, "EEXIST"}, {EINVAL, "EINVAL"},
        {ENFILE, "ENFILE"}, {EMFILE, "EMFILE"}, {ENOSPC, "ENOSPC"}, {ENOSYS, "ENOSYS"},
        {EOVERFLOW, "EOVERFLOW"}, {EOPNOTSUPP, "EOPNOTSUPP"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].err == err)
            return names[i].name;
    return NULL;
}
