/* The environment `run` gives the program: its own, plus the ENVSEAL_* settings of
 * the options, the shim in LD_PRELOAD and the --secret-file values; and, for
 * --redact, envseal's protected copies of the secrets and the masker over them. */
#ifndef ENVSEAL_CLI_RUNENV_H
#define ENVSEAL_CLI_RUNENV_H

#include <stdbool.h>
#include <stddef.h>

#include "envvec.h"
#include "masker.h"
#include "preload/core/config.h"

struct run_setting {
    const char *var; /* ENVSEAL_* */
    char *value;
    bool append; /* comma-joined after the inherited value */
};

/* A --secret-file NAME=PATH or --secret-cmd NAME=COMMAND, in option order. */
struct run_secret_file {
    const char *name; /* points into argv: "NAME=PATH" */
    size_t nlen;
    const char *path; /* or the command */
    bool cmd;
};

/* "--secret-file" or "--secret-cmd". */
const char *runenv_source_option(const struct run_secret_file *f);

/* ENVSEAL_* settings from the options, over the inherited ones. 0 or -1. */
int runenv_settings(struct envvec *env, const struct run_setting *set, int n);

/* LD_PRELOAD with lib first (once); preloads already there are kept after it. */
int runenv_preload(struct envvec *env, const char *lib);

/* Loads cfg from env and makes sure the shim seals every --secret-file/--secret-cmd name (a
 * name no pattern covers is added to ENVSEAL_SECRETS). -1 after printing why:
 * an excluded name, ENVSEAL_DISABLE, a full pattern table. */
int runenv_cover(struct envvec *env, const struct run_secret_file *files, int nfiles,
                 struct config *cfg);

/* Entries of env that cfg makes secret. */
size_t runenv_count_secrets(const struct envvec *env, const struct config *cfg);

/* Moves the secret entries inherited from envseal's own environment into secmem
 * (env points at the copies) and zeroes the originals, so /proc/<envseal>/environ
 * shows none while envseal stays the program's parent: those cfg makes secret, and
 * those of the names files (--secret-file, --secret-cmd) give a new value. 0 or -1. */
int runenv_seal_own(struct envvec *env, const struct config *cfg,
                    const struct run_secret_file *files, int nfiles);

/* The masker over the values of every secret entry in env (in secmem); NULL with
 * *count 0 when there is nothing to mask, NULL with *count > 0 after printing an
 * error (no memory, a --mask text holding a secret value). */
struct masker *runenv_masker(const struct envvec *env, const struct config *cfg,
                             const char *mask, bool quiet, size_t *count);

#endif
