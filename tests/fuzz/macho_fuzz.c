/* The Mach-O reader behind `envseal check` (cli/macho.c, cli/machoinfo.c) on
 * arbitrary images: no memory error, no undefined behaviour, and consistent
 * answers (an error always names its fault, and every count stays in bounds). */
#include <string.h>

#include "cli/machoinfo.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct machoinfo o;
    int v = machoinfo_analyze_mem(data, size, &o);
    FUZZ_CHECK(v == o.verdict && v >= 0 && v <= 3);
    FUZZ_CHECK((v == 3) == (o.error[0] != '\0'));
    FUZZ_CHECK(memchr(o.error, '\0', sizeof o.error));
    FUZZ_CHECK(o.m.narch >= 0 && o.m.narch <= MACHO_ARCH_MAX);
    for (int i = 0; i < o.m.narch; i++) {
        const struct macho_arch *a = &o.m.arch[i];
        FUZZ_CHECK(a->ndylibs >= 0 && a->ndylibs <= MACHO_DYLIBS_MAX);
        for (int k = 0; k < a->ndylibs; k++)
            FUZZ_CHECK(memchr(a->dylibs[k], '\0', sizeof a->dylibs[k]));
        FUZZ_CHECK(o.arch[i].nreasons >= 0 && o.arch[i].nreasons <= MACHOINFO_REASONS_MAX);
    }
    return 0;
}
