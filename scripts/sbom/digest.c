#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include "vec.h"

static void to_hex(const unsigned char *b, unsigned n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static void finish(EVP_MD_CTX *c, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (EVP_DigestFinal_ex(c, md, &n) != 1)
        die("digest failed");
    to_hex(md, n, out);
}

int digest_file(const char *path, struct digests *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    EVP_MD_CTX *s1 = EVP_MD_CTX_new(), *s256 = EVP_MD_CTX_new();
    if (!s1 || !s256 || EVP_DigestInit_ex(s1, EVP_sha1(), NULL) != 1 ||
        EVP_DigestInit_ex(s256, EVP_sha256(), NULL) != 1)
        die("cannot initialise digests");
    unsigned char buf[65536];
    ssize_t n;
    int err = 0;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        EVP_DigestUpdate(s1, buf, (size_t)n);
        EVP_DigestUpdate(s256, buf, (size_t)n);
    }
    close(fd);
    if (!err) {
        finish(s1, out->sha1);
        finish(s256, out->sha256);
    }
    EVP_MD_CTX_free(s1);
    EVP_MD_CTX_free(s256);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

void digest_sha1_string(const char *s, char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL) != 1)
        die("digest failed");
    to_hex(md, n, out);
}
