/* macOS: `envseal run` hands secrets over in a sealed memfd on Linux only
 * (core/handoff.h); here the variables stay in the program's environment until the
 * shim seals them, and a hand-off setting is refused as unreadable. */
#include "preload/core/handoff.h"

int handoff_receive(const struct config *c, char **envp, char **cur, const char **why, int *err)
{
    (void)c;
    (void)envp;
    (void)cur;
    *err = 0;
    *why = "the descriptor hand-off needs Linux (memfd seals)";
    return -1;
}

bool handoff_holds(const char *entry)
{
    (void)entry;
    return false;
}

void handoff_release(bool keep)
{
    (void)keep;
}

void handoff_discard(char **envp, char **cur)
{
    (void)envp; /* as after handoff_receive here: `envseal run` hands none over */
    (void)cur;
}
