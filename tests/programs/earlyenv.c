/* libearlyenv.so: a library a program links, whose constructor glibc runs before
 * a preloaded library's, and which changes the environment there, as EARLY_MODE
 * says: "replace" sets APP_TOKEN anew, "unset" removes it, "add" sets EARLY_TOKEN,
 * "clear" empties the environment and sets EARLY_TOKEN; "putenv-add" and
 * "putenv-replace" hand putenv a string of their own, on a read-only page, for
 * EARLY_TOKEN and APP_TOKEN (a string literal is just as read-only). The new value
 * is "early-" and APP_TOKEN's value reversed: it appears nowhere in the environment
 * given. "putenv-freed" hands putenv a heap string of a plain name, unsets and
 * frees it, then sets EARLY_TOKEN (glibc's copy lands where that string was); "putenv-many" gives putenv 17
 * read-only strings of plain names, then EARLY_TOKEN's, more than envseal lists.
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
    } else if (strcmp(mode, "putenv-many") == 0) {
        /* More putenv strings at once than envseal lists (16): 17 plain ones, then
         * EARLY_TOKEN, all on one read-only page. */
        char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED)
            return;
        char *at[18];
        size_t off = 0;
        for (int i = 0; i < 18; i++) {
            at[i] = page + off;
            int n = i < 17 ? snprintf(at[i], 4096 - off, "EARLY_PLAIN%d=x", i)
                           : snprintf(at[i], 4096 - off, "EARLY_TOKEN=%s", d);
            off += (size_t)n + 1;
        }
        mprotect(page, 4096, PROT_READ);
        for (int i = 0; i < 18; i++)
            putenv(at[i]);
    } else if (strcmp(mode, "putenv-freed") == 0) {
        /* A putenv string that leaves the environment and is freed: glibc's copy
         * of the secret set next gets its address back from malloc. */
        size_t len = strlen("EARLY_TOKEN=") + strlen(d) + 1;
        char *s = malloc(len);
        if (!s)
            return;
        snprintf(s, len, "EARLY_NOTE=%*s", (int)(len - 12), "harmless");
        putenv(s);
        unsetenv("EARLY_NOTE");
        free(s);
        setenv("EARLY_TOKEN", d, 1);
    } else if (strcmp(mode, "clear") == 0) {
        clearenv();
        setenv("EARLY_TOKEN", d, 1);
    }
    explicit_bzero(d, sizeof d);
}
