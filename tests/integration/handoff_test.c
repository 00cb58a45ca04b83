/* `envseal run`'s hand-off outside the environment (docs/cli.md): the secrets
 * reach the shim on an inherited sealed memfd, never in the program's
 * environment block.
 *  - A reader polls /proc/PID/environ from before exec until exit, 50 starts in a
 *    row: with plain LD_PRELOAD (the control) it sees the secret in some starts;
 *    through `envseal run` it never sees a --secret-file or --secret-cmd name or
 *    value, nor (once the program runs) an inherited one.
 *  - The program gets the same values as before: getenv, environ and envp
 *    (relocate), getenv (strict); python3, node, and psql logging in to a real
 *    PostgreSQL server with the password handed over.
 *  - A descriptor missing, closed, foreign or garbled: one line, and the program
 *    starts without those secrets (warn) or is refused with 111 (refuse).
 *  - A handed name the shim's own patterns do not cover is sealed all the same. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pg_fixture.h"

#define WAIT_MS 30000
#define STARTS 50
#define CONTROL_STARTS_MAX 2000 /* the control starts at most this many times */
#define PG_ROLE "envseal_handoff"
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

static struct proc cur;

static const char *envseal(void)
{
    return harness_runfile("cli/envseal");
}

static const char *probe(void)
{
    return harness_runfile("tests/programs/envprobe");
}

static const char *strict_lib(void)
{
    return harness_runfile("preload/libenvseal-strict.so");
}

/* ---- the polling reader ---- */

struct sightings {
    int starts_seen;   /* starts in which any needle was seen */
    int in_program;    /* ... in the program's block (it holds ENVSEAL_HANDOFF=) */
    int in_launcher;   /* ... in envseal's own block */
    long polls;
};

/* One whole read of /proc/PID/environ (one open: one address space). */
static size_t read_environ(pid_t pid, char *buf, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t len = 0;
    ssize_t r;
    while (len < n && (r = read(fd, buf + len, n - len)) > 0)
        len += (size_t)r;
    close(fd);
    return len;
}

/* Starts argv with env, its stdout into out; polls its environ from before the
 * exec until it exits, counting where needles showed. Returns the wait status. */
static int polled_start(char *const argv[], const struct envb *env, const char *const *needles,
                        int nneedles, struct sightings *s, char *out, size_t outn)
{
    int go[2], o[2];
    assert_int_equal(pipe2(go, O_CLOEXEC), 0);
    assert_int_equal(pipe2(o, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c;
        dup2(o[1], 1);
        if (read(go[0], &c, 1) != 1)
            _exit(120);
        execve(argv[0], argv, (char *const *)env->v);
        _exit(127);
    }
    close(go[0]);
    close(o[1]);
    static char block[1 << 16];
    bool seen = false, program = false, launcher = false;
    int status = 0;
    assert_int_equal(write(go[1], "g", 1), 1);
    for (;;) {
        size_t len = read_environ(pid, block, sizeof block);
        s->polls++;
        for (int i = 0; i < nneedles; i++)
            if (mem_contains(block, len, needles[i], strlen(needles[i]))) {
                seen = true;
                if (mem_contains(block, len, "ENVSEAL_HANDOFF=", 16))
                    program = true;
                else
                    launcher = true;
            }
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
    }
    close(go[1]);
    ssize_t n = read(o[0], out, outn - 1);
    out[n > 0 ? n : 0] = '\0';
    close(o[0]);
    s->starts_seen += seen;
    s->in_program += program;
    s->in_launcher += launcher;
    return status;
}

static void test_poll_control_plain_preload_shows_secret(void **state)
{
    (void)state;
    struct sightings s = {0};
    char secret[64], out[4096];
    /* The window is the loader's and the shim's start-up: on a loaded machine the
     * poller may miss it for a while. Start until it is seen, or give up after
     * CONTROL_STARTS_MAX starts (the control then fails: the poll cannot see). */
    int i;
    for (i = 0; i < CONTROL_STARTS_MAX && (i < STARTS || s.starts_seen == 0); i++) {
        harness_random_secret(secret, sizeof secret, "po");
        struct envb env;
        envb_init(&env, true);
        envb_set(&env, "HANDOFF_TOKEN", secret);
        const char *needles[] = {"HANDOFF_TOKEN=", secret};
        int st = polled_start(ARGV((char *)probe(), "show:HANDOFF_TOKEN"), &env, needles, 2, &s,
                              out, sizeof out);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(out, harness_value_line("", "HANDOFF_TOKEN", secret)));
        envb_free(&env);
    }
    print_message("plain LD_PRELOAD: secret seen in %d of %d starts (%ld polls)\n",
                  s.starts_seen, i, s.polls);
    assert_true(s.starts_seen >= 1);
}

static void test_poll_handoff_never_shows_secret(void **state)
{
    (void)state;
    struct sightings files = {0}, inherited = {0};
    char fsecret[64], csecret[64], isecret[64], out[4096], fopt[600], copt[600];
    for (int i = 0; i < STARTS; i++) {
        harness_random_secret(fsecret, sizeof fsecret, "pf");
        harness_random_secret(csecret, sizeof csecret, "pc");
        harness_random_secret(isecret, sizeof isecret, "pi");
        snprintf(fopt, sizeof fopt, "HANDOFF_TOKEN=%s", harness_scratch("poll.file", fsecret));
        snprintf(copt, sizeof copt, "CMD_PASSWORD=cat '%s'", harness_scratch("poll.cmd", csecret));
        struct envb env;
        envb_init(&env, false);
        envb_set(&env, "INHERITED_TOKEN", isecret);
        const char *fneedles[] = {"HANDOFF_TOKEN=", fsecret, "CMD_PASSWORD=", csecret};
        const char *ineedles[] = {"INHERITED_TOKEN=", isecret};
        int st = polled_start(ARGV((char *)envseal(), "run", "--library",
                                   (char *)harness_shim_path(), "--secret-file", fopt,
                                   "--secret-cmd", copt, "--", (char *)probe(),
                                   "show:HANDOFF_TOKEN", "show:CMD_PASSWORD",
                                   "show:INHERITED_TOKEN"),
                              &env, fneedles, 4, &files, out, sizeof out);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(out, harness_value_line("", "HANDOFF_TOKEN", fsecret)));
        assert_true(text_has_line(out, harness_value_line("", "CMD_PASSWORD", csecret)));
        assert_true(text_has_line(out, harness_value_line("", "INHERITED_TOKEN", isecret)));
        /* the inherited secret, polled in a start of its own */
        st = polled_start(ARGV((char *)envseal(), "run", "--library",
                               (char *)harness_shim_path(), "--", (char *)probe(),
                               "show:INHERITED_TOKEN"),
                          &env, ineedles, 2, &inherited, out, sizeof out);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(text_has_line(out, harness_value_line("", "INHERITED_TOKEN", isecret)));
        envb_free(&env);
    }
    print_message("envseal run: --secret-file/--secret-cmd seen in %d of %d starts (%ld polls); "
                  "inherited seen in the program's block in %d, in envseal's own block (before "
                  "it scrubs it) in %d\n",
                  files.starts_seen, STARTS, files.polls, inherited.in_program,
                  inherited.in_launcher);
    assert_int_equal(files.starts_seen, 0);
    assert_int_equal(inherited.in_program, 0);
}

/* How many of pid's descriptors are the hand-off memfd. */
static int handoff_fds(pid_t pid)
{
    char dir[64], link[PATH_MAX], target[PATH_MAX];
    int n = 0;
    for (int fd = 0; fd < 256; fd++) {
        snprintf(dir, sizeof dir, "/proc/%d/fd/%d", (int)pid, fd);
        ssize_t len = readlink(dir, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        snprintf(link, sizeof link, "%s", target);
        n += strstr(link, "envseal-handoff") != NULL;
    }
    return n;
}

/* A child process of parent's (the first /proc lists), or 0. */
static pid_t child_of(pid_t parent)
{
    DIR *d = opendir("/proc");
    pid_t found = 0;
    struct dirent *e;
    while (d && !found && (e = readdir(d))) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? fopen(path, "re") : NULL;
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *close_paren = strrchr(buf, ')'); /* the name may hold spaces */
        int ppid = 0;
        if (close_paren && sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == parent)
            found = (pid_t)atoi(e->d_name);
    }
    if (d)
        closedir(d);
    return found;
}

/* `run --redact` stays beside the program: once the program has started, neither
 * holds the memfd (plain shared memory) any more. The control: the memfd is there,
 * in the program, when the library that would close it is not an envseal shim. */
static void test_redact_keeps_no_handoff(void **state)
{
    (void)state;
    char secret[64], fopt[600];
    harness_random_secret(secret, sizeof secret, "rh");
    snprintf(fopt, sizeof fopt, "HANDOFF_TOKEN=%s", harness_scratch("redact.file", secret));
    struct envb env;
    envb_init(&env, false);
    assert_int_equal(proc_spawn(&cur, ARGV((char *)envseal(), "run", "--redact", "--library",
                                           (char *)harness_shim_path(), "--secret-file", fopt,
                                           "--", "/bin/sh", "-c",
                                           "test -n \"$HANDOFF_TOKEN\" && echo ready; "
                                           "exec sleep 60"),
                                &env),
                     0);
    assert_true(proc_wait_line(&cur, "ready", WAIT_MS));
    pid_t program = child_of(cur.pid);
    assert_true(program > 0);
    int in_envseal = handoff_fds(cur.pid), in_program = handoff_fds(program);
    kill(program, SIGTERM);
    int st = proc_finish(&cur, WAIT_MS);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    assert_int_equal(in_envseal, 0); /* envseal, the supervisor */
    assert_int_equal(in_program, 0);
    envb_free(&env);
}

/* ---- the values the program gets ---- */

static void test_relocate_getenv_environ_envp(void **state)
{
    (void)state;
    char fsecret[64], isecret[64], fopt[600];
    harness_random_secret(fsecret, sizeof fsecret, "rf");
    harness_random_secret(isecret, sizeof isecret, "ri");
    snprintf(fopt, sizeof fopt, "FILE_TOKEN=%s", harness_scratch("reloc.file", fsecret));
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "APP_TOKEN", isecret);
    assert_int_equal(proc_spawn(&cur, ARGV((char *)envseal(), "run", "--library",
                                           (char *)harness_shim_path(), "--secret-file", fopt,
                                           "--", (char *)probe(), "show:APP_TOKEN",
                                           "envp:APP_TOKEN", "envp:FILE_TOKEN",
                                           "show:ENVSEAL_HANDOFF", "show:ENVSEAL_HANDOFF_SLOT",
                                           "fork:FILE_TOKEN", "hold"),
                                &env),
                     0);
    assert_true(proc_wait_line(&cur, "ready 1", WAIT_MS));
    assert_true(text_has_line(cur.out, harness_value_line("", "APP_TOKEN", isecret)));
    assert_true(text_has_line(cur.out, harness_value_line("envp", "APP_TOKEN", isecret)));
    assert_true(text_has_line(cur.out, harness_value_line("environ", "APP_TOKEN", isecret)));
    assert_true(text_has_line(cur.out, harness_value_line("envp", "FILE_TOKEN", fsecret)));
    assert_true(text_has_line(cur.out, harness_value_line("environ", "FILE_TOKEN", fsecret)));
    assert_true(text_has_line(cur.out, "child ok"));
    assert_true(text_has_line(cur.out, "parent ok"));
    /* the hand-off's own entries are gone: no child inherits them */
    assert_true(text_has_line(cur.out, "ENVSEAL_HANDOFF (null)"));
    assert_true(text_has_line(cur.out, "ENVSEAL_HANDOFF_SLOT (null)"));
    /* the descriptor is closed */
    char fdpath[64], link[256];
    for (int fd = 3; fd < 64; fd++) {
        snprintf(fdpath, sizeof fdpath, "/proc/%d/fd/%d", (int)cur.pid, fd);
        ssize_t n = readlink(fdpath, link, sizeof link - 1);
        link[n > 0 ? n : 0] = '\0';
        assert_null(strstr(link, "envseal-handoff"));
    }
    assert_false(proc_environ_contains(cur.pid, fsecret));
    assert_false(proc_environ_contains(cur.pid, isecret));
    int st = proc_finish(&cur, WAIT_MS);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    envb_free(&env);
}

static void test_strict_getenv(void **state)
{
    (void)state;
    char fsecret[64], isecret[64], fopt[600];
    harness_random_secret(fsecret, sizeof fsecret, "sf");
    harness_random_secret(isecret, sizeof isecret, "si");
    snprintf(fopt, sizeof fopt, "FILE_TOKEN=%s", harness_scratch("strict.file", fsecret));
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "APP_TOKEN", isecret);
    assert_int_equal(proc_spawn(&cur, ARGV((char *)envseal(), "run", "--mode", "strict",
                                           "--library", (char *)strict_lib(), "--secret-file",
                                           fopt, "--", (char *)probe(), "show:APP_TOKEN",
                                           "show:FILE_TOKEN", "envp:FILE_TOKEN", "hold"),
                                &env),
                     0);
    assert_true(proc_wait_line(&cur, "ready 1", WAIT_MS));
    assert_true(text_has_line(cur.out, harness_value_line("", "APP_TOKEN", isecret)));
    assert_true(text_has_line(cur.out, harness_value_line("", "FILE_TOKEN", fsecret)));
    /* strict: out of environ and envp */
    assert_true(text_has_line(cur.out, "envp FILE_TOKEN (null)"));
    assert_true(text_has_line(cur.out, "environ FILE_TOKEN (null)"));
    assert_false(proc_environ_contains(cur.pid, fsecret));
    int st = proc_finish(&cur, WAIT_MS);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    envb_free(&env);
}

/* python3 and node read the handed-over value through their own environment. */
static void runtime_case(const char *interp, const char *code)
{
    if (!harness_have(interp)) {
        print_message("skipped: %s not installed\n", interp);
        skip();
    }
    char secret[64], fopt[600];
    harness_random_secret(secret, sizeof secret, "rt");
    snprintf(fopt, sizeof fopt, "HANDOFF_TOKEN=%s", harness_scratch("runtime.file", secret));
    struct envb env;
    envb_init(&env, false);
    char path[600];
    snprintf(path, sizeof path, "%s", interp);
    assert_int_equal(proc_spawn(&cur, ARGV((char *)envseal(), "run", "--library",
                                           (char *)harness_shim_path(), "--secret-file", fopt,
                                           "--", path, interp[0] == 'n' ? "-e" : "-c",
                                           (char *)code),
                                &env),
                     0);
    int st = proc_finish(&cur, WAIT_MS);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fprintf(stderr, "%s: %s\n", interp, cur.err);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_true(text_has_line(cur.out, harness_value_line("", "HANDOFF_TOKEN", secret)));
    assert_null(strstr(cur.out, secret));
    envb_free(&env);
}

HARNESS_CASE(test_python3_gets_value,
             runtime_case("/usr/bin/python3",
                          "import os\n"
                          "v = os.environ['HANDOFF_TOKEN'].encode()\n"
                          "h = 2166136261\n"
                          "for c in v: h = ((h ^ c) * 16777619) & 0xffffffff\n"
                          "print('HANDOFF_TOKEN %d:%08x' % (len(v), h))\n"))
HARNESS_CASE(test_node_gets_value,
             runtime_case("node", "const v = Buffer.from(process.env.HANDOFF_TOKEN);"
                                  "let h = 2166136261;"
                                  "for (const c of v) h = Math.imul(h ^ c, 16777619) >>> 0;"
                                  "console.log('HANDOFF_TOKEN ' + v.length + ':' + "
                                  "h.toString(16).padStart(8, '0'));"))

/* psql logs in with PGPASSWORD handed over from a --secret-file (the control
 * without it is refused by the server). */
static int psql_login(bool with_password)
{
    pg_fixture_require();
    char port[16], fopt[600];
    snprintf(port, sizeof port, "%d", pg_shared.server.port);
    snprintf(fopt, sizeof fopt, "PGPASSWORD=%s", harness_scratch("pg.pass", pg_shared.password));
    struct envb env;
    envb_init(&env, false);
    pg_fixture_client_env(&env, harness_tmpdir());
    char *argv[] = {(char *)envseal(), "run", "--library", (char *)harness_shim_path(),
                    with_password ? "--secret-file" : "--quiet", with_password ? fopt : "--quiet",
                    "--", "psql", "-X", "-w", "-A", "-t", "-h", "127.0.0.1", "-p", port, "-U",
                    PG_ROLE, "-d", "postgres", "-c", "select 'logged-' || 'in'", NULL};
    assert_int_equal(proc_spawn(&cur, argv, &env), 0);
    int st = proc_finish(&cur, WAIT_MS);
    envb_free(&env);
    assert_null(strstr(cur.out, pg_shared.password));
    assert_null(strstr(cur.err, pg_shared.password));
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 && text_has_line(cur.out, "logged-in");
}

static void test_psql_logs_in_with_handed_password(void **state)
{
    (void)state;
    assert_false(psql_login(false)); /* control: no password, no login */
    assert_true(psql_login(true));
}

/* ---- failure modes ---- */

struct payload {
    const char *bytes;
    size_t len;
};

/* A payload written as one string literal: its NULs inside, and the last one. */
#define PAYLOAD(lit) (&(const struct payload){lit, sizeof lit})

/* In the child before exec: a sealed memfd with the given payload at fd 7. */
static void memfd_at_7(const void *arg)
{
    const struct payload *p = arg;
    int fd = memfd_create("envseal-handoff", MFD_ALLOW_SEALING);
    if (fd < 0 || write(fd, p->bytes, p->len) != (ssize_t)p->len ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0 ||
        dup2(fd, 7) != 7)
        _exit(125);
}

/* In the child before exec: a descriptor that is not a memfd at fd 7. */
static void devnull_at_7(const void *arg)
{
    (void)arg;
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0 || dup2(fd, 7) != 7)
        _exit(125);
}

static void nothing(const void *arg)
{
    (void)arg;
}

/* The shim under a hand-off that cannot be read: ENVSEAL_HANDOFF=value, one slot;
 * under each policy, and with ENVSEAL_QUIET=1, which does not silence this line. */
static void failure_case(const char *value, void (*in_child)(const void *), const void *arg,
                         const char *says)
{
    for (int run = 0; run < 4; run++) {
        bool refuse = run & 1, quiet = run & 2;
        struct envb env;
        envb_init(&env, true);
        envb_set(&env, "ENVSEAL_HANDOFF", value);
        envb_set(&env, "ENVSEAL_HANDOFF_SLOT", "");
        if (refuse)
            envb_set(&env, "ENVSEAL_ON_FAILURE", "refuse");
        if (quiet)
            envb_set(&env, "ENVSEAL_QUIET", "1");
        assert_int_equal(proc_spawn_with(&cur, ARGV((char *)probe(), "show:HANDOFF_TOKEN",
                                                    "show:ENVSEAL_HANDOFF_SLOT"),
                                         &env, in_child, arg),
                         0);
        int st = proc_finish(&cur, WAIT_MS);
        if (!strstr(cur.err, says))
            fprintf(stderr, "want '%s' in:\n%s\n", says, cur.err);
        assert_true(WIFEXITED(st));
        assert_non_null(strstr(cur.err, "could not be received"));
        assert_non_null(strstr(cur.err, says));
        if (refuse) {
            assert_int_equal(WEXITSTATUS(st), 111);
            assert_int_equal(cur.out_len, 0);
        } else {
            assert_int_equal(WEXITSTATUS(st), 0);
            assert_true(text_has_line(cur.out, "HANDOFF_TOKEN (null)"));
            assert_true(text_has_line(cur.out, "ENVSEAL_HANDOFF_SLOT (null)"));
        }
        envb_free(&env);
    }
}

HARNESS_CASE(test_descriptor_closed, failure_case("77", nothing, NULL, "closed"))
HARNESS_CASE(test_descriptor_not_a_number, failure_case("x7", nothing, NULL, "not a descriptor"))
HARNESS_CASE(test_descriptor_foreign, failure_case("7", devnull_at_7, NULL, "not envseal's"))
HARNESS_CASE(test_payload_bad_magic,
             failure_case("7", memfd_at_7, PAYLOAD("not-the-magic\0HANDOFF_TOKEN=x"), "garbled"))
HARNESS_CASE(test_payload_two_entries_one_slot,
             failure_case("7", memfd_at_7, PAYLOAD("envseal-handoff-1\0A_TOKEN=x\0B_TOKEN=y"),
                          "garbled"))
HARNESS_CASE(test_payload_no_entry_one_slot,
             failure_case("7", memfd_at_7, PAYLOAD("envseal-handoff-1"), "garbled"))

/* A handed entry whose name the receiving shim's patterns do not cover (a shim of
 * another version or configuration than envseal run's): sealed all the same, so
 * the program reads the value and the payload's pages can go (environ pointed
 * into them once they were unmapped: the program died of SIGSEGV at its first
 * getenv). Relocate and strict libraries. */
static void uncovered_name_case(bool strict)
{
    char secret[64], payload[160];
    harness_random_secret(secret, sizeof secret, strict ? "us" : "ur");
    static const char magic[] = "envseal-handoff-1";
    int n = snprintf(payload, sizeof payload, "%s%cPLAIN_SETTING=%s", magic, '\0', secret);
    assert_true(n > 0 && (size_t)n < sizeof payload);
    const struct payload p = {payload, (size_t)n + 1};
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "LD_PRELOAD", strict ? strict_lib() : harness_shim_path());
    envb_set(&env, "ENVSEAL_HANDOFF", "7");
    envb_set(&env, "ENVSEAL_HANDOFF_SLOT", "");
    assert_int_equal(proc_spawn_with(&cur, ARGV((char *)probe(), "show:PLAIN_SETTING",
                                                "envp:PLAIN_SETTING", "hold"),
                                     &env, memfd_at_7, &p),
                     0);
    assert_true(proc_wait_line(&cur, "ready 1", WAIT_MS));
    assert_true(text_has_line(cur.out, harness_value_line("", "PLAIN_SETTING", secret)));
    assert_true(text_has_line(cur.out, harness_value_line("envp", "PLAIN_SETTING", secret)));
    assert_true(text_has_line(cur.out, harness_value_line("environ", "PLAIN_SETTING", secret)));
    assert_false(proc_environ_contains(cur.pid, secret));
    int st = proc_finish(&cur, WAIT_MS);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(cur.err_len, 0);
    envb_free(&env);
}

HARNESS_CASE(test_uncovered_handed_name_sealed_relocate, uncovered_name_case(false))
HARNESS_CASE(test_uncovered_handed_name_sealed_strict, uncovered_name_case(true))

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

int main(void)
{
    pg_fixture_init(PG_ROLE, &cur);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_poll_control_plain_preload_shows_secret, kill_cur),
        cmocka_unit_test_teardown(test_poll_handoff_never_shows_secret, kill_cur),
        cmocka_unit_test_teardown(test_redact_keeps_no_handoff, kill_cur),
        cmocka_unit_test_teardown(test_relocate_getenv_environ_envp, kill_cur),
        cmocka_unit_test_teardown(test_strict_getenv, kill_cur),
        cmocka_unit_test_teardown(test_python3_gets_value, kill_cur),
        cmocka_unit_test_teardown(test_node_gets_value, kill_cur),
        cmocka_unit_test_teardown(test_psql_logs_in_with_handed_password, kill_cur),
        cmocka_unit_test_teardown(test_descriptor_closed, kill_cur),
        cmocka_unit_test_teardown(test_descriptor_not_a_number, kill_cur),
        cmocka_unit_test_teardown(test_descriptor_foreign, kill_cur),
        cmocka_unit_test_teardown(test_payload_bad_magic, kill_cur),
        cmocka_unit_test_teardown(test_payload_two_entries_one_slot, kill_cur),
        cmocka_unit_test_teardown(test_payload_no_entry_one_slot, kill_cur),
        cmocka_unit_test_teardown(test_uncovered_handed_name_sealed_relocate, kill_cur),
        cmocka_unit_test_teardown(test_uncovered_handed_name_sealed_strict, kill_cur),
    };
    int failed = cmocka_run_group_tests(tests, pg_fixture_setup, pg_fixture_teardown);
    pg_fixture_done();
    harness_cleanup();
    return failed;
}
