#include "refglob.h"

#include <stdlib.h>
#include <string.h>

#include "preload/core/patterns.h" /* default_secret_patterns: the list itself is data */

bool ref_glob(const char *pat, size_t plen, const char *name, size_t nlen)
{
    /* ok[j]: the pattern's first i bytes match the name's first j bytes. */
    bool *ok = calloc(nlen + 1, sizeof *ok);
    if (!ok)
        abort();
    ok[0] = true;
    for (size_t i = 0; i < plen; i++) {
        if (pat[i] == '*') {
            for (size_t j = 1; j <= nlen; j++)
                ok[j] = ok[j] || ok[j - 1];
            continue;
        }
        for (size_t j = nlen; j > 0; j--)
            ok[j] = ok[j - 1] && (pat[i] == '?' || pat[i] == name[j - 1]);
        ok[0] = false;
    }
    bool r = ok[nlen];
    free(ok);
    return r;
}

static void add_item(struct ref_set *s, const char *p, size_t len)
{
    if (memchr(p, '=', len) || memchr(p, '\0', len) || s->n == REF_ITEMS_MAX || s->text + len + 1 > REF_TEXT_MAX) {
        s->rejected++;
        return;
    }
    s->item[s->n] = p;
    s->len[s->n++] = len;
    s->text += len + 1;
}

void ref_set_add_list(struct ref_set *s, const char *list, size_t len)
{
    const char *end = list + len;
    while (list <= end) {
        const char *comma = memchr(list, ',', (size_t)(end - list));
        const char *a = list, *b = comma ? comma : end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a)
            add_item(s, a, (size_t)(b - a));
        if (!comma)
            break;
        list = comma + 1;
    }
}

bool ref_set_match(const struct ref_set *s, const char *name, size_t nlen)
{
    for (unsigned i = 0; i < s->n; i++)
        if (ref_glob(s->item[i], s->len[i], name, nlen))
            return true;
    return false;
}

bool ref_default_match(const char *name, size_t nlen)
{
    for (const char *const *p = default_secret_patterns; *p; p++)
        if (ref_glob(*p, strlen(*p), name, nlen))
            return true;
    return false;
}

bool ref_reserved(const char *name, size_t nlen)
{
    return (nlen >= 3 && memcmp(name, "LD_", 3) == 0) ||
           (nlen >= 8 && memcmp(name, "ENVSEAL_", 8) == 0) ||
           (nlen == 14 && memcmp(name, "GLIBC_TUNABLES", 14) == 0);
}
