#define _GNU_SOURCE
#include "preload/core/mode.h"

#include "preload/core/log.h"
#include "preload/core/marker_note.h"
#include "preload/platform/platform.h"
#if ENVSEAL_STRICT
#include "preload/interposers/strict.h"
#endif

int mode_check(struct config *c)
{
#if ENVSEAL_STRICT
    if (c->mode != MODE_STRICT || !strict_loaded_too_late())
        return 0;
    c->mode = MODE_RELOCATE;
    if (c->on_failure == ON_FAILURE_REFUSE) {
        log_line("refusing to start: libenvseal-strict.so was loaded with dlopen, after ",
                 "the program bound libc's getenv; strict mode needs it preloaded", NULL,
                 NULL);
        return -1;
    }
    if (!c->quiet)
        log_line("warning: libenvseal-strict.so was loaded with dlopen, after the program ",
                 "bound libc's getenv (strict secrets would vanish from it); running in ",
                 "relocate mode", NULL);
    return 0;
#else
    if (c->mode != MODE_STRICT)
        return 0;
    /* /etc/ld.so.preload names this library and envseal run --mode strict added
     * libenvseal-strict.so: whichever of the two starts first, strict mode it is. */
    if (platform_shim_loaded(ENVSEAL_FLAVOUR_STRICT))
        return MODE_STAND_DOWN;
    c->mode = MODE_RELOCATE;
    if (c->on_failure == ON_FAILURE_REFUSE) {
        log_line("refusing to start: ENVSEAL_MODE=strict needs libenvseal-strict.so "
                 "(this is libenvseal.so: relocate mode only)",
                 NULL, NULL, NULL);
        return -1;
    }
    if (!c->quiet)
        log_line("warning: ENVSEAL_MODE=strict needs libenvseal-strict.so "
                 "(this is libenvseal.so); running in relocate mode",
                 NULL, NULL, NULL);
    return 0;
#endif
}

int mode_yield(const struct config *c, const struct relocate_result *r)
{
#if ENVSEAL_STRICT
    if (c->mode != MODE_STRICT || !r->foreign_strict)
        return 0;
    if (c->on_failure == ON_FAILURE_REFUSE) {
        log_line("refusing to start: another envseal shim, started first, protects this ",
                 "process in relocate mode, not strict mode (set ENVSEAL_MODE=strict: ",
                 "libenvseal.so then leaves the process to libenvseal-strict.so)", NULL);
        return -1;
    }
    if (!c->quiet)
        log_line("warning: another envseal shim, started first, protects this process in ",
                 "relocate mode, not strict mode (set ENVSEAL_MODE=strict: libenvseal.so ",
                 "then leaves the process to libenvseal-strict.so)", NULL);
#else
    (void)c, (void)r;
#endif
    return 0;
}

void mode_relocate(const struct config *c, struct vault *v, char **envp, char **cur,
                   struct relocate_result *res)
{
#if ENVSEAL_STRICT
    struct relocate_result strict = {0};
    if (c->mode == MODE_STRICT)
        strict_start(c, v, envp, cur, &strict);
    if (strict.foreign) { /* strict secrets another shim sealed and left in place */
        *res = strict;
        res->foreign_strict = true;
        return;
    }
    /* What strict mode could not store stays in place and is counted below. */
    relocate_secrets(c, v, envp, cur, res);
    res->secrets += strict.sealed;
    res->sealed += strict.sealed;
#else
    relocate_secrets(c, v, envp, cur, res);
#endif
}
