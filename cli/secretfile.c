#define _GNU_SOURCE
#include "secretfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "secmem.h"

bool secretfile_valid_name(const char *name, size_t nlen)
{
    if (nlen == 0 || (name[0] >= '0' && name[0] <= '9'))
        return false;
    for (size_t i = 0; i < nlen; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

char *secretvalue_alloc(const char *name, size_t nlen, size_t *room)
{
    /* Room for "NAME=", the value, one byte to notice a value too large, and NUL. */
    size_t cap = SECRETFILE_ENTRY_MAX + 2;
    char *entry = secmem_alloc(cap);
    if (!entry)
        return NULL;
    memcpy(entry, name, nlen);
    entry[nlen] = '=';
    *room = cap - nlen - 2;
    return entry;
}

ssize_t secretvalue_read(int fd, char *val, size_t room)
{
    size_t len = 0;
    while (len < room) {
        ssize_t n = read(fd, val + len, room - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            explicit_bzero(val, len);
            errno = err;
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    return (ssize_t)len;
}

char *secretfile_load(const char *name, size_t nlen, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        cli_error("--secret-file %.*s: cannot open %s: %s", (int)nlen, name, path,
                  strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        cli_error("--secret-file %.*s: %s is not a file", (int)nlen, name, path);
        close(fd);
        return NULL;
    }
    size_t room;
    char *entry = secretvalue_alloc(name, nlen, &room);
    if (!entry) {
        cli_error("--secret-file %.*s: no memory for the value: %s", (int)nlen, name,
                  strerror(errno));
        close(fd);
        return NULL;
    }
    ssize_t len = secretvalue_read(fd, entry + nlen + 1, room);
    if (len < 0) {
        cli_error("--secret-file %.*s: cannot read %s: %s", (int)nlen, name, path,
                  strerror(errno));
        close(fd);
        return NULL;
    }
    close(fd);
    char what[PATH_MAX + 300];
    snprintf(what, sizeof what, "--secret-file %.*s: %s", (int)nlen, name, path);
    return secretvalue_finish(entry, nlen, (size_t)len, room, what) == 0 ? entry : NULL;
}

int secretvalue_finish(char *entry, size_t nlen, size_t len, size_t room, const char *what)
{
    char *val = entry + nlen + 1;
    /* A read that filled the room stopped before the end: too large, whatever
     * stripping its last newlines would leave (the rest was never read). */
    bool filled = len >= room;
    while (len > 0 && (val[len - 1] == '\n' || val[len - 1] == '\r'))
        len--;
    const char *why = NULL;
    if (filled || nlen + 1 + len + 1 > SECRETFILE_ENTRY_MAX)
        why = "is larger than an environment variable can be (128 KiB)";
    else if (memchr(val, '\0', len))
        why = "contains a NUL byte, which an environment value cannot hold";
    if (why) {
        cli_error("%s %s", what, why);
        explicit_bzero(val, room);
        return -1;
    }
    explicit_bzero(val + len, room - len); /* stripped newlines and any excess */
    val[len] = '\0';
    return 0;
}
