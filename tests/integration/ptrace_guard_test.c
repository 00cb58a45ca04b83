/* ENVSEAL_PTRACE=deny (attacker A6, another process of the same user): a program
 * under the shim, run as an unused uid without privileges, is attacked by a
 * second process of that uid: gdb attach, a read of /proc/PID/mem, process_vm_readv
 * and a read of /proc/PID/environ. With the setting every one fails; without it
 * (the control) every one succeeds. The program itself still gets its secret and
 * exits normally. Cases: both libraries, an exec inside the process (the kernel
 * makes it dumpable again: the shim loaded by the new image sets it back), and
 * `envseal run --deny-ptrace`. */
#define _GNU_SOURCE
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
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "unpriv.h"

#define WAIT_MS 60000

static const char *skip_why;
static const char *probe, *libs[2], *envseal;
static struct proc cur;

enum { ATTACK_MEM = 1, ATTACK_VM_READV = 2, ATTACK_ENVIRON = 4, ATTACK_GDB = 8 };
#define ATTACK_ALL (ATTACK_MEM | ATTACK_VM_READV | ATTACK_ENVIRON | ATTACK_GDB)

static int setup_group(void **state)
{
    (void)state;
    if (!unpriv_setup(&skip_why))
        return 0;
    probe = unpriv_copy("tests/programs/envprobe", "envprobe");
    libs[0] = unpriv_copy("preload/libenvseal.so", "libenvseal.so");
    libs[1] = unpriv_copy("preload/libenvseal-strict.so", "libenvseal-strict.so");
    envseal = unpriv_copy("cli/envseal", "envseal");
    return probe && libs[0] && libs[1] && envseal ? 0 : -1;
}

#define ARGV_KILL_SELF ((char *[]){"/bin/sh", "-c", "kill -SEGV $$", NULL})

static int teardown_group(void **state)
{
    (void)state;
    unpriv_cleanup();
    harness_cleanup();
    return 0;
}

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

/* The start of the first mapping of pid (its executable), read as root. */
static unsigned long first_mapping(pid_t pid)
{
    char path[64], *maps;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    assert_true(read_file_all(path, &maps) > 0);
    unsigned long start = strtoul(maps, NULL, 16);
    free(maps);
    return start;
}

/* In a process of the same unprivileged uid: which of the memory reads work. */
static int memory_attacks(pid_t pid, unsigned long addr)
{
    pid_t a = fork();
    assert_true(a >= 0);
    if (a == 0) {
        unpriv_become(NULL);
        int got = 0;
        char buf[16], path[64];
        snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && pread(fd, buf, sizeof buf, (off_t)addr) == (ssize_t)sizeof buf)
            got |= ATTACK_MEM;
        struct iovec local = {buf, sizeof buf}, remote = {(void *)addr, sizeof buf};
        if (process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof buf)
            got |= ATTACK_VM_READV;
        snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && read(fd, buf, sizeof buf) > 0)
            got |= ATTACK_ENVIRON;
        _exit(got);
    }
    int st;
    assert_int_equal(waitpid(a, &st, 0), a);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* gdb, as the same unprivileged uid, attaches and reads a register (which only
 * an attached process has). */
static int gdb_attack(pid_t pid)
{
    char spid[16];
    snprintf(spid, sizeof spid, "%d", (int)pid);
    char *argv[] = {"gdb", "-nx", "-batch", "-p", spid, "-ex", "print $pc", NULL};
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "HOME", unpriv_dir());
    envb_set(&env, "DEBUGINFOD_URLS", "");
    struct proc g;
    assert_int_equal(proc_spawn_with(&g, argv, &env, unpriv_become, NULL), 0);
    proc_finish(&g, WAIT_MS);
    envb_free(&env);
    bool attached = strstr(g.out, "$1 = (void (*)()) 0x") != NULL;
    if (!attached && !strstr(g.err, "ptrace: Operation not permitted"))
        fprintf(stderr, "gdb neither attached nor was refused:\n%s\n%s\n", g.out, g.err);
    return attached ? ATTACK_GDB : 0;
}

/* Starts argv (envprobe show:APP_TOKEN hold at its end) as the unused uid with
 * the library preloaded and ENVSEAL_PTRACE set or not; attacks it; lets it finish
 * and checks it got its secret and exited 0. Returns the attacks that worked. */
static int attacked(char **argv, const char *lib, bool deny, bool preload_env)
{
    struct envb env;
    envb_init(&env, false);
    char secret[64];
    harness_random_secret(secret, sizeof secret, "pt");
    envb_set(&env, "APP_TOKEN", secret);
    envb_set(&env, "HOME", unpriv_dir());
    if (preload_env)
        envb_set(&env, "LD_PRELOAD", lib);
    if (deny && preload_env)
        envb_set(&env, "ENVSEAL_PTRACE", "deny");
    assert_int_equal(proc_spawn_with(&cur, argv, &env, unpriv_become, NULL), 0);
    assert_true(proc_wait_line(&cur, "ready 1", WAIT_MS));

    int got = memory_attacks(cur.pid, first_mapping(cur.pid)) | gdb_attack(cur.pid);

    int st = proc_finish(&cur, WAIT_MS);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fprintf(stderr, "program stderr:\n%s\n", cur.err);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_true(text_has_line(cur.out, harness_value_line("", "APP_TOKEN", secret)));
    assert_null(strstr(cur.err, secret));
    envb_free(&env);
    return got;
}

#define SKIP_UNLESS_USER()                                                                    \
    do {                                                                                      \
        if (skip_why) {                                                                       \
            print_message("skipped: %s\n", skip_why);                                        \
            skip();                                                                           \
        }                                                                                     \
    } while (0)

static void direct_case(int lib, bool deny)
{
    SKIP_UNLESS_USER();
    char *argv[] = {(char *)probe, "show:APP_TOKEN", "hold", NULL};
    assert_int_equal(attacked(argv, libs[lib], deny, true), deny ? 0 : ATTACK_ALL);
}

HARNESS_CASE(test_relocate_control_same_user_reads_memory, direct_case(0, false))
HARNESS_CASE(test_relocate_deny_blocks_gdb_mem_vm_readv_environ, direct_case(0, true))
HARNESS_CASE(test_strict_control_same_user_reads_memory, direct_case(1, false))
HARNESS_CASE(test_strict_deny_blocks_gdb_mem_vm_readv_environ, direct_case(1, true))

/* sh (under the shim) execs the probe in the same process: exec made it dumpable
 * again, and the probe's own copy of the shim must set it back. */
static void exec_case(bool deny)
{
    SKIP_UNLESS_USER();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "exec '%s' show:APP_TOKEN hold", probe);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    assert_int_equal(attacked(argv, libs[0], deny, true), deny ? 0 : ATTACK_ALL);
}

HARNESS_CASE(test_exec_control, exec_case(false))
HARNESS_CASE(test_exec_deny_is_applied_again_after_exec, exec_case(true))

/* envseal run --deny-ptrace: envseal execs the probe (same process). */
static void run_case(bool deny)
{
    SKIP_UNLESS_USER();
    char *argv[] = {(char *)envseal, "run", "--library", (char *)libs[0],
                    deny ? "--deny-ptrace" : "--quiet", "--", (char *)probe, "show:APP_TOKEN",
                    "hold", NULL};
    assert_int_equal(attacked(argv, libs[0], deny, false), deny ? 0 : ATTACK_ALL);
}

HARNESS_CASE(test_run_control, run_case(false))
HARNESS_CASE(test_run_deny_ptrace_option, run_case(true))

/* No core at all: sh (under the shim) kills itself with SIGSEGV, as the unused
 * uid, cores unlimited, in a directory of its own; the control leaves a core. */
static char cores[PATH_MAX];

static void crash_child(const void *arg)
{
    (void)arg;
    struct rlimit core = {RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_CORE, &core);
    unpriv_become(NULL);
    if (chdir(cores) != 0)
        _exit(125);
}

static int count_cores(void)
{
    int n = 0;
    DIR *d = opendir(cores);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, "core", 4) == 0) {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", cores, e->d_name);
            unlink(path);
            n++;
        }
    closedir(d);
    return n;
}

static void core_case(bool deny)
{
    SKIP_UNLESS_USER();
    char *pat = NULL;
    if (read_file_all("/proc/sys/kernel/core_pattern", &pat) < 0 || pat[0] == '|' ||
        strchr(pat, '/')) {
        free(pat);
        print_message("skipped: core_pattern does not write ./core files\n");
        skip();
    }
    free(pat);
    snprintf(cores, sizeof cores, "%s/cores", unpriv_dir());
    mkdir(cores, 0700);
    assert_int_equal(chown(cores, unpriv_uid(), unpriv_uid()), 0);
    count_cores();
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "LD_PRELOAD", libs[0]);
    if (deny)
        envb_set(&env, "ENVSEAL_PTRACE", "deny");
    assert_int_equal(proc_spawn_with(&cur, ARGV_KILL_SELF, &env, crash_child, NULL), 0);
    int st = proc_finish(&cur, WAIT_MS);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    assert_int_equal(WCOREDUMP(st) ? 1 : 0, deny ? 0 : 1);
    assert_int_equal(count_cores(), deny ? 0 : 1);
    envb_free(&env);
}

HARNESS_CASE(test_core_control, core_case(false))
HARNESS_CASE(test_deny_writes_no_core, core_case(true))

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_relocate_control_same_user_reads_memory, kill_cur),
        cmocka_unit_test_teardown(test_relocate_deny_blocks_gdb_mem_vm_readv_environ, kill_cur),
        cmocka_unit_test_teardown(test_strict_control_same_user_reads_memory, kill_cur),
        cmocka_unit_test_teardown(test_strict_deny_blocks_gdb_mem_vm_readv_environ, kill_cur),
        cmocka_unit_test_teardown(test_exec_control, kill_cur),
        cmocka_unit_test_teardown(test_exec_deny_is_applied_again_after_exec, kill_cur),
        cmocka_unit_test_teardown(test_run_control, kill_cur),
        cmocka_unit_test_teardown(test_run_deny_ptrace_option, kill_cur),
        cmocka_unit_test_teardown(test_core_control, kill_cur),
        cmocka_unit_test_teardown(test_deny_writes_no_core, kill_cur),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
