/* dlprobe LIB: loads LIB with dlopen, closes it, then forks and exits: the
 * handlers LIB registered (atexit, pthread_atfork) must not outlive its code. */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 3; }
    if (dlclose(h) != 0) return 4;
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 5;
    puts("dlprobe ok");
    return 0;
}
