/* The mark of an envseal shim: an ELF note in an allocated section .note.envseal
 * (so also in a PT_NOTE segment), owner "envseal", type ENVSEAL_NOTE_TYPE, and a
 * description of two 32-bit words in the file's byte order: the ABI (what
 * `envseal run` may rely on: the ENVSEAL_* settings and exit codes) and the
 * flavour. A note, not a symbol: the shim exports only what it interposes.
 * `envseal run` reads it (cli/shimpath.c) before putting a file in LD_PRELOAD. */
#ifndef ENVSEAL_MARKER_NOTE_H
#define ENVSEAL_MARKER_NOTE_H

#ifndef ENVSEAL_NOTE_SECTION /* Mach-O names it otherwise (platform/darwin/compat.h) */
#define ENVSEAL_NOTE_SECTION ".note.envseal"
#endif
#define ENVSEAL_NOTE_NAME "envseal" /* with its NUL: namesz 8 */
#define ENVSEAL_NOTE_TYPE 1
#define ENVSEAL_NOTE_ABI 1

enum envseal_flavour {
    ENVSEAL_FLAVOUR_RELOCATE = 1, /* libenvseal.so */
    ENVSEAL_FLAVOUR_STRICT = 2,   /* libenvseal-strict.so (serves relocate mode too) */
};

#endif
