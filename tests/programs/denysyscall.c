/* denysyscall: runs a program under a seccomp filter that makes one system call fail
 * with a given errno, so that tests can take away what envseal needs (memfd_secret,
 * prctl(PR_SET_DUMPABLE), the vault's mappings) without touching the kernel.
 *
 * Usage: denysyscall NR ERRNO [ARG VALUE] -- PROGRAM [ARGS...]
 *   NR      the system call number (this architecture's)
 *   ERRNO   the error it returns
 *   ARG VALUE  only when argument ARG (0-5) equals VALUE (its low 32 bits) */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))

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
    struct sock_filter f[] = {
        LOAD(arch),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        LOAD(nr),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* arg < 0: no condition (the load and the test below always pass) */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 arg < 0 ? offsetof(struct seccomp_data, nr)
                         : offsetof(struct seccomp_data, args) + (unsigned)arg * 8),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arg < 0 ? nr : value, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("denysyscall: seccomp");
        return 125;
    }
    execv(argv[sep + 1], argv + sep + 1);
    perror("denysyscall: exec");
    return 127;
}
