/* Where a save point (sigsetjmp with the mask, getcontext, swapcontext) leaves the
 * record of the fault signals the program blocks (crash/masks.c): the mask the C
 * library saves is the kernel's, and the kernel never has those six. The last
 * two words of the saved sigset_t, which neither the kernel (it writes 8 bytes) nor
 * the C library write: a mark naming the set's own address (a copy of the buffer,
 * or a mask the program filled anew with sigemptyset or sigfillset, has none), then
 * the record. A jump or switch back reads it there (longjmp.c). */
#ifndef ENVSEAL_PLATFORM_LINUX_SAVE_MARK_H
#define ENVSEAL_PLATFORM_LINUX_SAVE_MARK_H

#include <signal.h>
#include <stdint.h>

#include "preload/platform/valgrind.h"

#define SAVE_MARK 0x31656e7673656131ull
#define SAVE_MARK_WORD (sizeof(sigset_t) / sizeof(uint64_t) - 2)

_Static_assert(sizeof(sigset_t) >= 4 * sizeof(uint64_t), "room past the kernel's 8 bytes");

static inline void save_mark_write(sigset_t *set, uint64_t record)
{
    uint64_t *w = (uint64_t *)set + SAVE_MARK_WORD;
    w[0] = SAVE_MARK ^ (uint64_t)(uintptr_t)set;
    w[1] = record;
}

/* The record saved with set, or NULL (saved by none of ours). */
static inline const uint64_t *save_mark_read(const sigset_t *set)
{
    const uint64_t *w = (const uint64_t *)set + SAVE_MARK_WORD;
    uint64_t mark = w[0];
    /* The words may never have been written (a mask only the kernel or libc
     * filled, a sigprocmask into a fresh local): memcheck is told the copy compared
     * is defined, so that it reports nothing of ours on the program's bytes. */
    ENVSEAL_DECLARE_DEFINED(&mark, sizeof mark);
    return mark == (SAVE_MARK ^ (uint64_t)(uintptr_t)set) ? &w[1] : (const uint64_t *)0;
}

#endif

