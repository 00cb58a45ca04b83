/* platform_clear_vector_registers (platform.h): the instruction set's, the same
 * on every OS. Which registers exist is asked of the CPU once (cpuid and xgetbv,
 * costly under a hypervisor); callers are rare paths. */
#include "preload/platform/platform.h"

#if defined(__x86_64__)
#include <cpuid.h>

enum { SSE_ONLY = 1, AVX, AVX512 };
static int level; /* 0: not asked yet */

static int vector_level(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
        return SSE_ONLY;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 0x6) != 0x6) /* the OS saves no YMM state */
        return SSE_ONLY;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX512F) && (lo & 0xe6) == 0xe6)
        return AVX512;
    return AVX;
}

#define XMM_CLOBBERS                                                                   \
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",      \
        "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

__attribute__((noinline)) void platform_clear_vector_registers(void)
{
    int l = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (!l) {
        l = vector_level();
        __atomic_store_n(&level, l, __ATOMIC_RELAXED);
    }
    if (l == SSE_ONLY) {
        __asm__ volatile("pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\t"
                         "pxor %%xmm2, %%xmm2\n\tpxor %%xmm3, %%xmm3\n\t"
                         "pxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
                         "pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\t"
                         "pxor %%xmm8, %%xmm8\n\tpxor %%xmm9, %%xmm9\n\t"
                         "pxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"
                         "pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\t"
                         "pxor %%xmm14, %%xmm14\n\tpxor %%xmm15, %%xmm15"
                         :
                         :
                         : XMM_CLOBBERS);
        return;
    }
    __asm__ volatile("vzeroall" : : : XMM_CLOBBERS); /* ymm0-15, and zmm0-15 whole */
    if (l == AVX512) /* 16-31, which glibc's EVEX routines use; never the compiler's here */
        __asm__ volatile("vpxord %zmm16, %zmm16, %zmm16\n\tvmovdqa64 %zmm16, %zmm17\n\t"
                         "vmovdqa64 %zmm16, %zmm18\n\tvmovdqa64 %zmm16, %zmm19\n\t"
                         "vmovdqa64 %zmm16, %zmm20\n\tvmovdqa64 %zmm16, %zmm21\n\t"
                         "vmovdqa64 %zmm16, %zmm22\n\tvmovdqa64 %zmm16, %zmm23\n\t"
                         "vmovdqa64 %zmm16, %zmm24\n\tvmovdqa64 %zmm16, %zmm25\n\t"
                         "vmovdqa64 %zmm16, %zmm26\n\tvmovdqa64 %zmm16, %zmm27\n\t"
                         "vmovdqa64 %zmm16, %zmm28\n\tvmovdqa64 %zmm16, %zmm29\n\t"
                         "vmovdqa64 %zmm16, %zmm30\n\tvmovdqa64 %zmm16, %zmm31");
}

#elif defined(__aarch64__)

__attribute__((noinline)) void platform_clear_vector_registers(void)
{
    /* A write to vN zeroes the rest of zN where the CPU has SVE. */
    __asm__ volatile("movi v0.16b, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0\n\t"
                     "movi v3.16b, #0\n\tmovi v4.16b, #0\n\tmovi v5.16b, #0\n\t"
                     "movi v6.16b, #0\n\tmovi v7.16b, #0\n\tmovi v8.16b, #0\n\t"
                     "movi v9.16b, #0\n\tmovi v10.16b, #0\n\tmovi v11.16b, #0\n\t"
                     "movi v12.16b, #0\n\tmovi v13.16b, #0\n\tmovi v14.16b, #0\n\t"
                     "movi v15.16b, #0\n\tmovi v16.16b, #0\n\tmovi v17.16b, #0\n\t"
                     "movi v18.16b, #0\n\tmovi v19.16b, #0\n\tmovi v20.16b, #0\n\t"
                     "movi v21.16b, #0\n\tmovi v22.16b, #0\n\tmovi v23.16b, #0\n\t"
                     "movi v24.16b, #0\n\tmovi v25.16b, #0\n\tmovi v26.16b, #0\n\t"
                     "movi v27.16b, #0\n\tmovi v28.16b, #0\n\tmovi v29.16b, #0\n\t"
                     "movi v30.16b, #0\n\tmovi v31.16b, #0"
                     :
                     :
                     : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11",
                       "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21",
                       "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
}

#else

void platform_clear_vector_registers(void)
{
}

#endif
