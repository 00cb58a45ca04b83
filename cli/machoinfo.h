/* What a Mach-O program file is, as far as envseal cares on macOS: the structure
 * (macho.h), the file's set-uid/set-gid bits and whether its path is under System
 * Integrity Protection, and from these a verdict per architecture and overall (the
 * worst of them: which slice runs depends on the Mac). Used by `envseal check`. */
#ifndef ENVSEAL_CLI_MACHOINFO_H
#define ENVSEAL_CLI_MACHOINFO_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "macho.h"

#define MACHOINFO_REASONS_MAX 8

struct machoinfo_arch {
    int verdict; /* 0 protectable, 1 limited, 2 unprotectable */
    const char *reasons[MACHOINFO_REASONS_MAX];
    int nreasons;
};

struct machoinfo {
    char path[PATH_MAX], resolved[PATH_MAX];
    char error[256]; /* when verdict == 3 */
    bool setuid, setgid;
    uid_t uid;
    gid_t gid;
    bool sip; /* the path is one macOS protects (SIP): dyld ignores DYLD_* there */
    struct macho m;
    struct machoinfo_arch arch[MACHO_ARCH_MAX];
    int verdict; /* the worst of the architectures' and the file's, or 3 (error) */
    const char *reasons[MACHOINFO_REASONS_MAX]; /* the file's own (set-uid, SIP) */
    int nreasons;
};

/* True when the file at path starts like a Mach-O file. */
bool machoinfo_is_macho(const char *path);

/* Analyses the file at path. Always fills out; returns out->verdict. */
int machoinfo_analyze(const char *path, struct machoinfo *out);

/* The same for an image in memory (no mode bits, no path): for fuzzing. */
int machoinfo_analyze_mem(const void *buf, size_t n, struct machoinfo *out);

/* True when path lies where System Integrity Protection applies (/System, /usr but
 * /usr/local, /bin, /sbin, /Library/Apple, /private/var/db/..., read lexically). */
bool machoinfo_sip_path(const char *path);

#endif
