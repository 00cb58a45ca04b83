/* SHA-1 (SPDX requires it for every file) and SHA-256 of a file, in hex. */
#ifndef SBOM_DIGEST_H
#define SBOM_DIGEST_H

struct digests {
    char sha1[41];
    char sha256[65];
};

/* Returns 0, or -1 with errno set when the file cannot be read. */
int digest_file(const char *path, struct digests *out);

/* SHA-1 of a string, in hex (for SPDX's package verification code). */
void digest_sha1_string(const char *s, char out[41]);

#endif
