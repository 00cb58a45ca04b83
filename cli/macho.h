/* Structural reader of Mach-O files held in memory (macOS programs and libraries):
 * thin 64-bit files and universal ("fat") files of either header size. Like
 * elfcheck.c, every offset, count and size is checked against the image before it
 * is used, and the first fault found is named. It reads what decides whether dyld
 * honours DYLD_INSERT_LIBRARIES: the code signature's CodeDirectory flags (hardened
 * runtime, restrict, library validation), the entitlements (XML and DER), a
 * __RESTRICT,__restrict section. Platform-neutral C, no allocation, no I/O. */
#ifndef ENVSEAL_CLI_MACHO_H
#define ENVSEAL_CLI_MACHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MACHO_ARCH_MAX 8
#define MACHO_DYLIBS_MAX 16

#define MACHO_CPU_X86_64 0x01000007u
#define MACHO_CPU_ARM64 0x0100000cu

/* CodeDirectory flags (xnu's cs_blobs.h). */
#define MACHO_CS_ADHOC 0x2u
#define MACHO_CS_RESTRICT 0x800u
#define MACHO_CS_LIBRARY_VALIDATION 0x2000u
#define MACHO_CS_RUNTIME 0x10000u
#define MACHO_CS_LINKER_SIGNED 0x20000u

#define MACHO_MH_EXECUTE 2u
#define MACHO_MH_DYLIB 6u

/* One architecture: the whole file when thin, one slice of a universal file. */
struct macho_arch {
    uint32_t cputype, cpusubtype; /* from the Mach-O header */
    uint64_t offset, size;        /* the slice within the file */
    bool is64;                    /* false: a 32-bit slice, read no further */
    uint32_t filetype, flags, ncmds;

    bool signed_cs;      /* LC_CODE_SIGNATURE present */
    bool have_cd;        /* a CodeDirectory was found in it */
    uint32_t cs_flags;   /* its flags */
    bool ent_xml, ent_der;
    bool allow_dyld_env; /* com.apple.security.cs.allow-dyld-environment-variables */
    bool disable_lib_validation; /* com.apple.security.cs.disable-library-validation */
    bool restrict_section;       /* __RESTRICT,__restrict */
    bool go_buildinfo;           /* a __go_buildinfo section: the Go runtime */
    bool has_dylinker;           /* LC_LOAD_DYLINKER */

    int ndylibs; /* LC_LOAD_DYLIB and kin, in order; names cut to fit */
    char dylibs[MACHO_DYLIBS_MAX][128];
};

struct macho {
    bool universal, fat64; /* FAT_MAGIC / FAT_MAGIC_64 */
    int narch;
    struct macho_arch arch[MACHO_ARCH_MAX];
};

/* True when head[0..n) starts like a Mach-O file (thin of either size or byte
 * order, or universal). */
bool macho_magic(const void *head, size_t n);

/* 0 when img[0..size) is a well-formed Mach-O file; otherwise -1 with why (a
 * sentence naming the fault, e.g. "arm64: load command 4 (LC_SEGMENT_64): section 2
 * runs past the end of the file") and out partly filled. */
int macho_read(const void *img, size_t size, struct macho *out, char *why, size_t whylen);

/* "arm64", "arm64e", "x86_64", ...; cpu_%x-style names are written into buf. */
const char *macho_cpu_name(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t n);
/* "executable", "dylib", "bundle", ... */
const char *macho_filetype_name(uint32_t filetype);

#endif
