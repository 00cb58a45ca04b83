/* envprobe: a plain C program that uses the environment only through libc, driven
 * by its arguments, one step each, for the integration tests. It prints a value's
 * length and FNV-1a hash, never the value.
 *
 *   show:NAME          print "NAME len:fnv" (or "NAME (null)")
 *   keep:NAME          remember getenv(NAME) and its hash
 *   check:NAME         print "kept NAME ok" if the kept pointer still holds it
 *   kept:NAME          print "kept NAME len:fnv" of what the kept pointer reads now
 *   ctorkept:NAME      the same for the pointer libctorprobe.so's constructor kept
 *   set:NAME:SEED:K    setenv(NAME, derive(SEED,K)); the local copy is wiped
 *   put:NAME:SEED:K    putenv of a heap string, wiped after the call
 *   vforkset:NAME:SEED:K  a vfork child setenv(NAME, derive(SEED,K)), then execs
 *                      /bin/true; the parent prints "vforkset NAME status S"
 *   vforkset2:NAME:SEED:K  the same, the child also setting NAME_2 to that value
 *   unset:NAME         unsetenv
 *   clear              clearenv
 *   copy:NAME          keep a heap copy of getenv(NAME) (the program's own copy)
 *   rawforkvfork       a _Fork child (no fork handlers: it shares a memfd_secret
 *                      vault's pages) waits until the parent has set
 *                      RAWFORK_PARENT_TOKEN, then a vfork child of its own sets
 *                      RAWFORK_GRANDCHILD_TOKEN; the parent prints "rawforkvfork
 *                      parent ok" if its value is intact afterwards
 *   errno:NAME:SEED:K  errno set to 0, then setenv(NAME, 1 MiB of derive(SEED,K)
 *                      repeated: a new vault region), then putenv(""); prints
 *                      "errno setenv rc=R errno=E putenv-empty rc=R errno=E"
 *   exitcheck:NAME     at the very end of exit (a stdio cookie stream glibc flushes
 *                      after every atexit handler, envseal's wipe included), print
 *                      "exitcheck NAME N of L": how many of the L bytes getenv(NAME)
 *                      pointed to are not zero then
 *   nofds              leave no file descriptor free (RLIMIT_NOFILE 64, the rest
 *                      taken by /dev/null); print "nofds N" with N opened
 *   hold               print "ready N" (N counts holds from 1), then wait for one
 *                      line on stdin
 *   envp:NAME          print NAME as main's envp and as environ hold it
 *   secure:NAME        print "secure NAME len:fnv" from secure_getenv
 *   ids                print "ids RUID EUID" (a set-user-ID copy tells its two)
 *   overflow:NAME      write 16 bytes past the end of getenv(NAME) (a program bug)
 *   fork:NAME          child checks the value and exits; parent checks after
 *   rawfork:HOW:NAME   the same with a child made without the fork handlers (HOW:
 *                      _Fork, or clone with SIGCHLD alone), which also sets NAME to
 *                      another value before it exits; HOW nested: a fork child that
 *                      is PID 1 of a new PID namespace does the _Fork check from a
 *                      namespace nested in it, so both are PID 1 ("no namespace"
 *                      where one cannot be made)
 *   vfork:HOW:NAME     a vfork child whose exec fails ends by HOW (exit: exit(127),
 *                      term: raise(SIGTERM), abort: abort()); the parent prints
 *                      "vfork parent ok" if getenv(NAME) and a heap copy of it are
 *                      as before, and the child's wait status
 *   atexit:NAME        at exit (before envseal's wipe) print "atexit NAME len:fnv"
 *   system:CMD         "system start", system(CMD); prints its return value (and
 *                      errno when -1)
 *   exit:N             exit(N) now
 *   quick:NAME         at quick_exit (before envseal's wipe) print "quick NAME len:fnv"
 *   quick_exit:N       quick_exit(N) now
 *   _exit:N            _exit(N) now (no exit handler runs)
 * derive(SEED,K) = "drv" K "-" SEED with [0-9a-f] mapped to [g-v]: a value that
 * appears nowhere in the arguments. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void show(const char *name)
{
    const char *v = getenv(name);
    if (v)
        printf("%s %zu:%08x\n", name, strlen(v), fnv(v));
    else
        printf("%s (null)\n", name);
}

static char *derive(const char *seed, const char *k)
{
    size_t n = strlen(seed);
    char *v = malloc(n + strlen(k) + 5);
    int off = sprintf(v, "drv%s-", k);
    for (size_t i = 0; i < n; i++) {
        char c = seed[i];
        v[off + i] = c >= '0' && c <= '9' ? (char)('g' + c - '0')
                     : c >= 'a' && c <= 'f' ? (char)('q' + c - 'a')
                                            : c;
    }
    v[off + n] = '\0';
    return v;
}

static const char *kept_name;
static const char *kept;
static uint32_t kept_hash;
static const char *atexit_name, *quick_name;
static char *copied; /* copy:NAME's heap copy, live until the process ends */

static const char *exit_name;
static const char *exit_value;
static size_t exit_len;

static ssize_t exit_flush(void *cookie, const char *buf, size_t len)
{
    (void)cookie;
    (void)buf;
    size_t nonzero = 0;
    for (size_t i = 0; i < exit_len; i++)
        nonzero += ((volatile const char *)exit_value)[i] != 0;
    char line[160];
    int k = snprintf(line, sizeof line, "exitcheck %s %zu of %zu\n", exit_name, nonzero, exit_len);
    if (write(1, line, (size_t)k) != k)
        return -1;
    return (ssize_t)len;
}

static void exit_check(const char *name)
{
    exit_name = name;
    exit_value = getenv(name);
    exit_len = exit_value ? strlen(exit_value) : 0;
    FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){.write = exit_flush});
    if (f && setvbuf(f, NULL, _IOFBF, 4096) == 0)
        fputc('x', f); /* flushed by exit, after its handlers */
}

/* Takes every free descriptor under a soft limit of 64, as a program that leaks
 * them would. */
static int take_all_fds(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    rl.rlim_cur = rl.rlim_max < 64 ? rl.rlim_max : 64;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    int n = 0;
    while (open("/dev/null", O_RDONLY) >= 0)
        n++;
    return errno == EMFILE ? n : -1;
}

static void at_exit_show(void)
{
    printf("atexit ");
    show(atexit_name);
    fflush(stdout);
}

static void at_quick_exit_show(void)
{
    printf("quick ");
    show(quick_name);
    fflush(stdout); /* quick_exit flushes no stream */
}

static int fork_check(const char *name)
{
    const char *before = getenv(name);
    uint32_t h = before ? fnv(before) : 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        const char *now = getenv(name);
        printf("child %s\n", before && now == before && fnv(now) == h ? "ok" : "bad");
        exit(0); /* runs the child's exit-time wipe */
    }
    int st = 0;
    pid_t got;
    while ((got = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    const char *now = getenv(name);
    bool ok = before && now == before && fnv(before) == h && got == pid && WIFEXITED(st);
    printf("parent %s\n", ok ? "ok" : "bad");
    if (!ok)
        printf("parent: child %d status %#x\n", (int)got, (unsigned)st);
    return 0;
}

static int rawfork_child(void *arg)
{
    const char *name = arg;
    const char *now = getenv(name);
    printf("child %s\n", now ? "ok" : "bad");
    fflush(stdout);
    setenv(name, "rawfork-child-value", 1);
    exit(0); /* runs the child's exit-time wipe */
}

static void rawfork_check(const char *arg)
{
    const char *name = strchr(arg, ':');
    if (!name)
        return;
    name++;
    const char *before = getenv(name);
    uint32_t h = before ? fnv(before) : 0;
    fflush(stdout);
    pid_t pid;
    if (strncmp(arg, "nested:", 7) == 0) {
        if (unshare(CLONE_NEWPID) != 0) {
            puts("no namespace");
            return;
        }
        pid = fork(); /* PID 1 of the first namespace */
        if (pid == 0) {
            if (unshare(CLONE_NEWPID) != 0)
                _exit(3);
            char again[256];
            snprintf(again, sizeof again, "_Fork:%s", name);
            rawfork_check(again); /* its _Fork child: PID 1 of the nested one */
            fflush(stdout);
            _exit(0);
        }
        int st = 0;
        if (pid > 0)
            waitpid(pid, &st, 0);
        return;
    }
    if (strncmp(arg, "clone:", 6) == 0) {
        static char stack[256 * 1024] __attribute__((aligned(16)));
        pid = clone(rawfork_child, stack + sizeof stack, SIGCHLD, (void *)name);
    } else {
        pid = _Fork();
        if (pid == 0)
            rawfork_child((void *)name);
    }
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    const char *now = getenv(name);
    printf("parent %s\n", pid > 0 && now && fnv(now) == h && WIFEXITED(st) ? "ok" : "bad");
}

/* The vfork child runs in this process's memory until it execs or ends: whatever
 * envseal does at its end must leave the parent's vault and heap as they were. */
static void vfork_check(const char *arg)
{
    /* static: vfork may clobber what lives in registers */
    static const char *how, *name, *before;
    static char *copy;
    static uint32_t h;
    how = arg;
    name = strchr(arg, ':');
    if (!name)
        exit(2);
    name++;
    before = getenv(name);
    copy = before ? strdup(before) : NULL;
    h = before ? fnv(before) : 0;
    struct rlimit core;
    if (getrlimit(RLIMIT_CORE, &core) == 0) { /* abort: a core is possible, so is a sweep */
        core.rlim_cur = core.rlim_max;
        setrlimit(RLIMIT_CORE, &core);
    }
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0) {
        execl("/nonexistent/envprobe-no-such-program", "x", (char *)NULL);
        if (strncmp(how, "exit", 4) == 0)
            exit(127); /* a common bug: exit, not _exit, after a failed exec */
        if (strncmp(how, "term", 4) == 0)
            raise(SIGTERM);
        abort();
    }
    int st = 0;
    waitpid(pid, &st, 0);
    const char *now = getenv(name);
    bool ok = before && now == before && fnv(now) == h && copy && fnv(copy) == h;
    printf("vfork parent %s\n", ok ? "ok" : "bad");
    printf("vfork child status %#x\n", (unsigned)st);
    free(copy);
}

extern char **environ;

static void show_array(const char *label, char **arr, const char *name)
{
    size_t nl = strlen(name);
    for (char **e = arr; e && *e; e++)
        if (strncmp(*e, name, nl) == 0 && (*e)[nl] == '=') {
            printf("%s %s %zu:%08x\n", label, name, strlen(*e + nl + 1), fnv(*e + nl + 1));
            return;
        }
    printf("%s %s (null)\n", label, name);
}

#ifdef EARLY_LINK
void earlyenv_linked(void); /* earlyprobe: linked against libearlyenv.so */
#endif

int main(int argc, char **argv, char **envp)
{
#ifdef EARLY_LINK
    earlyenv_linked();
#endif
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        char *arg = strchr(a, ':');
        if (arg)
            arg++;
        if (strncmp(a, "show:", 5) == 0) {
            show(arg);
        } else if (strncmp(a, "keep:", 5) == 0) {
            kept_name = arg;
            kept = getenv(arg);
            kept_hash = kept ? fnv(kept) : 0;
        } else if (strncmp(a, "check:", 6) == 0) {
            printf("kept %s %s\n", arg, kept && fnv(kept) == kept_hash ? "ok" : "bad");
        } else if (strncmp(a, "ctorkept:", 9) == 0) {
            const char *(*f)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "ctorprobe_kept");
            const char *v = f ? f() : NULL;
            printf("ctorkept %s %zu:%08x\n", arg, v ? strlen(v) : 0, v ? fnv(v) : 0);
        } else if (strncmp(a, "kept:", 5) == 0) {
            printf("kept %s %zu:%08x\n", arg, kept ? strlen(kept) : 0, kept ? fnv(kept) : 0);
        } else if (strncmp(a, "set:", 4) == 0 || strncmp(a, "put:", 4) == 0) {
            char *name = strdup(arg), *seed = strchr(name, ':'), *k;
            if (!seed || !(k = strchr(seed + 1, ':')))
                return 2;
            *seed++ = '\0';
            *k++ = '\0';
            char *v = derive(seed, k);
            int rc;
            if (a[0] == 's') {
                rc = setenv(name, v, 1);
            } else {
                char *entry = malloc(strlen(name) + strlen(v) + 2);
                sprintf(entry, "%s=%s", name, v);
                rc = putenv(entry);
                /* envseal copies a secret's putenv string: the program may wipe its own */
                explicit_bzero(entry, strlen(entry));
            }
            explicit_bzero(v, strlen(v));
            free(v);
            printf("%s %s rc=%d\n", a[0] == 's' ? "set" : "put", name, rc);
        } else if (strncmp(a, "vforkset:", 9) == 0 || strncmp(a, "vforkset2:", 10) == 0) {
            char *name = strdup(arg), *seed = strchr(name, ':'), *k;
            if (!seed || !(k = strchr(seed + 1, ':')))
                return 2;
            *seed++ = '\0';
            *k++ = '\0';
            char *v = derive(seed, k); /* before vfork: the child only sets and execs */
            fflush(stdout);
            pid_t child = vfork();
            if (child == 0) {
                setenv(name, v, 1);
                if (a[8] == '2') { /* a second secret: NAME_2, the same value */
                    char second[128];
                    snprintf(second, sizeof second, "%s_2", name);
                    setenv(second, v, 1);
                }
                execl("/bin/true", "true", (char *)NULL);
                _exit(127);
            }
            int status = -1;
            if (child > 0)
                waitpid(child, &status, 0);
            explicit_bzero(v, strlen(v));
            free(v);
            printf("vforkset %s status %d\n", name, status);
        } else if (strncmp(a, "unset:", 6) == 0) {
            printf("unset %s rc=%d\n", arg, unsetenv(arg));
        } else if (strcmp(a, "clear") == 0) {
            printf("clear rc=%d\n", clearenv());
        } else if (strncmp(a, "copy:", 5) == 0) {
            const char *v = getenv(arg);
            copied = v ? strdup(v) : NULL;
            printf("copied %s %s\n", arg, copied ? "yes" : "no");
        } else if (strcmp(a, "rawforkvfork") == 0) {
            static const char mine[] = "rawfork-parent-made-up-value-0123";
            int go[2], done[2];
            char b;
            if (pipe(go) != 0 || pipe(done) != 0)
                return 2;
            fflush(stdout);
            pid_t f = _Fork();
            if (f == 0) {
                if (read(go[0], &b, 1) != 1)
                    _exit(3);
                pid_t c = vfork();
                if (c == 0) {
                    setenv("RAWFORK_GRANDCHILD_TOKEN", "rawfork-grandchild-made-up-4567", 1);
                    _exit(0);
                }
                if (c > 0)
                    waitpid(c, NULL, 0);
                _exit(write(done[1], "x", 1) == 1 ? 0 : 3);
            }
            setenv("RAWFORK_PARENT_TOKEN", mine, 1);
            if (f < 0 || write(go[1], "x", 1) != 1 || read(done[0], &b, 1) != 1)
                return 2;
            waitpid(f, NULL, 0);
            const char *now = getenv("RAWFORK_PARENT_TOKEN");
            printf("rawforkvfork parent %s\n", now && strcmp(now, mine) == 0 ? "ok" : "bad");
        } else if (strncmp(a, "errno:", 6) == 0) {
            char *name = strdup(arg), *seed = strchr(name, ':'), *k;
            if (!seed || !(k = strchr(seed + 1, ':')))
                return 2;
            *seed++ = '\0';
            *k++ = '\0';
            char *d = derive(seed, k), *v = malloc((1u << 20) + 1);
            if (!v)
                return 2;
            for (size_t i = 0, n = strlen(d); i < (1u << 20); i++)
                v[i] = d[i % n];
            v[1u << 20] = '\0';
            errno = 0;
            int rc = setenv(name, v, 1), err = errno;
            explicit_bzero(v, 1u << 20);
            explicit_bzero(d, strlen(d));
            free(v);
            free(d);
            static char empty[] = "";
            errno = 0;
            int prc = putenv(empty), perr = errno;
            printf("errno setenv rc=%d errno=%d putenv-empty rc=%d errno=%d\n", rc, err, prc,
                   perr);
        } else if (strncmp(a, "exitcheck:", 10) == 0) {
            exit_check(arg);
        } else if (strcmp(a, "nofds") == 0) {
            printf("nofds %d\n", take_all_fds());
        } else if (strcmp(a, "hold") == 0) {
            static int holds;
            printf("ready %d\n", ++holds);
            char line[64];
            if (!fgets(line, sizeof line, stdin))
                clearerr(stdin);
        } else if (strncmp(a, "fork:", 5) == 0) {
            fork_check(arg);
        } else if (strncmp(a, "rawfork:", 8) == 0) {
            rawfork_check(arg);
        } else if (strncmp(a, "vfork:", 6) == 0) {
            vfork_check(arg);
        } else if (strncmp(a, "atexit:", 7) == 0) {
            atexit_name = arg;
            atexit(at_exit_show);
        } else if (strncmp(a, "envp:", 5) == 0) {
            show_array("envp", envp, arg);
            show_array("environ", environ, arg);
        } else if (strcmp(a, "ids") == 0) {
            printf("ids %u %u\n", (unsigned)getuid(), (unsigned)geteuid());
        } else if (strncmp(a, "secure:", 7) == 0) {
            const char *v = secure_getenv(arg);
            printf("secure %s %zu:%08x\n", arg, v ? strlen(v) : 0, v ? fnv(v) : 0);
        } else if (strncmp(a, "overflow:", 9) == 0) {
            char *v = getenv(arg);
            if (v) {
                size_t n = strlen(v);
                for (size_t k = 1; k <= 16; k++)
                    ((volatile char *)v)[n + k] = 'X';
            }
            printf("overflowed %s\n", arg);
        } else if (strncmp(a, "system:", 7) == 0) {
            puts("system start");
            fflush(stdout);
            errno = 0;
            int rc = system(arg);
            printf("system rc=%d errno=%d\n", rc, rc == -1 ? errno : 0);
        } else if (strncmp(a, "exit:", 5) == 0) {
            exit(atoi(arg));
        } else if (strncmp(a, "quick:", 6) == 0) {
            quick_name = arg;
            at_quick_exit(at_quick_exit_show);
        } else if (strncmp(a, "quick_exit:", 11) == 0) {
            quick_exit(atoi(arg));
        } else if (strncmp(a, "_exit:", 6) == 0) {
            _exit(atoi(arg));
        } else {
            fprintf(stderr, "envprobe: unknown step %s\n", a);
            return 2;
        }
    }
    (void)kept_name;
    return 0;
}
