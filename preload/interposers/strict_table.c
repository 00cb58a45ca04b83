/* The strict-secret table: lookup (readers), replacement and delayed wiping
 * (writers, under envseal_state.lock), start-up and fork. See strict.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload/core/shim.h"
#include "preload/interposers/strict.h"

struct strict_shared strict_g;

static struct vault *const vault = &envseal_state.vault;

char *strict_lookup(const char *name, size_t len)
{
    unsigned pin = strict_pin();
    const struct strict_table *t = strict_pinned_table();
    char *r = NULL;
    for (size_t i = 0; t && i < t->n; i++) {
        const struct strict_entry *x = &t->e[i];
        /* After the exit wipe the bytes are zero: the '=' test then fails. */
        if (x->nlen == len && memcmp(x->entry, name, len) == 0 && x->entry[len] == '=') {
            r = x->entry + len + 1;
            break;
        }
    }
    strict_unpin(pin);
    return r;
}

/* ---- grace periods ---- */

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Waits (at most a second) for a reader counter to drain. */
static bool drained(unsigned long *counter)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned spins = 0;; spins++) {
        if (__atomic_load_n(counter, __ATOMIC_SEQ_CST) == 0)
            return true;
        if (spins < 1000) {
            sched_yield();
            continue;
        }
        if (elapsed_ms(&start) > 1000)
            return false; /* a reader that never returns (e.g. longjmp out of a handler) */
        struct timespec pause = {0, 100000};
        nanosleep(&pause, NULL);
    }
}

/* After publishing a table: true once no reader can still see the previous one.
 * A reader counts itself on the parity of the epoch it read; flipping twice and
 * draining each parity catches a reader whichever parity it chose. */
static bool grace(void)
{
    for (int round = 0; round < 2; round++) {
        unsigned long old = __atomic_fetch_add(&strict_g.epoch, 1, __ATOMIC_SEQ_CST);
        if (!drained(&strict_g.readers[old & 1]))
            return false;
    }
    return true;
}

/* Zeroes the value with plain stores first (so a race detector sees the wipe),
 * then the vault's own wipe releases the slot (its name stays: vault.c); the copy
 * the vault keeps for the crash sweep is taken before. */
static void wipe_entry(char *entry)
{
    char *value = strchr(entry, '=');
    value = value ? value + 1 : entry;
    vault_prepare_write(vault); /* not the pages a _Fork child shares with its parent */
    vault_keep(vault, entry);
    memset(value, 0, strlen(value));
    __asm__ volatile("" : : "r"(entry) : "memory");
    vault_release(vault, entry);
}

/* What a grace period that timed out left behind, retried by the next one. */
static struct {
    void **table;
    char **entry;
    size_t ntables, nentries, captables, capentries;
} deferred;

static bool push(void ***arr, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        void **a = realloc(*arr, c * sizeof *a);
        if (!a)
            return false; /* kept in the vault until the exit wipe */
        *arr = a;
        *cap = c;
    }
    (*arr)[(*n)++] = p;
    return true;
}

/* Called after a new table was published: frees `old` and wipes `entries` once it
 * is safe, else defers them. */
static void retire(struct strict_table *old, char **entries, size_t n)
{
    if (grace()) {
        for (size_t i = 0; i < deferred.nentries; i++)
            wipe_entry(deferred.entry[i]);
        for (size_t i = 0; i < deferred.ntables; i++)
            free(deferred.table[i]);
        deferred.nentries = deferred.ntables = 0;
        for (size_t i = 0; i < n; i++)
            wipe_entry(entries[i]);
        free(old);
        return;
    }
    for (size_t i = 0; i < n; i++)
        push((void ***)&deferred.entry, &deferred.nentries, &deferred.capentries, entries[i]);
    if (old)
        push(&deferred.table, &deferred.ntables, &deferred.captables, old);
}

/* ---- publishing ---- */

static void publish(struct strict_table *t)
{
    uint64_t f[STRICT_FILTER_WORDS] = {0};
    for (size_t i = 0; t && i < t->n; i++) {
        uint32_t h = strict_hash(t->e[i].entry, t->e[i].nlen);
        f[h >> 6] |= 1ull << (h & 63);
    }
    /* Table first, then the filter: a reader that sees a new bit sees the table. */
    __atomic_store_n(&strict_g.table, t, __ATOMIC_SEQ_CST);
    for (unsigned w = 0; w < STRICT_FILTER_WORDS; w++)
        __atomic_store_n(&strict_g.filter[w], f[w], __ATOMIC_RELEASE);
}

static struct strict_table *table_alloc(size_t n)
{
    struct strict_table *t = malloc(sizeof *t + (n ? n : 1) * sizeof t->e[0]);
    if (t)
        t->n = n;
    return t;
}

static bool named_entry(const struct strict_entry *e, const char *name, size_t nlen)
{
    return e->nlen == nlen && memcmp(e->entry, name, nlen) == 0;
}

static long find(const struct strict_table *t, const char *name, size_t nlen)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (named_entry(&t->e[i], name, nlen))
            return (long)i;
    return -1;
}

char *strict_current(const char *name, size_t nlen)
{
    const struct strict_table *t = strict_g.table;
    long i = find(t, name, nlen);
    return i < 0 || t->e[i].restarts != strict_restarts_of(environ) ? NULL : t->e[i].entry;
}

int strict_install(char *sealed, size_t nlen)
{
    struct strict_table *old = strict_g.table;
    size_t n = old ? old->n : 0;
    long at = find(old, sealed, nlen);
    struct strict_table *t = table_alloc(at < 0 ? n + 1 : n);
    if (!t) {
        vault_release(vault, sealed);
        errno = ENOMEM;
        return -1;
    }
    if (n)
        memcpy(t->e, old->e, n * sizeof t->e[0]);
    char *replaced = NULL;
    if (at < 0) {
        at = (long)n;
    } else {
        replaced = t->e[at].entry;
    }
    t->e[at].entry = sealed;
    t->e[at].nlen = (uint32_t)nlen;
    t->e[at].restarts = strict_g.set_in;
    publish(t);
    retire(old, &replaced, replaced ? 1 : 0);
    return 0;
}

/* Removes every entry named NAME: an initial environment may hold a name twice, and
 * unsetenv removes them all, as glibc's does. */
int strict_remove(const char *name, size_t nlen)
{
    struct strict_table *old = strict_g.table;
    size_t hits = 0;
    for (size_t i = 0; old && i < old->n; i++)
        hits += named_entry(&old->e[i], name, nlen);
    if (hits == 0)
        return 0;
    struct strict_table *t = NULL;
    char *few[8], **gone = hits <= 8 ? few : malloc(hits * sizeof *gone);
    if (old->n > hits && gone)
        t = table_alloc(old->n - hits);
    if (!gone || (old->n > hits && !t)) { /* no memory for the smaller table */
        if (gone != few)
            free(gone);
        return -1;
    }
    size_t kept = 0, g = 0;
    for (size_t i = 0; i < old->n; i++) {
        if (named_entry(&old->e[i], name, nlen))
            gone[g++] = old->e[i].entry;
        else
            t->e[kept++] = old->e[i];
    }
    publish(t);
    retire(old, gone, hits);
    if (gone != few)
        free(gone);
    return 1;
}

void strict_remove_all(void)
{
    struct strict_table *old = strict_g.table;
    if (!old)
        return;
    publish(NULL);
    char **gone = malloc(old->n * sizeof *gone);
    if (!gone) { /* wipe after the grace period one by one from the old table itself */
        if (grace())
            for (size_t i = 0; i < old->n; i++)
                wipe_entry(old->e[i].entry);
        free(old);
        return;
    }
    for (size_t i = 0; i < old->n; i++)
        gone[i] = old->e[i].entry;
    retire(old, gone, old->n);
    free(gone);
}

/* ---- start-up and fork ---- */

void strict_after_fork_child(void)
{
    /* Counts of readers that were running in the parent's other threads. */
    __atomic_store_n(&strict_g.readers[0], 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&strict_g.readers[1], 0, __ATOMIC_SEQ_CST);
    strict_g.pid = getpid();
}

static void adopt(char *sealed, void *ctx)
{
    struct strict_table *t = ctx;
    t->e[t->n].entry = sealed;
    t->e[t->n].nlen = (uint32_t)entry_name_len(sealed);
    t->e[t->n].restarts = 0;
    t->n++;
}

/* The ENVSEAL_ settings of envp a child reads (not ENVSEAL_HANDOFF and its slots),
 * copied one after another, an empty string last; NULL without memory. */
static const char *copy_settings(char **envp)
{
    size_t bytes = 1;
    for (size_t i = 0; envp[i]; i++)
        if (strict_child_setting(envp[i]))
            bytes += strlen(envp[i]) + 1;
    char *out = malloc(bytes), *at = out;
    if (!out)
        return NULL;
    for (size_t i = 0; envp[i]; i++)
        if (strict_child_setting(envp[i])) {
            size_t n = strlen(envp[i]) + 1;
            memcpy(at, envp[i], n);
            at += n;
        }
    *at = '\0';
    return out;
}

void strict_start(const struct config *c, struct vault *v, char **envp, char **cur,
                  struct relocate_result *res)
{
    memset(res, 0, sizeof *res);
    size_t n = 0;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    const char *policy = NULL;
    /* An object of its own, not a merged string: startup_order.lds places it. */
    static const char policy_name[] = "ENVSEAL_CHILD_SECRETS=";
    for (; envp[n]; n++) {
        uintptr_t a = (uintptr_t)envp[n], end = a + strlen(envp[n]) + 1;
        lo = a < lo ? a : lo;
        hi = end > hi ? end : hi;
        if (strncmp(envp[n], policy_name, sizeof policy_name - 1) == 0)
            policy = envp[n]; /* the last, as config_load reads it */
    }
    strict_g.env_lo = lo;
    strict_g.env_hi = hi;
    /* A copy: programs that set their process title (PostgreSQL, setproctitle)
     * overwrite the initial block. Without memory, no child gets ADD_ALLOWED. */
    strict_g.policy_entry = policy ? strdup(policy) : NULL;
    /* Only a process with a child policy passes secrets on: no copy otherwise. */
    strict_g.settings = policy ? copy_settings(envp) : NULL;
    strict_g.start_environ = cur;
    strict_g.libc_environ = cur;
    struct strict_table *t = table_alloc(n);
    if (!t)
        return; /* every secret is relocated instead: still sealed */
    t->n = 0;
    relocate_remove_strict(c, v, envp, cur, adopt, t, res);
    if (res->foreign) { /* another envseal shim protects the process: stay inactive */
        free(t);
        return;
    }
    if (t->n == 0) {
        free(t);
        t = NULL;
    }
    strict_g.pid = getpid();
    publish(t);
    pthread_atfork(NULL, NULL, strict_after_fork_child);
    __atomic_store_n(&strict_g.active, true, __ATOMIC_RELEASE);
}
