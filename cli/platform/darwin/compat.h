/* What the shared cli/ sources take from glibc that macOS's libSystem spells
 * otherwise; force-included (-include) by scripts/darwin/build_cli.sh. */
#ifndef ENVSEAL_CLI_DARWIN_COMPAT_H
#define ENVSEAL_CLI_DARWIN_COMPAT_H

#define __STDC_WANT_LIB_EXT1__ 1
#include <string.h>

static inline const char *envseal_strchrnul(const char *s, int c)
{
    const char *p = strchr(s, c);
    return p ? p : s + strlen(s);
}
#define strchrnul(s, c) ((char *)envseal_strchrnul((s), (c)))

/* memset_s is never optimised away (C11 Annex K, which libSystem provides). */
#define explicit_bzero(p, n) ((void)memset_s((p), (n), 0, (n)))

#endif
