#define _GNU_SOURCE
#include "preload/core/log.h"

#include <string.h>

#include "preload/platform/platform.h"

static size_t append(char *buf, size_t at, size_t cap, const char *s)
{
    if (!s)
        return at;
    size_t n = strlen(s);
    if (n > cap - at)
        n = cap - at;
    memcpy(buf + at, s, n);
    return at + n;
}

void log_line(const char *a, const char *b, const char *c, const char *d)
{
    char buf[512];
    const size_t cap = sizeof buf - 1;
    size_t n = append(buf, 0, cap, "envseal: ");
    n = append(buf, n, cap, platform_program_name());
    n = append(buf, n, cap, ": ");
    n = append(buf, n, cap, a);
    n = append(buf, n, cap, b);
    n = append(buf, n, cap, c);
    n = append(buf, n, cap, d);
    buf[n++] = '\n';
    platform_write_stderr(buf, n);
}

char *log_u64(unsigned long long n, char *buf)
{
    char tmp[21];
    size_t i = 0;
    do {
        tmp[i++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (size_t j = 0; j < i; j++)
        buf[j] = tmp[i - 1 - j];
    buf[i] = '\0';
    return buf;
}
