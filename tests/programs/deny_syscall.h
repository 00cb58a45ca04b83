/* A seccomp filter that makes one system call fail with a given errno, for the
 * calling thread and what it execs: what envseal needs, taken away in a test.
 * arg < 0: always; else only when argument arg (0-5) equals value (its low 32
 * bits). Returns 0, or -1 with errno set (no seccomp here). */
#ifndef ENVSEAL_TESTS_DENY_SYSCALL_H
#define ENVSEAL_TESTS_DENY_SYSCALL_H

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#if defined(__x86_64__)
#define DENY_SYSCALL_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define DENY_SYSCALL_ARCH AUDIT_ARCH_AARCH64
#endif

static inline int deny_syscall(unsigned nr, unsigned err, int arg, unsigned value)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DENY_SYSCALL_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* arg < 0: the number again, which always matches */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 arg < 0 ? offsetof(struct seccomp_data, nr)
                         : offsetof(struct seccomp_data, args) + (unsigned)arg * 8),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arg < 0 ? nr : value, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0 ? 0 : -1;
}

#endif
