/* sigsetjmp (glibc's __sigsetjmp), the BSD setjmp function (which saves the mask;
 * the setjmp macro is _setjmp, which does not) and getcontext, interposed on x86-64
 * to leave the record of the fault signals the program blocks beside the mask they
 * save (save_mark.h): the kernel's mask, which they save, never holds those six,
 * and a jump or switch back (longjmp.c) must know what the program had blocked then.
 *
 * All three save the caller's own registers and return address, so no C function can
 * stand in front of them: a stub notes the record through a C half, then jumps to
 * libc's function with the caller's stack and arguments as they came. Elsewhere
 * (another architecture) they are not interposed, and a jump back keeps what the
 * program blocked (crash/masks.c). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <ucontext.h>

#include "preload/core/shim.h"
#include "preload/crash/signals.h"
#include "preload/crash/thread_state.h"
#include "preload/platform/interpose.h"
#include "preload/platform/linux/save_mark.h"
#include "preload/platform/platform_libc.h"

typedef int (*sigsetjmp_fn)(struct __jmp_buf_tag *, int);
typedef int (*setjmp_fn)(struct __jmp_buf_tag *);
typedef int (*getcontext_fn)(ucontext_t *);

static void *next___sigsetjmp, *next_setjmp, *next_getcontext;

/* <setjmp.h> makes setjmp a macro for _setjmp: the function is named here by hand. */
#undef setjmp

void platform_prepare_save_points(void)
{
    (void)REAL(__sigsetjmp, sigsetjmp_fn);
    (void)REAL(setjmp, setjmp_fn);
    (void)REAL(getcontext, getcontext_fn);
}

#if defined(__x86_64__)

/* libc lacks the function (never with glibc): the caller must not go on. */
static void missing(void)
{
    __builtin_trap();
}

/* The C halves: note the record, return libc's function for the stub to jump to. */
__attribute__((used, visibility("hidden"))) void *envseal_sigsetjmp_note(struct __jmp_buf_tag *env,
                                                                        int savemask)
{
    if (savemask && signals_active())
        save_mark_write(&env->__saved_mask, masks_record());
    void *real = (void *)REAL(__sigsetjmp, sigsetjmp_fn);
    return real ? real : (void *)missing;
}

__attribute__((used, visibility("hidden"))) void *envseal_setjmp_note(struct __jmp_buf_tag *env)
{
    if (signals_active())
        save_mark_write(&env->__saved_mask, masks_record());
    void *real = (void *)REAL(setjmp, setjmp_fn);
    return real ? real : (void *)missing;
}

__attribute__((used, visibility("hidden"))) void *envseal_getcontext_note(ucontext_t *ucp)
{
    if (signals_active())
        save_mark_write(&ucp->uc_sigmask, masks_record());
    void *real = (void *)REAL(getcontext, getcontext_fn);
    return real ? real : (void *)missing;
}

/* The stubs: the arguments kept across the call (the stack 16-byte aligned at it),
 * then a jump, so libc's function sees the caller's frame. */
/* With unwind information, so that a backtrace taken inside (a crash reporter's,
 * gdb's) walks on to the caller. */
__asm__(".text\n"
        ".globl __sigsetjmp\n"
        ".type __sigsetjmp, @function\n"
        "__sigsetjmp:\n"
        "    .cfi_startproc\n"
        "    endbr64\n"
        "    push %rdi\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    push %rsi\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    sub $8, %rsp\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    call envseal_sigsetjmp_note\n"
        "    add $8, %rsp\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    pop %rsi\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    pop %rdi\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    jmp *%rax\n"
        "    .cfi_endproc\n"
        ".size __sigsetjmp, .-__sigsetjmp\n"
        ".globl setjmp\n"
        ".type setjmp, @function\n"
        "setjmp:\n"
        "    .cfi_startproc\n"
        "    endbr64\n"
        "    push %rdi\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    call envseal_setjmp_note\n"
        "    pop %rdi\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    jmp *%rax\n"
        "    .cfi_endproc\n"
        ".size setjmp, .-setjmp\n"
        ".globl getcontext\n"
        ".type getcontext, @function\n"
        "getcontext:\n"
        "    .cfi_startproc\n"
        "    endbr64\n"
        "    push %rdi\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    call envseal_getcontext_note\n"
        "    pop %rdi\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    jmp *%rax\n"
        "    .cfi_endproc\n"
        ".size getcontext, .-getcontext\n");

#endif
