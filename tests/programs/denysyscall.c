/* denysyscall: runs a program under a seccomp filter that makes one system call fail
 * with a given errno, so that tests can take away what envseal needs (memfd_secret,
 * prctl(PR_SET_DUMPABLE), the vault's mappings) without touching the kernel.
 *
 * Usage: denysyscall NR ERRNO [ARG VALUE] -- PROGRAM [ARGS...]
 *   NR      the system call number (this architecture's)
 *   ERRNO   the error it returns
 *   ARG VALUE  only when argument ARG (0-5) equals VALUE (its low 32 bits) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/programs/deny_syscall.h"

int main(int argc, char **argv)
{
    int sep = 1;
    while (sep < argc && strcmp(argv[sep], "--") != 0)
        sep++;
    if ((sep != 3 && sep != 5) || sep + 1 >= argc) {
        fprintf(stderr, "usage: denysyscall NR ERRNO [ARG VALUE] -- PROGRAM [ARGS...]\n");
        return 2;
    }
    unsigned nr = (unsigned)strtoul(argv[1], NULL, 0);
    unsigned err = (unsigned)strtoul(argv[2], NULL, 0);
    int arg = sep == 5 ? atoi(argv[3]) : -1;
    unsigned value = sep == 5 ? (unsigned)strtoul(argv[4], NULL, 0) : 0;
    if (arg > 5)
        return 2;
    if (deny_syscall(nr, err, arg, value) != 0) {
        perror("denysyscall: seccomp");
        return 125;
    }
    execv(argv[sep + 1], argv + sep + 1);
    perror("denysyscall: exec");
    return 127;
}
