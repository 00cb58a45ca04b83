#define _GNU_SOURCE
#include "elf_victim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/integration/harness.h"

void victim_load(struct victim *v)
{
    long n = read_file_all("/usr/bin/true", &v->b);
    assert_true(n > 4096);
    v->n = (size_t)n;
    v->eh = (Elf64_Ehdr *)v->b;
    assert_int_equal(v->eh->e_ident[EI_CLASS], ELFCLASS64);
    v->ph = (Elf64_Phdr *)(v->b + v->eh->e_phoff);
    v->sh = (Elf64_Shdr *)(v->b + v->eh->e_shoff);
}

Elf64_Phdr *victim_segment(struct victim *v, uint32_t type)
{
    for (int i = 0; i < v->eh->e_phnum; i++)
        if (v->ph[i].p_type == type)
            return &v->ph[i];
    fail_msg("/usr/bin/true has no segment of type %u", type);
    return NULL;
}

Elf64_Dyn *victim_dyn(struct victim *v, Elf64_Sxword tag)
{
    Elf64_Phdr *d = victim_segment(v, PT_DYNAMIC);
    for (Elf64_Dyn *e = (Elf64_Dyn *)(v->b + d->p_offset); e->d_tag != DT_NULL; e++)
        if (e->d_tag == tag)
            return e;
    fail_msg("/usr/bin/true has no dynamic entry %ld", (long)tag);
    return NULL;
}

