#include "refmask.h"

#include <stdbool.h>
#include <string.h>

/* First position whose remaining bytes are a proper prefix of some secret. */
static size_t first_open(const struct masker_secret *s, size_t ns, const unsigned char *in,
                         size_t n)
{
    size_t longest = 0;
    for (size_t k = 0; k < ns; k++)
        if (s[k].len > longest)
            longest = s[k].len;
    for (size_t c = n > longest ? n - longest : 0; c < n; c++)
        for (size_t k = 0; k < ns; k++)
            if (s[k].len > n - c && memcmp(in + c, s[k].p, n - c) == 0)
                return c;
    return n;
}

/* Occurrences starting before `hold` are masked; bytes before it otherwise pass. */
static size_t render(const struct masker_secret *s, size_t ns, const unsigned char *in,
                     size_t n, size_t hold, const unsigned char *mask, size_t mask_len,
                     unsigned char *out)
{
    size_t o = 0, done = 0;
    for (size_t a = 0; a < hold; a++) {
        size_t best = 0;
        for (size_t k = 0; k < ns; k++)
            if (s[k].len <= n - a && s[k].len > best && memcmp(in + a, s[k].p, s[k].len) == 0)
                best = s[k].len;
        if (!best)
            continue;
        if (a < done) {
            if (a + best > done)
                done = a + best;
            continue;
        }
        memcpy(out + o, in + done, a - done);
        o += a - done;
        memcpy(out + o, mask, mask_len);
        o += mask_len;
        done = a + best;
    }
    if (done < hold) {
        memcpy(out + o, in + done, hold - done);
        o += hold - done;
    }
    return o;
}

size_t refmask(const struct masker_secret *s, size_t ns, const unsigned char *in, size_t n,
               const unsigned char *mask, size_t mask_len, unsigned char *out)
{
    return render(s, ns, in, n, n, mask, mask_len, out);
}

size_t refmask_so_far(const struct masker_secret *s, size_t ns, const unsigned char *in,
                      size_t n, const unsigned char *mask, size_t mask_len, unsigned char *out)
{
    return render(s, ns, in, n, first_open(s, ns, in, n), mask, mask_len, out);
}
