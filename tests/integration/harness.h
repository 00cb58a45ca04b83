/* Integration-test harness: start real programs with or without libenvseal.so,
 * talk to them over pipes, and inspect what an attacker would see (the process's
 * /proc files, its memory, a gcore dump). Every check reads the real artefact. */
#ifndef ENVSEAL_HARNESS_H
#define ENVSEAL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Protocol for programs under test: after reading their secrets they print a line
 * "ready" on stdout, then block reading stdin until EOF, then exit. */

#define ENVB_MAX 128

struct envb {
    char *v[ENVB_MAX + 1];
    int n;
};

/* PATH, LANG=C.UTF-8, HOME=/root (or $HOME); with_shim adds LD_PRELOAD. */
void envb_init(struct envb *e, bool with_shim);
void envb_set(struct envb *e, const char *name, const char *value);
void envb_free(struct envb *e);

/* Absolute path of the libenvseal.so under test (runfiles, or $ENVSEAL_SO). */
const char *harness_shim_path(void);
/* Absolute path of a runfile (e.g. "tests/programs/hold_getenv"). */
const char *harness_runfile(const char *rel);

/* A fresh random value "<tag>-<32 hex>"; buf must hold strlen(tag)+34 bytes. */
void harness_random_secret(char *buf, size_t n, const char *tag);

/* "tok" and random characters, len in all (buf holds len + 1 bytes): long enough
 * for the 16- and 32-byte register slices the crash tests look for. */
void harness_random_long_secret(char *buf, size_t len);

struct proc {
    pid_t pid;
    int in_fd;  /* child's stdin (write end); -1 once closed */
    int out_fd; /* child's stdout (read end) */
    int err_fd; /* child's stderr (read end) */
    char out[65536];
    size_t out_len;
    char err[65536];
    size_t err_len;
};

/* Starts argv[0] (PATH is searched) with exactly env. Returns 0 or -1. */
int proc_spawn(struct proc *p, char *const argv[], const struct envb *env);

/* Limits applied in the child before exec. */
#define SPAWN_NO_MEMLOCK 1u /* RLIMIT_MEMLOCK 0 and CAP_IPC_LOCK dropped: mlock fails */
#define SPAWN_CORE 2u       /* RLIMIT_CORE unlimited */
#define SPAWN_SMALL_AS 4u   /* RLIMIT_AS 8 MiB: the program runs, the sweep's scratch fails */
int proc_spawn_ex(struct proc *p, char *const argv[], const struct envb *env, unsigned flags,
                  const char *cwd);
/* The general form: in_child(arg) runs in the child once its stdin, stdout and
 * stderr are the pipes, just before the exec (it may _exit on failure). */
int proc_spawn_with(struct proc *p, char *const argv[], const struct envb *env,
                    void (*in_child)(const void *arg), const void *arg);

/* Reads stdout until a line equal to `line` arrives. false on timeout/EOF. */
bool proc_wait_line(struct proc *p, const char *line, int timeout_ms);

/* Closes stdin, drains output, waits; returns the raw wait status, or -1 on
 * timeout (the process is then killed). Safe to call twice. */
int proc_finish(struct proc *p, int timeout_ms);

/* proc_finish, printing the start of any stderr; *leaked tells whether stdout
 * or stderr holds secret (never printed). */
int proc_finish_secret(struct proc *p, const char *secret, int timeout_ms, bool *leaked);

/* SIGKILL and reap; for cleanup paths. */
void proc_kill(struct proc *p);

/* True when buf holds `line` as a whole line (the last one may lack its '\n'). */
bool text_has_line(const char *buf, const char *line);

/* envprobe's and strictprobe's derive(SEED, K): "drv" K "-" SEED with [0-9a-f]
 * mapped to [g-v], a value that appears nowhere in the probe's arguments. */
void harness_derive(const char *seed, const char *k, char *out, size_t n);

/* The line envprobe and strictprobe print for a value: "[LABEL ]NAME len:fnv"
 * (FNV-1a), compared instead of the value. Static storage, 8 rotating buffers. */
const char *harness_value_line(const char *label, const char *name, const char *value);

/* Writes text to a new file NAME in harness_tmpdir(); returns its path (static
 * storage, 4 rotating buffers). Fails the current case when it cannot. */
const char *harness_scratch(const char *name, const char *text);

/* Memory helpers. */
bool mem_contains(const void *hay, size_t n, const void *needle, size_t m);
/* Reads a whole file (malloc'd, NUL-terminated); returns length or -1. */
long read_file_all(const char *path, char **buf);
bool file_contains(const char *path, const char *needle);
/* True when the file holds exactly secret; the file is removed and the bytes read
 * zeroed (for values a program under test writes out to prove what it received). */
bool file_is_exactly(const char *path, const char *secret);
bool proc_environ_contains(pid_t pid, const char *needle);

/* Scans every readable mapping of pid through /proc/PID/mem for needle.
 * Returns how many mappings contain it; names[] gets their path columns, and
 * "[envseal-vault]" for the anonymous vault where the kernel names it not. */
#define SCAN_MAX_HITS 16
struct scan_result {
    int hits;
    char names[SCAN_MAX_HITS][128];
    unsigned long starts[SCAN_MAX_HITS];
    int unreadable; /* mappings whose reads failed (e.g. secretmem) */
};
int proc_scan_mem(pid_t pid, const char *needle, struct scan_result *r);

/* The first vault mapping as /proc/PID/smaps shows it (cli/vault_smaps.h). */
struct vault_info {
    bool found;
    bool secretmem; /* "/secretmem" mapping */
    bool anonymous; /* the anonymous vault (cli/vault_smaps.h tells it) */
    bool locked;    /* VmFlags "lo" or Locked > 0 */
    bool dontdump;  /* VmFlags "dd" */
    unsigned long start, end;
};
void proc_vault_info(pid_t pid, struct vault_info *vi);

/* Traces pid (PTRACE_SEIZE) so that the kernel stops it in do_exit, before its
 * memory is released. 0 or -1. */
int proc_trace_exit(pid_t pid);
/* Then follows it to its end, delivering every signal as sent; at the exit stop
 * at_exit(pid, arg) runs (its memory still readable through /proc/PID/mem).
 * Returns the final wait status, or -1. */
int proc_follow_to_exit(pid_t pid, void (*at_exit)(pid_t pid, void *arg), void *arg);

/* gcore via gdb into path; returns 0 when the core file exists. */
int proc_gcore(pid_t pid, const char *path);

/* Kernel core dumps: "" in why when core_pattern has the kernel write core files
 * into the dumping process's working directory (what the crash tests read), else
 * the reason they cannot. */
void harness_core_skip_reason(char *why, size_t n);

/* How many of the secret's piece-byte substrings the core file(s) named core* in
 * dir hold; -1 when there is none. Removes the cores. */
long harness_core_pieces(const char *dir, const char *secret, size_t piece);

/* A private scratch directory for this test binary (removed by harness_cleanup). */
const char *harness_tmpdir(void);
void harness_cleanup(void);
/* harness_cleanup as a cmocka group teardown. */
int harness_cleanup_group(void **state);

/* Defines the cmocka case `name` as one call, for cases that differ only in the
 * arguments they give a shared body: HARNESS_CASE(test_x_control, x_case(false)) */
#define HARNESS_CASE(name, call)                                                              \
    static void name(void **state)                                                            \
    {                                                                                         \
        (void)state;                                                                          \
        call;                                                                                 \
    }

/* Skips the current cmocka test when cmd is not on PATH (prints the reason). */
bool harness_have(const char *cmd);

/* Whether this kernel gives memfd_secret memory at all (a page mapped and written). */
bool harness_have_secretmem(void);

#endif
