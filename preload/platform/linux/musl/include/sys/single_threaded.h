/* glibc's <sys/single_threaded.h> for the musl build: musl has no
 * __libc_single_threaded; platform/linux/musl/start.c asks the kernel instead. */
#include "preload/platform/linux/musl/compat.h"
#define __libc_single_threaded envseal_musl_single_threaded()
