/* config.h for elfutils' libelf alone, compiled with musl-gcc (scripts/musl/envseal.sh):
 * what elfutils' configure finds on musl. musl has err.h, not glibc's error.h. */
#define HAVE_ERR_H 1
#define HAVE_DECL_MEMPCPY 1
#define HAVE_DECL_MEMRCHR 1
#define HAVE_DECL_POWEROF2 1
#define HAVE_DECL_RAWMEMCHR 0
#define HAVE_DECL_REALLOCARRAY 1
#define HAVE_DECL_STRERROR_R 1
#define HAVE_FALLTHROUGH 1
#define HAVE_GCC_STRUCT 1
#define HAVE_MREMAP 1
#define HAVE_STDATOMIC_H 1
#define HAVE_VISIBILITY 1
#define PACKAGE "elfutils"
#define PACKAGE_NAME "elfutils"
#define PACKAGE_STRING "elfutils"
#define PACKAGE_TARNAME "elfutils"
#define PACKAGE_URL "http://elfutils.org/"
#define PACKAGE_BUGREPORT "https://sourceware.org/bugzilla"
#define PACKAGE_VERSION "musl"
#define VERSION "musl"
#define SIZEOF_LONG __SIZEOF_LONG__
#define USE_ZLIB 1
#define _GNU_SOURCE 1
#include <eu-config.h>
