/* libexitprobe.so: preloaded before libenvseal.so so that its exit handler is
 * registered first and therefore runs after envseal's wipe. At that moment it
 * reports what getenv(ENVSEAL_TEST_NAME) returns, and whether any byte of the
 * value (read from the file ENVSEAL_TEST_EXPECT at start-up) is still in memory
 * of the vault mapping. Output goes to fd 1 with write(2). */
#define _GNU_SOURCE
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

static int vault_holds_value(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return -1;
    char line[512];
    int found = 0;
    size_t n = strlen(expect);
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (!strstr(line, "secretmem") && !strstr(line, "envseal-vault"))
            continue;
        if (sscanf(line, "%lx-%lx", &s, &e) == 2 && n &&
            memmem((void *)s, e - s, expect, n))
            found = 1;
    }
    fclose(f);
    return found;
}

static void late(void)
{
    const char *v = getenv(name);
    say(v == NULL ? "late getenv null\n" : v[0] ? "late getenv value\n" : "late getenv empty\n");
    int h = vault_holds_value();
    say(h == 0 ? "late vault clean\n" : h > 0 ? "late vault dirty\n" : "late vault unknown\n");
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
    atexit(late);
}
