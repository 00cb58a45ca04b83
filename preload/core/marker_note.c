/* The .note.envseal note of this build of the shim (see marker_note.h). Nothing
 * refers to it: `used` keeps it, and a section named .note* is SHT_NOTE. Also in
 * //preload:all_srcs, so a sanitizer build of the shim is accepted by `run`. */
#include <stdint.h>

#include "preload/core/marker_note.h"

#if ENVSEAL_STRICT
#define FLAVOUR ENVSEAL_FLAVOUR_STRICT
#else
#define FLAVOUR ENVSEAL_FLAVOUR_RELOCATE
#endif

struct envseal_note {
    uint32_t namesz, descsz, type;
    char name[8];
    uint32_t abi, flavour;
};

__attribute__((section(ENVSEAL_NOTE_SECTION), used, aligned(4))) static const struct envseal_note
    envseal_note = {
        sizeof ENVSEAL_NOTE_NAME, 8, ENVSEAL_NOTE_TYPE, ENVSEAL_NOTE_NAME, ENVSEAL_NOTE_ABI,
        FLAVOUR,
};
