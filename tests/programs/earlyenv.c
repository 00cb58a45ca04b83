/* libearlyenv.so: a library a program links, whose constructor glibc runs before
 * a preloaded library's, and which changes the environment there, as EARLY_MODE
 * says: "replace" sets APP_TOKEN anew, "unset" removes it, "add" sets EARLY_TOKEN,
 * "clear" empties the environment and sets EARLY_TOKEN; "putenv-add" and
 * "putenv-replace" hand putenv a string of their own, on a read-only page, for
 * EARLY_TOKEN and APP_TOKEN (a string literal is just as read-only). The new value
 * is "early-" and APP_TOKEN's value reversed: it appears nowhere in the environment
 * given.
 * (tests/integration/early_env_test.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void earlyenv_linked(void);

void earlyenv_linked(void)
{
}

__attribute__((constructor)) static void change_environment(void)
{
    const char *mode = getenv("EARLY_MODE"), *v = getenv("APP_TOKEN");
    if (!mode || !v)
        return;
    char d[256] = "early-";
    size_t n = strlen(v), at = strlen(d);
    if (n + at >= sizeof d)
        return;
    for (size_t i = 0; i < n; i++)
        d[at + i] = v[n - 1 - i];
    d[at + n] = '\0';
    if (strcmp(mode, "replace") == 0) {
        setenv("APP_TOKEN", d, 1);
    } else if (strcmp(mode, "unset") == 0) {
        unsetenv("APP_TOKEN");
    } else if (strcmp(mode, "add") == 0) {
        setenv("EARLY_TOKEN", d, 1);
    } else if (strcmp(mode, "putenv-add") == 0 || strcmp(mode, "putenv-replace") == 0) {
        char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED)
            return;
        snprintf(page, 4096, "%s=%s", mode[7] == 'a' ? "EARLY_TOKEN" : "APP_TOKEN", d);
        mprotect(page, 4096, PROT_READ);
        putenv(page);
    } else if (strcmp(mode, "clear") == 0) {
        clearenv();
        setenv("EARLY_TOKEN", d, 1);
    }
    explicit_bzero(d, sizeof d);
}
