/* The declared license of an installed Debian package as an SPDX expression:
 * from its machine-readable debian/copyright (the "Files: *" paragraph), else
 * from a short table of well-known runtime packages whose copyright file is free
 * text. NULL when not known: the SBOM then says NOASSERTION. */
#ifndef SBOM_LICENSE_H
#define SBOM_LICENSE_H

/* origin (may be NULL) receives where the answer came from. */
char *license_of_package(const char *package, const char *source, const char **origin);

/* Maps one Debian short license name ("GPL-2+", "Expat") to SPDX, or NULL. */
const char *license_debian_to_spdx(const char *name);

#endif
