#define _GNU_SOURCE
#include "machoinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { V_OK = 0, V_LIMIT = 1, V_NO = 2, V_ERR = 3 };

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

bool machoinfo_sip_path(const char *path)
{
    static const char *const protected_dirs[] = {"/System", "/usr", "/bin", "/sbin",
                                                 "/Library/Apple", "/private/var/db"};
    static const char *const open_dirs[] = {"/usr/local", "/System/Volumes/Data"};
    while (path[0] == '/' && path[1] == '/')
        path++;
    for (size_t i = 0; i < sizeof open_dirs / sizeof *open_dirs; i++)
        if (under(path, open_dirs[i]))
            return false;
    for (size_t i = 0; i < sizeof protected_dirs / sizeof *protected_dirs; i++)
        if (under(path, protected_dirs[i]))
            return true;
    return false;
}

static void reason(struct machoinfo_arch *a, int v, const char *why)
{
    if (a->nreasons < MACHOINFO_REASONS_MAX)
        a->reasons[a->nreasons++] = why;
    if (v > a->verdict)
        a->verdict = v;
}

/* What dyld will do with DYLD_INSERT_LIBRARIES for one architecture. */
static void judge_arch(const struct macho_arch *m, struct machoinfo_arch *a)
{
    if (!m->is64) {
        reason(a, V_NO, "32-bit: macOS has not run 32-bit programs since 10.15");
        return;
    }
    if (m->filetype != MACHO_MH_EXECUTE)
        reason(a, V_NO, "not an executable: DYLD_INSERT_LIBRARIES applies to the program "
                        "that loads it");
    else if (!m->has_dylinker)
        reason(a, V_NO, "no LC_LOAD_DYLINKER: dyld does not run, so DYLD_INSERT_LIBRARIES "
                        "is never read");
    bool runtime = m->cs_flags & MACHO_CS_RUNTIME;
    if (runtime && !m->allow_dyld_env)
        reason(a, V_NO, "hardened runtime without the entitlement "
                        "com.apple.security.cs.allow-dyld-environment-variables: dyld "
                        "ignores DYLD_INSERT_LIBRARIES");
    else if ((runtime || (m->cs_flags & MACHO_CS_LIBRARY_VALIDATION)) &&
             !m->disable_lib_validation)
        reason(a, V_NO, "library validation (hardened runtime without "
                        "com.apple.security.cs.disable-library-validation): dyld loads only "
                        "libraries signed by Apple or by the program's own team");
    if (m->cs_flags & MACHO_CS_RESTRICT)
        reason(a, V_NO, "the code signature's restrict flag: dyld ignores DYLD_* variables");
    if (m->restrict_section)
        reason(a, V_NO, "a __RESTRICT,__restrict section: dyld ignores DYLD_* variables");
    if (m->go_buildinfo)
        reason(a, V_LIMIT, "Go runtime: it copies every environment variable into its own "
                           "heap before main; those copies are neither locked nor wiped");
}

static void judge(struct machoinfo *o)
{
    static const char *const file_reasons[] = {
        ("under a path System Integrity Protection covers (Apple's own, platform binaries "
         "included): dyld ignores DYLD_* variables"),
        "set-uid: dyld ignores DYLD_* variables in a set-uid program",
        "set-gid: dyld ignores DYLD_* variables in a set-gid program",
    };
    bool file[] = {o->sip, o->setuid, o->setgid};
    for (int i = 0; i < 3; i++)
        if (file[i]) {
            o->reasons[o->nreasons++] = file_reasons[i];
            o->verdict = V_NO;
        }
    for (int i = 0; i < o->m.narch; i++) {
        judge_arch(&o->m.arch[i], &o->arch[i]);
        if (o->arch[i].verdict > o->verdict)
            o->verdict = o->arch[i].verdict;
    }
}

static int fail(struct machoinfo *o, const char *what, const char *detail)
{
    snprintf(o->error, sizeof o->error, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    o->verdict = V_ERR;
    return V_ERR;
}

static int analyze_image(const void *img, size_t n, struct machoinfo *o)
{
    char why[200];
    if (macho_read(img, n, &o->m, why, sizeof why) != 0)
        return fail(o, "malformed Mach-O file", why);
    judge(o);
    return o->verdict;
}

bool machoinfo_is_macho(const char *path)
{
    unsigned char head[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return false;
    bool yes = pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
               macho_magic(head, sizeof head);
    close(fd);
    return yes;
}

int machoinfo_analyze(const char *path, struct machoinfo *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s", path);
    if (!realpath(path, o->resolved))
        snprintf(o->resolved, sizeof o->resolved, "%s", path);
#ifdef __APPLE__
    o->sip = machoinfo_sip_path(o->resolved);
#else
    o->sip = machoinfo_sip_path(path); /* not a Mac: the path as given */
#endif
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return fail(o, "cannot open", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(o, "not a regular file", NULL);
    }
    o->setuid = st.st_mode & S_ISUID;
    o->setgid = (st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP);
    o->uid = st.st_uid;
    o->gid = st.st_gid;
    size_t size = (size_t)st.st_size;
    void *img = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    int err = errno;
    close(fd);
    if (img == MAP_FAILED)
        return fail(o, size ? "cannot read" : "empty file", size ? strerror(err) : NULL);
    int v = analyze_image(img, size, o);
    munmap(img, size);
    return v;
}

int machoinfo_analyze_mem(const void *buf, size_t n, struct machoinfo *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "(memory)");
    snprintf(o->resolved, sizeof o->resolved, "(memory)");
    return analyze_image(buf, n, o);
}
