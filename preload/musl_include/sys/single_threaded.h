/* glibc's <sys/single_threaded.h> for the musl build: musl has no
 * __libc_single_threaded; platform_libc_musl.c asks the kernel instead. */
#include "../../platform_libc_musl.h"
#define __libc_single_threaded envseal_musl_single_threaded()
