#define _GNU_SOURCE
#include "shimpath.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcheck.h"
#include "progpath.h"
#include "preload/core/marker_note.h"

/* Debian's multiarch directory name, for the .deb's /usr/lib/TRIPLET/envseal/. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define SHIM_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__) && !defined(__ILP32__)
#define SHIM_MULTIARCH "aarch64-linux-gnu"
#endif

/* Directories relative to the one holding the running envseal binary. */
static const char *const candidates[] = {
    ".",           /* side by side */
    "../lib/envseal", /* PREFIX/bin/envseal, PREFIX/lib/envseal/ */
#ifdef SHIM_MULTIARCH
    "../lib/" SHIM_MULTIARCH "/envseal", /* the Debian package */
#endif
    "../lib",
    "../lib64",
    "../preload",  /* the build tree (bazel-bin/cli, bazel-bin/preload) */
};

int shimpath_find(const char *explicit_path, const char *name, char *out, size_t n)
{
    if (explicit_path)
        return progpath_resolve_file(explicit_path, out, n);
    char self[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
    if (l <= 0)
        return ENOENT;
    self[l] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return ENOENT;
    *slash = '\0';
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s/%s", self, candidates[i], name) >=
            (int)sizeof path)
            continue;
        if (progpath_resolve_file(path, out, n) == 0)
            return 0;
    }
    return ENOENT;
}

/* The envseal note among the PT_NOTE segments of e (checked by elfcheck): its
 * flavour, or 0 with why. */
static int read_marker(Elf *e, size_t phnum, char *why, size_t whylen)
{
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE || ph.p_filesz == 0)
            continue;
        Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz,
                                           ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
        GElf_Nhdr nh;
        size_t off = 0, name_off, desc_off, next;
        while (d && off < d->d_size &&
               (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
            off = next;
            if (nh.n_type != ENVSEAL_NOTE_TYPE || nh.n_namesz != sizeof ENVSEAL_NOTE_NAME ||
                memcmp((const char *)d->d_buf + name_off, ENVSEAL_NOTE_NAME,
                       sizeof ENVSEAL_NOTE_NAME) != 0)
                continue;
            uint32_t desc[2];
            if (nh.n_descsz < sizeof desc) {
                snprintf(why, whylen, "its .note.envseal note is too short");
                return 0;
            }
            memcpy(desc, (const char *)d->d_buf + desc_off, sizeof desc); /* native order */
            if (desc[0] != ENVSEAL_NOTE_ABI) {
                snprintf(why, whylen,
                         "an envseal shim of another version (ABI %u; this envseal needs %u)",
                         (unsigned)desc[0], ENVSEAL_NOTE_ABI);
                return 0;
            }
            if (desc[1] != ENVSEAL_FLAVOUR_RELOCATE && desc[1] != ENVSEAL_FLAVOUR_STRICT) {
                snprintf(why, whylen, "an envseal shim of unknown flavour %u", (unsigned)desc[1]);
                return 0;
            }
            return (int)desc[1];
        }
    }
    snprintf(why, whylen, "an ELF shared library without the .note.envseal note");
    return 0;
}

/* img[0..size) is private and writable: libelf may convert it in place. */
static int verify_image(unsigned char *img, size_t size, char *why, size_t whylen)
{
    struct elfcheck chk;
    char fault[200];
    if (size < SELFMAG || memcmp(img, ELFMAG, SELFMAG) != 0) {
        snprintf(why, whylen, "not an ELF file");
        return 0;
    }
    if (elfcheck_image(img, size, &chk, fault, sizeof fault) != 0) {
        snprintf(why, whylen, "a malformed ELF file: %s", fault);
        return 0;
    }
    if (chk.type != ET_DYN || chk.interp) {
        snprintf(why, whylen, "not a shared library");
        return 0;
    }
    if (!elfcheck_native(&chk)) {
        snprintf(why, whylen, "built for another machine, word size or byte order");
        return 0;
    }
    if (elf_version(EV_CURRENT) == EV_NONE) {
        snprintf(why, whylen, "libelf is unusable");
        return 0;
    }
    Elf *e = elf_memory((char *)img, size);
    if (!e) {
        snprintf(why, whylen, "libelf cannot read it");
        return 0;
    }
    int flavour = read_marker(e, chk.phnum, why, whylen);
    elf_end(e);
    return flavour;
}

int shimpath_verify(const char *path, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, whylen, "cannot read it: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return 0;
    }
    if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        snprintf(why, whylen, "%s", S_ISREG(st.st_mode) ? "an empty file" : "not a regular file");
        close(fd);
        return 0;
    }
    size_t size = (size_t)st.st_size;
    void *img = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (img == MAP_FAILED) {
        snprintf(why, whylen, "cannot read it: %s", strerror(errno));
        return 0;
    }
    int flavour = verify_image(img, size, why, whylen);
    munmap(img, size);
    return flavour;
}

int shimpath_verify_mem(const void *buf, size_t n, char *why, size_t whylen)
{
    unsigned char *copy = malloc(n ? n : 1);
    if (!copy) {
        snprintf(why, whylen, "out of memory");
        return 0;
    }
    memcpy(copy, buf, n);
    int flavour = verify_image(copy, n, why, whylen);
    free(copy);
    return flavour;
}
