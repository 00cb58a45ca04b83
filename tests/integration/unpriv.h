/* Running test programs as a user without privileges: an unused uid (no
 * capabilities), with the programs and libraries copied out of the runfiles
 * (which live under /root, mode 0700) into a world-readable directory. */
#ifndef ENVSEAL_UNPRIV_H
#define ENVSEAL_UNPRIV_H

#include <stdbool.h>
#include <sys/types.h>

/* Picks an unused uid (no passwd entry, no process running as it, none taken by
 * another test program running beside this one) and makes the directory. false
 * (with why set) when the test cannot switch users (not root, no unused uid). */
bool unpriv_setup(const char **why);

/* The unused uid (0 before a successful unpriv_setup). */
uid_t unpriv_uid(void);

/* Copies a runfile (e.g. "tests/programs/envprobe"), or a file named by its absolute
 * path (e.g. "/usr/bin/iconv"), into the directory as name,
 * mode 0755; returns its path (static storage, one per name, up to 16). */
const char *unpriv_copy(const char *rel, const char *name);

/* The directory itself. */
const char *unpriv_dir(void);

/* In a forked child: becomes the unused uid (groups dropped, every capability
 * lost); _exit(126) when it cannot. The argument is ignored, so it fits
 * proc_spawn_with. */
void unpriv_become(const void *unused);

/* Removes the directory. */
void unpriv_cleanup(void);

#endif
