/* Pattern compile and match (preload/core/patterns.c) against the reference glob.
 * Input: a comma-separated pattern list (as ENVSEAL_SECRETS holds), then one name
 * per line (any bytes). For every name: the compiled set, each pattern's glob_match,
 * the built-in patterns (list and the automaton generated at build time) and the
 * quick-reject class mask agree with the reference. */
#define _GNU_SOURCE
#include <string.h>

#include "preload/core/patterns.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/refglob.h"

static struct pattern_set set;

static void check_name(const struct ref_set *ref, const char *name, size_t nlen)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < nlen; i++)
        mask |= pattern_class_bit((unsigned char)name[i]);
    FUZZ_CHECK(name_class_mask(name, nlen) == mask);

    FUZZ_CHECK(pattern_set_match(&set, name, nlen, mask) == ref_set_match(ref, name, nlen));
    for (unsigned i = 0; i < ref->n; i++)
        FUZZ_CHECK(glob_match(ref->item[i], ref->len[i], name, nlen) ==
                   ref_glob(ref->item[i], ref->len[i], name, nlen));

    bool dflt = ref_default_match(name, nlen);
    FUZZ_CHECK(default_patterns_match(name, nlen) == dflt);
    FUZZ_CHECK(pattern_set_match(&default_patterns_compiled, name, nlen, mask) == dflt);

    /* The start-up scan of a "NAME=value" entry and of an entry without '=' (which
     * it never matches): the name ends at the first '=' or NUL, which a name
     * handed to it never holds. */
    if (!default_automaton_usable || memchr(name, '=', nlen) || memchr(name, '\0', nlen))
        return;
    char entry[nlen + 3];
    memcpy(entry, name, nlen);
    memcpy(entry + nlen, "=v", 3);
    bool hit;
    FUZZ_CHECK(default_automaton_scan(entry, &hit) == nlen && hit == dflt);
    entry[nlen] = '\0'; /* no value: never a match */
    FUZZ_CHECK(default_automaton_scan(entry, &hit) == nlen && !hit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    size_t llen;
    const char *list = (const char *)in_until(&in, '\n', &llen);

    pattern_set_clear(&set);
    struct ref_set ref = {0};
    ref_set_add_list(&ref, list, llen);
    int rejected = pattern_set_add_list(&set, list, llen);
    FUZZ_CHECK(rejected == (int)ref.rejected);
    FUZZ_CHECK(set.n == ref.n);

    while (in.n) {
        size_t nlen;
        const char *name = (const char *)in_until(&in, '\n', &nlen);
        check_name(&ref, name, nlen);
    }
    return 0;
}
