/* Mach-O files (the macOS release's dylib and command) are recognised from their
 * header, so the SBOM calls them binaries; their dependencies (libSystem) are the
 * operating system's and are not followed. */
#ifndef SBOM_MACHO_H
#define SBOM_MACHO_H

#include <stddef.h>

/* Writes e.g. "Mach-O 64-bit arm64 dynamic library" into buf and returns 1 if
 * path is a Mach-O file (thin 64-bit, or universal), else returns 0. */
int macho_kind(const char *path, char *buf, size_t len);

#endif
