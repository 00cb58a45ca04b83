#define _GNU_SOURCE
#include "runhandoff.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"

void runhandoff_strip(struct envvec *env)
{
    envvec_put(env, "ENVSEAL_HANDOFF", NULL);
    envvec_put(env, "ENVSEAL_HANDOFF_SLOT", NULL);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static bool handed(const char *e, const struct config *cfg)
{
    size_t nl = envvec_name_len(e);
    return e[nl] == '=' && config_is_secret(cfg, e, nl);
}

/* A memfd numbered 3 or above (0-2 may be closed: the program must not get it as
 * stdin), close-on-exec until it is complete. */
static int make_memfd(void)
{
    int fd = memfd_create("envseal-handoff", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd >= 0 && fd < 3) {
        int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        close(fd);
        fd = high;
    }
    return fd;
}

int runhandoff_prepare(struct envvec *env, const struct config *cfg)
{
    int fd = make_memfd();
    bool ok = fd >= 0 && write_all(fd, HANDOFF_MAGIC, sizeof HANDOFF_MAGIC) == 0;
    for (size_t i = 0; ok && i < env->n; i++)
        if (handed(env->v[i], cfg))
            ok = write_all(fd, env->v[i], strlen(env->v[i]) + 1) == 0;
    ok = ok &&
         fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0 &&
         fcntl(fd, F_SETFD, 0) == 0;
    char *setting = NULL;
    ok = ok && asprintf(&setting, "ENVSEAL_HANDOFF=%d", fd) > 0;
    if (!ok) {
        cli_error("cannot hand the secrets over outside the environment: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        free(setting);
        return -1;
    }
    for (size_t i = 0; i < env->n; i++)
        if (handed(env->v[i], cfg))
            env->v[i] = (char *)HANDOFF_SLOT;
    return envvec_put(env, "ENVSEAL_HANDOFF", setting);
}

void runhandoff_close(char *const *env)
{
    static const char key[] = "ENVSEAL_HANDOFF=";
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], key, sizeof key - 1) == 0) {
            char *end;
            long fd = strtol(env[i] + sizeof key - 1, &end, 10);
            if (*end == '\0' && fd >= 3 && fd <= INT_MAX)
                close((int)fd);
            return;
        }
}
