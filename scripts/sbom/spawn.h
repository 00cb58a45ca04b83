/* Runs a program (no shell: arguments are never re-parsed) and captures its
 * standard output. Used for ldconfig and dpkg-query. */
#ifndef SBOM_SPAWN_H
#define SBOM_SPAWN_H

/* Returns the program's exit status (or -1 if it could not run, or died by a
 * signal); *out receives a NUL-terminated malloc'd copy of its output. */
int spawn_capture(char *const argv[], char **out);

#endif
