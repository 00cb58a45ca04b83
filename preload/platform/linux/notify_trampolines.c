/* The trampolines of notify_trampolines.h. */
#define _GNU_SOURCE
#include "preload/platform/linux/notify_trampolines.h"

#include <stddef.h>

#include "preload/crash/thread_state.h"

#define TRAMPOLINES 32
static notify_fn bound[TRAMPOLINES];

static void run(unsigned i, union sigval v)
{
    threads_adopt_foreign();
    __atomic_load_n(&bound[i], __ATOMIC_ACQUIRE)(v);
}

#define T(i)                                                                           \
    static void trampoline_##i(union sigval v)                                         \
    {                                                                                  \
        run(i, v);                                                                     \
    }
T(0) T(1) T(2) T(3) T(4) T(5) T(6) T(7)
T(8) T(9) T(10) T(11) T(12) T(13) T(14) T(15)
T(16) T(17) T(18) T(19) T(20) T(21) T(22) T(23)
T(24) T(25) T(26) T(27) T(28) T(29) T(30) T(31)

/* A switch, not a table of pointers: a table would cost the loader one relocation
 * per entry in every process. */
static notify_fn trampoline(unsigned i)
{
    switch (i) {
    case 0: return trampoline_0;
    case 1: return trampoline_1;
    case 2: return trampoline_2;
    case 3: return trampoline_3;
    case 4: return trampoline_4;
    case 5: return trampoline_5;
    case 6: return trampoline_6;
    case 7: return trampoline_7;
    case 8: return trampoline_8;
    case 9: return trampoline_9;
    case 10: return trampoline_10;
    case 11: return trampoline_11;
    case 12: return trampoline_12;
    case 13: return trampoline_13;
    case 14: return trampoline_14;
    case 15: return trampoline_15;
    case 16: return trampoline_16;
    case 17: return trampoline_17;
    case 18: return trampoline_18;
    case 19: return trampoline_19;
    case 20: return trampoline_20;
    case 21: return trampoline_21;
    case 22: return trampoline_22;
    case 23: return trampoline_23;
    case 24: return trampoline_24;
    case 25: return trampoline_25;
    case 26: return trampoline_26;
    case 27: return trampoline_27;
    case 28: return trampoline_28;
    case 29: return trampoline_29;
    case 30: return trampoline_30;
    case 31: return trampoline_31;
    default: return NULL;
    }
}

notify_fn linux_notify_trampoline(notify_fn fn)
{
    for (unsigned i = 0; i < TRAMPOLINES; i++) /* wrapped before: an aiocb used again */
        if (fn == trampoline(i))
            return fn;
    for (unsigned i = 0; i < TRAMPOLINES; i++) {
        notify_fn cur = __atomic_load_n(&bound[i], __ATOMIC_ACQUIRE);
        if (!cur && __atomic_compare_exchange_n(&bound[i], &cur, fn, false, __ATOMIC_ACQ_REL,
                                                __ATOMIC_ACQUIRE))
            return trampoline(i);
        if (cur == fn) /* bound before, or by a racing call just now */
            return trampoline(i);
    }
    return NULL;
}
