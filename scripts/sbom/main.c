/* envseal-sbom: writes the SPDX 2.3 JSON SBOM of a release archive.
 *
 *   envseal-sbom --name N --version V --license EXPR --supplier "Organization: X"
 *                --archive FILE --root DIR --namespace URI [--download-location URL]
 *                [--purl PURL] [--output FILE] [--static PATH=DEBIAN-PACKAGE]... PATH...
 *
 * PATHs are the archive's members, relative to DIR (the staged tree the archive was
 * made from). Every ELF member is followed through DT_NEEDED and its program
 * interpreter, transitively, to the installed libraries and the Debian packages that
 * provide them. Static libraries leave no such trace: --static declares that
 * DEBIAN-PACKAGE's static library (e.g. libelf-dev's libelf.a) is linked into
 * the member PATH, and the SBOM lists that package with a STATIC_LINK
 * relationship from the file, whose concluded license (and the archive's) then
 * includes that package's. The creation time is SOURCE_DATE_EPOCH, so the same inputs give the
 * same bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "spdx.h"

static void usage(void)
{
    die("usage: envseal-sbom --name N --version V --license EXPR --supplier S --archive FILE "
        "--root DIR --namespace URI [--download-location URL] [--purl PURL] [--output FILE] "
        "[--static PATH=DEBIAN-PACKAGE]... PATH...");
}

static char *created_time(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = time(NULL);
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno || *end || v < 0)
            die("SOURCE_DATE_EPOCH is not a number of seconds");
        t = (time_t)v;
    }
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        die("cannot format the creation time");
    return xstrdup(buf);
}

int main(int argc, char **argv)
{
    struct spdx_meta meta = {0};
    const char *archive = NULL, *root = NULL, *output = NULL;
    struct vec statics = {0}; /* const char *: "PATH=PACKAGE" */
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (i + 1 >= argc)
            usage();
        const char *k = argv[i] + 2, *v = argv[i + 1];
        if (!strcmp(k, "name"))
            meta.name = v;
        else if (!strcmp(k, "version"))
            meta.version = v;
        else if (!strcmp(k, "license"))
            meta.license = v;
        else if (!strcmp(k, "supplier"))
            meta.supplier = v;
        else if (!strcmp(k, "archive"))
            archive = v;
        else if (!strcmp(k, "root"))
            root = v;
        else if (!strcmp(k, "namespace"))
            meta.namespace_uri = v;
        else if (!strcmp(k, "download-location"))
            meta.download_location = v;
        else if (!strcmp(k, "purl"))
            meta.purl = v;
        else if (!strcmp(k, "output"))
            output = v;
        else if (!strcmp(k, "static"))
            vec_push(&statics, (void *)v);
        else
            usage();
    }
    if (!meta.name || !meta.version || !meta.license || !meta.supplier || !archive || !root ||
        !meta.namespace_uri || i >= argc)
        usage();

    const char *slash = strrchr(archive, '/');
    meta.archive_name = slash ? slash + 1 : archive;
    if (digest_file(archive, &meta.archive) != 0)
        die("cannot read %s: %s", archive, strerror(errno));
    meta.created = created_time();

    struct model m = {0};
    for (; i < argc; i++) {
        char *path = xasprintf("%s/%s", root, argv[i]);
        char *name = xasprintf("./%s", argv[i]);
        model_add_shipped(&m, path, name);
        free(path);
        free(name);
    }
    for (size_t s = 0; s < statics.len; s++) {
        const char *decl = statics.item[s];
        const char *eq = strchr(decl, '=');
        if (!eq || eq == decl || !eq[1])
            die("--static wants PATH=DEBIAN-PACKAGE, not '%s'", decl);
        char *name = xasprintf("./%.*s", (int)(eq - decl), decl);
        model_add_static(&m, name, eq + 1);
        free(name);
    }
    model_resolve(&m);

    FILE *out = output ? fopen(output, "we") : stdout;
    if (!out)
        die("cannot write %s: %s", output, strerror(errno));
    if (spdx_write(out, &meta, &m) != 0 || (output && fclose(out) != 0))
        die("writing the SBOM failed");
    return 0;
}
