/* The envseal container layer, built and run for real. A Debian bookworm-slim
 * stand-in (debootstrap, cached), the layer image and the ready base image from
 * container/, and an application image on top are built with buildah (private vfs
 * storage, chroot isolation, the host's network). python3 and psql (against a
 * PostgreSQL server on 127.0.0.1 with SCRAM) get their secrets from the
 * container's environment. The checks read what an observer on the host reads:
 * /proc/PID/environ and maps of the process inside the container, and the kernel's
 * core file after SIGSEGV. Every check has a control run of the same program in a
 * container of plain Debian slim (no layer), where the secret must be found. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "images.h"
#include "tests/integration/harness.h"
#include "tests/integration/pg_server.h"

#define IMG_DEBIAN "localhost/envseal-test/debian:bookworm-slim"
#define IMG_LAYER "localhost/envseal-test/envseal-layer:test"
#define IMG_BASE "localhost/envseal-test/envseal-debian:test"
#define IMG_APP "localhost/envseal-test/app:sealed"
#define CTR_APP "envseal-test-app"
#define CTR_CTL "envseal-test-control"
#define CTR_LAYER "envseal-test-layer"
#define SHIM_IN_IMAGE "/usr/lib/envseal/libenvseal.so"
#define PRELOAD_LINE SHIM_IN_IMAGE "\n"
#define PG_ROLE "envseal_app"
#define WAIT_MS 60000
/* The packages the application image needs on top of minbase. */
static char *const ROOTFS_PACKAGES[] = {"python3", "postgresql-client", NULL};

static struct store store;
static char setup_err[1024]; /* set: every case fails with it */
static char skip_why[256];   /* set: the machine cannot run containers here */
static char core_skip[512];  /* set: kernel core files cannot be read here */
static char root_app[PATH_MAX], root_ctl[PATH_MAX], root_layer[PATH_MAX];
static char expect_dir[PATH_MAX + 16];
static struct pg_server pg;
static char pg_password[64];
static bool have_cli;
static long t_start;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool on_path(const char *cmd)
{
    static const char *const dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                       "/usr/bin", "/sbin", "/bin"};
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], cmd);
        if (access(path, X_OK) == 0)
            return true;
    }
    return false;
}

/* ---- group setup: images, containers, server -------------------------------- */

/* Runs one setup step with the store's environment; records the first failure. */
static bool step(char *const argv[], const struct envb *extra, int timeout_s, char *out,
                 size_t outn)
{
    return store_step(&store, argv, extra, timeout_s, out, outn, setup_err, sizeof setup_err);
}

static void phase_done(const char *what, long since)
{
    if (!setup_err[0])
        printf("setup: %s: %.1f s\n", what, (double)(now_ms() - since) / 1000.0);
    fflush(stdout);
}

/* debootstrap (or the cache) -> tar -> IMG_DEBIAN */
static void make_debian_image(void)
{
    long t = now_ms();
    char tarball[PATH_MAX];
    char *argv[8] = {"bash", (char *)harness_runfile("tests/container/debian_rootfs.sh")};
    int k = 2;
    for (int i = 0; ROOTFS_PACKAGES[i]; i++)
        argv[k++] = ROOTFS_PACKAGES[i];
    argv[k] = NULL;
    if (!step(argv, NULL, 1500, tarball, sizeof tarball))
        return;
    phase_done("Debian bookworm-slim root filesystem (debootstrap or cache)", t);

    t = now_ms();
    char *from[] = {"buildah", "from", "--name", "envseal-test-import", "scratch", NULL};
    char *add[] = {"buildah", "add", "envseal-test-import", tarball, "/", NULL};
    char *commit[] = {"buildah", "commit", "-q", "--rm", "envseal-test-import", IMG_DEBIAN, NULL};
    if (step(from, NULL, 120, NULL, 0) && step(add, NULL, 600, NULL, 0) &&
        step(commit, NULL, 600, NULL, 0))
        phase_done("import as " IMG_DEBIAN, t);
}

/* container/build.sh: the layer and the ready base on IMG_DEBIAN. */
static void make_envseal_images(void)
{
    long t = now_ms();
    char cli[PATH_MAX];
    snprintf(cli, sizeof cli, "%s", harness_runfile("cli/envseal_dist"));
    have_cli = access(cli, X_OK) == 0;
    char *argv[20];
    int k = 0;
    argv[k++] = "bash";
    argv[k++] = (char *)harness_runfile("container/build.sh");
    argv[k++] = "--lib";
    argv[k++] = (char *)harness_shim_path();
    if (have_cli) {
        argv[k++] = "--cli";
        argv[k++] = cli;
    } else {
        argv[k++] = "--no-cli";
    }
    char *rest[] = {"--layer-tag", IMG_LAYER, "--base-tag", IMG_BASE, "--base-from",
                    IMG_DEBIAN, "--version", "test", NULL};
    for (int i = 0; rest[i]; i++)
        argv[k++] = rest[i];
    argv[k] = NULL;
    struct envb extra = {.n = 0};
    envb_set(&extra, "ENGINE", "buildah");
    envb_set(&extra, "BUILD_FLAGS", "--pull=never -q");
    if (step(argv, &extra, 600, NULL, 0))
        phase_done(have_cli ? "layer and ready base images (with the envseal command)"
                            : "layer and ready base images (no envseal command built)",
                   t);
    envb_free(&extra);
}

static char app_ctx[PATH_MAX + 32];

/* The application image on the ready base, built as users build theirs. */
static void make_app_image(void)
{
    long t = now_ms();
    char *ctx = app_ctx, dst[PATH_MAX + 64];
    snprintf(app_ctx, sizeof app_ctx, "%s/app-context", store.dir);
    mkdir(ctx, 0755);
    const char *files[] = {"Containerfile.app", "app.py"};
    for (size_t i = 0; i < 2; i++) {
        char src[PATH_MAX];
        snprintf(src, sizeof src, "tests/container/%s", files[i]);
        snprintf(dst, sizeof dst, "%s/%s", ctx, files[i]);
        if (copy_file(harness_runfile(src), dst, 0644) != 0) {
            snprintf(setup_err, sizeof setup_err, "copying %s: %s", files[i], strerror(errno));
            return;
        }
    }
    snprintf(dst, sizeof dst, "%s/Containerfile.app", ctx);
    char *app[] = {"buildah", "bud", "-q", "--pull=never", "-f", dst,
                   "--build-arg", "BASE=" IMG_BASE, "-t", IMG_APP, ctx, NULL};
    if (step(app, NULL, 600, NULL, 0))
        phase_done("application image on the ready base", t);
}

/* A working container with core dumps allowed; its root directory on the host. */
static void make_container(const char *name, const char *image, char *root, size_t n)
{
    char *from[] = {"buildah", "from", "-q", "--pull=never", "--ulimit", "core=-1:-1",
                    "--name", (char *)name, (char *)image, NULL};
    char *mount[] = {"buildah", "mount", (char *)name, NULL};
    if (step(from, NULL, 600, NULL, 0))
        step(mount, NULL, 60, root, n);
}

static void make_containers(void)
{
    long t = now_ms();
    make_container(CTR_APP, IMG_APP, root_app, sizeof root_app);
    /* The control: the same program on plain Debian slim, without the layer (a
     * working container rather than one more image: vfs copies whole trees). */
    make_container(CTR_CTL, IMG_DEBIAN, root_ctl, sizeof root_ctl);
    char app_py[PATH_MAX + 64];
    snprintf(app_py, sizeof app_py, "%s/app.py", app_ctx);
    char *copy[] = {"buildah", "copy", CTR_CTL, app_py, "/app/app.py", NULL};
    step(copy, NULL, 60, NULL, 0);
    make_container(CTR_LAYER, IMG_LAYER, root_layer, sizeof root_layer);
    phase_done("working containers", t);
}

static void start_server(void)
{
    if (setup_err[0])
        return;
    harness_random_secret(pg_password, sizeof pg_password, "pgpass");
    char err[512];
    if (pg_server_start(&pg, PG_ROLE, pg_password, err, sizeof err) != 0)
        snprintf(setup_err, sizeof setup_err, "PostgreSQL server: %s", err);
}

static void on_signal(int sig)
{
    pg_server_abort(&pg);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void read_core_pattern(void)
{
    char *pat = NULL;
    if (read_file_all("/proc/sys/kernel/core_pattern", &pat) < 0) {
        snprintf(core_skip, sizeof core_skip, "cannot read /proc/sys/kernel/core_pattern");
    } else if (strcmp(pat, "core\n") != 0 && strcmp(pat, "core") != 0) {
        pat[strcspn(pat, "\n")] = '\0';
        snprintf(core_skip, sizeof core_skip,
                 "kernel.core_pattern is '%.100s', not 'core': the core file is not "
                 "written where this test can read it",
                 pat);
    }
    free(pat);
}

static int group_setup(void **state)
{
    (void)state;
    t_start = now_ms();
    if (geteuid() != 0) {
        snprintf(skip_why, sizeof skip_why,
                 "not root: buildah (chroot isolation) and debootstrap need root");
        return 0;
    }
    if (!on_path("buildah") || !on_path("debootstrap")) {
        snprintf(skip_why, sizeof skip_why,
                 "buildah or debootstrap missing (Debian packages; scripts/setup.sh)");
        return 0;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    read_core_pattern();
    store_reap_stale();
    if (store_open(&store, setup_err, sizeof setup_err) == 0) {
        snprintf(expect_dir, sizeof expect_dir, "%s/expect", store.dir);
        if (mkdir(expect_dir, 0700) != 0)
            snprintf(setup_err, sizeof setup_err, "mkdir %.300s: %s", expect_dir, strerror(errno));
    }
    make_debian_image();
    make_envseal_images();
    make_app_image();
    make_containers();
    start_server();
    if (setup_err[0])
        printf("setup failed: %s\n", setup_err);
    printf("setup: total %.1f s\n", (double)(now_ms() - t_start) / 1000.0);
    fflush(stdout);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    long t = now_ms();
    pg_server_stop(&pg);
    store_close(&store);
    printf("teardown: %.1f s; whole test %.1f s\n", (double)(now_ms() - t) / 1000.0,
           (double)(now_ms() - t_start) / 1000.0);
    return 0;
}

static void prologue(bool needs_core)
{
    if (skip_why[0]) {
        print_message("skipped: %s\n", skip_why);
        skip();
    }
    if (setup_err[0]) {
        print_error("setup failed: %s\n", setup_err);
        fail();
    }
    if (needs_core && core_skip[0]) {
        print_message("skipped: %s\n", core_skip);
        skip();
    }
}

/* ---- one program run inside a container -------------------------------------- */

struct var {
    const char *name;
    char value[200];
    char core[80]; /* the random part, which no observer may find */
    bool secret;
};

struct session {
    const char *ctr, *root;
    bool sealed; /* the application image with the envseal layer */
    struct var v[4];
    int n;
    bool env_set;
};

static struct proc cur;           /* the running `buildah run` */
static struct session sess;       /* the case's variables: static, not on the stack,
                                   * so the teardown can reach them after a failure */

static struct session *active;    /* the case whose files and variables are in place */

/* envb_free, after zeroing entries that may hold values. */
static void envb_wipe(struct envb *e)
{
    for (int i = 0; i < e->n; i++)
        explicit_bzero(e->v[i], strlen(e->v[i]));
    envb_free(e);
}

static void add_var(struct session *s, const char *name, bool secret, const char *prefix,
                    const char *tag, const char *suffix)
{
    struct var *v = &s->v[s->n++];
    v->name = name;
    v->secret = secret;
    char core[sizeof v->core];
    harness_random_secret(core, sizeof core, tag);
    memcpy(v->core, core, sizeof core);
    snprintf(v->value, sizeof v->value, "%s%s%s", prefix, core, suffix);
    explicit_bzero(core, sizeof core);
}

static void session_init(struct session *s, bool sealed)
{
    memset(s, 0, sizeof *s);
    s->sealed = sealed;
    s->ctr = sealed ? CTR_APP : CTR_CTL;
    s->root = sealed ? root_app : root_ctl;
}

/* The container's environment gets the variables through `buildah config --env
 * NAME`, which takes each value from buildah's own environment (as `docker run -e
 * NAME` does): no value ever appears in a command line. set=false removes them
 * (`--env NAME-`). Returns false, with err filled, when buildah fails. */
static bool session_env(struct session *s, bool set, char *err, size_t errn)
{
    char *argv[2 + 2 * 4 + 2];
    char removals[4][64];
    int k = 0;
    argv[k++] = "buildah";
    argv[k++] = "config";
    struct envb e;
    store_env(&store, &e);
    for (int i = 0; i < s->n; i++) {
        argv[k++] = "--env";
        if (set) {
            argv[k++] = (char *)s->v[i].name;
            envb_set(&e, s->v[i].name, s->v[i].value);
        } else {
            snprintf(removals[i], sizeof removals[i], "%s-", s->v[i].name);
            argv[k++] = removals[i];
        }
    }
    argv[k++] = (char *)s->ctr;
    argv[k] = NULL;
    int st = cmd_run(argv, &e, 60, NULL, 0, err, errn);
    envb_wipe(&e);
    s->env_set = set && st == 0;
    return st == 0;
}

/* The expected values, for the program to compare with (mode 0600 files, bind
 * mounted read-only at /run/envseal-expect). */
static void session_files(const struct session *s, bool create)
{
    for (int i = 0; i < s->n; i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", expect_dir, s->v[i].name);
        if (!create) {
            unlink(path);
            continue;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        size_t len = strlen(s->v[i].value);
        assert_int_equal(write(fd, s->v[i].value, len), (ssize_t)len);
        close(fd);
    }
}

/* Starts argv[0..k) followed by more (as far as argv's max entries allow) as cur,
 * with the image store's environment. */
static void spawn_buildah(char **argv, int k, int max, char *const more[])
{
    for (int i = 0; more[i] && k < max - 1; i++)
        argv[k++] = more[i];
    argv[k] = NULL;
    struct envb e;
    store_env(&store, &e);
    int rc = proc_spawn(&cur, argv, &e);
    envb_free(&e);
    assert_int_equal(rc, 0);
}

static void session_start(struct session *s, const char *workdir, char *const cmd[])
{
    active = s;
    session_files(s, true);
    char err[1024];
    if (!session_env(s, true, err, sizeof err)) {
        print_error("%s\n", err);
        fail_msg("buildah config --env failed");
    }
    char mount[PATH_MAX + 64];
    snprintf(mount, sizeof mount, "%s:/run/envseal-expect:ro", expect_dir);
    char *argv[32] = {"buildah", "run", "--workingdir", (char *)workdir, "-v", mount,
                      (char *)s->ctr, "--"};
    spawn_buildah(argv, 8, 32, cmd);
}

/* Takes the case's variables out of the container's config and its files away,
 * and zeroes them; also after a failure (from the teardown). */
static void session_end(struct session *s)
{
    char err[1024];
    if (s->env_set && !session_env(s, false, err, sizeof err))
        fprintf(stderr, "%s\n", err);
    session_files(s, false);
    explicit_bzero(s->v, sizeof s->v);
    active = NULL;
}

static int per_test_teardown(void **state)
{
    (void)state;
    /* EOF ends the program inside, so buildah exits and cleans up after itself;
     * proc_finish kills it only when that does not happen in time. */
    if (cur.pid > 0)
        proc_finish(&cur, 15000);
    if (active)
        session_end(active);
    return 0;
}

static void wait_ready(const char *who)
{
    if (!proc_wait_line(&cur, "ready", WAIT_MS)) {
        /* Program output and buildah's messages hold names only. */
        print_error("%s: no \"ready\" line; stdout:\n%s\nstderr:\n%s\n", who, cur.out, cur.err);
        fail();
    }
}

/* The process inside: below `buildah run`, in the container's root directory,
 * loading the shim exactly when the image has the layer. */
static pid_t inner_process(const struct session *s, const char *comm)
{
    pid_t pid = find_descendant(cur.pid, comm, 5000);
    if (pid <= 0) {
        print_error("no process '%s' below buildah run\n", comm);
        fail();
    }
    assert_true(proc_in_other_root(pid));
    bool shim = proc_maps_file(pid, SHIM_IN_IMAGE);
    if (shim != s->sealed) {
        print_error("%s (pid %d): libenvseal.so %s\n", comm, (int)pid,
                    shim ? "mapped in the control image"
                         : "not mapped: /etc/ld.so.preload unused?");
        fail();
    }
    return pid;
}

/* What the host sees in /proc/PID/environ: with the layer no secret byte sequence
 * (whole value or its random part); without it, every secret. Plain variables are
 * there in both: proof that this is the process that got the environment. */
static void check_environ(const struct session *s, pid_t pid, const char *who)
{
    bool ok = true;
    for (int i = 0; i < s->n; i++) {
        const struct var *v = &s->v[i];
        bool whole = proc_environ_contains(pid, v->value);
        bool part = proc_environ_contains(pid, v->core);
        if (!v->secret && !whole) {
            print_error("%s: plain %s missing from /proc/%d/environ\n", who, v->name, (int)pid);
            ok = false;
        } else if (v->secret && s->sealed && (whole || part)) {
            print_error("%s: %s's value readable in /proc/%d/environ\n", who, v->name, (int)pid);
            ok = false;
        } else if (v->secret && !s->sealed && !whole) {
            print_error("%s (control): %s not in /proc/%d/environ: the check could not "
                        "catch a leak\n",
                        who, v->name, (int)pid);
            ok = false;
        }
    }
    assert_true(ok);
}

static void finish_ok(const char *who)
{
    int st = proc_finish(&cur, WAIT_MS);
    if (st != 0) {
        print_error("%s: buildah run ended with status 0x%x; stderr:\n%s\n", who, st, cur.err);
        fail();
    }
}

/* ---- python3 ------------------------------------------------------------------- */

static void python_vars(struct session *s)
{
    add_var(s, "APP_API_TOKEN", true, "", "apitoken", "");
    add_var(s, "DATABASE_URL", true, "postgresql://" PG_ROLE ":", "dbpass", "@db.internal/app");
    add_var(s, "APP_MODE", false, "", "plain", "");
}

static void python_run(bool sealed, bool via_shell)
{
    prologue(false);
    struct session *s = &sess;
    session_init(s, sealed);
    python_vars(s);
    char *direct[] = {"python3", "/app/app.py", "APP_API_TOKEN", "DATABASE_URL", "APP_MODE", NULL};
    /* Not the last command, so the shell cannot exec python3 in its own place. */
    char *shell[] = {"sh", "-c",
                     "python3 /app/app.py APP_API_TOKEN DATABASE_URL APP_MODE; exit $?", NULL};
    session_start(s, "/app", via_shell ? shell : direct);
    wait_ready("python3");
    if (!strstr(cur.out, "values-ok\n") || !strstr(cur.out, "LD_PRELOAD unset\n")) {
        print_error("python3: %s", cur.out);
        fail_msg("python3 did not get exactly its values, or LD_PRELOAD was set");
    }
    pid_t py = inner_process(s, "python3");
    check_environ(s, py, "python3");
    if (via_shell) {
        pid_t sh = inner_process(s, "sh");
        check_environ(s, sh, "sh");
    }
    finish_ok("python3");
    session_end(s);
}

HARNESS_CASE(test_python_sealed, python_run(true, false))
HARNESS_CASE(test_python_control, python_run(false, false))

/* A shell entrypoint that starts python3: both processes load the shim. */
HARNESS_CASE(test_shell_child_sealed, python_run(true, true))

/* ---- psql against the host's server ------------------------------------------- */

static void psql_vars(struct session *s)
{
    struct var *v = &s->v[s->n++];
    v->name = "PGPASSWORD";
    v->secret = true;
    snprintf(v->value, sizeof v->value, "%s", pg_password);
    snprintf(v->core, sizeof v->core, "%s", pg_password);
    add_var(s, "APP_API_TOKEN", true, "", "apitoken", "");
    add_var(s, "APP_MODE", false, "", "plain", "");
}

static void psql_start(struct session *s, const char *workdir)
{
    char port[16];
    snprintf(port, sizeof port, "%d", pg.port);
    char *cmd[] = {"psql", "-X", "-w", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", port,
                   "-U", PG_ROLE, "-d", "postgres", NULL};
    session_start(s, workdir, cmd);
    /* The login itself proves PGPASSWORD arrived: -w never prompts. */
    static const char sql[] = "select 'connected-as-' || current_user;\nselect 'rea' || 'dy';\n";
    assert_int_equal(write(cur.in_fd, sql, sizeof sql - 1), (ssize_t)(sizeof sql - 1));
    wait_ready("psql");
    if (!strstr(cur.out, "connected-as-" PG_ROLE "\n")) {
        print_error("psql: %s\n%s", cur.out, cur.err);
        fail_msg("psql did not log in as " PG_ROLE);
    }
}

static void psql_run(bool sealed)
{
    prologue(false);
    struct session *s = &sess;
    session_init(s, sealed);
    psql_vars(s);
    psql_start(s, "/app");
    pid_t pid = inner_process(s, "psql");
    check_environ(s, pid, "psql");
    finish_ok("psql");
    session_end(s);
}

HARNESS_CASE(test_psql_sealed, psql_run(true))
HARNESS_CASE(test_psql_control, psql_run(false))

/* ---- crash: SIGSEGV with core dumps enabled ------------------------------------ */

static void remove_cores(const char *root)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/tmp/core", root);
    unlink(path);
}

static void crash_run(bool sealed, bool python)
{
    prologue(true);
    struct session *s = &sess;
    session_init(s, sealed);
    const char *comm = python ? "python3" : "psql";
    remove_cores(s->root);
    if (python) {
        python_vars(s);
        char *cmd[] = {"python3", "/app/app.py", "APP_API_TOKEN", "DATABASE_URL", "APP_MODE",
                       NULL};
        session_start(s, "/tmp", cmd);
        wait_ready(comm);
    } else {
        psql_vars(s);
        psql_start(s, "/tmp");
    }
    pid_t pid = inner_process(s, comm);
    assert_int_equal(kill(pid, SIGSEGV), 0);
    int st = proc_finish(&cur, WAIT_MS);
    assert_true(st != 0 && st != -1); /* buildah reports the signal as a failure */

    /* core_pattern "core": the kernel writes it into the process's working
     * directory, /tmp inside the container; with core_uses_pid, core.PID. */
    char path[PATH_MAX + 64], *core = NULL;
    snprintf(path, sizeof path, "%s/tmp/core", s->root);
    if (access(path, F_OK) != 0)
        snprintf(path, sizeof path, "%s/tmp/core.%d", s->root, (int)pid);
    long n = read_file_all(path, &core);
    if (n <= 0) {
        print_error("%s: no core file in the container's /tmp (stderr: %s)\n", comm, cur.err);
        fail();
    }
    unlink(path);
    bool ok = true;
    for (int i = 0; i < s->n; i++) {
        const struct var *v = &s->v[i];
        bool found = mem_contains(core, (size_t)n, v->value, strlen(v->value)) ||
                     mem_contains(core, (size_t)n, v->core, strlen(v->core));
        if (!v->secret && !found) {
            print_error("%s: plain %s not in the core: not this process's dump?\n", comm,
                        v->name);
            ok = false;
        } else if (v->secret && sealed && found) {
            print_error("%s: %s's value found in the core dump (%ld bytes)\n", comm, v->name, n);
            ok = false;
        } else if (v->secret && !sealed && !found) {
            print_error("%s (control): %s not in the core: the check could not catch a leak\n",
                        comm, v->name);
            ok = false;
        }
    }
    explicit_bzero(core, (size_t)n);
    free(core);
    session_end(s);
    assert_true(ok);
}

HARNESS_CASE(test_python_crash_core, crash_run(true, true))
HARNESS_CASE(test_python_crash_control, crash_run(false, true))
HARNESS_CASE(test_psql_crash_core, crash_run(true, false))
HARNESS_CASE(test_psql_crash_control, crash_run(false, false))

/* ---- the images' files ----------------------------------------------------------- */

static char listing[4096];
static size_t listing_len;
static const char *listing_root;

static int collect(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    if (ftw->level == 0)
        return 0;
    size_t rl = strlen(listing_root);
    int n = snprintf(listing + listing_len, sizeof listing - listing_len, "%s\n", path + rl + 1);
    if (n > 0 && (size_t)n < sizeof listing - listing_len)
        listing_len += (size_t)n;
    return 0;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The layer's tree, sorted, one path per line. */
static void list_tree(const char *root, char *out, size_t n)
{
    listing_len = 0;
    listing[0] = '\0';
    listing_root = root;
    nftw(root, collect, 16, FTW_PHYS);
    char *lines[128];
    int k = 0;
    for (char *save = NULL, *l = strtok_r(listing, "\n", &save); l && k < 128;
         l = strtok_r(NULL, "\n", &save))
        lines[k++] = l;
    qsort(lines, (size_t)k, sizeof *lines, cmp_lines);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < k; i++)
        len += (size_t)snprintf(out + len, n - len, "%s\n", lines[i]);
}

static void expect_mode(const char *root, const char *rel, unsigned mode)
{
    char path[PATH_MAX + 64];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    if (stat(path, &sb) != 0 || (sb.st_mode & 07777) != mode || sb.st_uid != 0) {
        print_error("%s: want mode %o owned by root\n", rel, mode);
        fail();
    }
}

static void expect_preload_file(const char *root)
{
    char path[PATH_MAX + 32], *text = NULL;
    snprintf(path, sizeof path, "%s/etc/ld.so.preload", root);
    assert_true(read_file_all(path, &text) >= 0);
    assert_string_equal(text, PRELOAD_LINE);
    free(text);
    snprintf(path, sizeof path, "%s%s", root, SHIM_IN_IMAGE);
    assert_true(same_file_bytes(path, harness_shim_path()));
}

/* What is linked into //cli:envseal_dist (scripts/release/build.sh's --static). */
static const char *const CLI_STATICS[] = {"libelf-dev", "zlib1g-dev", NULL};

/* The layer holds exactly the shim, /etc/ld.so.preload and (when built) the
 * command with its license notices in /usr/share/doc/envseal/ (the repository's
 * LICENSE, the machine's copyright files and license texts); the application image
 * has them with Debian's directories intact; the control image has no
 * /etc/ld.so.preload. */
static void test_layer_contents(void **st)
{
    (void)st;
    prologue(false);
    char tree[4096], want[4096], names[2048], why[1024];
    list_tree(root_layer, tree, sizeof tree);
    if (have_cli) {
        if (!notice_names(CLI_STATICS, names, sizeof names, why, sizeof why))
            fail_msg("%s", why);
        size_t len = (size_t)snprintf(
            want, sizeof want, "%s",
            "etc\netc/ld.so.preload\nusr\nusr/bin\nusr/bin/envseal\n"
            "usr/lib\nusr/lib/envseal\nusr/lib/envseal/libenvseal.so\n"
            "usr/share\nusr/share/doc\nusr/share/doc/envseal\nusr/share/doc/envseal/LICENSE\n"
            "usr/share/doc/envseal/licenses\n");
        for (char *save = NULL, *n = strtok_r(names, "\n", &save); n && len < sizeof want;
             n = strtok_r(NULL, "\n", &save))
            len += (size_t)snprintf(want + len, sizeof want - len,
                                    "usr/share/doc/envseal/licenses/%s\n", n);
    } else {
        snprintf(want, sizeof want, "%s",
                 "etc\netc/ld.so.preload\nusr\nusr/lib\nusr/lib/envseal\n"
                 "usr/lib/envseal/libenvseal.so\n");
    }
    assert_string_equal(tree, want);
    expect_preload_file(root_layer);
    expect_mode(root_layer, "etc/ld.so.preload", 0644);
    expect_mode(root_layer, "usr/lib/envseal/libenvseal.so", 0755);
    if (have_cli) {
        expect_mode(root_layer, "usr/bin/envseal", 0755);
        if (!notices_match(root_layer, CLI_STATICS, harness_runfile("LICENSE"), why, sizeof why))
            fail_msg("the layer's notices: %s", why);
    }

    expect_preload_file(root_app);
    expect_mode(root_app, "etc", 0755);
    expect_mode(root_app, "usr", 0755);
    expect_mode(root_app, "usr/lib", 0755);
    expect_mode(root_app, "tmp", 01777);

    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/etc/ld.so.preload", root_ctl);
    assert_int_equal(access(path, F_OK), -1);
}

/* ---- the envseal command inside the image --------------------------------------- */

/* Runs `envseal ARGS` in the sealed container; returns buildah's exit status and
 * leaves the output in cur. */
static int envseal_in_image(char *const args[])
{
    char *argv[16] = {"buildah", "run", CTR_APP, "--", "envseal"};
    spawn_buildah(argv, 5, 16, args);
    return proc_finish(&cur, WAIT_MS);
}

/* The layer's command runs in Debian slim (no library missing), calls python3
 * protectable, and calls a musl program unprotectable (the Alpine limitation). */
static void test_envseal_command_in_image(void **st)
{
    (void)st;
    prologue(false);
    if (!have_cli)
        fail_msg("the layer was built without the envseal command (//cli:envseal_dist)");
    char *version[] = {"--version", NULL};
    int rc = envseal_in_image(version);
    if (rc != 0) {
        print_error("envseal --version in the image: status 0x%x\n%s\n", rc, cur.err);
        fail();
    }
    char *check_py[] = {"check", "python3", NULL};
    rc = envseal_in_image(check_py);
    if (rc != 0 || !strstr(cur.out, "verdict:      protectable")) {
        print_error("envseal check python3: status 0x%x\n%s%s\n", rc, cur.out, cur.err);
        fail();
    }
    if (!on_path("musl-gcc")) {
        print_message("musl-gcc (musl-tools) unavailable: the musl part is not run\n");
        return;
    }
    char src[PATH_MAX + 32], bin[PATH_MAX + 32];
    snprintf(src, sizeof src, "%s/musl_app.c", store.dir);
    snprintf(bin, sizeof bin, "%s/tmp/musl-app", root_app);
    FILE *f = fopen(src, "we");
    assert_non_null(f);
    fputs("#include <stdlib.h>\nint main(void) { return getenv(\"APP_API_TOKEN\") != 0; }\n", f);
    fclose(f);
    char *cc[] = {"musl-gcc", "-o", bin, src, NULL};
    struct envb e;
    envb_init(&e, false);
    char err[1024];
    rc = cmd_run(cc, &e, 120, NULL, 0, err, sizeof err);
    envb_free(&e);
    if (rc != 0) {
        print_error("%s\n", err);
        fail();
    }
    char *check_musl[] = {"check", "/tmp/musl-app", NULL};
    rc = envseal_in_image(check_musl);
    unlink(bin);
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 2 || !strstr(cur.out, "unprotectable") ||
        !strstr(cur.out, "musl")) {
        print_error("envseal check of a musl program: status 0x%x\n%s%s\n", rc, cur.out,
                    cur.err);
        fail();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_layer_contents, per_test_teardown),
        cmocka_unit_test_teardown(test_python_sealed, per_test_teardown),
        cmocka_unit_test_teardown(test_python_control, per_test_teardown),
        cmocka_unit_test_teardown(test_shell_child_sealed, per_test_teardown),
        cmocka_unit_test_teardown(test_psql_sealed, per_test_teardown),
        cmocka_unit_test_teardown(test_psql_control, per_test_teardown),
        cmocka_unit_test_teardown(test_python_crash_core, per_test_teardown),
        cmocka_unit_test_teardown(test_python_crash_control, per_test_teardown),
        cmocka_unit_test_teardown(test_psql_crash_core, per_test_teardown),
        cmocka_unit_test_teardown(test_psql_crash_control, per_test_teardown),
        cmocka_unit_test_teardown(test_envseal_command_in_image, per_test_teardown),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    harness_cleanup();
    return failed;
}
