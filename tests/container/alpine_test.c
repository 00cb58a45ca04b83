/* The musl (Alpine) envseal layer, built and run for real with buildah (private vfs
 * storage, chroot isolation). No registry is reachable here, so an Alpine stand-in
 * is built FROM scratch: musl's loader and libc (Debian's musl package) and dash
 * rebuilt with musl-gcc from Debian's source package as /bin/sh; no glibc at all.
 * container/build.sh --musl puts the musl layer (libenvseal-musl.so and the static
 * musl envseal command, scripts/musl/envseal.sh) and LD_PRELOAD on it, exactly as
 * it does on the official alpine image. A shell script reads a secret from the
 * container's environment: it gets the exact value, the host's /proc/PID/environ
 * of the process inside holds none of it, a kernel core of SIGSEGV sent while it
 * waits holds no piece of it, and the exit status is the control's; the control, a
 * container of the stand-in without the layer, leaks in both. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "images.h"
#include "tests/integration/harness.h"

#define IMG_MUSL "localhost/envseal-test/musl-base:test"
#define IMG_LAYER "localhost/envseal-test/envseal-layer-musl:test"
#define IMG_ALPINE "localhost/envseal-test/envseal-alpine:test"
#define CTR_SEALED "envseal-test-alpine"
#define CTR_CTL "envseal-test-musl-control"
#define SHIM_IN_IMAGE "/usr/lib/envseal/libenvseal-musl.so"
#define VAR "APP_TOKEN"
#define PIECE 12
#define WAIT_MS 60000
/* The script writes the value it sees to /tmp/got (compared, never printed). */
#define SCRIPT                                                                                \
    "umask 077; printf %s \"$" VAR "\" >/tmp/got; echo len ${#" VAR "}; echo ready; "        \
    "read x; exit 7"

static struct store store;
static char setup_err[1024], skip_why[256], core_skip[256];
static char root_sealed[PATH_MAX], root_ctl[PATH_MAX];
static char dash[PATH_MAX], cli[PATH_MAX + 32];

/* One setup step with the store's environment plus extra (NAME=VALUE entries). */
static bool step(char *const argv[], const struct envb *extra, int timeout_s, char *out,
                 size_t outn)
{
    return store_step(&store, argv, extra, timeout_s, out, outn, setup_err, sizeof setup_err);
}

/* The runfiles directory that holds cli/ and preload/. */
static void runfiles_top(char *out, size_t n)
{
    snprintf(out, n, "%s", harness_runfile("cli/cli.h"));
    for (int i = 0; i < 2; i++)
        *strrchr(out, '/') = '\0';
}

/* dash (cached build) and the static musl envseal, compiled from these sources. */
static void build_programs(void)
{
    char *dash_sh[] = {"bash", (char *)harness_runfile("tests/integration/musl_dash.sh"), NULL};
    step(dash_sh, NULL, 900, dash, sizeof dash);
    char top[PATH_MAX];
    runfiles_top(top, sizeof top);
    snprintf(cli, sizeof cli, "%s/envseal-musl", store.dir);
    char *envseal_sh[] = {"bash", (char *)harness_runfile("scripts/musl/envseal.sh"), "--out",
                          cli, "--source", top, "--patterns",
                          (char *)harness_runfile("preload/default_patterns_compiled.c"),
                          NULL};
    step(envseal_sh, NULL, 900, NULL, 0);
}

/* FROM scratch + musl's loader (/lib/ld-musl-ARCH.so.1, also as libc.so) + dash as
 * /bin/sh + /tmp: the smallest musl system, standing in for alpine. */
static void make_musl_base(void)
{
    char root[PATH_MAX], dst[PATH_MAX + 64];
    char *from[] = {"buildah", "from", "--name", "envseal-test-muslbase", "scratch", NULL};
    char *mount[] = {"buildah", "mount", "envseal-test-muslbase", NULL};
    if (!step(from, NULL, 120, NULL, 0) || !step(mount, NULL, 60, root, sizeof root))
        return;
    struct utsname u;
    uname(&u);
    const char *dirs[] = {"/lib", "/bin", "/usr", "/usr/lib", "/usr/lib/x86_64-linux-musl"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(dst, sizeof dst, "%s%s", root, dirs[i]);
        mkdir(dst, 0755);
    }
    snprintf(dst, sizeof dst, "%s/tmp", root);
    mkdir(dst, 01777);
    chmod(dst, 01777);
    char loader[PATH_MAX + 128];
    snprintf(loader, sizeof loader, "%s/lib/ld-musl-%s.so.1", root, u.machine);
    snprintf(dst, sizeof dst, "%s/usr/lib/x86_64-linux-musl/libc.so", root);
    const char *libc = "/usr/lib/x86_64-linux-musl/libc.so";
    char sh[PATH_MAX + 16];
    snprintf(sh, sizeof sh, "%s/bin/sh", root);
    if (copy_file(libc, loader, 0755) != 0 || copy_file(libc, dst, 0755) != 0 ||
        copy_file(dash, sh, 0755) != 0) {
        snprintf(setup_err, sizeof setup_err, "copying musl files: %s", strerror(errno));
        return;
    }
    char *env[] = {"buildah", "config", "--env", "PATH=/usr/bin:/bin", "envseal-test-muslbase",
                   NULL};
    char *commit[] = {"buildah", "commit", "-q", "--rm", "envseal-test-muslbase", IMG_MUSL, NULL};
    if (step(env, NULL, 60, NULL, 0))
        step(commit, NULL, 300, NULL, 0);
}

/* container/build.sh --musl on the stand-in, as a release does on alpine. */
static void make_alpine_image(void)
{
    char *argv[] = {"bash", (char *)harness_runfile("container/build.sh"), "--musl", "--lib",
                    (char *)harness_runfile("preload/libenvseal-musl.so"), "--lib-strict",
                    (char *)harness_runfile("preload/libenvseal-strict-musl.so"), "--cli", cli,
                    "--layer-tag", IMG_LAYER, "--base-tag", IMG_ALPINE, "--base-from",
                    IMG_MUSL, "--version", "test", NULL};
    struct envb extra = {.n = 0};
    envb_set(&extra, "ENGINE", "buildah");
    envb_set(&extra, "BUILD_FLAGS", "--pull=never -q");
    step(argv, &extra, 600, NULL, 0);
    envb_free(&extra);
}

static void make_container(const char *name, const char *image, char *root, size_t n)
{
    char *from[] = {"buildah", "from", "-q", "--pull=never", "--ulimit", "core=-1:-1",
                    "--name", (char *)name, (char *)image, NULL};
    char *mount[] = {"buildah", "mount", (char *)name, NULL};
    if (step(from, NULL, 300, NULL, 0))
        step(mount, NULL, 60, root, n);
}

static int group_setup(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        snprintf(skip_why, sizeof skip_why, "not root: buildah (chroot isolation) needs root");
        return 0;
    }
    if (access("/usr/bin/buildah", X_OK) != 0 ||
        access("/usr/lib/x86_64-linux-musl/libc.so", R_OK) != 0) {
        snprintf(skip_why, sizeof skip_why, "buildah or musl missing (scripts/setup.sh)");
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    harness_core_skip_reason(core_skip, sizeof core_skip);
    store_reap_stale();
    store_open(&store, setup_err, sizeof setup_err);
    build_programs();
    make_musl_base();
    make_alpine_image();
    make_container(CTR_SEALED, IMG_ALPINE, root_sealed, sizeof root_sealed);
    make_container(CTR_CTL, IMG_MUSL, root_ctl, sizeof root_ctl);
    if (setup_err[0])
        printf("setup failed: %s\n", setup_err);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    store_close(&store);
    return 0;
}

static void prologue(void)
{
    if (skip_why[0]) {
        print_message("skipped: %s\n", skip_why);
        skip();
    }
    if (setup_err[0])
        fail_msg("setup failed: %s", setup_err);
}

/* ---- the image ------------------------------------------------------------------ */

/* What is linked into the musl command (scripts/musl/release.sh's --static). */
static const char *const CLI_STATICS[] = {"musl-dev", "libelf-dev", "zlib1g-dev", NULL};

/* The layer's files where stage.sh puts them, the command's license notices in
 * /usr/share/doc/envseal/ (the repository's LICENSE, the machine's copyright files
 * and license texts), no /etc/ld.so.preload, LD_PRELOAD in the image's environment;
 * the static command runs in an image without glibc and names the musl library for
 * the image's shell. */
static void test_alpine_image_layout_and_command(void **state)
{
    (void)state;
    prologue();
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s%s", root_sealed, SHIM_IN_IMAGE);
    assert_true(same_file_bytes(path, harness_runfile("preload/libenvseal-musl.so")));
    snprintf(path, sizeof path, "%s/usr/lib/envseal/libenvseal-strict-musl.so", root_sealed);
    assert_true(same_file_bytes(path, harness_runfile("preload/libenvseal-strict-musl.so")));
    snprintf(path, sizeof path, "%s/usr/bin/envseal", root_sealed);
    assert_true(same_file_bytes(path, cli));
    char why[1024];
    if (!notices_match(root_sealed, CLI_STATICS, harness_runfile("LICENSE"), why, sizeof why))
        fail_msg("the image's notices: %s", why);
    snprintf(path, sizeof path, "%s/etc/ld.so.preload", root_sealed);
    assert_int_equal(access(path, F_OK), -1);
    char out[512];
    char *env[] = {"buildah", "run", CTR_SEALED, "--", "/bin/sh", "-c", "echo \"$LD_PRELOAD\"",
                   NULL};
    assert_true(step(env, NULL, 120, out, sizeof out));
    assert_string_equal(out, SHIM_IN_IMAGE);
    /* The static command runs where there is no glibc (LD_PRELOAD does not reach it). */
    char *check[] = {"buildah", "run", CTR_SEALED, "--", "/usr/bin/envseal", "check", "/bin/sh",
                     NULL};
    struct envb e;
    store_env(&store, &e);
    struct proc p;
    assert_int_equal(proc_spawn(&p, check, &e), 0);
    envb_free(&e);
    int st = proc_finish(&p, WAIT_MS);
    print_message("envseal check /bin/sh in the image: status %#x\n%s", st, p.out);
    assert_int_equal(st, 0);
    assert_non_null(strstr(p.out, "verdict:      protectable"));
    assert_non_null(strstr(p.out, "libenvseal-musl.so (" SHIM_IN_IMAGE ")"));
}

/* ---- a program reading a secret --------------------------------------------------- */

struct run {
    const char *ctr, *root;
    bool sealed;
    char secret[96];
    struct proc p;
    pid_t inner;
};

/* buildah config --env NAME takes the value from buildah's own environment: it is
 * never on a command line. set=false removes it again. */
static void container_env(struct run *r, bool set)
{
    struct envb e;
    store_env(&store, &e);
    if (set)
        envb_set(&e, VAR, r->secret);
    char *argv[] = {"buildah", "config", "--env", set ? VAR : VAR "-", (char *)r->ctr, NULL};
    char err[1024];
    int st = cmd_run(argv, &e, 60, NULL, 0, err, sizeof err);
    for (int i = 0; i < e.n; i++)
        explicit_bzero(e.v[i], strlen(e.v[i]));
    envb_free(&e);
    if (st != 0)
        fail_msg("%s", err);
}

/* Starts the script as the container's /bin/sh; waits until it has read the value. */
static void start(struct run *r, bool sealed)
{
    memset(r, 0, sizeof *r);
    r->sealed = sealed;
    r->ctr = sealed ? CTR_SEALED : CTR_CTL;
    r->root = sealed ? root_sealed : root_ctl;
    harness_random_long_secret(r->secret, 80);
    container_env(r, true);
    char *argv[] = {"buildah", "run", "--workingdir", "/tmp", (char *)r->ctr, "--",
                    "/bin/sh", "-c", SCRIPT, NULL};
    struct envb e;
    store_env(&store, &e);
    assert_int_equal(proc_spawn(&r->p, argv, &e), 0);
    envb_free(&e);
    if (!proc_wait_line(&r->p, "ready", WAIT_MS))
        fail_msg("no \"ready\" line; stderr: %s", r->p.err);
    r->inner = find_descendant(r->p.pid, "sh", 5000);
    assert_true(r->inner > 0);
    assert_true(proc_in_other_root(r->inner));
    assert_int_equal(proc_maps_file(r->inner, SHIM_IN_IMAGE), sealed);
    /* The exact value, read back from the container's /tmp. */
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/tmp/got", r->root);
    assert_true(file_is_exactly(path, r->secret));
}

static int finish(struct run *r)
{
    bool leaked;
    int st = proc_finish_secret(&r->p, r->secret, WAIT_MS, &leaked);
    container_env(r, false);
    assert_false(leaked);
    return st;
}

static void test_value_received_environ_clean_control_leaks(void **state)
{
    (void)state;
    prologue();
    int status[2];
    for (int sealed = 0; sealed < 2; sealed++) {
        struct run r;
        start(&r, sealed);
        bool leaks = proc_environ_contains(r.inner, r.secret);
        status[sealed] = finish(&r);
        print_message("%s: exact value received; /proc/%d/environ %s it; status %#x\n",
                      sealed ? "envseal-alpine" : "control", (int)r.inner,
                      leaks ? "holds" : "lacks", status[sealed]);
        assert_int_equal(leaks, !sealed);
    }
    assert_true(WIFEXITED(status[0]) && WEXITSTATUS(status[0]) == 7);
    assert_int_equal(status[1], status[0]);
}

/* SIGSEGV while the script waits: a core in the container's /tmp (core_pattern
 * "core"), with pieces of the value only in the control's. */
static void test_segv_core_clean_control_leaks(void **state)
{
    (void)state;
    prologue();
    if (core_skip[0]) {
        print_message("skipped: %s\n", core_skip);
        skip();
    }
    int status[2];
    for (int sealed = 0; sealed < 2; sealed++) {
        struct run r;
        start(&r, sealed);
        char dir[PATH_MAX + 16];
        snprintf(dir, sizeof dir, "%s/tmp", r.root);
        assert_int_equal(kill(r.inner, SIGSEGV), 0);
        int st = status[sealed] = finish(&r);
        long pieces = harness_core_pieces(dir, r.secret, PIECE);
        print_message("%s: buildah run status %#x, %ld pieces in the core\n",
                      sealed ? "envseal-alpine" : "control", st, pieces);
        assert_non_null(strstr(r.p.err, "segmentation fault"));
        assert_true(pieces >= 0); /* a core was written */
        if (!sealed && pieces == 0)
            fail_msg("the control's core holds no piece: the check would catch nothing");
        if (sealed)
            assert_int_equal(pieces, 0);
    }
    assert_int_equal(status[1], status[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alpine_image_layout_and_command),
        cmocka_unit_test(test_value_received_environ_clean_control_leaks),
        cmocka_unit_test(test_segv_core_clean_control_leaks),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
