#define _GNU_SOURCE
#include "elfcheck.h"

#include <elf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__)
#define NATIVE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#elif defined(__i386__)
#define NATIVE_MACHINE EM_386
#else
#define NATIVE_MACHINE EM_NONE
#endif
#define NATIVE_CLASS (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NATIVE_DATA ELFDATA2MSB
#else
#define NATIVE_DATA ELFDATA2LSB
#endif

struct img {
    const unsigned char *p;
    size_t size;
    bool be, is64;
    char *why;
    size_t whylen;
    /* from the ELF header */
    uint64_t phoff, shoff;
    unsigned phentsize, shentsize;
    size_t shstrndx;
};

struct seg {
    uint32_t type;
    uint64_t offset, vaddr, filesz, memsz, align;
};

struct sec {
    uint32_t name, type, link;
    uint64_t flags, offset, size, entsize, addralign, info;
};

/* Strings of a dynamic table, once their table is known. */
struct dynstr {
    uint64_t strtab, strsz; /* DT_STRTAB (an address), DT_STRSZ */
    bool has_strtab, has_strsz, uses_strings;
};

static int bad(struct img *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct img *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->why, m->whylen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The n-byte unsigned field at off, in the file's byte order (bounds checked by the caller). */
static uint64_t get(const struct img *m, uint64_t off, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | m->p[off + (m->be ? i : n - 1 - i)];
    return v;
}

/* A field that is 4 bytes at o32 in a 32-bit file and 8 bytes at o64 in a 64-bit one. */
static uint64_t word(const struct img *m, uint64_t base, unsigned o32, unsigned o64)
{
    return m->is64 ? get(m, base + o64, 8) : get(m, base + o32, 4);
}

static bool within(const struct img *m, uint64_t off, uint64_t len)
{
    return off <= m->size && len <= m->size - off;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static struct seg seg_at(const struct img *m, size_t i)
{
    uint64_t at = m->phoff + (uint64_t)i * m->phentsize;
    struct seg s = {.type = (uint32_t)get(m, at, 4)};
    s.offset = word(m, at, 4, 8);
    s.vaddr = word(m, at, 8, 16);
    s.filesz = word(m, at, 16, 32);
    s.memsz = word(m, at, 20, 40);
    s.align = word(m, at, 28, 48);
    return s;
}

static struct sec sec_at(const struct img *m, size_t i)
{
    uint64_t at = m->shoff + (uint64_t)i * m->shentsize;
    struct sec s = {.name = (uint32_t)get(m, at, 4), .type = (uint32_t)get(m, at + 4, 4)};
    s.flags = word(m, at, 8, 8);
    s.offset = word(m, at, 16, 24);
    s.size = word(m, at, 20, 32);
    s.link = (uint32_t)get(m, at + (m->is64 ? 40 : 24), 4);
    s.info = get(m, at + (m->is64 ? 44 : 28), 4);
    s.addralign = word(m, at, 32, 48);
    s.entsize = word(m, at, 36, 56);
    return s;
}

static const char *seg_name(uint32_t type)
{
    switch (type) {
    case PT_LOAD:
        return "PT_LOAD";
    case PT_DYNAMIC:
        return "PT_DYNAMIC";
    case PT_INTERP:
        return "PT_INTERP";
    case PT_NOTE:
        return "PT_NOTE";
    case PT_PHDR:
        return "PT_PHDR";
    case PT_TLS:
        return "PT_TLS";
    default:
        return "other type";
    }
}

/* Notes at file bytes [off, off+size), name and description padded to align
 * (4, or 8 for 8-byte aligned notes), as libelf walks them. */
static int check_notes(struct img *m, uint64_t off, uint64_t size, uint64_t align,
                       const char *what, size_t index)
{
    uint64_t a = align == 8 ? 8 : 4, at = 0;
    while (at < size) {
        if (size - at < 12) {
            for (; at < size; at++) /* zero padding after the last note is fine */
                if (m->p[off + at])
                    return bad(m, "%s %zu: a note header is cut off at its end", what, index);
            break;
        }
        uint64_t namesz = get(m, off + at, 4), descsz = get(m, off + at + 4, 4);
        uint64_t p = at + 12;
        if (namesz > size - p)
            return bad(m, "%s %zu: a note's name runs past its end", what, index);
        p = align_up(p + namesz, a);
        if (p > size || descsz > size - p)
            return bad(m, "%s %zu: a note's description runs past its end", what, index);
        at = align_up(p + descsz, a);
    }
    return 0;
}

/* Walks a dynamic table at file bytes [off, off+size) up to DT_NULL; string-valued
 * entries must index inside a string table of strsz bytes (when known, else they
 * are only noted in d). */
static int check_dyn(struct img *m, uint64_t off, uint64_t size, const char *what, size_t index,
                     struct dynstr *d, bool strsz_known, uint64_t strsz)
{
    unsigned esz = m->is64 ? 16 : 8;
    for (uint64_t at = 0; at + esz <= size; at += esz) {
        uint64_t tag = word(m, off + at, 0, 0), val = word(m, off + at, 4, 8);
        switch (tag) {
        case DT_NULL:
            return 0;
        case DT_STRTAB:
            d->strtab = val;
            d->has_strtab = true;
            break;
        case DT_STRSZ:
            d->strsz = val;
            d->has_strsz = true;
            break;
        case DT_NEEDED:
        case DT_SONAME:
        case DT_RPATH:
        case DT_RUNPATH:
            d->uses_strings = true;
            if (strsz_known && val >= strsz)
                return bad(m,
                           "%s %zu: a %s entry points outside the dynamic string table "
                           "(offset %llu, table of %llu bytes)",
                           what, index,
                           tag == DT_NEEDED   ? "DT_NEEDED"
                           : tag == DT_SONAME ? "DT_SONAME"
                                              : "DT_RPATH/DT_RUNPATH",
                           (unsigned long long)val, (unsigned long long)strsz);
            break;
        default:
            break;
        }
    }
    return bad(m, "%s %zu: the dynamic table has no DT_NULL terminator", what, index);
}

static int check_ident(struct img *m, const unsigned char *p)
{
    if (m->size < EI_NIDENT)
        return bad(m, "truncated: %zu bytes, shorter than the %d-byte ELF identification",
                   m->size, EI_NIDENT);
    if (memcmp(p, ELFMAG, SELFMAG) != 0)
        return bad(m, "no ELF magic number");
    if (p[EI_CLASS] != ELFCLASS32 && p[EI_CLASS] != ELFCLASS64)
        return bad(m, "unknown ELF class %u (byte 4: 1 for 32-bit, 2 for 64-bit)", p[EI_CLASS]);
    if (p[EI_DATA] != ELFDATA2LSB && p[EI_DATA] != ELFDATA2MSB)
        return bad(m, "unknown byte order %u (byte 5: 1 little-endian, 2 big-endian)",
                   p[EI_DATA]);
    if (p[EI_VERSION] != EV_CURRENT)
        return bad(m, "unknown ELF identification version %u (byte 6, not 1)", p[EI_VERSION]);
    m->is64 = p[EI_CLASS] == ELFCLASS64;
    m->be = p[EI_DATA] == ELFDATA2MSB;
    return 0;
}

/* The ELF header's own fields, and the section header table's place (whose entry 0
 * may hold the extended counts). */
static int check_header(struct img *m, struct elfcheck *out)
{
    unsigned ehsize = m->is64 ? 64 : 52, phe = m->is64 ? 56 : 32, she = m->is64 ? 64 : 40;
    if (m->size < ehsize)
        return bad(m, "truncated ELF header: %zu bytes of %u", m->size, ehsize);
    out->type = (unsigned)get(m, 16, 2);
    out->machine = (unsigned)get(m, 18, 2);
    if (get(m, 20, 4) != EV_CURRENT)
        return bad(m, "unknown ELF version %u in e_version (not 1)", (unsigned)get(m, 20, 4));
    if (out->machine == EM_NONE)
        return bad(m, "no machine: e_machine is 0");
    unsigned base = m->is64 ? 52 : 40; /* e_ehsize and the six 16-bit fields after it */
    if (get(m, base, 2) != ehsize)
        return bad(m, "e_ehsize is %u, not %u", (unsigned)get(m, base, 2), ehsize);
    m->phoff = word(m, 0, 28, 32);
    m->shoff = word(m, 0, 32, 40);
    m->phentsize = (unsigned)get(m, base + 2, 2);
    m->shentsize = (unsigned)get(m, base + 6, 2);
    size_t phnum = get(m, base + 4, 2), shnum = get(m, base + 8, 2);
    m->shstrndx = get(m, base + 10, 2);

    struct sec s0 = {0};
    if (m->shoff == 0) {
        if (shnum != 0)
            return bad(m, "e_shnum is %zu but there is no section header table (e_shoff 0)",
                       shnum);
    } else {
        if (m->shentsize != she)
            return bad(m, "e_shentsize is %u, not %u", m->shentsize, she);
        if (!within(m, m->shoff, she))
            return bad(m, "the section header table (offset %llu) lies past the end of the "
                          "file (%zu bytes)",
                       (unsigned long long)m->shoff, m->size);
        s0 = sec_at(m, 0);
        if (shnum == 0)
            shnum = s0.size; /* more than SHN_LORESERVE sections */
        if (shnum == 0 || shnum > m->size / she || !within(m, m->shoff, (uint64_t)shnum * she))
            return bad(m, "the section header table (offset %llu, %zu entries of %u bytes) "
                          "runs past the end of the file (%zu bytes)",
                       (unsigned long long)m->shoff, shnum, she, m->size);
        if (m->shstrndx == SHN_XINDEX)
            m->shstrndx = s0.link;
        if (m->shstrndx >= shnum)
            return bad(m, "e_shstrndx %zu is not a section (the file has %zu)", m->shstrndx,
                       shnum);
    }
    out->shnum = shnum;

    if (phnum == PN_XNUM) {
        if (m->shoff == 0)
            return bad(m, "e_phnum is PN_XNUM (0xffff) but there is no section header 0 "
                          "to hold the real count");
        if (s0.info < PN_XNUM)
            return bad(m, "e_phnum is PN_XNUM (0xffff) but section header 0 gives %llu "
                          "program headers (fewer than 0xffff belong in e_phnum)",
                       (unsigned long long)s0.info);
        phnum = s0.info;
    }
    out->phnum = phnum;
    if (phnum == 0) {
        if (out->type == ET_EXEC || out->type == ET_DYN)
            return bad(m, "no program headers (e_phnum 0): nothing to load");
        return 0;
    }
    if (m->phentsize != phe)
        return bad(m, "e_phentsize is %u, not %u", m->phentsize, phe);
    if ((uint64_t)phnum * phe > 65536)
        return bad(m, "%zu program headers: more than the 64 KiB Linux reads", phnum);
    if (m->phoff == 0 || !within(m, m->phoff, (uint64_t)phnum * phe))
        return bad(m, "the program header table (offset %llu, %zu entries) runs past the end "
                      "of the file (%zu bytes)",
                   (unsigned long long)m->phoff, phnum, m->size);
    return 0;
}

/* File offset of [vaddr, vaddr+len) through one PT_LOAD segment; -1 if none holds it. */
static int64_t vaddr_to_offset(const struct img *m, size_t phnum, uint64_t vaddr, uint64_t len)
{
    for (size_t i = 0; i < phnum; i++) {
        struct seg s = seg_at(m, i);
        if (s.type == PT_LOAD && vaddr >= s.vaddr && vaddr - s.vaddr <= s.filesz &&
            len <= s.filesz - (vaddr - s.vaddr))
            return (int64_t)(s.offset + (vaddr - s.vaddr));
    }
    return -1;
}

/* PT_DYNAMIC as the dynamic loader reads it: its string table through DT_STRTAB
 * and DT_STRSZ, inside a loaded part of the file. */
static int check_dynamic_segment(struct img *m, size_t phnum, size_t i, const struct seg *s)
{
    struct dynstr d = {0};
    if (check_dyn(m, s->offset, s->filesz, "segment", i, &d, false, 0) != 0)
        return -1;
    if (!d.uses_strings)
        return 0;
    if (!d.has_strtab || !d.has_strsz)
        return bad(m, "segment %zu (PT_DYNAMIC): names libraries without DT_STRTAB and "
                      "DT_STRSZ", i);
    int64_t off = vaddr_to_offset(m, phnum, d.strtab, d.strsz);
    if (off < 0 || d.strsz == 0)
        return bad(m, "segment %zu (PT_DYNAMIC): the dynamic string table (DT_STRTAB 0x%llx, "
                      "DT_STRSZ %llu) is not inside the file's loaded segments",
                   i, (unsigned long long)d.strtab, (unsigned long long)d.strsz);
    if (m->p[(uint64_t)off + d.strsz - 1] != '\0')
        return bad(m, "segment %zu (PT_DYNAMIC): the dynamic string table does not end in a "
                      "NUL byte", i);
    return check_dyn(m, s->offset, s->filesz, "segment", i, &d, true, d.strsz);
}

static int check_segments(struct img *m, struct elfcheck *out)
{
    /* bounds first: a dynamic segment's string table is found through the others */
    for (size_t i = 0; i < out->phnum; i++) {
        struct seg s = seg_at(m, i);
        if (s.filesz > 0 && !within(m, s.offset, s.filesz))
            return bad(m, "segment %zu (%s, file bytes %llu..%llu) runs past the end of the "
                          "file (%zu bytes)",
                       i, seg_name(s.type), (unsigned long long)s.offset,
                       (unsigned long long)s.offset + s.filesz, m->size);
        if (s.type == PT_LOAD && s.filesz > s.memsz)
            return bad(m, "segment %zu (PT_LOAD): p_filesz %llu is larger than p_memsz %llu", i,
                       (unsigned long long)s.filesz, (unsigned long long)s.memsz);
    }
    bool have_dynamic = false;
    for (size_t i = 0; i < out->phnum; i++) {
        struct seg s = seg_at(m, i);
        switch (s.type) {
        case PT_INTERP:
            if (out->interp)
                return bad(m, "more than one PT_INTERP segment");
            if (s.filesz < 2 || s.filesz > PATH_MAX)
                return bad(m, "segment %zu (PT_INTERP): an interpreter path of %llu bytes", i,
                           (unsigned long long)s.filesz);
            if (m->p[s.offset + s.filesz - 1] != '\0')
                return bad(m, "segment %zu (PT_INTERP): the interpreter path is not "
                              "NUL-terminated", i);
            out->interp = (const char *)m->p + s.offset;
            if (!out->interp[0])
                return bad(m, "segment %zu (PT_INTERP): the interpreter path is empty", i);
            break;
        case PT_DYNAMIC:
            if (have_dynamic)
                return bad(m, "more than one PT_DYNAMIC segment");
            have_dynamic = true;
            if (check_dynamic_segment(m, out->phnum, i, &s) != 0)
                return -1;
            break;
        case PT_NOTE:
            if (check_notes(m, s.offset, s.filesz, s.align, "segment", i) != 0)
                return -1;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Section idx, named by section `from` (SIZE_MAX: by e_shstrndx), must be a string
 * table ending in a NUL byte; its size into *size. */
static int check_strtab(struct img *m, size_t shnum, size_t from, size_t idx, uint64_t *size)
{
    char who[48];
    if (from == SIZE_MAX)
        snprintf(who, sizeof who, "e_shstrndx names");
    else
        snprintf(who, sizeof who, "section %zu links to", from);
    if (idx == 0 || idx >= shnum)
        return bad(m, "%s section %zu, which does not exist", who, idx);
    struct sec t = sec_at(m, idx);
    if (t.type != SHT_STRTAB)
        return bad(m, "%s section %zu, which is not a string table", who, idx);
    if (t.size == 0 || m->p[t.offset + t.size - 1] != '\0')
        return bad(m, "string table section %zu does not end in a NUL byte", idx);
    *size = t.size;
    return 0;
}

static int check_sections(struct img *m, struct elfcheck *out)
{
    size_t n = out->shnum;
    unsigned symsz = m->is64 ? 24 : 16, dynsz = m->is64 ? 16 : 8;
    for (size_t i = 1; i < n; i++) { /* bounds first: the links below read other sections */
        struct sec s = sec_at(m, i);
        if (s.type != SHT_NOBITS && s.size > 0 && !within(m, s.offset, s.size))
            return bad(m, "section %zu (file bytes %llu..%llu) runs past the end of the file "
                          "(%zu bytes)",
                       i, (unsigned long long)s.offset, (unsigned long long)s.offset + s.size,
                       m->size);
    }
    uint64_t names = 0;
    if (m->shstrndx != SHN_UNDEF && check_strtab(m, n, SIZE_MAX, m->shstrndx, &names) != 0)
        return -1;
    for (size_t i = 1; i < n; i++) {
        struct sec s = sec_at(m, i);
        if (m->shstrndx != SHN_UNDEF && s.name >= names)
            return bad(m, "section %zu: its name is outside the section name table", i);
        uint64_t strsz = 0;
        switch (s.type) {
        case SHT_SYMTAB:
        case SHT_DYNSYM:
            if (s.entsize != symsz || s.size % symsz)
                return bad(m, "section %zu (symbol table): entries of %llu bytes, not %u", i,
                           (unsigned long long)s.entsize, symsz);
            if (check_strtab(m, n, i, s.link, &strsz) != 0)
                return -1;
            break;
        case SHT_DYNAMIC: {
            if (s.entsize != dynsz)
                return bad(m, "section %zu (dynamic): entries of %llu bytes, not %u", i,
                           (unsigned long long)s.entsize, dynsz);
            struct dynstr d = {0};
            if (check_strtab(m, n, i, s.link, &strsz) != 0 ||
                check_dyn(m, s.offset, s.size, "section", i, &d, true, strsz) != 0)
                return -1;
            break;
        }
        case SHT_NOTE:
            if (check_notes(m, s.offset, s.size, s.addralign, "section", i) != 0)
                return -1;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* A separate debug-information file (objcopy --only-keep-debug) keeps the program
 * headers but not what they point at: its code is SHT_NOBITS. */
static bool debug_only(const struct img *m, size_t shnum)
{
    for (size_t i = 1; i < shnum; i++) {
        struct sec s = sec_at(m, i);
        if (s.type == SHT_NOBITS && (s.flags & SHF_EXECINSTR))
            return true;
    }
    return false;
}

int elfcheck_image(const void *img, size_t size, struct elfcheck *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    struct img m = {.p = img, .size = size, .why = why, .whylen = whylen};
    if (whylen)
        why[0] = '\0';
    if (check_ident(&m, img) != 0)
        return -1;
    out->elfclass = m.is64 ? ELFCLASS64 : ELFCLASS32;
    out->data = m.be ? ELFDATA2MSB : ELFDATA2LSB;
    if (check_header(&m, out) != 0)
        return -1;
    if (debug_only(&m, out->shnum))
        return bad(&m, "a separate debug-information file: the code and data its program "
                       "headers describe are not in it");
    if (check_segments(&m, out) != 0 || check_sections(&m, out) != 0)
        return -1;
    return 0;
}

bool elfcheck_native(const struct elfcheck *c)
{
    return c->elfclass == NATIVE_CLASS && c->data == NATIVE_DATA && c->machine == NATIVE_MACHINE;
}
