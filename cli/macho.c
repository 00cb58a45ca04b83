#define _GNU_SOURCE
#include "macho.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MH_MAGIC 0xfeedfaceu
#define MH_MAGIC_64 0xfeedfacfu
#define FAT_MAGIC 0xcafebabeu
#define FAT_MAGIC_64 0xcafebabfu
#define FAT_ARCH_MAX 64 /* more: a Java class file (same magic), not a universal file */

#define LC_SEGMENT_64 0x19u
#define LC_LOAD_DYLIB 0xcu
#define LC_LOAD_DYLINKER 0xeu
#define LC_LOAD_WEAK_DYLIB 0x80000018u
#define LC_REEXPORT_DYLIB 0x8000001fu
#define LC_LAZY_LOAD_DYLIB 0x20u
#define LC_LOAD_UPWARD_DYLIB 0x80000023u
#define LC_CODE_SIGNATURE 0x1du

#define CSMAGIC_EMBEDDED_SIGNATURE 0xfade0cc0u
#define CSMAGIC_CODEDIRECTORY 0xfade0c02u
#define CSMAGIC_EMBEDDED_ENTITLEMENTS 0xfade7171u
#define CSMAGIC_EMBEDDED_DER_ENTITLEMENTS 0xfade7172u
#define CSSLOT_CODEDIRECTORY 0u
#define CSSLOT_ENTITLEMENTS 5u
#define CSSLOT_DER_ENTITLEMENTS 7u
#define CSSLOT_ALTERNATE_CODEDIRECTORIES 0x1000u
#define CD_MIN_SIZE 44u /* up to and including spare2: the flags are at 12 */

#define ENT_DYLD "com.apple.security.cs.allow-dyld-environment-variables"
#define ENT_LIBVAL "com.apple.security.cs.disable-library-validation"

/* The image and where faults are written. */
struct rd {
    const unsigned char *p;
    size_t size;
    char *why;
    size_t whylen;
    char prefix[48]; /* "arm64: " for a slice of a universal file */
};

static int bad(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct rd *r, const char *fmt, ...)
{
    int n = snprintf(r->why, r->whylen, "%s", r->prefix);
    if (n < 0 || (size_t)n >= r->whylen)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why + n, r->whylen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static bool within(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static uint32_t le32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

bool macho_magic(const void *head, size_t n)
{
    if (n < 4)
        return false;
    uint32_t le = le32(head), be = be32(head);
    return le == MH_MAGIC_64 || le == MH_MAGIC || be == MH_MAGIC_64 || be == MH_MAGIC ||
           be == FAT_MAGIC || be == FAT_MAGIC_64;
}

const char *macho_cpu_name(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t n)
{
    switch (cputype) {
    case MACHO_CPU_X86_64:
        return (cpusubtype & 0xffffff) == 8 ? "x86_64h" : "x86_64";
    case MACHO_CPU_ARM64:
        return (cpusubtype & 0xffffff) == 2 ? "arm64e" : "arm64";
    case 7:
        return "i386";
    case 12:
        return "arm";
    case 0x0200000cu:
        return "arm64_32";
    case 18:
        return "ppc";
    case 0x01000012u:
        return "ppc64";
    default:
        snprintf(buf, n, "cpu_%#x", (unsigned)cputype);
        return buf;
    }
}

const char *macho_filetype_name(uint32_t t)
{
    static const char *const names[] = {
        "unknown type", "object", "executable", "fixed VM library", "core", "preloaded",
        "dylib", "dylinker", "bundle", "dylib stub", "dSYM companion", "kext bundle",
    };
    return t < sizeof names / sizeof *names ? names[t] : "unknown type";
}

/* Bounded search: does [p, p+n) hold needle? */
static const unsigned char *find(const unsigned char *p, size_t n, const void *needle, size_t k)
{
    return memmem(p, n, needle, k);
}

/* An XML plist entitlement set to <true/>: <key>NAME</key> then whitespace. */
static bool xml_true(const unsigned char *p, size_t n, const char *name)
{
    char key[128];
    int k = snprintf(key, sizeof key, "<key>%s</key>", name);
    const unsigned char *at = p, *end = p + n;
    while ((at = find(at, (size_t)(end - at), key, (size_t)k))) {
        const unsigned char *v = at + k;
        while (v < end && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
            v++;
        if ((size_t)(end - v) >= 7 && memcmp(v, "<true/>", 7) == 0)
            return true;
        at += k;
    }
    return false;
}

/* A DER entitlement set to true: UTF8String NAME followed by BOOLEAN TRUE. */
static bool der_true(const unsigned char *p, size_t n, const char *name)
{
    size_t k = strlen(name);
    unsigned char key[130] = {0x0c, (unsigned char)k};
    if (k > 127)
        return false;
    memcpy(key + 2, name, k);
    const unsigned char *at = p, *end = p + n;
    while ((at = find(at, (size_t)(end - at), key, k + 2))) {
        const unsigned char *v = at + k + 2;
        if (end - v >= 3 && v[0] == 0x01 && v[1] == 0x01 && v[2] != 0)
            return true;
        at += k + 2;
    }
    return false;
}

/* The embedded signature at [off, off+len) of the slice base..: its SuperBlob,
 * CodeDirectory flags and entitlements. All of it is big-endian. */
static int read_signature(struct rd *r, uint64_t base, uint64_t off, uint64_t len,
                          struct macho_arch *a)
{
    const unsigned char *s = r->p + base + off;
    if (len < 12)
        return bad(r, "the code signature (%llu bytes) is smaller than its header",
                   (unsigned long long)len);
    if (be32(s) != CSMAGIC_EMBEDDED_SIGNATURE)
        return bad(r, "the code signature is not an embedded signature (magic %#x)",
                   (unsigned)be32(s));
    uint32_t total = be32(s + 4), count = be32(s + 8);
    if (total < 12 || total > len)
        return bad(r, "the code signature's length (%u) does not fit its %llu bytes",
                   (unsigned)total, (unsigned long long)len);
    if (count > (total - 12) / 8)
        return bad(r, "the code signature's blob count (%u) runs past its end",
                   (unsigned)count);
    const unsigned char *cd = NULL;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t type = be32(s + 12 + 8 * i), at = be32(s + 16 + 8 * i);
        if (!within(at, 8, total) || !within(at, be32(s + at + 4), total) ||
            be32(s + at + 4) < 8)
            return bad(r, "code signature blob %u (slot %#x) runs past the signature", i,
                       (unsigned)type);
        const unsigned char *b = s + at;
        uint32_t magic = be32(b), blen = be32(b + 4);
        if (type == CSSLOT_CODEDIRECTORY ||
            (type >= CSSLOT_ALTERNATE_CODEDIRECTORIES && type < CSSLOT_ALTERNATE_CODEDIRECTORIES + 5)) {
            if (magic != CSMAGIC_CODEDIRECTORY || blen < CD_MIN_SIZE)
                return bad(r, "code signature blob %u (slot %#x) is not a valid CodeDirectory",
                           i, (unsigned)type);
            if (!cd || type == CSSLOT_CODEDIRECTORY)
                cd = b; /* the alternates (other hashes) carry the same flags */
        } else if (type == CSSLOT_ENTITLEMENTS || type == CSSLOT_DER_ENTITLEMENTS) {
            bool der = type == CSSLOT_DER_ENTITLEMENTS;
            if (magic != (der ? CSMAGIC_EMBEDDED_DER_ENTITLEMENTS : CSMAGIC_EMBEDDED_ENTITLEMENTS))
                return bad(r, "code signature blob %u (slot %u) is not an entitlements blob", i,
                           (unsigned)type);
            bool (*has)(const unsigned char *, size_t, const char *) = der ? der_true : xml_true;
            *(der ? &a->ent_der : &a->ent_xml) = true;
            a->allow_dyld_env |= has(b + 8, blen - 8, ENT_DYLD);
            a->disable_lib_validation |= has(b + 8, blen - 8, ENT_LIBVAL);
        }
    }
    a->have_cd = cd != NULL;
    if (cd)
        a->cs_flags = be32(cd + 12);
    return 0;
}

static bool is_dylib_cmd(uint32_t cmd)
{
    return cmd == LC_LOAD_DYLIB || cmd == LC_LOAD_WEAK_DYLIB || cmd == LC_REEXPORT_DYLIB ||
           cmd == LC_LAZY_LOAD_DYLIB || cmd == LC_LOAD_UPWARD_DYLIB;
}

/* A string a load command holds at name_off (from its start): inside it, terminated. */
static int cmd_string(struct rd *r, const unsigned char *c, uint32_t cmdsize, uint32_t min_off,
                      unsigned index, const char *what, const char **out)
{
    uint32_t name = le32(c + 8);
    if (name < min_off || name >= cmdsize || !memchr(c + name, '\0', cmdsize - name))
        return bad(r, "load command %u (%s): its name is not a string inside the command",
                   index, what);
    *out = (const char *)c + name;
    return 0;
}

/* Sections of the segment command c (cmdsize bytes), inside the slice. */
static int read_sections(struct rd *r, const unsigned char *c, uint32_t cmdsize, uint64_t slice,
                         unsigned index, struct macho_arch *a)
{
    uint32_t nsects = le32(c + 64);
    if ((uint64_t)nsects * 80 > cmdsize - 72)
        return bad(r, "load command %u (LC_SEGMENT_64): its %u sections run past the command",
                   index, (unsigned)nsects);
    for (uint32_t i = 0; i < nsects; i++) {
        const unsigned char *s = c + 72 + 80 * (size_t)i;
        uint64_t size = le64(s + 40);
        uint32_t off = le32(s + 48), type = le32(s + 64) & 0xff;
        bool zerofill = type == 0x1 || type == 0xc || type == 0x12;
        if (!zerofill && size && !within(off, size, slice))
            return bad(r, "load command %u (LC_SEGMENT_64): section %u runs past the end of "
                          "the file", index, (unsigned)i);
        if (strncmp((const char *)s, "__restrict", 16) == 0 &&
            strncmp((const char *)s + 16, "__RESTRICT", 16) == 0)
            a->restrict_section = true;
        if (strncmp((const char *)s, "__go_buildinfo", 16) == 0)
            a->go_buildinfo = true;
    }
    return 0;
}

/* One load command at c (its size checked by the caller). */
static int read_command(struct rd *r, const unsigned char *c, uint32_t cmd, uint32_t cmdsize,
                        uint64_t base, uint64_t slice, unsigned index, struct macho_arch *a)
{
    const char *name;
    if (cmd == LC_SEGMENT_64) {
        if (cmdsize < 72)
            return bad(r, "load command %u (LC_SEGMENT_64) is too short (%u bytes)", index,
                       (unsigned)cmdsize);
        if (!within(le64(c + 40), le64(c + 48), slice))
            return bad(r, "load command %u (LC_SEGMENT_64 %.16s) runs past the end of the file",
                       index, (const char *)c + 8);
        return read_sections(r, c, cmdsize, slice, index, a);
    }
    if (is_dylib_cmd(cmd)) {
        if (cmdsize < 24 || cmd_string(r, c, cmdsize, 24, index, "a dylib", &name))
            return cmdsize < 24 ? bad(r, "load command %u (a dylib) is too short", index) : -1;
        if (a->ndylibs < MACHO_DYLIBS_MAX)
            snprintf(a->dylibs[a->ndylibs++], sizeof a->dylibs[0], "%s", name);
        return 0;
    }
    if (cmd == LC_LOAD_DYLINKER) {
        if (cmdsize < 12 || cmd_string(r, c, cmdsize, 12, index, "LC_LOAD_DYLINKER", &name))
            return cmdsize < 12 ? bad(r, "load command %u (LC_LOAD_DYLINKER) is too short", index)
                                : -1;
        a->has_dylinker = true;
        return 0;
    }
    if (cmd == LC_CODE_SIGNATURE) {
        if (cmdsize != 16)
            return bad(r, "load command %u (LC_CODE_SIGNATURE) has size %u, not 16", index,
                       (unsigned)cmdsize);
        if (a->signed_cs)
            return bad(r, "load command %u: a second LC_CODE_SIGNATURE", index);
        uint32_t off = le32(c + 8), len = le32(c + 12);
        if (!within(off, len, slice))
            return bad(r, "load command %u (LC_CODE_SIGNATURE): the signature runs past the "
                          "end of the file", index);
        a->signed_cs = true;
        return read_signature(r, base, off, len, a);
    }
    return 0;
}

/* The thin Mach-O file at [base, base+slice) of the image. */
static int read_thin(struct rd *r, uint64_t base, uint64_t slice, struct macho_arch *a)
{
    const unsigned char *h = r->p + base;
    if (slice < 4)
        return bad(r, "the Mach-O header is cut off");
    uint32_t magic = le32(h);
    if (be32(h) == MH_MAGIC_64 || be32(h) == MH_MAGIC)
        return bad(r, "a big-endian Mach-O file (PowerPC): not supported");
    if (magic == MH_MAGIC) {
        if (slice < 28)
            return bad(r, "the Mach-O header is cut off");
        a->cputype = le32(h + 4);
        a->cpusubtype = le32(h + 8);
        a->filetype = le32(h + 12);
        return 0; /* 32-bit: macOS no longer runs it; the caller says so */
    }
    if (magic != MH_MAGIC_64)
        return bad(r, "not a Mach-O file (magic %#x)", (unsigned)magic);
    if (slice < 32)
        return bad(r, "the Mach-O header is cut off");
    a->is64 = true;
    a->cputype = le32(h + 4);
    a->cpusubtype = le32(h + 8);
    a->filetype = le32(h + 12);
    a->ncmds = le32(h + 16);
    a->flags = le32(h + 24);
    uint32_t sizeofcmds = le32(h + 20);
    if (sizeofcmds > slice - 32)
        return bad(r, "the load commands (%u bytes) run past the end of the file",
                   (unsigned)sizeofcmds);
    if (a->ncmds > sizeofcmds / 8)
        return bad(r, "%u load commands cannot fit in %u bytes", (unsigned)a->ncmds,
                   (unsigned)sizeofcmds);
    uint64_t at = 32, end = 32 + (uint64_t)sizeofcmds;
    for (uint32_t i = 0; i < a->ncmds; i++) {
        if (end - at < 8)
            return bad(r, "load command %u runs past the load commands", (unsigned)i);
        uint32_t cmd = le32(h + at), cmdsize = le32(h + at + 4);
        if (cmdsize < 8 || cmdsize % 8 || cmdsize > end - at)
            return bad(r, "load command %u (%#x) has a bad size (%u)", (unsigned)i,
                       (unsigned)cmd, (unsigned)cmdsize);
        if (read_command(r, h + at, cmd, cmdsize, base, slice, i, a))
            return -1;
        at += cmdsize;
    }
    return 0;
}

/* A universal file: its table of slices (big-endian), each read as a thin file. */
static int read_fat(struct rd *r, struct macho *m)
{
    m->universal = true;
    m->fat64 = be32(r->p) == FAT_MAGIC_64;
    uint64_t esz = m->fat64 ? 32 : 20;
    if (r->size < 8)
        return bad(r, "the universal header is cut off");
    uint32_t n = be32(r->p + 4);
    if (n == 0 || n > FAT_ARCH_MAX)
        return bad(r, "a universal header with %u architectures (a Java class file?)",
                   (unsigned)n);
    if (n > MACHO_ARCH_MAX)
        return bad(r, "a universal file with %u architectures: at most %d are read",
                   (unsigned)n, MACHO_ARCH_MAX);
    if (!within(8, n * esz, r->size))
        return bad(r, "the universal header's %u architectures run past the end of the file",
                   (unsigned)n);
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *e = r->p + 8 + i * esz;
        struct macho_arch *a = &m->arch[m->narch++];
        a->cputype = be32(e);
        a->cpusubtype = be32(e + 4);
        a->offset = m->fat64 ? be64(e + 8) : be32(e + 8);
        a->size = m->fat64 ? be64(e + 16) : be32(e + 12);
        char cpu[24];
        snprintf(r->prefix, sizeof r->prefix, "%s: ",
                 macho_cpu_name(a->cputype, a->cpusubtype, cpu, sizeof cpu));
        if (a->offset < 8 + n * esz || !within(a->offset, a->size, r->size))
            return bad(r, "the slice (offset %llu, %llu bytes) lies outside the file",
                       (unsigned long long)a->offset, (unsigned long long)a->size);
        for (uint32_t j = 0; j < i; j++)
            if (a->offset < m->arch[j].offset + m->arch[j].size &&
                m->arch[j].offset < a->offset + a->size)
                return bad(r, "the slice overlaps architecture %u's", (unsigned)j);
        uint32_t ct = a->cputype, st = a->cpusubtype;
        if (read_thin(r, a->offset, a->size, a))
            return -1;
        if (a->cputype != ct || a->cpusubtype != st)
            return bad(r, "the slice's own header names another CPU (%#x)", (unsigned)a->cputype);
        r->prefix[0] = '\0';
    }
    return 0;
}

int macho_read(const void *img, size_t size, struct macho *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    struct rd r = {.p = img, .size = size, .why = why, .whylen = whylen};
    if (whylen)
        why[0] = '\0';
    if (size < 4)
        return bad(&r, "too short for a Mach-O file");
    uint32_t be = be32(r.p);
    if (be == FAT_MAGIC || be == FAT_MAGIC_64)
        return read_fat(&r, out);
    out->narch = 1;
    out->arch[0].size = size;
    return read_thin(&r, 0, size, &out->arch[0]);
}
