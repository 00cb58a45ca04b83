/* `envseal run`'s hand-off: the secret entries of the program's environment move
 * into a sealed memfd the program inherits (ENVSEAL_HANDOFF=FD), each replaced by
 * a HANDOFF_SLOT entry that the shim fills before the program's code runs (see
 * preload/core/config.h). The values are never in the program's environment block. */
#ifndef ENVSEAL_CLI_RUNHANDOFF_H
#define ENVSEAL_CLI_RUNHANDOFF_H

#include "envvec.h"
#include "preload/core/config.h"

/* Removes any ENVSEAL_HANDOFF and HANDOFF_SLOT entries env inherited: only this
 * run's own hand-off may use them. */
void runhandoff_strip(struct envvec *env);

/* Moves every entry of env that cfg makes secret into the memfd (left open across
 * exec, number >= 3). 0, or -1 after printing why (nothing is then changed). */
int runhandoff_prepare(struct envvec *env, const struct config *cfg);

/* Closes this process's descriptor of the memfd env's ENVSEAL_HANDOFF names, if
 * any: `run --redact` stays beside the program, which has its own copy. */
void runhandoff_close(char *const *env);

#endif
