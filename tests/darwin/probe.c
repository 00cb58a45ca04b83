/* probe: what scripts/darwin/test.sh runs with and without libenvseal.dylib. It never
 * prints a value, only its digest: "len=N fnv=HEX" (FNV-1a 64 of the bytes), or
 * "unset". Usage: probe NAME MODE [ARG]
 * NAME may be @FILE: the name is FILE's first line, so that the process's arguments
 * (which ps and KERN_PROCARGS2 show too) do not hold it.
 *
 *   get        prints the digest of getenv(NAME)
 *   wait       prints "ready PID DIGEST", then reads stdin until EOF (so the caller
 *              can inspect the running process) and exits 0
 *   crash      reads the value (digest only, no copy), prints it, stores to NULL
 *   fork       forks; the child reads the value and exits with exit(0) (atexit
 *              handlers run in the child); the parent waits, then prints
 *              "parent DIGEST" read again after the child's exit
 *   exit N     prints the digest, then exit(N)
 *   signal SIG prints the digest, then sends itself SIG (a number or TERM, INT,
 *              HUP, USR1, ABRT, SEGV)
 *   env        prints "n=K fnv=HEX" over every environment entry, in order, except
 *              DYLD_* ones: the environment the program sees, values included */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void digest(const char *prefix, const char *name)
{
    const char *v = getenv(name);
    if (!v) {
        printf("%sunset\n", prefix);
    } else {
        size_t n = strlen(v);
        printf("%slen=%zu fnv=%016llx\n", prefix, n,
               (unsigned long long)fnv(0xcbf29ce484222325ULL, v, n));
    }
    fflush(stdout);
}

static int signum(const char *s)
{
    static const struct {
        const char *name;
        int sig;
    } t[] = {{"TERM", SIGTERM}, {"INT", SIGINT},   {"HUP", SIGHUP},
             {"USR1", SIGUSR1}, {"ABRT", SIGABRT}, {"SEGV", SIGSEGV}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(s, t[i].name) == 0)
            return t[i].sig;
    return atoi(s);
}

static int env_digest(void)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    unsigned k = 0;
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "DYLD_", 5) == 0)
            continue;
        h = fnv(h, *e, strlen(*e) + 1);
        k++;
    }
    printf("n=%u fnv=%016llx\n", k, (unsigned long long)h);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: probe NAME get|wait|crash|fork|exit N|signal SIG|env\n");
        return 64;
    }
    const char *name = argv[1], *mode = argv[2];
    char from_file[256];
    if (name[0] == '@') {
        FILE *f = fopen(name + 1, "r");
        if (!f || !fgets(from_file, sizeof from_file, f))
            return 66;
        fclose(f);
        from_file[strcspn(from_file, "\n")] = '\0';
        name = from_file;
    }
    if (strcmp(mode, "get") == 0) {
        digest("", name);
    } else if (strcmp(mode, "wait") == 0) {
        char prefix[32], buf[256];
        snprintf(prefix, sizeof prefix, "ready %ld ", (long)getpid());
        digest(prefix, name);
        while (fread(buf, 1, sizeof buf, stdin) > 0)
            ;
    } else if (strcmp(mode, "crash") == 0) {
        digest("", name);
        *(volatile int *)(uintptr_t)0 = 1;
    } else if (strcmp(mode, "fork") == 0) {
        pid_t pid = fork();
        if (pid < 0)
            return 70;
        if (pid == 0) {
            digest("child ", name);
            exit(0);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return 71;
        digest("parent ", name);
    } else if (strcmp(mode, "exit") == 0 && argc > 3) {
        digest("", name);
        exit(atoi(argv[3]));
    } else if (strcmp(mode, "signal") == 0 && argc > 3) {
        digest("", name);
        kill(getpid(), signum(argv[3]));
        return 72; /* not reached for a deadly signal */
    } else if (strcmp(mode, "env") == 0) {
        return env_digest();
    } else {
        fprintf(stderr, "probe: unknown mode %s\n", mode);
        return 64;
    }
    return 0;
}
