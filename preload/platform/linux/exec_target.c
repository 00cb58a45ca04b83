/* Whether the program an exec starts will load the preload (strict mode's child
 * policy, child_policy.c): the loader applies LD_PRELOAD only to a dynamically
 * linked ELF program of its own class and machine, and not in secure-execution
 * mode (set-user-ID, set-group-ID, file capabilities), where a preload named with
 * a slash is ignored. A script runs its interpreter. Raw system calls only: no
 * symbol for the loader to bind at start-up, and safe in a vfork child. */
#define _GNU_SOURCE
#include "preload/platform/linux/exec_target.h"
#include "preload/platform/linux/syscall.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>

extern char **environ;

/* The shim's own ELF header (the first bytes of its first segment): the class and
 * machine a program must have for this build of it to be loaded there. */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

/* A script's interpreter may itself be a script; the kernel follows four more. */
#define MAX_SCRIPT_DEPTH 5

static int open_at(int dirfd, const char *path, int flags)
{
    /* O_NONBLOCK: a FIFO named as the program must not hang the exec here. */
    long r = SYS4(SYS_openat, dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags, 0);
    return r < 0 ? -1 : (int)r;
}

static void close_fd(int fd)
{
    SYS1(SYS_close, fd);
}

static long read_at(int fd, void *buf, size_t n, off_t at)
{
    return SYS4(SYS_pread64, fd, buf, n, at);
}

/* The caller's effective ids differ from its real ones: the kernel makes every exec
 * of it a secure one. */
static bool secure_exec_ids(void)
{
    return SYS0(SYS_geteuid) != SYS0(SYS_getuid) || SYS0(SYS_getegid) != SYS0(SYS_getgid);
}

/* Secure execution, as the kernel decides it (AT_SECURE): a caller whose effective
 * ids differ from its real ones, a set-user-ID file owned
 * by another user than the caller's real one, a set-group-ID file of another group
 * (group-executable), or file capabilities for a caller other than root, which
 * has them all already. Root running a set-user-ID-root program (su, mount) is not
 * one: the loader applies LD_PRELOAD there. */
static bool secure_exec(int fd)
{
    struct stat st;
    if (SYS2(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode))
        return true;
    long uid = SYS0(SYS_getuid), gid = SYS0(SYS_getgid);
    if (secure_exec_ids())
        return true; /* the caller's own ids split: every exec of it is secure */
    if ((st.st_mode & S_ISUID) && (long)st.st_uid != uid)
        return true;
    if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && (long)st.st_gid != gid)
        return true;
    return uid != 0 && SYS4(SYS_fgetxattr, fd, "security.capability", NULL, 0) >= 0;
}

static bool loads(int fd, int depth, bool sh_fallback);

/* The program's interpreter, as PT_INTERP names it, from its program headers: true
 * when found (path filled, NUL-terminated). */
static bool interpreter_of(int fd, const ElfW(Ehdr) *e, char *path, size_t cap)
{
    for (unsigned i = 0; i < e->e_phnum; i++) {
        ElfW(Phdr) ph;
        if (read_at(fd, &ph, sizeof ph, (off_t)(e->e_phoff + i * sizeof ph)) != (long)sizeof ph)
            return false;
        if (ph.p_type != PT_INTERP)
            continue;
        if (ph.p_filesz == 0 || ph.p_filesz > cap)
            return false;
        long n = read_at(fd, path, ph.p_filesz, (off_t)ph.p_offset);
        path[cap - 1] = '\0';
        return n == (long)ph.p_filesz && path[ph.p_filesz - 1] == '\0';
    }
    return false;
}

/* The dynamic loader run as a program (`ld-linux-x86-64.so.2 PROGRAM`) has no
 * interpreter of its own, and applies LD_PRELOAD to the program it loads: told by
 * being the very file this process's interpreter is. */
static bool is_own_loader(int fd)
{
    struct stat target, loader;
    ElfW(Ehdr) e;
    char path[PATH_MAX];
    if (SYS2(SYS_fstat, fd, &target) != 0)
        return false;
    int self = open_at(AT_FDCWD, "/proc/self/exe", 0);
    if (self < 0)
        return false;
    bool found = read_at(self, &e, sizeof e, 0) == (long)sizeof e &&
                 e.e_phentsize == sizeof(ElfW(Phdr)) && interpreter_of(self, &e, path, sizeof path);
    close_fd(self);
    int ld = found ? open_at(AT_FDCWD, path, 0) : -1;
    if (ld < 0)
        return false;
    bool same = SYS2(SYS_fstat, ld, &loader) == 0 && loader.st_dev == target.st_dev &&
                loader.st_ino == target.st_ino;
    close_fd(ld);
    return same;
}

static bool path_loads(const char *path, int depth)
{
    int fd = open_at(AT_FDCWD, path, 0);
    if (fd < 0)
        return false;
    bool r = loads(fd, depth, false);
    close_fd(fd);
    return r;
}

/* "#!INTERPRETER [ARG]": the interpreter's answer. */
static bool script_loads(const char *head, size_t n, int depth)
{
    char path[PATH_MAX];
    size_t i = 2, k = 0;
    while (i < n && (head[i] == ' ' || head[i] == '\t'))
        i++;
    while (i < n && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != '\0' &&
           k + 1 < sizeof path)
        path[k++] = head[i++];
    path[k] = '\0';
    if (k == 0 || depth >= MAX_SCRIPT_DEPTH)
        return false;
    return path_loads(path, depth + 1);
}

/* sh_fallback: execvp runs a file that is neither ELF nor "#!" with /bin/sh. */
static bool loads(int fd, int depth, bool sh_fallback)
{
    union {
        ElfW(Ehdr) e;
        char b[256];
    } h;
    long n = read_at(fd, &h, sizeof h, 0);
    if (n >= 2 && h.b[0] == '#' && h.b[1] == '!') /* Linux ignores a script's set-ID bits */
        return !secure_exec_ids() && script_loads(h.b, (size_t)n, depth);
    if (secure_exec(fd))
        return false;
    const ElfW(Ehdr) *own = &__ehdr_start;
    if (n >= 0 && (n < SELFMAG || memcmp(h.e.e_ident, ELFMAG, SELFMAG) != 0))
        return sh_fallback && depth == 0 && path_loads("/bin/sh", 1);
    if (n < (long)sizeof h.e || h.e.e_ident[EI_CLASS] != own->e_ident[EI_CLASS] ||
        h.e.e_machine != own->e_machine ||
        h.e.e_phentsize != sizeof(ElfW(Phdr)))
        return false;
    char interp[PATH_MAX];
    if (interpreter_of(fd, &h.e, interp, sizeof interp))
        return true; /* the loader runs it, and applies LD_PRELOAD */
    return is_own_loader(fd); /* else statically linked: nothing loads the preload */
}

/* The C library's search path for execvp when PATH is unset: glibc's; musl's is
 * set in platform/linux/musl/compat.h. */
#ifndef ENVSEAL_LIBC_DEFAULT_PATH
#define ENVSEAL_LIBC_DEFAULT_PATH "/bin:/usr/bin"
#endif

/* What execvp would run: FILE itself when it names a path, else the first
 * executable regular file FILE in a PATH directory (the C library's default path
 * when PATH is unset). Opened, or -1, also when that file cannot be opened (an
 * execute-only file: the C library runs it all the same). *relative: the path
 * opened does not start at the root. */
static int open_searched(const char *file, bool *relative)
{
    *relative = file[0] != '/';
    if (strchr(file, '/'))
        return open_at(AT_FDCWD, file, 0);
    const char *path = ENVSEAL_LIBC_DEFAULT_PATH;
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0) {
            path = *e + 5;
            break;
        }
    size_t flen = strlen(file);
    for (const char *p = path;; p++) {
        const char *end = strchrnul(p, ':');
        size_t dlen = (size_t)(end - p);
        char full[PATH_MAX];
        if (dlen + 1 + flen < sizeof full) {
            memcpy(full, p, dlen);
            size_t o = dlen;
            if (dlen)
                full[o++] = '/';
            memcpy(full + o, file, flen + 1);
            struct stat st;
            if (SYS4(SYS_faccessat, AT_FDCWD, full, X_OK, 0) == 0 &&
                SYS4(SYS_newfstatat, AT_FDCWD, full, &st, 0) == 0 && S_ISREG(st.st_mode)) {
                *relative = full[0] != '/';
                return open_at(AT_FDCWD, full, 0); /* -1 for an execute-only file */
            }
        }
        if (!*end)
            return -1;
        p = end;
    }
}

bool exec_target_loads_preload(const struct exec_target *t)
{
    if (!t)
        return true; /* not an exec of a program (the caller knows it loads) */
    int fd;
    bool relative = false;
    if (t->path && t->search)
        fd = open_searched(t->path, &relative);
    else if (t->path && !(t->path[0] == '\0' && (t->flags & AT_EMPTY_PATH))) {
        relative = t->path[0] != '/' && t->dirfd == AT_FDCWD;
        fd = open_at(t->dirfd, t->path, (t->flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0);
    }
    else { /* fexecve, execveat(fd, "", AT_EMPTY_PATH): the descriptor may be O_PATH */
        char self[32] = "/proc/self/fd/";
        char digits[12];
        int k = 0;
        for (unsigned v = (unsigned)t->fd; k == 0 || v; v /= 10)
            digits[k++] = (char)('0' + v % 10);
        size_t o = strlen(self);
        while (k)
            self[o++] = digits[--k];
        self[o] = '\0';
        fd = t->fd < 0 ? -1 : open_at(AT_FDCWD, self, 0);
    }
    if (fd < 0)
        return false; /* cannot tell: only what is safe without envseal */
    /* A spawn's file actions may change directory before the exec: a relative path
     * then names another file than the one read here. */
    bool r = !(relative && t->cwd_may_change) && loads(fd, 0, t->search);
    close_fd(fd);
    return r;
}

/* A library the loader takes for this build of the shim: ELF, shared, of its class
 * and machine. */
static bool library_fits(int fd)
{
    ElfW(Ehdr) e;
    const ElfW(Ehdr) *own = &__ehdr_start;
    return read_at(fd, &e, sizeof e, 0) == (long)sizeof e &&
           memcmp(e.e_ident, ELFMAG, SELFMAG) == 0 &&
           e.e_ident[EI_CLASS] == own->e_ident[EI_CLASS] && e.e_machine == own->e_machine &&
           e.e_type == ET_DYN;
}

/* The file this library was loaded from, as /proc/self/maps names the mapping of
 * its ELF header: opened, or -1. */
static int open_own_file(void)
{
    int maps = open_at(AT_FDCWD, "/proc/self/maps", 0);
    if (maps < 0)
        return -1;
    uintptr_t self = (uintptr_t)&__ehdr_start;
    char buf[4096];
    size_t have = 0;
    int fd = -1;
    bool found = false, skipping = false; /* skipping: the rest of an over-long line */
    while (!found) {
        long got = SYS3(SYS_read, maps, buf + have, sizeof buf - 1 - have);
        if (got <= 0)
            break;
        have += (size_t)got;
        char *line = buf, *nl;
        if (skipping) {
            nl = memchr(buf, '\n', have);
            skipping = !nl;
            line = nl ? nl + 1 : buf + have;
        }
        while (!found && (nl = memchr(line, '\n', (size_t)(buf + have - line))) != NULL) {
            *nl = '\0';
            uintptr_t lo = 0, hi = 0;
            char *p = line;
            for (; *p && *p != '-'; p++)
                lo = lo * 16 + (uintptr_t)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
            for (p += *p == '-'; *p && *p != ' '; p++)
                hi = hi * 16 + (uintptr_t)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
            if (self >= lo && self < hi) {
                found = true;
                char *path = strchr(p, '/');
                fd = path ? open_at(AT_FDCWD, path, 0) : -1;
            }
            line = nl + 1;
        }
        size_t rest = (size_t)(buf + have - line);
        if (rest == sizeof buf - 1) { /* a line longer than the buffer: not this library's */
            rest = 0;
            skipping = true;
        }
        memmove(buf, line, rest);
        have = rest;
    }
    close_fd(maps);
    return fd;
}

/* The exec will drop capabilities this caller opens files with: a user other than
 * root holding effective ones (setpriv, a daemon that kept them past setuid) keeps
 * none across exec but ambient ones, so what it can open now its program may not. */
static bool exec_drops_capabilities(void)
{
    if (SYS0(SYS_geteuid) == 0)
        return false;
    struct {
        uint32_t version;
        int pid;
    } head = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    struct {
        uint32_t effective, permitted, inheritable;
    } data[2];
    if (SYS2(SYS_capget, &head, data) != 0)
        return true;
    return (data[0].effective | data[1].effective) != 0;
}

bool exec_target_preload_loadable(const struct exec_target *t, const char *name, size_t n)
{
    char path[PATH_MAX];
    if (n == 0 || n >= sizeof path || exec_drops_capabilities())
        return false;
    memcpy(path, name, n);
    path[n] = '\0';
    int fd;
    if (!memchr(path, '/', n) || memchr(path, '$', n))
        fd = open_own_file(); /* searched, or expanded, by the loader as it did for this one */
    else if (path[0] != '/' && t && t->cwd_may_change)
        return false;
    else
        fd = open_at(AT_FDCWD, path, 0);
    if (fd < 0)
        return false;
    bool ok = library_fits(fd);
    close_fd(fd);
    return ok;
}
