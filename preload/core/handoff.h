/* Receiving the secrets `envseal run` hands over outside the environment (see
 * HANDOFF_MAGIC in config.h): read into a private buffer before the program's
 * code runs, put where the slots were, then sealed by the usual relocation. */
#ifndef ENVSEAL_HANDOFF_H
#define ENVSEAL_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>

#include "preload/core/config.h"

/* Reads c->handoff_fd, closes it, and replaces the HANDOFF_SLOT entries of envp
 * (and of cur, environ now, when it is another array) by the entries in order.
 * The slots left over and the ENVSEAL_HANDOFF entries are removed from both
 * arrays whatever happens, so no child inherits them. 0, or -1 with *why (a
 * static phrase) and *err (an errno value or 0) when nothing was received. */
int handoff_receive(const struct config *c, char **envp, char **cur, const char **why, int *err);

/* Removes the HANDOFF_SLOT and ENVSEAL_HANDOFF entries from envp and cur without
 * reading or closing anything: a hand-off that must not be received. */
void handoff_discard(char **envp, char **cur);

/* True when entry lies in the received payload: a handed-over entry that relocation
 * left in place (this shim's patterns do not cover its name). */
bool handoff_holds(const char *entry);

/* After relocation: the buffer is wiped and unmapped, unless keep (an entry could
 * not be sealed and still points into it). */
void handoff_release(bool keep);

/* The payload check alone (for tests and fuzzing): HANDOFF_MAGIC and its NUL,
 * then exactly n entries "NAME=value", each NUL-terminated, with a non-empty
 * name, reaching the end of buf. */
bool handoff_valid(const char *buf, size_t len, size_t n);

#endif
