/* Which installed Debian package provides a file, and its version: dpkg's own
 * database, through dpkg-query -S and dpkg-query -W. */
#ifndef SBOM_DPKG_H
#define SBOM_DPKG_H

#include "vec.h"

struct deb_package {
    char *name;           /* binary package, without ":arch" */
    char *arch;
    char *version;
    char *source;         /* source package name */
    char *source_version;
    char *maintainer;
    char *license;        /* SPDX expression, or NULL when not known */
    const char *license_origin;
    char *distro;         /* os-release ID, e.g. "debian" */
    char *distro_version; /* os-release VERSION_ID, e.g. "12" */
};

/* The package owning path (merged-/usr aliases and symlinks tried), or NULL.
 * The same package is returned as the same object on every call. */
struct deb_package *dpkg_owner(const char *path);

/* The installed package of that name (e.g. "libelf-dev"), or NULL. */
struct deb_package *dpkg_package(const char *name);

/* The static archives (*.a) the package installs, as a vector of malloc'd paths:
 * empty when it ships none or is not installed. */
struct vec dpkg_static_archives(const struct deb_package *p);

#endif
