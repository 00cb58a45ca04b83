/* libexitprobe.so: preloaded after libenvseal.so, so its constructor runs first and
 * its exit handler is registered before envseal's: exit() runs handlers in reverse,
 * so it runs after envseal's wipe. Its destructor, run by the loader before those
 * handlers, reports what a library sees at exit. It registers under no DSO handle (as the main
 * program's handlers are), so no library's __cxa_finalize runs it early. At that moment it
 * reports what getenv(ENVSEAL_TEST_NAME) returns, and whether any byte of the
 * value (read from the file ENVSEAL_TEST_EXPECT at start-up) is still in memory
 * of the vault mapping. Output goes to fd 1 with write(2). */
#define _GNU_SOURCE
#include "cli/vault_smaps.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char name[128];
static char expect[256];

static void say(const char *s)
{
    if (write(1, s, strlen(s)) < 0)
        return;
}

/* 1: a vault mapping holds the value; 0: the vault holds none; -1: no vault was
 * found to look in (then "clean" would prove nothing). */
static int vault_holds_value(void)
{
    struct vault_map m[64];
    int n = vault_smaps_read(0, m, 64);
    if (n <= 0)
        return -1;
    size_t len = strlen(expect);
    int found = 0;
    for (int i = 0; i < n && i < 64; i++)
        if (len && memmem((void *)m[i].start, m[i].end - m[i].start, expect, len))
            found = 1;
    return found;
}

static unsigned fnv(const char *v)
{
    unsigned h = 2166136261u;
    for (; *v; v++)
        h = (h ^ (unsigned char)*v) * 16777619u;
    return h;
}

/* A library destructor (run by the loader's _dl_fini, before the exit handlers that
 * were registered before it): the secret must still be readable here. */
__attribute__((destructor)) static void fini_report(void)
{
    if (!name[0])
        return;
    const char *v = getenv(name);
    char line[300];
    if (v)
        snprintf(line, sizeof line, "fini %s %zu:%08x\n", name, strlen(v), fnv(v));
    else
        snprintf(line, sizeof line, "fini %s (null)\n", name);
    say(line);
}

static void late(void)
{
    const char *v = getenv(name);
    say(v == NULL ? "late getenv null\n" : v[0] ? "late getenv value\n" : "late getenv empty\n");
    int h = vault_holds_value();
    say(h == 0 ? "late vault clean\n" : h > 0 ? "late vault dirty\n" : "late vault unknown\n");
}

int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);

static void late_arg(void *arg)
{
    (void)arg;
    late();
}

__attribute__((constructor)) static void init(void)
{
    const char *n = getenv("ENVSEAL_TEST_NAME"), *path = getenv("ENVSEAL_TEST_EXPECT");
    if (!n || !path)
        return;
    snprintf(name, sizeof name, "%s", n);
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        ssize_t r = read(fd, expect, sizeof expect - 1);
        expect[r > 0 ? r : 0] = '\0';
        close(fd);
    }
    __cxa_atexit(late_arg, NULL, NULL);
}
