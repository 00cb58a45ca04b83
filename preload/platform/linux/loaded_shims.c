/* Whether another envseal shim of a given flavour is loaded in this process: its
 * .note.envseal (core/marker_note.h) in a PT_NOTE segment of a loaded object.
 * Asked only in the rare case that needs it (mode.c), so dl_iterate_phdr is looked
 * up then rather than imported by every process. */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <string.h>

#include "preload/core/marker_note.h"
#include "preload/platform/interpose.h"
#include "preload/platform/platform.h"

typedef int (*iterate_fn)(int (*)(struct dl_phdr_info *, size_t, void *), void *);

static void *next_dl_iterate_phdr;

struct wanted {
    uint32_t flavour;
    const void *self; /* an address in this shim: its own note does not count */
};

static bool note_says(const unsigned char *p, size_t n, uint32_t flavour)
{
    while (n >= 12) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, p, 4);
        memcpy(&descsz, p + 4, 4);
        memcpy(&type, p + 8, 4);
        size_t name4 = (namesz + 3u) & ~3u, desc4 = (descsz + 3u) & ~3u;
        if (name4 > n - 12 || desc4 > n - 12 - name4)
            return false;
        const unsigned char *name = p + 12, *desc = name + name4;
        if (type == ENVSEAL_NOTE_TYPE && namesz == sizeof ENVSEAL_NOTE_NAME &&
            memcmp(name, ENVSEAL_NOTE_NAME, sizeof ENVSEAL_NOTE_NAME) == 0 && descsz >= 8) {
            uint32_t f;
            memcpy(&f, desc + 4, 4);
            if (flavour == 0 || f == flavour)
                return true;
        }
        p += 12 + name4 + desc4;
        n -= 12 + name4 + desc4;
    }
    return false;
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    const struct wanted *w = arg;
    bool self = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (uintptr_t)w->self >= start &&
            (uintptr_t)w->self < start + ph->p_memsz)
            self = true;
    }
    if (self)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_NOTE &&
            note_says((const unsigned char *)(info->dlpi_addr + ph->p_vaddr), ph->p_memsz,
                      w->flavour))
            return 1;
    }
    return 0;
}

bool platform_shim_loaded(unsigned flavour)
{
    iterate_fn iterate = REAL(dl_iterate_phdr, iterate_fn);
    struct wanted w = {flavour, (const void *)platform_shim_loaded};
    return iterate && iterate(visit, &w) == 1;
}
