/* Container plumbing for the container test: a private containers-storage (vfs
 * driver, chroot isolation) that holds every image and container the test makes
 * and nothing else, so cleaning up can never touch anyone else's storage; host
 * commands run with that storage; the process tree of a `buildah run`. */
#ifndef ENVSEAL_TEST_IMAGES_H
#define ENVSEAL_TEST_IMAGES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tests/integration/harness.h"

/* Stores live in /var/tmp/envseal-ctest-XXXXXX (with an owner.pid file). */
struct store {
    char dir[PATH_MAX];
    char conf[PATH_MAX + 32];
};

/* Removes stores left by test processes that no longer exist (a killed run). */
void store_reap_stale(void);
/* Creates a fresh store; 0, or -1 with err filled. */
int store_open(struct store *s, char *err, size_t errn);
/* buildah rm --all, rmi --all within the store only, then deletes its directory. */
void store_close(struct store *s);
/* A clean environment (PATH, LANG, HOME, TMPDIR) naming the store for buildah. */
void store_env(const struct store *s, struct envb *e);

/* Runs argv with env, stdin empty, at most timeout_s seconds. Returns the wait
 * status (0 on success) or -1. out (if given) gets stdout's last non-empty line.
 * On failure err gets the command's first two words, the status and the end of
 * its stderr. Commands given secrets carry them in env, never in argv. */
int cmd_run(char *const argv[], const struct envb *env, int timeout_s, char *out,
            size_t outn, char *err, size_t errn);

/* A setup step: cmd_run with the store's environment plus extra's NAME=VALUE
 * entries (may be NULL). Does nothing when err already holds a failure; true on
 * success, else err gets the failure. */
bool store_step(const struct store *s, char *const argv[], const struct envb *extra,
                int timeout_s, char *out, size_t outn, char *err, size_t errn);

/* The first process below `ancestor` whose comm is `comm`, waiting up to
 * timeout_ms for it to appear; 0 when none. */
pid_t find_descendant(pid_t ancestor, const char *comm, int timeout_ms);
/* True when pid runs in another root directory than ours (inside the container). */
bool proc_in_other_root(pid_t pid);
/* True when /proc/PID/maps maps a file whose path ends with suffix. */
bool proc_maps_file(pid_t pid, const char *suffix);

/* Copies a file's bytes (following symlinks) to dst with the given mode. */
int copy_file(const char *src, const char *dst, unsigned mode);
/* True when two files have identical contents. */
bool same_file_bytes(const char *a, const char *b);

/* The files a layer's /usr/share/doc/envseal/licenses/ must hold for the packages
 * linked into its command (NULL-terminated), as scripts/release/licenses.sh makes
 * them: PACKAGE.copyright and each /usr/share/common-licenses/X text that
 * /usr/share/doc/PACKAGE/copyright names, as X. Sorted (strcmp), one a line, into out;
 * false (err filled) when a copyright file cannot be read. */
bool notice_names(const char *const pkgs[], char *out, size_t n, char *err, size_t errn);
/* True when ROOT/usr/share/doc/envseal holds exactly LICENSE (the bytes of license)
 * and licenses/ with notice_names(pkgs), each the bytes of the machine's file, files
 * 0644 and directories from usr/share down 0755, all owned by root; else false with
 * the first difference in why. */
bool notices_match(const char *root, const char *const pkgs[], const char *license, char *why,
                   size_t whyn);

#endif
