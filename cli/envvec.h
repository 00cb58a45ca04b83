/* A growable NULL-terminated array of "NAME=value" pointers: the environment
 * `run` hands to the program. The strings are not owned. */
#ifndef ENVSEAL_CLI_ENVVEC_H
#define ENVSEAL_CLI_ENVVEC_H

#include <stddef.h>

struct envvec {
    char **v;
    size_t n, cap;
};

/* Copies the pointers of src (NULL-terminated). Returns 0 or -1 (ENOMEM). */
int envvec_init(struct envvec *e, char *const *src);
void envvec_free(struct envvec *e);

/* Value of the first NAME entry, or NULL. */
const char *envvec_get(const struct envvec *e, const char *name);

/* Removes every NAME entry, then appends `entry` (when not NULL). */
int envvec_put(struct envvec *e, const char *name, char *entry);

/* Length of the name part of an entry. */
size_t envvec_name_len(const char *entry);

#endif
