#define _GNU_SOURCE
#include "license.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vec.h"

static const char *const debian_to_spdx[][2] = {
    {"Apache-2.0", "Apache-2.0"},       {"BSD-2-clause", "BSD-2-Clause"},
    {"BSD-3-clause", "BSD-3-Clause"},   {"BSD-4-clause", "BSD-4-Clause"},
    {"Expat", "MIT"},                   {"MIT", "MIT"},
    {"ISC", "ISC"},                     {"Zlib", "Zlib"},
    {"MPL-2.0", "MPL-2.0"},             {"CC0-1.0", "CC0-1.0"},
    {"OpenSSL", "OpenSSL"},             {"curl", "curl"},
    {"GPL-2", "GPL-2.0-only"},          {"GPL-2+", "GPL-2.0-or-later"},
    {"GPL-2.0+", "GPL-2.0-or-later"},   {"GPL-3", "GPL-3.0-only"},
    {"GPL-3+", "GPL-3.0-or-later"},     {"GPL-3.0+", "GPL-3.0-or-later"},
    {"LGPL-2", "LGPL-2.0-only"},        {"LGPL-2+", "LGPL-2.0-or-later"},
    {"LGPL-2.1", "LGPL-2.1-only"},      {"LGPL-2.1+", "LGPL-2.1-or-later"},
    {"LGPL-3", "LGPL-3.0-only"},        {"LGPL-3+", "LGPL-3.0-or-later"},
};

/* Source packages whose debian/copyright is not machine-readable (checked against
 * their copyright files): the library parts these packages ship. */
static const char *const known_by_source[][2] = {
    {"glibc", "LGPL-2.1-or-later"},
    {"gcc-12", "GPL-3.0-or-later WITH GCC-exception-3.1"},
    {"gcc-13", "GPL-3.0-or-later WITH GCC-exception-3.1"},
    {"gcc-14", "GPL-3.0-or-later WITH GCC-exception-3.1"},
};

/* Binary packages that hold only files of a paragraph other than "Files: *":
 * elfutils' debian/copyright gives "Files: *" as GPL-3+, but its libraries
 * ("Files: lib*") are "LGPL-3+ or GPL-2+". */
static const char *const known_by_package[][2] = {
    {"libelf1", "LGPL-3.0-or-later OR GPL-2.0-or-later"},
    {"libelf-dev", "LGPL-3.0-or-later OR GPL-2.0-or-later"},
};

const char *license_debian_to_spdx(const char *name)
{
    for (size_t i = 0; i < sizeof debian_to_spdx / sizeof *debian_to_spdx; i++)
        if (strcasecmp(name, debian_to_spdx[i][0]) == 0)
            return debian_to_spdx[i][1];
    return NULL;
}

/* "LGPL-3+ or GPL-2+" -> "LGPL-3.0-or-later OR GPL-2.0-or-later"; NULL if any
 * part is unknown. */
static char *translate(const char *synopsis)
{
    char *copy = xstrdup(synopsis), *out = xstrdup(""), *save = NULL;
    bool ok = true;
    const char *op = "";
    for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (strcasecmp(tok, "or") == 0 || strcasecmp(tok, "and") == 0) {
            op = strcasecmp(tok, "or") == 0 ? " OR " : " AND ";
            continue;
        }
        size_t n = strlen(tok);
        if (n && tok[n - 1] == ',')
            tok[n - 1] = '\0';
        const char *id = license_debian_to_spdx(tok);
        if (!id) {
            ok = false;
            break;
        }
        char *next = xasprintf("%s%s%s", out, *out ? op : "", id);
        free(out);
        out = next;
        op = " AND ";
    }
    free(copy);
    if (!ok || !*out) {
        free(out);
        return NULL;
    }
    return out;
}

/* Value of "Field:" in a paragraph (first line only), or NULL. */
static char *field(const char *para, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = para; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            const char *end = strchrnul(v, '\n');
            while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                end--;
            return strndup(v, (size_t)(end - v));
        }
    }
    return NULL;
}

static char *from_copyright(const char *package)
{
    char *path = xasprintf("/usr/share/doc/%s/copyright", package);
    FILE *f = fopen(path, "re");
    free(path);
    if (!f)
        return NULL;
    char *text = NULL;
    size_t cap = 0;
    ssize_t len = getdelim(&text, &cap, '\0', f);
    fclose(f);
    if (len <= 0 || !strstr(text, "copyright-format")) {
        free(text);
        return NULL;
    }
    char *result = NULL, *header_license = NULL;
    /* Paragraphs are separated by blank lines. */
    char *para = text;
    bool first = true;
    while (para && *para && !result) {
        char *sep = strstr(para, "\n\n");
        if (sep)
            *sep = '\0';
        char *files = field(para, "Files");
        char *lic = field(para, "License");
        if (first && lic && !files)
            header_license = xstrdup(lic);
        if (files && lic && strcmp(files, "*") == 0)
            result = translate(lic);
        free(files);
        free(lic);
        first = false;
        para = sep ? sep + 2 : NULL;
    }
    if (!result && header_license)
        result = translate(header_license);
    free(header_license);
    free(text);
    return result;
}

char *license_of_package(const char *package, const char *source, const char **origin)
{
    for (size_t i = 0; i < sizeof known_by_package / sizeof *known_by_package; i++) {
        if (strcmp(package, known_by_package[i][0]) == 0) {
            if (origin)
                *origin = "the paragraph of debian/copyright for the library's files";
            return xstrdup(known_by_package[i][1]);
        }
    }
    char *l = from_copyright(package);
    if (l) {
        if (origin)
            *origin = "the Files: * paragraph of debian/copyright";
        return l;
    }
    for (size_t i = 0; source && i < sizeof known_by_source / sizeof *known_by_source; i++) {
        if (strcmp(source, known_by_source[i][0]) == 0) {
            if (origin)
                *origin = "known license of the source package";
            return xstrdup(known_by_source[i][1]);
        }
    }
    if (origin)
        *origin = NULL;
    return NULL;
}
