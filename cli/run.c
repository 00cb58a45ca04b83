/* envseal run [options] [--] PROGRAM [ARGS...]: preloads libenvseal.so with the
 * chosen settings and execs the program (or, with --redact, supervises it). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "elfinfo.h"
#include "envvec.h"
#include "masker.h"
#include "opts.h"
#include "preload/core/config.h"
#include "preload/core/marker_note.h"
#include "progpath.h"
#include "runenv.h"
#include "runhandoff.h"
#include "secmem.h"
#include "secretcmd.h"
#include "secretfile.h"
#include "shimlib.h"
#include "shimpath.h"
#include "supervise.h"

extern char **environ;

#define RUN_SETTINGS_MAX 16
#define RUN_FILES_MAX 64

struct run_opts {
    struct run_setting settings[RUN_SETTINGS_MAX];
    int nsettings;
    struct run_secret_file files[RUN_FILES_MAX];
    int nfiles;
    bool redact;
    const char *mask;
    const char *library;
};

static struct run_setting *setting_slot(struct run_opts *r, const char *var)
{
    for (int i = 0; i < r->nsettings; i++)
        if (strcmp(r->settings[i].var, var) == 0)
            return &r->settings[i];
    if (r->nsettings >= RUN_SETTINGS_MAX)
        return NULL;
    struct run_setting *s = &r->settings[r->nsettings++];
    *s = (struct run_setting){var, NULL, false};
    return s;
}

/* --OPTION VALUE sets o->setting to VALUE (the last one given wins). */
static int setting_replace(void *ctx, const struct opt *o, const char *v)
{
    struct run_setting *s = setting_slot(ctx, o->setting);
    if (!s)
        return -1;
    free(s->value);
    s->value = strdup(v);
    s->append = false;
    return s->value ? 0 : -1;
}

/* --OPTION LIST adds comma-separated items to o->setting (repeatable, and added to
 * the value inherited from the environment). */
static int setting_append(void *ctx, const struct opt *o, const char *v)
{
    struct run_setting *s = setting_slot(ctx, o->setting);
    if (!s)
        return -1;
    char *joined;
    if (asprintf(&joined, "%s%s%s", s->value ? s->value : "", s->value ? "," : "", v) < 0)
        return -1;
    free(s->value);
    s->value = joined;
    s->append = true;
    return 0;
}

/* A flag sets o->setting to o->fixed. */
static int setting_flag(void *ctx, const struct opt *o, const char *v)
{
    (void)v;
    return setting_replace(ctx, o, o->fixed);
}

/* --secret-file NAME=PATH and --secret-cmd NAME=COMMAND (o->name says which). */
static int add_secret_file(void *ctx, const struct opt *o, const char *v)
{
    struct run_opts *r = ctx;
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || eq[1] == '\0') {
        cli_error("--%s wants %s, got '%s'", o->name, o->metavar, v);
        return -1;
    }
    size_t nlen = (size_t)(eq - v);
    if (!secretfile_valid_name(v, nlen)) {
        cli_error("--%s: '%.*s' is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)", o->name,
                  (int)nlen, v);
        return -1;
    }
    if ((nlen >= 3 && memcmp(v, "LD_", 3) == 0) || (nlen >= 8 && memcmp(v, "ENVSEAL_", 8) == 0) ||
        (nlen == 14 && memcmp(v, "GLIBC_TUNABLES", 14) == 0)) {
        cli_error("--%s: %.*s is reserved (LD_*, ENVSEAL_*, GLIBC_TUNABLES are never sealed)",
                  o->name, (int)nlen, v);
        return -1;
    }
    if (r->nfiles >= RUN_FILES_MAX) {
        cli_error("too many --secret-file and --secret-cmd options (at most %d)", RUN_FILES_MAX);
        return -1;
    }
    r->files[r->nfiles++] =
        (struct run_secret_file){v, nlen, eq + 1, strcmp(o->name, "secret-cmd") == 0};
    return 0;
}

static int set_redact(void *ctx, const struct opt *o, const char *v)
{
    (void)o;
    (void)v;
    ((struct run_opts *)ctx)->redact = true;
    return 0;
}

static int set_mask(void *ctx, const struct opt *o, const char *v)
{
    (void)o;
    ((struct run_opts *)ctx)->mask = v;
    return 0;
}

static int set_library(void *ctx, const struct opt *o, const char *v)
{
    (void)o;
    ((struct run_opts *)ctx)->library = v;
    return 0;
}

static const char *const vault_choices[] = {"anon", "secretmem", "auto", NULL};
static const char *const failure_choices[] = {"warn", "refuse", NULL};
static const char *const mode_choices[] = {"relocate", "strict", NULL};

/* One entry per option. An option for a further ENVSEAL_* setting is one more line
 * with setting_replace/setting_flag/setting_append and its variable. */
static const struct opt run_table[] = {
    {"secret-file", 0, "NAME=PATH", add_secret_file, NULL, NULL, NULL,
     "set NAME to the contents of PATH, sealed (repeatable)"},
    {"secret-cmd", 0, "NAME=COMMAND", add_secret_file, NULL, NULL, NULL,
     "set NAME to what COMMAND prints (run by /bin/sh), sealed (repeatable, in order)"},
    {"redact", 0, NULL, set_redact, NULL, NULL, NULL,
     "mask secret values in the program's stdout and stderr"},
    {"mask", 0, "TEXT", set_mask, NULL, NULL, NULL,
     "what --redact writes instead of a secret (default [REDACTED])"},
    {"secrets", 0, "PATTERNS", setting_append, "ENVSEAL_SECRETS", NULL, NULL,
     "more secret name patterns, comma-separated (repeatable)"},
    {"exclude", 0, "PATTERNS", setting_append, "ENVSEAL_EXCLUDE", NULL, NULL,
     "names never to seal, comma-separated (repeatable)"},
    {"no-defaults", 0, NULL, setting_flag, "ENVSEAL_DEFAULTS", "0", NULL,
     "drop the built-in patterns: only --secrets counts"},
    {"vault", 0, "KIND", setting_replace, "ENVSEAL_VAULT", NULL, vault_choices,
     "anon (the default), secretmem (memfd_secret, required) or auto "
     "(memfd_secret where the kernel has it)"},
    {"on-failure", 0, "POLICY", setting_replace, "ENVSEAL_ON_FAILURE", NULL, failure_choices,
     "warn or refuse (exit 111) when protection is degraded"},
    {"mode", 0, "MODE", setting_replace, "ENVSEAL_MODE", NULL, mode_choices,
     "relocate (default) or strict (preloads libenvseal-strict.so)"},
    {"strict-secrets", 0, "PATTERNS", setting_append, "ENVSEAL_STRICT_SECRETS", NULL, NULL,
     "strict mode: only these secrets leave environ (repeatable)"},
    {"child-secrets", 0, "POLICY", setting_replace, "ENVSEAL_CHILD_SECRETS", NULL, NULL,
     "strict mode: none (default), all, or patterns children inherit"},
    {"deny-ptrace", 0, NULL, setting_flag, "ENVSEAL_PTRACE", "deny", NULL,
     "no ptrace, /proc/PID/mem or core dumps of the program (non-dumpable)"},
    {"quiet", 'q', NULL, setting_flag, "ENVSEAL_QUIET", "1", NULL, "no warning lines"},
    {"library", 0, "PATH", set_library, NULL, NULL, NULL,
     "the envseal shim to preload (default: found beside envseal)"},
    {0},
};

static void help(void)
{
    printf("Usage: envseal run [OPTIONS] [--] PROGRAM [ARGS...]\n"
           "\n"
           "Runs PROGRAM with libenvseal.so preloaded: its secret environment variables\n"
           "are moved into a locked, non-dumpable vault at start-up and wiped at exit.\n"
           "Without --redact envseal execs PROGRAM (same PID, same exit status).\n"
           "\n"
           "Options:\n");
    opts_print_help(stdout, run_table);
    printf("\n"
           "Options that name a setting override the ENVSEAL_* variable of the same\n"
           "name (--secrets and --exclude add to it). See docs/configuration.md.\n"
           "\n"
           "Exit status: PROGRAM's own; with --redact a PROGRAM killed by a signal makes\n"
           "envseal die of the same signal. Otherwise:\n"
           " 64  usage error\n"
           "111  refused: protection degraded and --on-failure refuse (a program the\n"
           "     shim cannot protect, a --library file that is not an envseal shim)\n"
           "125  envseal failed before PROGRAM started (secret file, secret command,\n"
           "     library)\n"
           "126  PROGRAM found but could not be executed\n"
           "127  PROGRAM not found\n");
}

/* Warns about (or, with refuse, stops) a program the shim cannot protect, or one
 * it cannot tell about (that check cannot analyse, though the kernel may run it);
 * *v gets the verdict (V_ERROR when the program is not found). */
static int vet_program(const char *prog, const struct config *cfg, enum verdict_e *verdict)
{
    char path[PATH_MAX];
    *verdict = V_ERROR;
    if (progpath_find(prog, path, sizeof path) != 0)
        return 0; /* exec reports it */
    static struct elfinfo e;
    enum verdict_e v = *verdict = elfinfo_analyze_quick(path, &e);
    if (v == V_PROTECTABLE)
        return 0;
    if (v == V_ERROR && access(path, X_OK) != 0)
        return 0; /* exec reports it */
    char cannot[PATH_MAX + 64];
    snprintf(cannot, sizeof cannot, "cannot tell whether it loads the shim (%s)",
             e.error[0] ? e.error : "not analysed");
    const char *why = v == V_ERROR ? cannot : e.nreasons ? e.reasons[0] : "";
    if (cfg->on_failure == ON_FAILURE_REFUSE) {
        cli_error("refusing to run %s: %s (envseal check %s)", prog, why, prog);
        return -1;
    }
    if (!cfg->quiet)
        cli_warn("%s: %s; its secrets are %s (envseal check %s)", prog, why,
                 v == V_LIMITED ? "only partly protected" : v == V_ERROR ? "perhaps NOT sealed" : "NOT sealed", prog);
    return 0;
}

/* Is lib an envseal shim for this machine (its .note.envseal note), of a flavour
 * that serves cfg's mode? Its flavour when it is; 0 when it is not and the policy
 * is warn (why says what it is); -1 after a refusal line. */
static int check_library(const char *prog, const char *lib, const struct config *cfg, char *why,
                         size_t whylen)
{
    int flavour = shimpath_verify(lib, why, whylen);
    bool refuse = cfg->on_failure == ON_FAILURE_REFUSE;
    if (flavour == 0 && refuse) {
        cli_error("refusing to run %s: %s is not an envseal shim (%s)", prog, lib, why);
        return -1;
    }
    /* The relocate-only build under --mode strict: the shim itself warns and runs
     * in relocate mode, or refuses at start-up; refused here before exec instead. */
    if (flavour == ENVSEAL_FLAVOUR_RELOCATE && cfg->mode == MODE_STRICT && refuse) {
        cli_error("refusing to run %s: --mode strict needs libenvseal-strict.so, and %s is "
                  "the relocate-only libenvseal.so",
                  prog, lib);
        return -1;
    }
    return flavour;
}

/* envseal's own copies of the values: locked and out of core dumps, or said in one
 * line, or under refuse not run at all (-1 after the refusal, the copies wiped). */
static int own_copies_checked(const char *prog, const struct config *cfg)
{
    if (secmem_protected())
        return 0;
    if (cfg->on_failure == ON_FAILURE_REFUSE) {
        cli_error("refusing to run %s: envseal's own copies of the secrets could not be "
                  "locked in memory (RLIMIT_MEMLOCK)", prog);
        secmem_wipe_all();
        return -1;
    }
    if (!cfg->quiet)
        cli_warn("envseal's own copies of the secrets could not be locked in memory "
                 "(RLIMIT_MEMLOCK): they may reach swap");
    return 0;
}

static int exec_failed(const char *prog, int err)
{
    cli_error("%s: %s", prog, err == ENOENT ? "command not found" : strerror(err));
    secmem_wipe_all();
    return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/* own: envseal's environment, its inherited secrets moved into secmem and zeroed
 * in envseal's block first thing (under the options' settings); env: the same
 * plus the options' settings, which the program gets. 0, or -1 after a message. */
static int own_environment(struct envvec *own, struct envvec *env, const struct run_opts *r,
                           struct config *cfg)
{
    if (envvec_init(env, environ) != 0 || runenv_settings(env, r->settings, r->nsettings) != 0 ||
        envvec_init(own, environ) != 0) {
        cli_error("out of memory");
        return -1;
    }
    config_load(cfg, env->v);
    if (runenv_seal_own(own, cfg, r->files, r->nfiles) != 0) {
        cli_error("no memory for secrets: %s", strerror(errno));
        secmem_wipe_all();
        return -1;
    }
    envvec_free(env);
    if (envvec_init(env, own->v) != 0 || runenv_settings(env, r->settings, r->nsettings) != 0) {
        cli_error("out of memory");
        return -1;
    }
    runhandoff_strip(env);
    config_load(cfg, env->v);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    static struct run_opts r;
    int first = opts_parse(argc, argv, run_table, &r, true);
    if (first == OPTS_HELP) {
        help();
        return 0;
    }
    if (first == OPTS_ERROR)
        return cli_usage_hint();
    if (first >= argc) {
        cli_error("missing PROGRAM");
        return cli_usage_hint();
    }
    char **prog_argv = argv + first;
    const char *prog = prog_argv[0];
    /* From here on envseal holds secrets (its own environment's, then the files'
     * and commands'): no ptrace, /proc/PID/mem or core of it by the user's other
     * processes, also while a --secret-cmd waits for a passphrase. The program
     * (exec) and the commands (fork and exec) start dumpable as usual. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

    struct envvec own, env;
    static struct config cfg;
    if (own_environment(&own, &env, &r, &cfg) != 0)
        return EXIT_RUN_FAILED;
    /* Strict mode lives in its own build of the shim; musl programs need theirs. */
    const char *libname = shimlib_for_program(prog, cfg.mode == MODE_STRICT);
    char lib[PATH_MAX];
    int err = shimpath_find(r.library, libname, lib, sizeof lib);
    if (err) {
        cli_error("cannot find %s%s%s: %s (use --library PATH)", libname,
                  r.library ? " at " : "", r.library ? r.library : "", strerror(err));
        return EXIT_RUN_FAILED;
    }
    if (strpbrk(lib, ": \t")) {
        cli_error("the library path %s holds ':' or a space, which LD_PRELOAD cannot carry",
                  lib);
        return EXIT_RUN_FAILED;
    }
    char not_shim[256];
    int flavour = check_library(prog, lib, &cfg, not_shim, sizeof not_shim);
    if (flavour < 0)
        return ENVSEAL_EXIT_REFUSED;
    if (flavour > 0 && runenv_preload(&env, lib) != 0) {
        cli_error("out of memory");
        return EXIT_RUN_FAILED;
    }
    /* What the names alone decide comes first: a command line that is refused
     * runs no --secret-cmd (no passphrase prompt, no secret manager's log entry). */
    if (runenv_cover(&env, r.files, r.nfiles, &cfg) != 0) {
        secmem_wipe_all();
        return EXIT_USAGE;
    }
    bool any = !cfg.disabled && (r.nfiles > 0 || runenv_count_secrets(&env, &cfg) > 0);
    enum verdict_e verdict = V_ERROR;
    if (any && vet_program(prog, &cfg, &verdict) != 0) {
        secmem_wipe_all();
        return ENVSEAL_EXIT_REFUSED;
    }
    /* Under refuse, whether envseal's own pages can be locked is asked before any
     * command runs: a page taken now tells (the values go to the same regions). */
    if (r.nfiles > 0 && cfg.on_failure == ON_FAILURE_REFUSE) {
        if (!secmem_alloc(1)) {
            cli_error("no memory for secrets: %s", strerror(errno));
            secmem_wipe_all();
            return EXIT_RUN_FAILED;
        }
        if (own_copies_checked(prog, &cfg) != 0)
            return ENVSEAL_EXIT_REFUSED;
    }
    for (int i = 0; i < r.nfiles; i++) {
        const struct run_secret_file *f = &r.files[i];
        char *name = strndup(f->name, f->nlen); /* whole: a longer one is another name */
        /* A command gets envseal's own environment: never a value read before it. */
        char *entry = !name          ? NULL
                      : f->cmd ? secretcmd_run(f->name, f->nlen, f->path, own.v)
                               : secretfile_load(f->name, f->nlen, f->path);
        bool put = entry && envvec_put(&env, name, entry) == 0;
        free(name);
        if (!put) {
            secmem_wipe_all();
            return EXIT_RUN_FAILED;
        }
    }
    size_t nsecrets = cfg.disabled ? 0 : runenv_count_secrets(&env, &cfg);
    if (flavour == 0) /* under warn: said even with --quiet, as nothing is sealed */
        cli_warn("%s is not an envseal shim (%s): not preloaded, so %s runs with %zu secret "
                 "variable(s) NOT sealed",
                 lib, not_shim, prog, nsecrets);
    if (own_copies_checked(prog, &cfg) != 0)
        return ENVSEAL_EXIT_REFUSED;

    struct masker *m = NULL;
    if (r.redact) {
        size_t nmask = 0;
        const char *mask = r.mask ? r.mask : "[REDACTED]";
        m = runenv_masker(&env, &cfg, mask, cfg.quiet, &nmask);
        if (!m && nmask > 0) {
            secmem_wipe_all();
            return EXIT_RUN_FAILED;
        }
    }

    /* Where the shim will load, the secrets travel outside the environment block. */
    if (flavour > 0 && nsecrets > 0 && verdict == V_PROTECTABLE &&
        runhandoff_prepare(&env, &cfg) != 0) {
        secmem_wipe_all();
        return EXIT_RUN_FAILED;
    }

    if (!m) { /* nothing to mask: become the program */
        cli_close_filled_std_fds(); /* closed as the caller left them */
        execvpe(prog, prog_argv, env.v);
        return exec_failed(prog, errno);
    }
    int exec_errno = 0;
    int status = supervise_run(prog, prog_argv, env.v, m, &exec_errno);
    if (status < 0)
        return exec_errno ? exec_failed(prog, exec_errno) : (secmem_wipe_all(), EXIT_RUN_FAILED);
    supervise_exit_like(status);
}
