/* Writes the model as an SPDX 2.3 JSON document. */
#ifndef SBOM_SPDX_H
#define SBOM_SPDX_H

#include <stdio.h>

#include "model.h"

struct spdx_meta {
    const char *name;              /* the product: "envseal" */
    const char *version;
    const char *license;           /* SPDX expression for the shipped files */
    const char *supplier;          /* "Organization: ..." */
    const char *archive_name;      /* file name of the release archive */
    struct digests archive;
    const char *namespace_uri;
    const char *download_location; /* NULL: NOASSERTION */
    const char *purl;              /* the archive's package URL, or NULL */
    const char *created;           /* "YYYY-MM-DDThh:mm:ssZ" */
};

/* Returns 0, or -1 when writing failed. */
int spdx_write(FILE *out, const struct spdx_meta *meta, const struct model *m);

#endif
