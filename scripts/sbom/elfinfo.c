#include "elfinfo.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/elfcheck.h"

static void read_dynamic(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, struct elf_info *out)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data || sh->sh_entsize == 0)
        return;
    size_t n = sh->sh_size / sh->sh_entsize;
    for (size_t i = 0; i < n; i++) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
            break;
        const char *s = NULL;
        if (dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_SONAME || dyn.d_tag == DT_RPATH ||
            dyn.d_tag == DT_RUNPATH)
            s = elf_strptr(elf, sh->sh_link, dyn.d_un.d_val);
        if (!s)
            continue;
        switch (dyn.d_tag) {
        case DT_NEEDED:
            vec_push(&out->needed, xstrdup(s));
            break;
        case DT_SONAME: /* a repeated entry: the first one counts (and none leaks) */
            if (!out->soname)
                out->soname = xstrdup(s);
            break;
        case DT_RPATH:
            if (!out->rpath)
                out->rpath = xstrdup(s);
            break;
        case DT_RUNPATH:
            if (!out->runpath)
                out->runpath = xstrdup(s);
            break;
        }
    }
}

static void read_notes(Elf_Scn *scn, struct elf_info *out)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data)
        return;
    GElf_Nhdr nh;
    size_t off = 0, name_off, desc_off, next;
    while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
        const char *name = (const char *)data->d_buf + name_off;
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
            nh.n_descsz * 2 < sizeof out->build_id) {
            const unsigned char *d = (const unsigned char *)data->d_buf + desc_off;
            for (unsigned i = 0; i < nh.n_descsz; i++)
                snprintf(out->build_id + 2 * i, 3, "%02x", d[i]);
        }
        off = next;
    }
}

/* img[0..size) is private and writable: libelf may convert it in place. */
static int read_image(unsigned char *img, size_t size, struct elf_info *out)
{
    if (size < SELFMAG || memcmp(img, ELFMAG, SELFMAG) != 0)
        return 0; /* not ELF: is_elf stays false */
    struct elfcheck chk;
    if (elfcheck_image(img, size, &chk, out->error, sizeof out->error) != 0)
        return -1;
    if (elf_version(EV_CURRENT) == EV_NONE)
        die("libelf is too old");
    Elf *elf = elf_memory((char *)img, size);
    GElf_Ehdr eh;
    if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
        snprintf(out->error, sizeof out->error, "libelf cannot read it");
        if (elf)
            elf_end(elf);
        return -1;
    }
    out->is_elf = true;
    out->elf_class = gelf_getclass(elf);
    out->machine = eh.e_machine;
    out->type = eh.e_type;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        if (sh.sh_type == SHT_DYNAMIC)
            read_dynamic(elf, scn, &sh, out);
        else if (sh.sh_type == SHT_NOTE)
            read_notes(scn, out);
    }
    if (chk.interp) /* checked: inside the file, NUL-terminated */
        out->interp = xstrdup(chk.interp);
    elf_end(elf);
    return 0;
}

int elf_info_read(const char *path, struct elf_info *out)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    if (st.st_size == 0) {
        close(fd);
        return 0;
    }
    size_t size = (size_t)st.st_size;
    void *img = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (img == MAP_FAILED)
        return -1;
    int rc = read_image(img, size, out);
    munmap(img, size);
    return rc;
}

int elf_info_read_mem(const void *buf, size_t n, struct elf_info *out)
{
    memset(out, 0, sizeof *out);
    unsigned char *copy = xcalloc(1, n ? n : 1);
    memcpy(copy, buf, n);
    int rc = read_image(copy, n, out);
    free(copy);
    return rc;
}

void elf_info_free(struct elf_info *e)
{
    for (size_t i = 0; i < e->needed.len; i++)
        free(e->needed.item[i]);
    free(e->needed.item);
    free(e->soname);
    free(e->interp);
    free(e->rpath);
    free(e->runpath);
    memset(e, 0, sizeof *e);
}

const char *elf_info_kind(const struct elf_info *e, char *buf, unsigned len)
{
    const char *mach = e->machine == EM_X86_64    ? "x86-64"
                       : e->machine == EM_AARCH64 ? "aarch64"
                       : e->machine == EM_386     ? "i386"
                       : e->machine == EM_ARM     ? "arm"
                                                  : "other-machine";
    const char *type = e->type == ET_EXEC ? "executable"
                       : e->type == ET_DYN ? (e->interp && !e->soname
                                                  ? "position-independent executable"
                                                  : "shared object")
                       : e->type == ET_REL ? "relocatable object"
                                           : "file";
    snprintf(buf, len, "ELF %s %s %s", e->elf_class == ELFCLASS64 ? "64-bit" : "32-bit", mach,
             type);
    return buf;
}
