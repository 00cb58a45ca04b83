/* Start-up and shutdown: runs before the program's main (called by the constructor
 * in platform_libc_*.c), seals the secrets of the initial environment, and wipes
 * the vault at exit (exit and quick_exit) and in fork children's copies. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "preload/core/early_env.h"
#include "preload/core/handoff.h"
#include "preload/core/log.h"
#include "preload/core/mode.h"
#include "preload/platform/platform_libc.h"
#include "preload/core/relocate.h"
#include "preload/core/shim.h"
#include "preload/crash/signals.h"


static struct shim_state *const st = &envseal_state;

static void wipe_at_exit(void)
{
    if (shim_in_parent_memory())
        return; /* exit() in a vfork child: the vault is its parent's */
    size_t bad = vault_wipe(&st->vault);
    if (bad) {
        char n[21];
        log_line("error: vault overflow detected: ", log_u64(bad, n),
                 " secret value(s) were written past their end by the program", NULL);
    }
}

static const char *errname(int err)
{
    const char *n = strerrorname_np(err);
    return n ? n : "error";
}

/* Degraded protection is reported in one warning line per process, whether the
 * start-up vault or a region added later lacks it. */
static void warn_degraded(const char *what, int err)
{
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED) && !st->cfg.quiet)
        log_line("warning: ", what, err ? " - " : NULL, err ? errname(err) : NULL);
}

/* A region the vault mapped after start-up (see vault_policy). Each kind once. */
static void vault_event(enum vault_event ev, const char *what, int err)
{
    static int refused, no_memory;
    if (ev == VAULT_DEGRADED)
        warn_degraded(what, err);
    else if (ev == VAULT_REFUSED && !__atomic_exchange_n(&refused, 1, __ATOMIC_RELAXED))
        log_line("refusing a new secret (ENOMEM): ", what, err ? " - " : NULL,
                 err ? errname(err) : NULL);
    else if (ev == VAULT_NO_MEMORY && !__atomic_exchange_n(&no_memory, 1, __ATOMIC_RELAXED) &&
             !st->cfg.quiet)
        log_line("warning: ", what, "; the change was refused (ENOMEM) - ", errname(err));
}

struct first_degraded {
    const char *what;
    int err;
};

static void check_region(const struct vault_region *r, void *arg)
{
    struct first_degraded *d = arg;
    if (!d->what)
        d->what = vault_region_degradation(&st->vault, r, &d->err);
}

/* What protection is missing from any region, or NULL when the vault is fully
 * protected. */
static const char *degradation(const struct relocate_result *r, int *err)
{
    if (r->unsealed) {
        *err = st->vault.map_errno;
        return "no vault memory could be mapped; secrets left in the environment";
    }
    struct first_degraded d = {NULL, 0};
    vault_each_region(&st->vault, check_region, &d);
    if (!d.what)
        d.what = signals_degradation(&d.err);
    *err = d.err;
    return d.what;
}

/* The secrets `envseal run` handed over on a descriptor join envp before the
 * relocation below seals them. Without them: refused, or started with a warning
 * (even under ENVSEAL_QUIET: the program lacks variables it was given). */
static void receive_handoff(char **envp)
{
    const char *why;
    int err;
    if (handoff_receive(&st->cfg, envp, environ, &why, &err) == 0)
        return;
    bool refuse = st->cfg.on_failure == ON_FAILURE_REFUSE;
    log_line(refuse ? "refusing to start: " : "warning: ",
             "the secrets envseal run handed over could not be received: ", why,
             refuse ? NULL : "; starting without them");
    if (refuse)
        _exit(ENVSEAL_EXIT_REFUSED);
}

/* A set-user-ID, set-group-ID or file-capability program runs with its invoker's
 * environment and more privilege than its invoker; glibc has already removed the
 * variables that would steer it (GCONV_PATH, LOCPATH, LD_PRELOAD, ...). No ENVSEAL_*
 * setting steers it either: the defaults apply. A hand-off above all would put any
 * variable back into its environment, so it is dropped unread (the program starts
 * without those variables, with this one line). */
static void distrust_settings(char **envp)
{
    bool handoff = st->cfg.handoff;
    config_load(&st->cfg, NULL);
    if (!handoff)
        return;
    handoff_discard(envp, environ);
    log_line("warning: the secrets envseal run handed over were not received: ",
             "a set-user-ID (secure-execution) program takes none",
             "; starting without them", NULL);
}

void envseal_start(const char *argv0, char **envp)
{
    st->started = true; /* putenv strings from now on are not start-up's concern */
    platform_set_program_name(argv0);
    config_load(&st->cfg, envp);
    /* Asked only where a setting is present: the answer costs a symbol lookup. */
    if (st->cfg.any_setting && platform_secure_execution())
        distrust_settings(envp);
    if (!st->cfg.quiet)
        for (unsigned i = 0; i < st->cfg.nproblems; i++)
            log_line("warning: ignoring malformed setting ", st->cfg.problems[i], NULL, NULL);
    if (st->cfg.disabled)
        return;
    /* ENVSEAL_PTRACE=deny: other processes of the same user can no longer ptrace this
     * one or read its memory, and no core is written. exec resets it: every process
     * that loads the shim sets it again. */
    if (st->cfg.deny_ptrace && platform_deny_ptrace() != 0) {
        log_line("refusing to start: ENVSEAL_PTRACE=deny could not be applied", NULL, NULL,
                 NULL);
        _exit(ENVSEAL_EXIT_REFUSED);
    }
    int mode = mode_check(&st->cfg); /* ENVSEAL_MODE=strict in libenvseal.so */
    if (mode == MODE_STAND_DOWN)
        return; /* libenvseal-strict.so, loaded too, protects the process */
    if (mode != 0)
        _exit(ENVSEAL_EXIT_REFUSED);
    if (st->cfg.handoff)
        receive_handoff(envp);

    vault_init(&st->vault, st->cfg.vault != VAULT_ANON); /* memfd_secret on request */
    st->vault.policy.need_secretmem = st->cfg.vault == VAULT_SECRETMEM;
    st->vault.policy.refuse = st->cfg.on_failure == ON_FAILURE_REFUSE;
    st->vault.policy.report = vault_event;
    if (st->early_change) /* never written: what an earlier constructor gave putenv */
        st->vault.policy.callers = &st->early_putenv;
    struct relocate_result r;
    mode_relocate(&st->cfg, &st->vault, envp, environ, &r); /* relocate_secrets, + strict */
    /* Another envseal shim, initialized first, sealed the secrets (an
     * /etc/ld.so.preload shim and one in LD_PRELOAD, or two copies): it alone
     * protects the process; this one stays inactive, every interposer passing
     * through to the next definition, and installs nothing. */
    if (r.foreign) {
        handoff_release(false);
        if (mode_yield(&st->cfg, &r) != 0)
            _exit(ENVSEAL_EXIT_REFUSED);
        return;
    }
    /* envseal run handed these over as secrets; this shim's patterns may not cover
     * every name (another version, another configuration), and the payload is
     * unmapped below: sealed too, or environ would point into freed memory. */
    if (st->cfg.handoff)
        relocate_picked(&st->vault, envp, environ, handoff_holds, &r);
    if (st->early_change) { /* a constructor before ours set or removed variables */
        char *lo = NULL, *hi = NULL;
        if (!platform_env_strings(envp, &lo, &hi))
            lo = hi = NULL;
        early_env_mend(&st->cfg, &st->vault, envp, environ, lo, hi, &r);
    }
    handoff_release(r.unsealed > 0); /* what could not be sealed still points into it */
    platform_at_exit(wipe_at_exit); /* now, whether or not there are secrets: see start.c */
    platform_at_quick_exit(wipe_at_exit); /* quick_exit skips the above */
    /* From now on every new region is checked as it is mapped (vault_event). */
    st->vault.policy.enforce = true;
    st->active = true;
    /* After relocation: the hooks wipe what is now in the vault. A process with no
     * secret pays for none of it until it stores one (envops.c). */
    if (r.secrets)
        shim_secrets_held();

    int err = 0;
    const char *what = r.secrets ? degradation(&r, &err) : NULL;
    if (!what)
        return;
    if (st->cfg.on_failure == ON_FAILURE_REFUSE) {
        vault_wipe(&st->vault);
        log_line("refusing to start: ", what, err ? " - " : NULL, err ? errname(err) : NULL);
        _exit(ENVSEAL_EXIT_REFUSED);
    }
    warn_degraded(what, err);
}
