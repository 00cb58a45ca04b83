/* Helpers shared by the envseal command's tests: where the binaries are, running
 * a command with its output captured in files (any size, binary), and a plain
 * reference masker to compare --redact output against. */
#ifndef ENVSEAL_TESTS_CLI_UTIL_H
#define ENVSEAL_TESTS_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tests/integration/harness.h"

const char *envseal_bin(void);      /* //cli:envseal */
const char *envseal_asan_bin(void); /* //cli:envseal_asan */
const char *outprobe_bin(void);     /* //tests/cli:outprobe */
const char *envprobe_bin(void);     /* //tests/programs:envprobe */

struct capture {
    char *out, *err; /* NUL-terminated, may hold NULs before out_len/err_len */
    size_t out_len, err_len;
    int status; /* raw wait status, -1 on timeout */
};

/* Runs argv with env, stdin from /dev/null (or the file `in`), stdout and stderr
 * into files; waits up to timeout_ms (then SIGKILL). */
int run_capture(char *const argv[], const struct envb *env, const char *in,
                struct capture *c, int timeout_ms);
void capture_free(struct capture *c);

/* `check --json path` with //cli:envseal (captured in c) and //cli:envseal_asan:
 * 0 when both exit, agree on status and output, and ASan/UBSan found nothing;
 * else -1 after saying why on stderr. */
int check_both(const char *path, const struct envb *env, struct capture *c, int timeout_ms);

/* True when any of out/err holds needle. */
bool capture_contains(const struct capture *c, const char *needle);

/* Writes n bytes to a new file in the test's scratch directory; returns its path
 * (static buffer, one of 8 rotating). */
const char *scratch_file(const char *name, const void *data, size_t n);

/* Reference masking of in[0..n) (every occurrence, overlaps merged) into out,
 * which must hold n * (mask_len + 1) bytes; returns the output length. */
size_t reference_mask(const char *const *secrets, size_t ns, const unsigned char *in, size_t n,
                      const char *mask, unsigned char *out);

/* Starts argv with stdin /dev/null, the given stdout and stderr, and SIGPIPE's
 * default action (the caller's may be ignored). */
pid_t spawn_with_fds(char *const argv[], const struct envb *env, int out, int err);

/* argv (5 to 11 entries) for /usr/bin/python3 -c script, alone or (redact) under
 * envseal run --redact --library shim. */
void python_argv(char *argv[11], const char *script, bool redact, const char *shim);

/* Starts python_argv's command with stdout a new pipe, whose read end it returns in
 * *out, and stderr the caller's (spawn_with_fds). */
pid_t spawn_python_into_pipe(const char *script, bool redact, const char *shim,
                             const struct envb *env, int *out);

/* Reads fd to its end; returns the bytes read, and tells in *found whether needle
 * (under 32 bytes) occurred anywhere, across reads too. Nothing read is kept. */
size_t read_to_end_finding(int fd, const char *needle, bool *found);

/* FNV-1a of a string, as envprobe/outprobe print it. */
unsigned fnv32(const char *s);

#endif
