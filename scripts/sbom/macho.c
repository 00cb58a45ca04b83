#include "macho.h"

#include <stdint.h>
#include <stdio.h>

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int macho_kind(const char *path, char *buf, size_t len)
{
    unsigned char h[16];
    FILE *f = fopen(path, "rbe");
    if (!f)
        return 0;
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n < 8)
        return 0;
    /* Universal files start with the big-endian FAT_MAGIC. */
    if (h[0] == 0xca && h[1] == 0xfe && h[2] == 0xba && h[3] == 0xbe) {
        snprintf(buf, len, "Mach-O universal binary");
        return 1;
    }
    if (n < sizeof h || le32(h) != 0xfeedfacfu) /* MH_MAGIC_64, little-endian */
        return 0;
    uint32_t cpu = le32(h + 4), type = le32(h + 12);
    const char *arch = cpu == 0x0100000cu ? "arm64" : cpu == 0x01000007u ? "x86_64" : "other-cpu";
    const char *kind = type == 2 ? "executable" : type == 6 ? "dynamic library" : "file";
    snprintf(buf, len, "Mach-O 64-bit %s %s", arch, kind);
    return 1;
}
