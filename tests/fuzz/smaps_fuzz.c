/* How `envseal status` tells the vault in /proc/PID/smaps (cli/vault_smaps.c), on
 * arbitrary text: no memory error, no undefined behaviour, and consistent answers
 * (the count does not depend on how many entries the caller keeps room for, the
 * entries kept are the first ones, and there are never more than VmFlags lines). */
#include <stdlib.h>
#include <string.h>

#include "cli/vault_smaps.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct vault_map all[8], one[1];
    int n = vault_smaps_parse(text, all, 8);
    FUZZ_CHECK(n >= 0 && vault_smaps_parse(text, one, 1) == n);
    FUZZ_CHECK(vault_smaps_parse(text, NULL, 0) == n);
    if (n > 0) /* field by field: the padding is not part of the answer */
        FUZZ_CHECK(one[0].start == all[0].start && one[0].end == all[0].end &&
                   one[0].secretmem == all[0].secretmem && one[0].locked == all[0].locked &&
                   one[0].dontdump == all[0].dontdump);
    int flags_lines = 0;
    for (const char *p = text; (p = strstr(p, "VmFlags:")) != NULL; p++)
        flags_lines++;
    FUZZ_CHECK(n <= flags_lines);
    free(text);
    return 0;
}
