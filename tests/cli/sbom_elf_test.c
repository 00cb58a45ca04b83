/* The SBOM tool's ELF reader (scripts/sbom/elfinfo.c) on damaged programs. libelf
 * reads what it can of a damaged file and calls the rest absent, so a cut-off
 * program used to be described as whole (with no libraries); a bare magic number
 * as not ELF at all. Each must now stop the tool ("cannot parse ELF file"). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "tests/cli/cli_util.h"
#include "tests/cli/elf_victim.h"

#define TIMEOUT 60000
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

static struct envb env;

/* envseal-sbom over one member, "prog", holding v's first n bytes: its exit code. */
static int sbom_of(const struct victim *v, size_t n)
{
    char root[600], prog[700], out[700];
    snprintf(root, sizeof root, "%s/sbomroot", harness_tmpdir());
    mkdir(root, 0755);
    snprintf(prog, sizeof prog, "%s/prog", root);
    snprintf(out, sizeof out, "%s/sbom.json", harness_tmpdir());
    FILE *f = fopen(prog, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(v->b, 1, n, f), n);
    fclose(f);
    struct capture c;
    run_capture(ARGV((char *)harness_runfile("scripts/sbom/envseal-sbom"), "--name", "t",
                     "--version", "1", "--license", "MIT", "--supplier", "Organization: t",
                     "--archive", prog, "--root", root, "--namespace", "https://example.org/t",
                     "--output", out, "prog"),
                &env, NULL, &c, TIMEOUT);
    assert_true(WIFEXITED(c.status));
    int code = WEXITSTATUS(c.status);
    if (code != 0)
        assert_non_null(strstr(c.err, "cannot parse ELF file"));
    capture_free(&c);
    return code;
}

static void test_damaged_programs_stop_the_sbom(void **state)
{
    (void)state;
    struct victim v;
    victim_load(&v);
    assert_int_equal(sbom_of(&v, v.n), 0); /* control: the whole program */
    assert_int_equal(sbom_of(&v, 2000), 1);
    assert_int_equal(sbom_of(&v, v.n - 1), 1);
    assert_int_equal(sbom_of(&v, 4), 1);

    char *orig = malloc(v.n);
    memcpy(orig, v.b, v.n);
    v.eh->e_phnum = PN_XNUM;
    assert_int_equal(sbom_of(&v, v.n), 1);
    memcpy(v.b, orig, v.n);
    victim_dyn(&v, DT_NEEDED)->d_un.d_val = 1u << 20;
    assert_int_equal(sbom_of(&v, v.n), 1);
    memcpy(v.b, orig, v.n);
    Elf64_Phdr *interp = victim_segment(&v, PT_INTERP);
    v.b[interp->p_offset + interp->p_filesz - 1] = 'x';
    assert_int_equal(sbom_of(&v, v.n), 1);
    free(orig);
    free(v.b);
}

int main(void)
{
    envb_init(&env, false);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damaged_programs_stop_the_sbom),
    };
    int rc = cmocka_run_group_tests(tests, NULL, harness_cleanup_group);
    envb_free(&env);
    return rc;
}
