#define _GNU_SOURCE
#include "preload/core/patterns.h"

#include <string.h>

bool glob_match(const char *pat, size_t plen, const char *name, size_t nlen)
{
    /* Iterative matcher with single backtrack point: linear for '*'-only patterns. */
    size_t p = 0, n = 0, star_p = (size_t)-1, star_n = 0;
    while (n < nlen) {
        if (p < plen && pat[p] == '*') { /* before the literal test: a name may hold '*' */
            star_p = p++;
            star_n = n;
        } else if (p < plen && (pat[p] == '?' || pat[p] == name[n])) {
            p++;
            n++;
        } else if (star_p != (size_t)-1) {
            p = star_p + 1;
            n = ++star_n;
        } else {
            return false;
        }
    }
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}

uint32_t pattern_class_bit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return 1u << (c - 'A');
    if (c >= 'a' && c <= 'z')
        return 1u << (c - 'a');
    if (c == '_')
        return 1u << 26;
    if (c >= '0' && c <= '9')
        return 1u << 27;
    return 1u << 28;
}

uint32_t name_class_mask(const char *s, size_t len)
{
    /* Table form of pattern_class_bit (generated): this runs for every variable of
     * every preloaded process at start-up. */
    uint32_t m = 0;
    for (size_t i = 0; i < len; i++)
        m |= pattern_class_table[(unsigned char)s[i]];
    return m;
}

void pattern_set_clear(struct pattern_set *s)
{
    s->n = 0;
    s->used = 0;
}

int pattern_set_add(struct pattern_set *s, const char *pat, size_t len)
{
    if (len == 0 || len > 0xffff || s->n >= PATTERNS_MAX || s->used + len + 1 > PATTERNS_TEXT_MAX)
        return -1;
    if (memchr(pat, '=', len) || memchr(pat, '\0', len))
        return -1; /* '=' can never be part of a variable name */

    char *copy = s->text + s->used;
    memcpy(copy, pat, len);
    copy[len] = '\0';
    s->used += len + 1;

    size_t stars = 0, questions = 0;
    for (size_t i = 0; i < len; i++) {
        stars += pat[i] == '*';
        questions += pat[i] == '?';
    }
    struct pattern *p = &s->p[s->n++];
    p->lit = copy;
    p->len = (uint16_t)len;
    p->kind = PAT_GLOB;
    bool lead = pat[0] == '*', trail = pat[len - 1] == '*';
    if (stars == len) {
        p->kind = PAT_ANY;
        p->len = 0;
    } else if (questions == 0 && stars == 0) {
        p->kind = PAT_EXACT;
    } else if (questions == 0 && stars == 1 && trail) {
        p->kind = PAT_PREFIX;
        p->len = (uint16_t)(len - 1);
    } else if (questions == 0 && stars == 1 && lead) {
        p->kind = PAT_SUFFIX;
        p->lit = copy + 1;
        p->len = (uint16_t)(len - 1);
    } else if (questions == 0 && stars == 2 && lead && trail && len > 2) {
        p->kind = PAT_INFIX;
        p->lit = copy + 1;
        p->len = (uint16_t)(len - 2);
    }
    /* Classes of the literal bytes (wildcards excluded) the name must contain. */
    p->need = 0;
    for (size_t i = 0; i < len; i++)
        if (pat[i] != '*' && pat[i] != '?')
            p->need |= pattern_class_bit((unsigned char)pat[i]);
    return 0;
}

int pattern_set_add_list(struct pattern_set *s, const char *list, size_t len)
{
    int rejected = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && list[i] != ',')
            continue;
        size_t a = start, b = i;
        while (a < b && (list[a] == ' ' || list[a] == '\t'))
            a++;
        while (b > a && (list[b - 1] == ' ' || list[b - 1] == '\t'))
            b--;
        if (b > a && pattern_set_add(s, list + a, b - a) != 0)
            rejected++;
        start = i + 1;
    }
    return rejected;
}

static bool contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen > hlen)
        return false;
    const char first = needle[0];
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (hay[i] == first && memcmp(hay + i + 1, needle + 1, nlen - 1) == 0)
            return true;
    return false;
}

bool pattern_set_match(const struct pattern_set *s, const char *name, size_t nlen, uint32_t mask)
{
    for (unsigned i = 0; i < s->n; i++) {
        const struct pattern *p = &s->p[i];
        if ((p->need & ~mask) != 0)
            continue;
        size_t l = p->len;
        switch (p->kind) {
        case PAT_ANY:
            return true;
        case PAT_EXACT:
            if (l == nlen && memcmp(name, p->lit, l) == 0)
                return true;
            break;
        case PAT_PREFIX:
            if (l <= nlen && memcmp(name, p->lit, l) == 0)
                return true;
            break;
        case PAT_SUFFIX:
            if (l <= nlen && name[nlen - 1] == p->lit[l - 1] &&
                memcmp(name + nlen - l, p->lit, l) == 0)
                return true;
            break;
        case PAT_INFIX:
            if (contains(name, nlen, p->lit, l))
                return true;
            break;
        default:
            if (glob_match(p->lit, l, name, nlen))
                return true;
            break;
        }
    }
    return false;
}

bool default_patterns_match(const char *name, size_t nlen)
{
    if (!default_automaton_usable)
        return pattern_set_match(&default_patterns_compiled, name, nlen,
                                 name_class_mask(name, nlen));
    const unsigned eq = default_automaton_width - 2; /* the column of '=' */
    unsigned row = 0;
    for (size_t i = 0; i < nlen; i++) {
        unsigned c = default_automaton_class[(unsigned char)name[i]];
        row = default_automaton_next[row + (c >= eq ? 0 : c)]; /* not the end here */
    }
    return default_automaton_accepts(default_automaton_next[row + eq], nlen);
}
