/* dlprobe LIB [NAME]: loads LIB with dlopen, closes it, then forks and exits: the
 * handlers LIB registered (atexit, pthread_atfork) must not outlive its code.
 * With NAME, after the dlopen: "getenv NAME same" (or "missing", "changed") for
 * getenv(NAME) against its value before, and "block N": whether the initial
 * environment block (/proc/self/environ) still holds that value. Values are never
 * printed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int block_holds(const char *value)
{
    static char buf[1 << 20];
    int fd = open("/proc/self/environ", O_RDONLY);
    if (fd < 0)
        return -1;
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) > 0)
        len += (size_t)n;
    close(fd);
    return memmem(buf, len, value, strlen(value)) != NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) return 2;
    char *before = NULL;
    if (argc == 3 && getenv(argv[2]))
        before = strdup(getenv(argv[2]));
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 3; }
    if (before) {
        const char *after = getenv(argv[2]);
        printf("getenv %s %s\n", argv[2],
               !after ? "missing" : strcmp(after, before) == 0 ? "same" : "changed");
        printf("block %d\n", block_holds(before));
        fflush(stdout);
    }
    if (dlclose(h) != 0) return 4;
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 5;
    puts("dlprobe ok");
    return 0;
}
