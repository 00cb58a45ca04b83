#define _GNU_SOURCE
#include "elfinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "elfcheck.h"
#include "progpath.h"
#include "shimlib.h"

#ifndef NT_GO_BUILDID
#define NT_GO_BUILDID 4
#endif

static const char *const cap_names[] = {
    "cap_chown",          "cap_dac_override",   "cap_dac_read_search", "cap_fowner",
    "cap_fsetid",         "cap_kill",           "cap_setgid",          "cap_setuid",
    "cap_setpcap",        "cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
    "cap_net_admin",      "cap_net_raw",        "cap_ipc_lock",        "cap_ipc_owner",
    "cap_sys_module",     "cap_sys_rawio",      "cap_sys_chroot",      "cap_sys_ptrace",
    "cap_sys_pacct",      "cap_sys_admin",      "cap_sys_boot",        "cap_sys_nice",
    "cap_sys_resource",   "cap_sys_time",       "cap_sys_tty_config",  "cap_mknod",
    "cap_lease",          "cap_audit_write",    "cap_audit_control",   "cap_setfcap",
    "cap_mac_override",   "cap_mac_admin",      "cap_syslog",          "cap_wake_alarm",
    "cap_block_suspend",  "cap_audit_read",     "cap_perfmon",         "cap_bpf",
    "cap_checkpoint_restore",
};

const char *elfinfo_cap_name(unsigned n)
{
    return n < sizeof cap_names / sizeof *cap_names ? cap_names[n] : NULL;
}

const char *elfinfo_libc_name(enum libc_e l)
{
    switch (l) {
    case LIBC_GLIBC:
        return "glibc";
    case LIBC_MUSL:
        return "musl";
    case LIBC_OTHER:
        return "other";
    default:
        return "none";
    }
}

const char *elfinfo_kind_name(enum elf_kind_e k)
{
    switch (k) {
    case EK_EXEC:
        return "executable";
    case EK_PIE:
        return "pie-executable";
    case EK_STATIC_PIE:
        return "static-pie-executable";
    case EK_SHARED:
        return "shared-library";
    default:
        return "other";
    }
}

const char *elfinfo_verdict_name(enum verdict_e v)
{
    switch (v) {
    case V_PROTECTABLE:
        return "protectable";
    case V_LIMITED:
        return "limited";
    case V_UNPROTECTABLE:
        return "unprotectable";
    default:
        return "error";
    }
}

static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_X86_64:
        return "x86-64";
    case EM_386:
        return "i386";
    case EM_AARCH64:
        return "aarch64";
    case EM_ARM:
        return "arm";
    case EM_RISCV:
        return "riscv";
    case EM_PPC64:
        return "ppc64";
    case EM_S390:
        return "s390";
    case EM_MIPS:
        return "mips";
    default:
        return "unknown";
    }
}

static enum verdict_e fail(struct elfinfo *o, const char *what, const char *detail)
{
    snprintf(o->error, sizeof o->error, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    o->verdict = V_ERROR;
    return V_ERROR;
}

static void reason(struct elfinfo *o, enum verdict_e v, const char *why)
{
    if (o->nreasons < ELFINFO_REASONS_MAX)
        o->reasons[o->nreasons++] = why;
    if (v > o->verdict)
        o->verdict = v;
}

static uint32_t le32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* security.capability (struct vfs_cap_data / vfs_ns_cap_data, little-endian). */
static void read_caps(int fd, struct elfinfo *o)
{
    unsigned char b[32];
    ssize_t n = fgetxattr(fd, "security.capability", b, sizeof b);
    if (n < 12)
        return;
    uint32_t magic = le32(b), rev = magic & 0xff000000u;
    o->cap_effective = magic & 1u;
    o->cap_permitted = le32(b + 4);
    o->cap_inheritable = le32(b + 8);
    if (rev != 0x01000000u && n >= 20) {
        o->cap_permitted |= (uint64_t)le32(b + 12) << 32;
        o->cap_inheritable |= (uint64_t)le32(b + 16) << 32;
    }
    o->caps = true;
}

static void set_symbol(struct elfinfo *o, const char *name)
{
    if (strcmp(name, "getenv") == 0)
        o->imp_getenv = true;
    else if (strcmp(name, "secure_getenv") == 0 || strcmp(name, "__libc_secure_getenv") == 0)
        o->imp_secure_getenv = true;
    else if (strcmp(name, "environ") == 0 || strcmp(name, "__environ") == 0 ||
             strcmp(name, "_environ") == 0)
        o->imp_environ = true;
    else if (strcmp(name, "setenv") == 0)
        o->imp_setenv = true;
    else if (strcmp(name, "unsetenv") == 0)
        o->imp_unsetenv = true;
    else if (strcmp(name, "putenv") == 0)
        o->imp_putenv = true;
    else if (strcmp(name, "clearenv") == 0)
        o->imp_clearenv = true;
}

static bool is_go_runtime_symbol(const char *name)
{
    return strcmp(name, "runtime.main") == 0 || strcmp(name, "runtime.goexit") == 0 ||
           strcmp(name, "runtime.rt0_go") == 0 || strcmp(name, "runtime.rt0_go.abi0") == 0;
}

static void scan_symbols(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, bool dynamic,
                         struct elfinfo *o)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || sh->sh_entsize == 0)
        return;
    size_t n = d->d_size / sh->sh_entsize;
    if (dynamic)
        o->have_dynsym = true;
    for (size_t i = 1; i < n; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(d, (int)i, &sym))
            break;
        const char *name = elf_strptr(e, sh->sh_link, sym.st_name);
        if (!name || !name[0])
            continue;
        if (dynamic)
            set_symbol(o, name);
        if (name[0] == 'r' && is_go_runtime_symbol(name))
            o->go_symbols = true;
    }
}

static void scan_notes(Elf_Data *d, struct elfinfo *o)
{
    if (!d || !d->d_buf)
        return;
    size_t off = 0;
    GElf_Nhdr nh;
    size_t name_off, desc_off, next;
    while (off < d->d_size && (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
        const char *name = (const char *)d->d_buf + name_off;
        /* Go writes the owner as "Go\0\0" (namesz 4); "Go\0" is also accepted. */
        if (nh.n_type == NT_GO_BUILDID && (nh.n_namesz == 3 || nh.n_namesz == 4) &&
            memcmp(name, "Go", 3) == 0)
            o->go_note = true;
        off = next;
    }
}

/* .go.buildinfo: "\xff Go buildinf:", pointer size, flags; since Go 1.18 (flag 2)
 * the version follows at offset 32 as a varint-prefixed string. */
static void read_go_version(Elf_Scn *scn, struct elfinfo *o)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf || d->d_size < 33)
        return;
    const unsigned char *b = d->d_buf;
    if (memcmp(b, "\xff Go buildinf:", 14) != 0 || !(b[15] & 2))
        return;
    size_t at = 32, len = 0;
    for (unsigned shift = 0; at < d->d_size && shift < 28; shift += 7) {
        unsigned char c = b[at++];
        len |= (size_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
    }
    if (len == 0 || len >= sizeof o->go_version || at + len > d->d_size)
        return;
    for (size_t i = 0; i < len; i++)
        if (b[at + i] < 0x20 || b[at + i] > 0x7e)
            return;
    memcpy(o->go_version, b + at, len);
    o->go_version[len] = '\0';
}

static void add_needed(struct elfinfo *o, const char *name)
{
    if (!name || o->nneeded >= ELFINFO_NEEDED_MAX)
        return;
    snprintf(o->needed[o->nneeded++], sizeof o->needed[0], "%s", name);
}

static void scan_dynamic_section(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, struct elfinfo *o,
                                 uint64_t *flags_1)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || sh->sh_entsize == 0)
        return;
    size_t n = d->d_size / sh->sh_entsize;
    for (size_t i = 0; i < n; i++) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
            break;
        if (dyn.d_tag == DT_NEEDED)
            add_needed(o, elf_strptr(e, sh->sh_link, dyn.d_un.d_val));
        else if (dyn.d_tag == DT_FLAGS_1)
            *flags_1 = dyn.d_un.d_val;
    }
}

/* File offset of virtual address a, through the PT_LOAD segments; -1 if none. */
static int64_t vaddr_to_offset(Elf *e, size_t phnum, uint64_t a)
{
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && a >= ph.p_vaddr &&
            a - ph.p_vaddr < ph.p_filesz)
            return (int64_t)(ph.p_offset + (a - ph.p_vaddr));
    }
    return -1;
}

/* Without section headers: DT_NEEDED and DT_FLAGS_1 through PT_DYNAMIC. */
static void scan_dynamic_segment(Elf *e, size_t phnum, const GElf_Phdr *dyn_ph,
                                 struct elfinfo *o, uint64_t *flags_1)
{
    Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)dyn_ph->p_offset, dyn_ph->p_filesz, ELF_T_DYN);
    if (!d)
        return;
    size_t n = d->d_size / gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT);
    uint64_t strtab = 0, strsz = 0;
    for (size_t i = 0; i < n; i++) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
            break;
        if (dyn.d_tag == DT_STRTAB)
            strtab = dyn.d_un.d_ptr;
        else if (dyn.d_tag == DT_STRSZ)
            strsz = dyn.d_un.d_val;
        else if (dyn.d_tag == DT_FLAGS_1)
            *flags_1 = dyn.d_un.d_val;
    }
    int64_t off = strtab ? vaddr_to_offset(e, phnum, strtab) : -1;
    if (off < 0 || strsz == 0 || strsz > (1u << 24))
        return;
    Elf_Data *s = elf_getdata_rawchunk(e, off, strsz, ELF_T_BYTE);
    if (!s || !s->d_buf)
        return;
    for (size_t i = 0; i < n; i++) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
            break;
        if (dyn.d_tag != DT_NEEDED || dyn.d_un.d_val >= s->d_size)
            continue;
        const char *name = (const char *)s->d_buf + dyn.d_un.d_val;
        if (memchr(name, '\0', s->d_size - dyn.d_un.d_val))
            add_needed(o, name);
    }
}

static enum libc_e libc_of(const char *interp)
{
    const char *base = strrchr(interp, '/');
    base = base ? base + 1 : interp;
    if (strncmp(base, "ld-musl-", 8) == 0)
        return LIBC_MUSL;
    if (strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "ld64.so", 7) == 0 ||
        strncmp(base, "ld.so", 5) == 0)
        return LIBC_GLIBC;
    return LIBC_OTHER;
}

static void judge(struct elfinfo *o)
{
    if (!o->native)
        reason(o, V_UNPROTECTABLE,
               "built for another machine or word size than this libenvseal.so");
    if (!o->dynamic)
        reason(o, V_UNPROTECTABLE,
               "statically linked: no dynamic loader runs, so LD_PRELOAD is never read");
    else if (o->libc == LIBC_MUSL && !shimlib_installed(LIBC_MUSL))
        reason(o, V_UNPROTECTABLE,
               "linked against musl: libenvseal-musl.so is not installed beside envseal "
               "(libenvseal.so is built for glibc and cannot load)");
    else if (o->libc == LIBC_OTHER)
        reason(o, V_UNPROTECTABLE,
               "its dynamic loader is neither glibc's nor musl's: libenvseal.so cannot load");
    if (o->setuid)
        reason(o, V_UNPROTECTABLE,
               "set-uid: started by any user but its owner, it runs in secure-execution "
               "mode, where the loader ignores LD_PRELOAD");
    if (o->setgid)
        reason(o, V_UNPROTECTABLE,
               "set-gid: started by a user outside its group, it runs in secure-execution "
               "mode, where the loader ignores LD_PRELOAD");
    if (o->caps && (o->cap_permitted || o->cap_inheritable))
        reason(o, V_UNPROTECTABLE,
               "file capabilities: started by any user but root, it runs in "
               "secure-execution mode, where the loader ignores LD_PRELOAD");
    if (o->go)
        reason(o, V_LIMITED,
               "Go runtime: it copies every environment variable into its own heap before "
               "main; those copies are neither locked nor wiped (the initial environment "
               "block is still cleared)");
}

/* What libelf says after a failure (never "no error"). */
static const char *libelf_why(void)
{
    int err = elf_errno();
    return err ? elf_errmsg(err) : "libelf cannot read it";
}

/* img[0..size) is a private, writable copy or mapping: libelf may convert it in place. */
static enum verdict_e analyze_elf(unsigned char *img, size_t size, struct elfinfo *o)
{
    struct elfcheck chk;
    char why[sizeof o->error - 32];
    if (elfcheck_image(img, size, &chk, why, sizeof why) != 0)
        return fail(o, "malformed ELF file", why);
    if (elf_version(EV_CURRENT) == EV_NONE)
        return fail(o, "libelf is unusable", libelf_why());
    Elf *e = elf_memory((char *)img, size);
    if (!e)
        return fail(o, "malformed ELF file", libelf_why());
    enum verdict_e v = V_ERROR;
    GElf_Ehdr eh;
    size_t phnum = 0, shstrndx = 0;
    if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
        fail(o, "malformed ELF file", libelf_why());
        goto out;
    }
    int cls = gelf_getclass(e);
    o->elfclass = cls == ELFCLASS64 ? 64 : 32;
    o->machine = eh.e_machine;
    o->machine_name = machine_name(eh.e_machine);
    o->native = elfcheck_native(&chk);
    if (elf_getphdrnum(e, &phnum) != 0 || phnum != chk.phnum) {
        fail(o, "malformed ELF file (program headers)", libelf_why());
        goto out;
    }
    if (chk.interp) { /* checked: NUL-terminated, shorter than PATH_MAX */
        snprintf(o->interp, sizeof o->interp, "%s", chk.interp);
        o->dynamic = true;
    }

    GElf_Phdr dyn_ph = {0};
    bool have_dyn_ph = false;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph)) {
            fail(o, "malformed ELF file (program header)", libelf_why());
            goto out;
        }
        if (ph.p_type == PT_DYNAMIC) {
            dyn_ph = ph;
            have_dyn_ph = true;
        } else if (ph.p_type == PT_NOTE && ph.p_filesz > 0) {
            scan_notes(elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz,
                                            ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR),
                       o);
        }
    }

    uint64_t flags_1 = 0;
    bool have_dyn_section = false;
    if (elf_getshdrstrndx(e, &shstrndx) == 0) {
        for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
                continue;
            const char *name = elf_strptr(e, shstrndx, sh.sh_name);
            if (name && strcmp(name, ".go.buildinfo") == 0) {
                o->go_buildinfo = true;
                read_go_version(scn, o);
            }
            /* Quick mode skips what only the report needs: imports (node's .dynsym
             * and .dynstr are 7 MB), full symbols, notes outside PT_NOTE. */
            switch (sh.sh_type) {
            case SHT_NOTE:
                if (!o->quick)
                    scan_notes(elf_getdata(scn, NULL), o);
                break;
            case SHT_DYNSYM:
                if (!o->quick)
                    scan_symbols(e, scn, &sh, true, o);
                break;
            case SHT_SYMTAB:
                if (!o->quick)
                    scan_symbols(e, scn, &sh, false, o);
                break;
            case SHT_DYNAMIC:
                have_dyn_section = true;
                scan_dynamic_section(e, scn, &sh, o, &flags_1);
                break;
            default:
                break;
            }
        }
    }
    if (!have_dyn_section && have_dyn_ph)
        scan_dynamic_segment(e, phnum, &dyn_ph, o, &flags_1);
    o->go = o->go_buildinfo || o->go_note || o->go_symbols;

    if (eh.e_type == ET_EXEC) {
        o->kind = EK_EXEC;
    } else if (eh.e_type == ET_DYN) {
        o->kind = o->dynamic                ? EK_PIE
                  : (flags_1 & DF_1_PIE) != 0 ? EK_STATIC_PIE
                                              : EK_SHARED;
    } else {
        o->kind = EK_OTHER;
        fail(o, "not a program",
             eh.e_type == ET_REL    ? "a relocatable object file"
             : eh.e_type == ET_CORE ? "a core dump"
                                    : "unknown ELF file type");
        goto out;
    }
    if (o->kind == EK_SHARED) {
        fail(o, "not a program", "a shared library without an interpreter");
        goto out;
    }
    o->libc = o->dynamic ? libc_of(o->interp) : LIBC_NONE;
    judge(o);
    v = o->verdict;
out:
    elf_end(e);
    return v;
}

/* The next word of [*p, end) (blanks skipped), or false at the end. */
static bool next_word(const char **p, const char *end, const char **w, size_t *len)
{
    const char *q = *p;
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    const char *a = q;
    while (q < end && *q != ' ' && *q != '\t' && *q != '\r')
        q++;
    *p = q;
    *w = a;
    *len = (size_t)(q - a);
    return q > a;
}

/* What `#!/usr/bin/env ARGS` runs: NAME, or with -S (the rest of the line split,
 * as GNU env does) the first word that is neither an assignment nor one of the
 * options -i, -u NAME, -- . False (a malformed line for this analysis) for any
 * other option: env itself is not what runs. */
static bool env_program(const char *q, const char *end, bool *via_env, char *next,
                        size_t next_size)
{
    const char *w;
    size_t len;
    if (!next_word(&q, end, &w, &len))
        return true; /* "#!/usr/bin/env" alone: env runs */
    bool split = false;
    if ((len == 2 && memcmp(w, "-S", 2) == 0) || (len == 14 && memcmp(w, "--split-string", 14) == 0)) {
        split = true;
        if (!next_word(&q, end, &w, &len))
            return false;
    }
    while (split && len > 0 && (w[0] == '-' || memchr(w, '=', len))) {
        bool takes_name = len == 2 && memcmp(w, "-u", 2) == 0;
        bool known = takes_name || (len == 2 && (memcmp(w, "-i", 2) == 0 || memcmp(w, "--", 2) == 0)) ||
                     (w[0] != '-' && memchr(w, '=', len));
        if (!known || (takes_name && !next_word(&q, end, &w, &len)) || !next_word(&q, end, &w, &len))
            return false;
    }
    if (w[0] == '-' || len >= 256)
        return false;
    char name[256];
    memcpy(name, w, len);
    name[len] = '\0';
    if (progpath_find(name, next, next_size) == 0)
        *via_env = true;
    return true;
}

/* "#!interp [arg]": interp as written, and the program to analyse (next; *via_env
 * when `env` looked it up in PATH). */
static bool parse_shebang(const char *head, size_t n, char *interp, size_t interp_size,
                          bool *via_env, char *next, size_t next_size)
{
    const char *p = head + 2, *end = memchr(head, '\n', n);
    if (!end)
        end = head + n;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    const char *q = p;
    while (q < end && *q != ' ' && *q != '\t' && *q != '\r')
        q++;
    if (q == p || (size_t)(q - p) >= interp_size)
        return false;
    memcpy(interp, p, (size_t)(q - p));
    interp[q - p] = '\0';
    snprintf(next, next_size, "%s", interp);
    *via_env = false;

    const char *base = strrchr(interp, '/');
    if (base && strcmp(base + 1, "env") == 0) /* #!/usr/bin/env [-S] NAME */
        return env_program(q, end, via_env, next, next_size);
    return true;
}

/* What the first bytes say: 1 for an ELF image, 0 for a "#!" script, -1 (failed). */
static int classify_head(const unsigned char *head, size_t n, struct elfinfo *o)
{
    if (n >= 2 && head[0] == '#' && head[1] == '!')
        return 0;
    if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0)
        return 1;
    fail(o, n == 0 ? "empty file" : "not an ELF file or a #! script", NULL);
    return -1;
}

/* The ELF file open on fd (regular, st): its mode bits and capabilities, and its
 * bytes through a private mapping. */
static enum verdict_e analyze_file(int fd, const struct stat *st, struct elfinfo *o)
{
    o->setuid = st->st_mode & S_ISUID;
    o->setgid = (st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP);
    o->uid = st->st_uid;
    o->gid = st->st_gid;
    read_caps(fd, o);
    size_t size = (size_t)st->st_size;
    void *img = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (img == MAP_FAILED)
        return fail(o, "cannot read", strerror(errno));
    enum verdict_e v = analyze_elf(img, size, o);
    munmap(img, size);
    return v;
}

/* How many "#!" interpreters the kernel follows in one exec (an interpreter that is
 * itself a script, and so on); `env` execs again, which starts the count anew. */
#define KERNEL_SCRIPT_DEPTH 5
#define MAX_HOPS 8 /* in all: a loop of scripts ends */

/* depth: interpreters followed so far, nest: of those since the last exec. */
static enum verdict_e analyze(const char *path, struct elfinfo *o, int depth, int nest)
{
    snprintf(o->path, sizeof o->path, "%s", path);
    if (!realpath(path, o->resolved))
        snprintf(o->resolved, sizeof o->resolved, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return fail(o, "cannot open", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return fail(o, "cannot stat", strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fail(o, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file", NULL);
    }
    char head[512];
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n < 0) {
        int err = errno;
        close(fd);
        return fail(o, "cannot read", strerror(err));
    }
    /* A file with no "#!" that is no ELF image either: execvp (and so `envseal run`)
     * runs it with /bin/sh; the kernel alone does not. */
    bool plain = n > 0 && nest == 0 && (st.st_mode & 0111) &&
                 !(n >= 2 && head[0] == '#' && head[1] == '!') &&
                 !(n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0);
    int kind = plain ? 0 : classify_head((const unsigned char *)head, (size_t)n, o);
    if (kind == 1) {
        enum verdict_e v = analyze_file(fd, &st, o);
        close(fd);
        return v;
    }
    close(fd);
    if (kind != 0)
        return V_ERROR;
    if (depth >= MAX_HOPS || nest >= KERNEL_SCRIPT_DEPTH)
        return fail(o, "the #! interpreters nest deeper than the kernel follows", NULL);
    char next[PATH_MAX], interp[PATH_MAX];
    bool via_env = false;
    if (plain)
        snprintf(interp, sizeof interp, "%s", "/bin/sh");
    if (plain)
        snprintf(next, sizeof next, "%s", interp);
    else if (!parse_shebang(head, (size_t)n, interp, sizeof interp, &via_env, next, sizeof next))
        return fail(o, "script with a malformed #! line", NULL);
    if (!o->script) { /* the script itself, as the caller named it */
        o->script = true;
        o->script_no_shebang = plain;
        o->script_via_env = via_env;
        snprintf(o->script_path, sizeof o->script_path, "%s", path);
        snprintf(o->script_interp, sizeof o->script_interp, "%s", interp);
    }
    return analyze(next, o, depth + 1, via_env ? 0 : nest + 1);
}

enum verdict_e elfinfo_analyze(const char *path, struct elfinfo *out)
{
    memset(out, 0, sizeof *out);
    return analyze(path, out, 0, 0);
}

enum verdict_e elfinfo_analyze_quick(const char *path, struct elfinfo *out)
{
    memset(out, 0, sizeof *out);
    out->quick = true;
    return analyze(path, out, 0, 0);
}

enum verdict_e elfinfo_analyze_mem(const void *buf, size_t n, struct elfinfo *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "(memory)");
    snprintf(out->resolved, sizeof out->resolved, "(memory)");
    int kind = classify_head(buf, n, out);
    if (kind == 0)
        return fail(out, "a #! script (not followed from memory)", NULL);
    if (kind != 1)
        return V_ERROR;
    unsigned char *copy = malloc(n); /* libelf may convert the image in place */
    if (!copy)
        return fail(out, "out of memory", NULL);
    memcpy(copy, buf, n);
    enum verdict_e v = analyze_elf(copy, n, out);
    free(copy);
    return v;
}
