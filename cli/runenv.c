#define _GNU_SOURCE
#include "runenv.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "secmem.h"

extern char **environ;

#define REDACT_MIN_LEN 4 /* shorter values would mask ordinary text */

static char *entry_of(const char *name, const char *value)
{
    char *e;
    return asprintf(&e, "%s=%s", name, value) < 0 ? NULL : e;
}

/* ENVSEAL_* settings from the options, over the inherited ones. */
int runenv_settings(struct envvec *env, const struct run_setting *set, int n)
{
    for (int i = 0; i < n; i++) {
        const struct run_setting *s = &set[i];
        const char *old = envvec_get(env, s->var);
        char *e;
        if (s->append && old && old[0]) {
            if (asprintf(&e, "%s=%s,%s", s->var, old, s->value) < 0)
                return -1;
        } else {
            e = entry_of(s->var, s->value);
        }
        if (!e || envvec_put(env, s->var, e) != 0)
            return -1;
    }
    return 0;
}

/* LD_PRELOAD with the shim first (once), other preloads kept after it. */
int runenv_preload(struct envvec *env, const char *lib)
{
    const char *old = envvec_get(env, "LD_PRELOAD");
    if (old) {
        size_t l = strlen(lib);
        for (const char *p = old; (p = strstr(p, lib)) != NULL; p += l)
            if ((p == old || p[-1] == ':' || p[-1] == ' ') &&
                (p[l] == '\0' || p[l] == ':' || p[l] == ' '))
                return 0; /* already there */
    }
    char *e;
    if (asprintf(&e, "LD_PRELOAD=%s%s%s", lib, old && old[0] ? ":" : "", old ? old : "") < 0)
        return -1;
    return envvec_put(env, "LD_PRELOAD", e);
}

const char *runenv_source_option(const struct run_secret_file *f)
{
    return f->cmd ? "--secret-cmd" : "--secret-file";
}

/* Makes sure the shim will seal every --secret-file name: a name no pattern
 * covers is added to ENVSEAL_SECRETS; an excluded one is an error. */
int runenv_cover(struct envvec *env, const struct run_secret_file *files, int nfiles,
                 struct config *cfg)
{
    config_load(cfg, env->v);
    if (nfiles && cfg->disabled) {
        cli_error("%s with ENVSEAL_DISABLE set: the value would not be sealed",
                  runenv_source_option(&files[0]));
        return -1;
    }
    for (int i = 0; i < nfiles; i++) {
        const struct run_secret_file *f = &files[i];
        if (config_is_secret(cfg, f->name, f->nlen))
            continue;
        uint32_t mask = name_class_mask(f->name, f->nlen);
        if (pattern_set_match(&cfg->exclude, f->name, f->nlen, mask)) {
            cli_error("%s %.*s: the name is excluded (ENVSEAL_EXCLUDE/--exclude), "
                      "so it would not be sealed",
                      runenv_source_option(f), (int)f->nlen, f->name);
            return -1;
        }
        const char *old = envvec_get(env, "ENVSEAL_SECRETS");
        char *e;
        if (asprintf(&e, "ENVSEAL_SECRETS=%s%s%.*s", old && old[0] ? old : "",
                     old && old[0] ? "," : "", (int)f->nlen, f->name) < 0 ||
            envvec_put(env, "ENVSEAL_SECRETS", e) != 0)
            return -1;
        config_load(cfg, env->v);
        if (!config_is_secret(cfg, f->name, f->nlen)) {
            cli_error("%s %.*s: cannot add the name to the secret patterns "
                      "(too many patterns)",
                      runenv_source_option(f), (int)f->nlen, f->name);
            return -1;
        }
    }
    return 0;
}

size_t runenv_count_secrets(const struct envvec *env, const struct config *cfg)
{
    size_t n = 0;
    for (size_t i = 0; i < env->n; i++) {
        size_t nl = envvec_name_len(env->v[i]);
        n += env->v[i][nl] == '=' && config_is_secret(cfg, env->v[i], nl);
    }
    return n;
}

/* --redact: copies of the secret entries go to secmem; the originals in our own
 * initial environment block are zeroed, so /proc/<envseal>/environ shows none. */
static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (char *const *)a, y = (uintptr_t) * (char *const *)b;
    return x < y ? -1 : x > y;
}

/* Whether one of files names the entry e (name length nl). */
static bool named_by(const char *e, size_t nl, const struct run_secret_file *files, int nfiles)
{
    for (int i = 0; i < nfiles; i++)
        if (files[i].nlen == nl && memcmp(files[i].name, e, nl) == 0)
            return true;
    return false;
}

int runenv_seal_own(struct envvec *env, const struct config *cfg,
                    const struct run_secret_file *files, int nfiles)
{
    /* environ's entries, sorted, so each lookup below is a binary search: linear
     * scans made thousands of secrets quadratic. */
    size_t n = 0;
    for (char **p = environ; p && *p; p++)
        n++;
    char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return -1;
    memcpy(sorted, environ ? environ : sorted, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_ptr);
    int rc = 0;
    for (size_t i = 0; i < env->n; i++) {
        char *e = env->v[i];
        size_t nl = envvec_name_len(e);
        if (e[nl] != '=' || (!config_is_secret(cfg, e, nl) && !named_by(e, nl, files, nfiles)))
            continue;
        /* An inherited entry, not one we built. */
        if (!bsearch(&e, sorted, n, sizeof *sorted, cmp_ptr))
            continue;
        size_t len = strlen(e);
        char *copy = secmem_alloc(len + 1);
        if (!copy) {
            rc = -1;
            break;
        }
        memcpy(copy, e, len + 1);
        env->v[i] = copy;
        explicit_bzero(e, len);
    }
    free(sorted);
    return rc;
}

/* A value with a line break as a terminal shows it once the program has turned
 * output processing on (`stty sane`, `reset`: ONLCR), every "\n" sent as "\r\n":
 * a copy in locked memory; len 0 when the value has none; p NULL and len 1 when
 * there was no memory for it (the caller refuses to run unmasked). */
static struct masker_secret crlf_form(const unsigned char *v, size_t n)
{
    size_t breaks = 0;
    for (size_t i = 0; i < n; i++)
        breaks += v[i] == '\n';
    if (!breaks)
        return (struct masker_secret){NULL, 0};
    unsigned char *out = secmem_alloc(n + breaks);
    if (!out)
        return (struct masker_secret){NULL, 1};
    for (size_t i = 0, k = 0; i < n; i++) {
        if (v[i] == '\n')
            out[k++] = '\r';
        out[k++] = v[i];
    }
    return (struct masker_secret){out, n + breaks};
}

/* The masker over the values of every secret entry the program gets, and of their
 * terminal form (crlf_form). */
struct masker *runenv_masker(const struct envvec *env, const struct config *cfg,
                             const char *mask, bool quiet, size_t *count)
{
    struct masker_secret *s = calloc(2 * env->n + 1, sizeof *s);
    size_t n = 0;
    *count = 1; /* an error must never fall back to running unmasked */
    if (!s) {
        cli_error("out of memory");
        return NULL;
    }
    for (size_t i = 0; i < env->n; i++) {
        const char *e = env->v[i];
        size_t nl = envvec_name_len(e);
        if (e[nl] != '=' || !config_is_secret(cfg, e, nl))
            continue;
        size_t vl = strlen(e + nl + 1);
        if (vl == 0)
            continue;
        if (vl < REDACT_MIN_LEN) {
            if (!quiet)
                cli_warn("%.*s is shorter than %d bytes: not masked by --redact", (int)nl, e,
                         REDACT_MIN_LEN);
            continue;
        }
        if (memmem(mask, strlen(mask), e + nl + 1, vl)) {
            cli_error("--mask text contains the value of %.*s", (int)nl, e);
            free(s);
            return NULL;
        }
        s[n++] = (struct masker_secret){(const unsigned char *)e + nl + 1, vl};
        struct masker_secret crlf = crlf_form((const unsigned char *)e + nl + 1, vl);
        if (crlf.len && !crlf.p) {
            cli_error("no memory for the masker: %s", strerror(errno));
            free(s);
            return NULL;
        }
        if (crlf.len)
            s[n++] = crlf;
    }
    *count = n;
    if (n == 0) {
        free(s);
        return NULL;
    }
    size_t sz = masker_size(s, n, strlen(mask));
    void *mem = secmem_alloc(sz);
    struct masker *m =
        mem ? masker_init(mem, sz, s, n, (const unsigned char *)mask, strlen(mask)) : NULL;
    if (!m)
        cli_error("no memory for the masker: %s", strerror(errno));
    explicit_bzero(s, n * sizeof *s);
    free(s);
    return m;
}

