#include "refmask.h"

#include <string.h>

size_t refmask(const struct masker_secret *s, size_t ns, const unsigned char *in, size_t n,
               const unsigned char *mask, size_t mask_len, unsigned char *out)
{
    size_t o = 0, done = 0;
    for (size_t a = 0; a < n; a++) {
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
    memcpy(out + o, in + done, n - done);
    return o + n - done;
}
