/* procargs PID: writes the raw KERN_PROCARGS2 block of PID (argc, the executable
 * path, argv and the environment strings the kernel keeps for `ps eww`) to stdout,
 * for scripts/darwin/test.sh to search without printing it. macOS only.
 * Exit status: 0 written, 1 the sysctl failed (no such process, other user), 64 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysctl.h>
#include <sys/types.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: procargs PID\n");
        return 64;
    }
    int argmax = 0;
    size_t len = sizeof argmax;
    int mib_max[2] = {CTL_KERN, KERN_ARGMAX};
    if (sysctl(mib_max, 2, &argmax, &len, NULL, 0) != 0 || argmax <= 0) {
        fprintf(stderr, "procargs: KERN_ARGMAX: %s\n", strerror(errno));
        return 1;
    }
    char *buf = malloc((size_t)argmax);
    if (!buf)
        return 1;
    int mib[3] = {CTL_KERN, KERN_PROCARGS2, atoi(argv[1])};
    len = (size_t)argmax;
    if (sysctl(mib, 3, buf, &len, NULL, 0) != 0) {
        fprintf(stderr, "procargs: KERN_PROCARGS2 of %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
        return 1;
    return 0;
}
