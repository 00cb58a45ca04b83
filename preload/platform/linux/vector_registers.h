/* Zeroing the calling thread's vector registers (vector_registers.c). */
#ifndef ENVSEAL_PLATFORM_LINUX_VECTOR_REGISTERS_H
#define ENVSEAL_PLATFORM_LINUX_VECTOR_REGISTERS_H

/* Zeroes every vector register the C library's copy and search routines use
 * (x86-64: xmm/ymm/zmm 0-31 as the CPU has them; aarch64: v0-v31). They are
 * call-clobbered: the caller loses nothing. A thread created next inherits them,
 * so a thread that can never be parked (a C library helper that blocks every
 * signal) then holds no slice of a value its creator copied. */
void linux_clear_vector_registers(void);

#endif
