/* Start-up and shutdown: runs before the program's main (called by the constructor
 * in platform_libc_*.c), seals the secrets of the initial environment, and wipes
 * the vault at exit and in fork children's copies. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mode.h"
#include "platform_libc.h"
#include "relocate.h"
#include "shim.h"
#include "signals.h"

extern char **environ;

static struct shim_state *const st = &envseal_state;

static void wipe_at_exit(void)
{
    size_t bad = vault_wipe(&st->vault);
    if (bad) {
        char n[21];
        log_line("error: vault overflow detected: ", log_u64(bad, n),
                 " secret value(s) were written past their end by the program", NULL);
    }
}

static void before_fork(void)
{
    shim_lock(st);
}

static void after_fork_parent(void)
{
    shim_unlock(st);
}

static void after_fork_child(void)
{
    /* secretmem is shared across fork: the child's exit wipe must hit its own copy. */
    vault_after_fork_child(&st->vault);
    shim_unlock(st);
}

static const char *errname(int err)
{
    const char *n = strerrorname_np(err);
    return n ? n : "error";
}

/* What protection is missing, or NULL when the vault is fully protected. */
static const char *degradation(const struct relocate_result *r, const char **why)
{
    const struct vault *v = &st->vault;
    *why = NULL;
    if (r->unsealed) {
        *why = errname(v->map_errno);
        return "no vault memory could be mapped; secrets left in the environment";
    }
    if (v->nregions == 0)
        return NULL;
    const struct mapping *m = &v->region[0];
    if (st->cfg.vault == VAULT_SECRETMEM && m->backing != BACKING_SECRETMEM) {
        *why = errname(v->first_report.secretmem_errno);
        return "memfd_secret unavailable (ENVSEAL_VAULT=secretmem)";
    }
    if (!m->locked) {
        *why = errname(v->first_report.mlock_errno);
        return "mlock refused (see RLIMIT_MEMLOCK, ulimit -l); secrets are sealed and "
               "wiped but their pages may be swapped";
    }
    if (!m->dontdump)
        return "MADV_DONTDUMP refused; secrets are sealed and wiped but may reach a core dump";
    return NULL;
}

void envseal_start(const char *argv0, char **envp)
{
    platform_set_program_name(argv0);
    config_load(&st->cfg, envp);
    if (!st->cfg.quiet)
        for (unsigned i = 0; i < st->cfg.nproblems; i++)
            log_line("warning: ignoring malformed setting ", st->cfg.problems[i], NULL, NULL);
    if (st->cfg.disabled)
        return;
    if (mode_check(&st->cfg) != 0) /* ENVSEAL_MODE=strict in libenvseal.so */
        _exit(ENVSEAL_EXIT_REFUSED);

    vault_init(&st->vault, st->cfg.vault != VAULT_ANON);
    struct relocate_result r;
    mode_relocate(&st->cfg, &st->vault, envp, environ, &r); /* relocate_secrets, + strict */
    platform_at_exit(wipe_at_exit);
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    st->active = true;
    signals_install(); /* after relocation: the hooks wipe what is now in the vault */

    const char *why;
    const char *what = r.secrets ? degradation(&r, &why) : NULL;
    if (!what)
        return;
    if (st->cfg.on_failure == ON_FAILURE_REFUSE) {
        vault_wipe(&st->vault);
        log_line("refusing to start: ", what, why ? " - " : NULL, why);
        _exit(ENVSEAL_EXIT_REFUSED);
    }
    if (!st->cfg.quiet)
        log_line("warning: ", what, why ? " - " : NULL, why);
}
