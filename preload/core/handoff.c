#define _GNU_SOURCE
#include "preload/core/handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload/platform/platform.h"

/* The seals envseal run sets: nothing can change the contents any more. */
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
/* More than any environment can carry to exec: a larger file is not envseal's. */
#define PAYLOAD_MAX ((size_t)1 << 30)

static char *buf ENVSEAL_HOT;     /* read at every start-up (handoff_release) */
static size_t buf_size ENVSEAL_HOT;

bool handoff_valid(const char *b, size_t len, size_t n)
{
    size_t off = sizeof HANDOFF_MAGIC, k = 0;
    if (len < off || memcmp(b, HANDOFF_MAGIC, off) != 0)
        return false;
    while (off < len) {
        const char *e = b + off, *end = memchr(e, '\0', len - off);
        if (!end)
            return false;
        size_t nlen = entry_name_len(e);
        if (nlen == 0 || e[nlen] != '=')
            return false;
        off += (size_t)(end - e) + 1;
        k++;
    }
    return k == n;
}

static bool is_slot(const char *e)
{
    return e[0] == 'E' && strcmp(e, HANDOFF_SLOT) == 0;
}

static bool is_handoff_setting(const char *e)
{
    return e[0] == 'E' && strncmp(e, "ENVSEAL_HANDOFF=", 16) == 0;
}

/* Removes slots and ENVSEAL_HANDOFF from a NULL-terminated array, in order. */
static void drop_handoff_entries(char **arr)
{
    size_t j = 0, i = 0;
    for (; arr[i]; i++)
        if (!is_slot(arr[i]) && !is_handoff_setting(arr[i]))
            arr[j++] = arr[i];
    while (j < i)
        arr[j++] = NULL;
}

/* Puts the entries of the payload into the slots of arr, in order. */
static void fill_slots(char **arr, char *payload, size_t len)
{
    char *e = payload + sizeof HANDOFF_MAGIC, *end = payload + len;
    for (size_t i = 0; arr[i] && e < end; i++)
        if (is_slot(arr[i])) {
            arr[i] = e;
            e += strlen(e) + 1;
        }
}

/* Reads the whole sealed memfd into buf. 0, or -1 with *why and *err. */
static int read_payload(int fd, size_t *len, const char **why, int *err)
{
    int seals = fcntl(fd, F_GET_SEALS);
    struct stat st;
    if (seals < 0 || (seals & SEALS) != SEALS || fstat(fd, &st) != 0) {
        *err = seals < 0 ? errno : 0;
        *why = *err == EBADF ? "the descriptor is closed"
                             : "the descriptor is not envseal's (not a sealed memfd)";
        return -1;
    }
    size_t size = (size_t)st.st_size;
    if (size == 0 || size > PAYLOAD_MAX) {
        *why = "the contents are garbled";
        return -1;
    }
    buf_size = size;
    buf = mmap(NULL, buf_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        buf = NULL;
        *err = errno;
        *why = "no memory to read them";
        return -1;
    }
    madvise(buf, buf_size, MADV_DONTDUMP);
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *err = n < 0 ? errno : 0;
            *why = "the descriptor could not be read";
            return -1;
        }
        got += (size_t)n;
    }
    *len = size;
    return 0;
}

int handoff_receive(const struct config *c, char **envp, char **cur, const char **why, int *err)
{
    size_t slots = 0, len = 0;
    for (size_t i = 0; envp[i]; i++)
        slots += is_slot(envp[i]);
    *err = 0;
    int rc = -1;
    if (c->handoff_fd < 0) {
        *why = "ENVSEAL_HANDOFF is not a descriptor number";
    } else if (read_payload(c->handoff_fd, &len, why, err) == 0) {
        if (handoff_valid(buf, len, slots)) {
            fill_slots(envp, buf, len);
            if (cur && cur != envp)
                fill_slots(cur, buf, len);
            rc = 0;
        } else {
            *why = "the contents are garbled";
        }
    }
    /* Ours (sealed) or closed already: an unrelated descriptor is left alone. */
    if (c->handoff_fd >= 0 && (rc == 0 || fcntl(c->handoff_fd, F_GET_SEALS) > 0))
        close(c->handoff_fd);
    if (rc != 0)
        handoff_release(false);
    handoff_discard(envp, cur);
    return rc;
}

bool handoff_holds(const char *entry)
{
    return buf && entry >= buf && entry < buf + buf_size;
}

void handoff_discard(char **envp, char **cur)
{
    drop_handoff_entries(envp);
    if (cur && cur != envp)
        drop_handoff_entries(cur);
}

void handoff_release(bool keep)
{
    if (!buf || keep)
        return;
    explicit_bzero(buf, buf_size);
    munmap(buf, buf_size);
    buf = NULL;
}
