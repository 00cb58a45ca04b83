/* Strict mode (libenvseal-strict.so, built with ENVSEAL_STRICT=1): strict secrets
 * are not in environ at all; getenv finds them in an immutable table of vault
 * entries that writers replace as a whole and publish with one atomic store.
 *
 * Readers (getenv, exec) take no lock and never allocate: they test a filter word,
 * then "pin" (one atomic increment of a reader counter), read the table, unpin.
 * Writers hold envseal_state.lock, publish a new table, and wipe what the old one
 * referenced only after a grace period: every reader that could still see it has
 * unpinned (two counters, flipped twice, so a steady stream of readers never
 * starves a writer). */
#ifndef ENVSEAL_STRICT_H
#define ENVSEAL_STRICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "preload/core/config.h"
#include "preload/core/relocate.h"
#include "preload/core/vault.h"

struct strict_entry {
    char *entry;      /* "NAME=value" in the vault */
    uint32_t nlen;
    uint32_t restarts; /* strict_g.restarts when it was set (strict_envops.c) */
};

struct strict_table {
    size_t n;
    struct strict_entry e[];
};

/* 1024-bit filter over (first two bytes, last byte, length) of the names in the
 * table: a clear bit proves a name is not there, at the cost of a few instructions. */
#define STRICT_FILTER_LOG2 10
#define STRICT_FILTER_WORDS ((1u << STRICT_FILTER_LOG2) / 64)

/* How many arrays of the program's are remembered (strict_shared.arrays). */
#define STRICT_ARRAYS 8

/* An ENVSEAL_ setting a child reads: ENVSEAL_HANDOFF and its slots are this
 * process's alone (taken out of environ at start-up). */
static inline bool strict_child_setting(const char *e)
{
    return e[0] == 'E' && strncmp(e, "ENVSEAL_", 8) == 0 && strncmp(e + 8, "HANDOFF", 7) != 0;
}

struct strict_shared {
    uint64_t filter[STRICT_FILTER_WORDS];
    struct strict_table *table; /* atomic; NULL: no strict secret */
    unsigned long epoch;        /* atomic; its low bit picks a reader counter */
    unsigned long readers[2];   /* atomic */
    bool active;                /* strict mode is on in this process */
    pid_t pid;                  /* this process (updated after fork) */
    /* Where the kernel put the initial environment's strings: an array with an
     * entry in [env_lo, env_hi) still carries the program's own environment. */
    uintptr_t env_lo, env_hi;
    /* A copy of the ENVSEAL_CHILD_SECRETS entry the policy was read from, or NULL:
     * a child's environment that carries it (and LD_PRELOAD) passes the policy on. */
    const char *policy_entry;
    /* Copies of the ENVSEAL_ settings the process started with (ENVSEAL_HANDOFF
     * aside), one after another, each NUL-terminated, an empty one last; NULL
     * without memory: a child's environment must carry exactly these. */
    const char *settings;
    /* environ as start-up left it (strict secrets taken out, possibly none left). */
    char **start_environ;
    /* How many times a set started a new environ after the program had emptied
     * its own: an entry belongs to the environment it was set in, numbered so. */
    uint32_t restarts;
    /* The arrays environ has been as the interface left them, each with the
     * environment it belongs to: glibc copies environ into a new array on a set,
     * and a program may put back an array it saved (strict_restarts_of). */
    struct {
        char **array;
        uint32_t restarts;
    } arrays[STRICT_ARRAYS];
    unsigned arrays_next;
    /* The environment of the set under way (strict_begin_set). */
    uint32_t set_in;
    /* environ as the last setenv, putenv or clearenv made through the interface
     * left it (unsetenv changes an array in place, whoever's it is): an array the
     * program did not swap in itself since (strict_after_unset). */
    char **libc_environ;
};

/* The empty environ a strict setenv or putenv starts when the program had emptied
 * its environment itself (strict_envops.c): like start_environ, an empty array
 * that still goes with the strict table. */
extern char *strict_fresh_environ[1];

extern struct strict_shared strict_g;

/* `second` is the name's second byte, 0 for a one-letter name (a NUL-terminated
 * name has it there already; an entry "A=..." has '=' there instead). */
static inline uint32_t strict_hash2(const char *name, size_t len, unsigned char second)
{
    const unsigned char *u = (const unsigned char *)name;
    uint32_t k = (uint32_t)u[0] | (uint32_t)second << 8 | (uint32_t)u[len - 1] << 16 |
                 (uint32_t)len << 24;
    return (k * 0x9e3779b1u) >> (32 - STRICT_FILTER_LOG2);
}

/* For a name that is not NUL-terminated (a table entry). */
static inline uint32_t strict_hash(const char *name, size_t len)
{
    return strict_hash2(name, len, len > 1 ? (unsigned char)name[1] : 0);
}

/* True when the filter does not rule out NAME, a NUL-terminated string of len >= 1
 * bytes. */
static inline bool strict_maybe(const char *name, size_t len)
{
    uint32_t h = strict_hash2(name, len, (unsigned char)name[1]);
    return __atomic_load_n(&strict_g.filter[h >> 6], __ATOMIC_ACQUIRE) >> (h & 63) & 1;
}

/* ---- readers: async-signal-safe, no lock, no allocation ---- */

/* Pins the current table (and every vault entry it references) until unpinned. */
static inline unsigned strict_pin(void)
{
    unsigned e = (unsigned)(__atomic_load_n(&strict_g.epoch, __ATOMIC_SEQ_CST) & 1);
    __atomic_fetch_add(&strict_g.readers[e], 1, __ATOMIC_SEQ_CST);
    return e;
}

static inline void strict_unpin(unsigned e)
{
    __atomic_fetch_sub(&strict_g.readers[e], 1, __ATOMIC_RELEASE);
}

/* The table; only between strict_pin and strict_unpin. */
static inline const struct strict_table *strict_pinned_table(void)
{
    return __atomic_load_n(&strict_g.table, __ATOMIC_SEQ_CST);
}

/* The value of strict secret NAME (len bytes), or NULL. */
char *strict_lookup(const char *name, size_t len);

/* ---- writers: caller holds envseal_state.lock ---- */

/* Start-up (constructor): removes the strict secrets from envp and cur into the
 * vault and publishes them; sets strict_g.active. */
/* True when the process's getenv is libc's: this library was loaded with dlopen,
 * after the program bound getenv, and strict secrets taken out of environ would
 * vanish from it. (A getenv of the program's own, as bash has, or of another
 * preload in front that passes calls on, is not libc's: strict mode stays.) */
bool strict_loaded_too_late(void);

void strict_start(const struct config *c, struct vault *v, char **envp, char **cur,
                  struct relocate_result *res);

/* The current vault entry of NAME, or NULL. */
char *strict_current(const char *name, size_t nlen);

/* Makes `sealed` (a vault entry) NAME's value; the old value is wiped once no reader
 * can see it. Returns 0, or -1 (ENOMEM: then `sealed` is released). */
int strict_install(char *sealed, size_t nlen);

/* Removes NAME: 1 when it was there, 0 when not, -1 when no memory was left. */
int strict_remove(const char *name, size_t nlen);

/* Removes every strict secret. */
void strict_remove_all(void);

/* In a fork child, before anything else runs: no other thread exists any more. */
void strict_after_fork_child(void);

/* ---- child environments (child_policy.c) ---- */

/* Upper bound of the pointers (with the NULL) a child array for envp needs. */
size_t child_env_cap(const struct strict_table *t, char *const *envp);

/* Writes the child's environment into out: envp's entries except the strict secrets
 * the policy withholds, then each allowed strict secret envp does not name itself
 * (from the table). Returns true when the result differs from envp. */
struct exec_target;
bool child_env_build(const struct strict_table *t, char *const *envp, char **out,
                     const struct exec_target *target);

/* Builds the child environment for envp on the stack and calls fn(env, ctx) with
 * it; the pointer array is wiped afterwards. With hold, the table stays pinned
 * during fn (the vault entries cannot be wiped while the kernel copies them).
 * When nothing changes and `same` is not NULL, calls same(NULL, ctx) instead.
 * Returns fn's result with fn's errno, or -1 (ENOMEM) when no array could be had. */
typedef int (*child_env_fn)(char *const *env, void *ctx);
int child_env_run(char *const *envp, const struct exec_target *target, bool hold, child_env_fn fn,
                  child_env_fn same, void *ctx);

/* True when the exec interposers must rewrite children's environments. */
static inline bool strict_on(void)
{
    return __atomic_load_n(&strict_g.active, __ATOMIC_ACQUIRE);
}

/* ---- setenv family in strict mode (strict_envops.c); caller holds
 * envseal_state.lock (envops.c takes it for every change to the environment) ---- */

bool strict_owns(const char *name, size_t nlen);
int strict_setenv(const char *name, const char *value, int overwrite);
int strict_unsetenv(const char *name);
int strict_putenv(const char *string, size_t nlen);
int strict_clearenv(void);
/* After an unsetenv of a name that is not a strict secret: a program that has
 * removed every variable this way (Python's os.environ.clear(), Ruby's ENV.clear)
 * meant clearenv, so the strict secrets go too. */
void strict_after_unset(char **before, bool held);

extern char **environ;

/* Before libc's setenv or putenv of a name that is not a strict secret: on an
 * environment the program emptied itself, libc starts a new one, which holds no
 * strict secret set before (strict_current). */
void strict_before_libc_set(void);

/* The environment an array belongs to: 0 for the one start-up left, the number of
 * the restart that began it for one the interface left since, and the newest for an
 * array never seen (one the program built itself). */
uint32_t strict_restarts_of(char **ep);

/* Before a setenv, putenv or clearenv made through the interface: the environment
 * it sets in is environ's (unless it restarts one). */
static inline void strict_begin_set(void)
{
    strict_g.set_in = strict_restarts_of(environ);
}

/* After a setenv, putenv or clearenv made through the interface: environ as it
 * left it, in the environment the set was made in. */
void strict_note_environ(void);

#endif
