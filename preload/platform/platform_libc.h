/* What differs between the C libraries the shim is built for, glibc
 * (platform/linux/glibc/start.c) and musl (platform/linux/musl/start.c): one of the two is
 * linked into each library, chosen at build time. */
#ifndef ENVSEAL_PLATFORM_LIBC_H
#define ENVSEAL_PLATFORM_LIBC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* Start-up (shim.c), called once by the library's constructor with the program's
 * argv[0] (NULL when unknown) and its initial environment, before main. */
void envseal_start(const char *argv0, char **envp);

/* Where the kernel put the strings of the initial environment (the block
 * /proc/PID/environ shows): [*lo, *hi), between the arguments' strings and the
 * program's path. Only for envp as the constructor received it, and only when the
 * C library passed the arguments; false otherwise. */
bool platform_env_strings(char **envp, char **lo, char **hi);

/* Has fn run when the program exits normally, after the destructors of every
 * other library and of the program. 0 on success. */
int platform_at_exit(void (*fn)(void));

/* Has fn run when the program ends with quick_exit, after the program's own
 * at_quick_exit handlers. 0 on success, and where the C library has no
 * quick_exit. */
int platform_at_quick_exit(void (*fn)(void));

/* Whether longjmp and siglongjmp are interposed (platform/linux/longjmp.c): a jump
 * that restores a saved mask then updates the record of the fault signals the
 * thread blocks (crash/masks.c), and signals.c can leave a handler's own signal
 * unblocked in the kernel. */
bool platform_longjmp_interposed(void);

/* Looks libc's longjmp family (and abort) up now: called when the program installs
 * a handler, from which it may later jump or abort (a lookup inside a handler is
 * not safe). */
void platform_prepare_longjmp(void);

/* Looks libc's abort up now, where abort is interposed (platform/linux/abort.c). */
void platform_prepare_abort(void);

/* Looks libc's sigsuspend and pselect up now (async-signal-safe: callable from a
 * handler), where they are interposed (platform/linux/temporary_masks.c). */
void platform_prepare_waits(void);

/* A sigsetjmp buffer's saved signal mask, which a jump gives the kernel: NULL when
 * env holds none (a sigsetjmp without savemask). */
sigset_t *platform_jmpbuf_saved(void *env);

/* sigprocmask stored the mask (with record, what the program blocks of the six)
 * into old: where old is a saved mask that keeps a record beside it (a program
 * refreshing a context's mask), the record becomes this one. */
void platform_mask_stored(sigset_t *old, uint64_t record);

/* Looks libc's sigsetjmp and getcontext up now (for their interposers), where they
 * are interposed. */
void platform_prepare_save_points(void);

#endif
