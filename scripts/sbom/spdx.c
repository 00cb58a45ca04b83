#define _GNU_SOURCE
#include "spdx.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "macho.h"

#define MAIN_ID "SPDXRef-Package-main"

static void checksums(struct json *j, const struct digests *d)
{
    json_array_begin(j, "checksums");
    json_object_begin(j, NULL);
    json_string(j, "algorithm", "SHA1");
    json_string(j, "checksumValue", d->sha1);
    json_object_end(j);
    json_object_begin(j, NULL);
    json_string(j, "algorithm", "SHA256");
    json_string(j, "checksumValue", d->sha256);
    json_object_end(j);
    json_array_end(j);
}

static char *package_id(const struct deb_package *p)
{
    char *s = xasprintf("%s-%s", p->name, p->arch);
    char *id = model_spdxid("Package-deb", s);
    free(s);
    return id;
}

/* purl: pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12 */
static char *purl(const struct deb_package *p)
{
    size_t n = strlen(p->version);
    char *v = xcalloc(n * 3 + 1, 1), *o = v;
    for (const char *c = p->version; *c; c++) {
        if (*c == '+' || *c == '%') /* purl: ':' and '~' stay as they are */
            o += sprintf(o, "%%%02X", (unsigned char)*c);
        else
            *o++ = *c;
    }
    char *s = xasprintf("pkg:deb/%s/%s@%s?arch=%s&distro=%s-%s", p->distro, p->name, v, p->arch,
                        p->distro, p->distro_version);
    free(v);
    return s;
}

static void purl_ref(struct json *j, const char *locator)
{
    json_array_begin(j, "externalRefs");
    json_object_begin(j, NULL);
    json_string(j, "referenceCategory", "PACKAGE-MANAGER");
    json_string(j, "referenceType", "purl");
    json_string(j, "referenceLocator", locator);
    json_object_end(j);
    json_array_end(j);
}

/* "Name <mail>" -> "Organization: Name (mail)" as SPDX wants it. */
static char *supplier(const char *maintainer)
{
    char *s = xasprintf("Organization: %s", maintainer);
    char *lt = strchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt) {
        *lt = '(';
        *gt = ')';
    }
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the license of each package linked into n to parts (char *, malloc'd), once
 * each; false when one of them is not known. */
static bool add_static_licenses(struct vec *parts, const struct node *n)
{
    for (size_t i = 0; i < n->statics.len; i++) {
        const struct deb_package *p = n->statics.item[i];
        if (!p->license)
            return false;
        char *part = strchr(p->license, ' ') ? xasprintf("(%s)", p->license)
                                             : xstrdup(p->license);
        bool seen = false;
        for (size_t k = 0; k < parts->len && !seen; k++)
            seen = strcmp(parts->item[k], part) == 0;
        if (seen)
            free(part);
        else
            vec_push(parts, part);
    }
    return true;
}

/* "BASE AND (LGPL-3.0-or-later OR GPL-2.0-or-later) AND Zlib" for the shipped files
 * given (all of them for the package): a file with another project's static library
 * in it is under that library's license too. NOASSERTION when one is not known. */
static char *concluded_license(const char *base, const struct vec *files)
{
    struct vec parts = {0};
    vec_push(&parts, xstrdup(base));
    bool known = true;
    for (size_t i = 0; i < files->len && known; i++)
        known = add_static_licenses(&parts, files->item[i]);
    /* AND binds tighter than OR: "MIT OR Apache-2.0" joined as it is would change. */
    char *out = !known ? xstrdup("NOASSERTION")
                : parts.len > 1 && strchr(base, ' ') ? xasprintf("(%s)", base)
                                                     : xstrdup(base);
    for (size_t i = 1; i < parts.len && known; i++) {
        char *next = xasprintf("%s AND %s", out, (const char *)parts.item[i]);
        free(out);
        out = next;
    }
    for (size_t i = 0; i < parts.len; i++)
        free(parts.item[i]);
    free(parts.item);
    return out;
}

/* The license of one shipped file. */
static char *file_license(const char *base, const struct node *n)
{
    void *item[1] = {(void *)n};
    struct vec one = {.item = item, .len = 1, .cap = 1};
    return concluded_license(base, &one);
}

static void main_package(struct json *j, const struct spdx_meta *meta, const struct model *m)
{
    json_object_begin(j, NULL);
    json_string(j, "SPDXID", MAIN_ID);
    json_string(j, "name", meta->name);
    json_string(j, "versionInfo", meta->version);
    json_string(j, "packageFileName", meta->archive_name);
    json_string(j, "supplier", meta->supplier);
    json_string(j, "downloadLocation",
                meta->download_location ? meta->download_location : "NOASSERTION");
    json_bool(j, "filesAnalyzed", true);
    /* SPDX 2.3 section 7.9: SHA-1 of the sorted, concatenated SHA-1s of its files. */
    size_t n = m->shipped.len;
    const char **sums = xcalloc(n, sizeof *sums);
    for (size_t i = 0; i < n; i++)
        sums[i] = ((const struct node *)m->shipped.item[i])->dig.sha1;
    qsort(sums, n, sizeof *sums, cmp_str);
    char *all = xcalloc(n * 40 + 1, 1);
    for (size_t i = 0; i < n; i++)
        memcpy(all + i * 40, sums[i], 40);
    char code[41];
    digest_sha1_string(all, code);
    json_object_begin(j, "packageVerificationCode");
    json_string(j, "packageVerificationCodeValue", code);
    json_object_end(j);
    checksums(j, &meta->archive);
    char *concluded = concluded_license(meta->license, &m->shipped);
    json_string(j, "licenseConcluded", concluded);
    free(concluded);
    json_string(j, "licenseDeclared", meta->license);
    json_array_begin(j, "licenseInfoFromFiles");
    json_string(j, NULL, "NOASSERTION");
    json_array_end(j);
    json_string(j, "copyrightText", "NOASSERTION");
    json_string(j, "primaryPackagePurpose", "ARCHIVE");
    if (meta->purl)
        purl_ref(j, meta->purl);
    json_array_begin(j, "hasFiles");
    for (size_t i = 0; i < n; i++)
        json_string(j, NULL, ((const struct node *)m->shipped.item[i])->spdxid);
    json_array_end(j);
    json_object_end(j);
    free(sums);
    free(all);
}

static void deb_package(struct json *j, const struct deb_package *p)
{
    char *id = package_id(p), *ref = purl(p), *sup = supplier(p->maintainer);
    char *src = xasprintf("built from Debian source package %s %s", p->source, p->source_version);
    json_object_begin(j, NULL);
    json_string(j, "SPDXID", id);
    json_string(j, "name", p->name);
    json_string(j, "versionInfo", p->version);
    json_string(j, "supplier", sup);
    json_string(j, "downloadLocation", "NOASSERTION");
    json_bool(j, "filesAnalyzed", false);
    json_string(j, "sourceInfo", src);
    json_string(j, "licenseConcluded", "NOASSERTION");
    json_string(j, "licenseDeclared", p->license ? p->license : "NOASSERTION");
    if (p->license_origin) {
        char *c = xasprintf("license from %s", p->license_origin);
        json_string(j, "comment", c);
        free(c);
    }
    json_string(j, "copyrightText", "NOASSERTION");
    json_string(j, "primaryPackagePurpose", "LIBRARY");
    purl_ref(j, ref);
    json_object_end(j);
    free(id);
    free(ref);
    free(sup);
    free(src);
}

static char *file_comment(const struct node *n)
{
    char kind[96];
    if (!n->elf.is_elf)
        return macho_kind(n->path, kind, sizeof kind) ? xstrdup(kind) : NULL;
    char *c = xasprintf("%s; GNU build-id: %s", elf_info_kind(&n->elf, kind, sizeof kind),
                        *n->elf.build_id ? n->elf.build_id : "none");
#define APPEND(...)                                  \
    do {                                             \
        char *next_ = xasprintf(__VA_ARGS__);        \
        free(c);                                     \
        c = next_;                                   \
    } while (0)
    if (n->elf.soname)
        APPEND("%s; DT_SONAME: %s", c, n->elf.soname);
    if (n->elf.interp)
        APPEND("%s; PT_INTERP: %s", c, n->elf.interp);
    if (n->elf.needed.len) {
        APPEND("%s; DT_NEEDED:", c);
        for (size_t i = 0; i < n->elf.needed.len; i++)
            APPEND("%s %s", c, (const char *)n->elf.needed.item[i]);
    } else if (!n->elf.interp) {
        APPEND("%s; no DT_NEEDED entries", c);
    }
    /* What --static declared: code copied in at link time, invisible to readelf. */
    for (size_t i = 0; i < n->statics.len; i++) {
        const struct deb_package *p = n->statics.item[i];
        APPEND("%s%s %s %s (%s)", c, i ? "," : "; statically linked:", p->name, p->version,
               (const char *)n->static_reasons.item[i]);
    }
#undef APPEND
    return c;
}

static void file(struct json *j, const struct node *n, char *license)
{
    json_object_begin(j, NULL);
    json_string(j, "SPDXID", n->spdxid);
    json_string(j, "fileName", n->name);
    checksums(j, &n->dig);
    json_array_begin(j, "fileTypes");
    const char *base = strrchr(n->name, '/') ? strrchr(n->name, '/') + 1 : n->name;
    size_t len = strlen(base);
    char mach[96];
    json_string(j, NULL, n->elf.is_elf || macho_kind(n->path, mach, sizeof mach) ? "BINARY"
                         : len > 3 && strcmp(base + len - 3, ".md") == 0 ? "DOCUMENTATION"
                                                                        : "TEXT");
    json_array_end(j);
    json_string(j, "licenseConcluded", license);
    free(license);
    json_array_begin(j, "licenseInfoInFiles");
    json_string(j, NULL, "NOASSERTION");
    json_array_end(j);
    json_string(j, "copyrightText", "NOASSERTION");
    char *c = file_comment(n);
    if (c)
        json_string(j, "comment", c);
    free(c);
    json_object_end(j);
}

static void relationship(struct json *j, const char *a, const char *type, const char *b,
                         const char *comment)
{
    json_object_begin(j, NULL);
    json_string(j, "spdxElementId", a);
    json_string(j, "relationshipType", type);
    json_string(j, "relatedSpdxElement", b);
    if (comment)
        json_string(j, "comment", comment);
    json_object_end(j);
}

static void relationships(struct json *j, const struct model *m)
{
    json_array_begin(j, "relationships");
    relationship(j, "SPDXRef-DOCUMENT", "DESCRIBES", MAIN_ID, NULL);
    for (size_t i = 0; i < m->shipped.len; i++)
        relationship(j, MAIN_ID, "CONTAINS", ((const struct node *)m->shipped.item[i])->spdxid,
                     NULL);
    for (size_t i = 0; i < m->packages.len; i++) {
        char *id = package_id(m->packages.item[i]);
        relationship(j, MAIN_ID, "DEPENDS_ON", id, "runtime dependency (direct or transitive)");
        free(id);
    }
    const struct vec *lists[2] = {&m->shipped, &m->system};
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < lists[l]->len; i++) {
            const struct node *n = lists[l]->item[i];
            if (n->pkg) {
                char *id = package_id(n->pkg);
                relationship(j, id, "CONTAINS", n->spdxid, NULL);
                free(id);
            }
            for (size_t k = 0; k < n->statics.len; k++) {
                char *id = package_id(n->statics.item[k]);
                char *c = xasprintf("static archive %s linked in at build time",
                                    (const char *)n->static_reasons.item[k]);
                relationship(j, n->spdxid, "STATIC_LINK", id, c);
                free(id);
                free(c);
            }
            for (size_t k = 0; k < n->links.len; k++) {
                const struct node *to = n->links.item[k];
                const char *why = n->link_reasons.item[k];
                char *c = strcmp(why, "PT_INTERP") == 0 ? xasprintf("program interpreter")
                                                        : xasprintf("DT_NEEDED %s", why);
                relationship(j, n->spdxid, "DYNAMIC_LINK", to->spdxid, c);
                if (to->pkg) {
                    char *id = package_id(to->pkg);
                    relationship(j, n->spdxid, "DEPENDS_ON", id, c);
                    free(id);
                }
                free(c);
            }
        }
    }
    json_array_end(j);
}

int spdx_write(FILE *out, const struct spdx_meta *meta, const struct model *m)
{
    struct json j;
    json_init(&j, out);
    json_object_begin(&j, NULL);
    json_string(&j, "spdxVersion", "SPDX-2.3");
    json_string(&j, "dataLicense", "CC0-1.0");
    json_string(&j, "SPDXID", "SPDXRef-DOCUMENT");
    char *docname = xasprintf("%s-%s", meta->name, meta->version);
    json_string(&j, "name", docname);
    free(docname);
    json_string(&j, "documentNamespace", meta->namespace_uri);
    json_object_begin(&j, "creationInfo");
    json_string(&j, "created", meta->created);
    json_array_begin(&j, "creators");
    json_string(&j, NULL, "Tool: envseal-sbom-1.0");
    json_string(&j, NULL, meta->supplier);
    json_array_end(&j);
    json_string(&j, "licenseListVersion", "3.19");
    json_object_end(&j);
    json_array_begin(&j, "documentDescribes");
    json_string(&j, NULL, MAIN_ID);
    json_array_end(&j);

    json_array_begin(&j, "packages");
    main_package(&j, meta, m);
    for (size_t i = 0; i < m->packages.len; i++)
        deb_package(&j, m->packages.item[i]);
    for (size_t i = 0; i < m->static_packages.len; i++) {
        bool listed = false; /* a package can be both linked in and loaded */
        for (size_t k = 0; k < m->packages.len && !listed; k++)
            listed = m->packages.item[k] == m->static_packages.item[i];
        if (!listed)
            deb_package(&j, m->static_packages.item[i]);
    }
    json_array_end(&j);

    json_array_begin(&j, "files");
    for (size_t i = 0; i < m->shipped.len; i++)
        file(&j, m->shipped.item[i], file_license(meta->license, m->shipped.item[i]));
    for (size_t i = 0; i < m->system.len; i++)
        file(&j, m->system.item[i], xstrdup("NOASSERTION"));
    json_array_end(&j);

    relationships(&j, m);
    json_object_end(&j);
    return json_finish(&j);
}
