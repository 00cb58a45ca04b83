/* svcapp: stands in for /usr/bin/app of the systemd examples (packaging/systemd) in
 * tests/release/deb_test.py. Takes no arguments, as the units start it: prints
 * "NAME len:fnv" (FNV-1a of the value, never the value) or "NAME (null)" for each
 * secret the examples hand it, then "ready", and waits for one line on stdin so
 * that the test can read /proc/PID/environ while it runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"DB_PASSWORD", "API_TOKEN"};

int main(void)
{
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *v = getenv(names[i]);
        if (!v) {
            printf("%s (null)\n", names[i]);
            continue;
        }
        uint32_t h = 2166136261u;
        for (const char *p = v; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        printf("%s %zu:%08x\n", names[i], strlen(v), h);
    }
    printf("ready\n");
    fflush(stdout);
    char line[16];
    return fgets(line, sizeof line, stdin) ? 0 : 1;
}
