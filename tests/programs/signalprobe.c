/* signalprobe: prints what sigaction reports after signal(), siginterrupt() and
 * signal(SIG_ERR), for comparing the C library's own semantics with and without
 * envseal (tests/integration/musl_test.c). Prints no value. */
#include <signal.h>
#include <stdio.h>

static void handler(int sig)
{
    (void)sig;
}

/* sa_flags without SA_RESTORER, which libcs set differently in the old action. */
static unsigned flags_of(const struct sigaction *a)
{
    return (unsigned)a->sa_flags & ~0x04000000u;
}

int main(void)
{
    struct sigaction old;
    signal(SIGUSR1, handler);
    sigaction(SIGUSR1, NULL, &old);
    printf("signal: flags %#x masks itself %d\n", flags_of(&old),
           sigismember(&old.sa_mask, SIGUSR1));
    siginterrupt(SIGUSR2, 1);
    signal(SIGUSR2, handler);
    sigaction(SIGUSR2, NULL, &old);
    printf("after siginterrupt: flags %#x\n", flags_of(&old));
    printf("signal(SIG_ERR): %s\n", signal(SIGUSR1, SIG_ERR) == SIG_ERR ? "refused" : "taken");
    return 0;
}
