/* The auxiliary vector, read without getauxval (memory.c). */
#ifndef ENVSEAL_PLATFORM_LINUX_AUXV_H
#define ENVSEAL_PLATFORM_LINUX_AUXV_H

/* The entry of that type from /proc/self/auxv, or 0 (absent, or /proc unreadable). */
unsigned long linux_auxv_entry(unsigned long type);

#endif
