/* `envseal check` against real programs on the machine, programs built here
 * (static, musl, set-uid, set-gid, file capabilities, a #!/usr/bin/env script),
 * a real Go binary, and malformed files; everything runs under the
 * AddressSanitizer build too, and malformed input must end in a clear error. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/cli/cli_util.h"
#include "tests/cli/elf_victim.h"

#define TIMEOUT 60000
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

static struct envb env;

/* Runs `check --json PATH` with both builds; both must agree. Returns the exit
 * code; *json gets the (normal build's) output, to free. */
static int check_json(const char *path, char **json)
{
    struct capture c;
    assert_int_equal(check_both(path, &env, &c, TIMEOUT), 0);
    int rc = WEXITSTATUS(c.status);
    *json = c.out;
    c.out = NULL;
    capture_free(&c);
    return rc;
}

static void expect(const char *json, const char *fragment)
{
    if (!strstr(json, fragment))
        print_error("missing %s in:\n%s\n", fragment, json);
    assert_non_null(strstr(json, fragment));
}

static void test_python3(void **state)
{
    (void)state;
    char *j;
    assert_int_equal(check_json("/usr/bin/python3", &j), 0);
    expect(j, "\"verdict\": \"protectable\"");
    expect(j, "\"linking\": \"dynamic\"");
    expect(j, "\"libc\": \"glibc\"");
    expect(j, "\"getenv\": true");
    expect(j, "\"setuid\": false");
    expect(j, "\"detected\": false"); /* not Go */
    free(j);
    /* the human form, through PATH lookup */
    struct capture c;
    run_capture(ARGV((char *)envseal_bin(), "check", "python3"), &env, NULL, &c, TIMEOUT);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    assert_non_null(strstr(c.out, "verdict:      protectable"));
    assert_non_null(strstr(c.out, "interpreter /lib64/ld-linux-x86-64.so.2 (glibc)"));
    assert_non_null(strstr(c.out, "strict:       environ-reads"));
    capture_free(&c);
}

static void test_bash_and_node(void **state)
{
    (void)state;
    char *j;
    assert_int_equal(check_json("/usr/bin/bash", &j), 0);
    expect(j, "\"type\": \"pie-executable\"");
    expect(j, "\"environ\": true");
    free(j);
    if (access("/usr/bin/node", X_OK) != 0) {
        print_message("skipped node: /usr/bin/node is not installed\n");
        return;
    }
    assert_int_equal(check_json("/usr/bin/node", &j), 0);
    expect(j, "\"verdict\": \"protectable\"");
    free(j);
}

static void test_psql_script_and_binary(void **state)
{
    (void)state;
    if (access("/usr/bin/psql", X_OK) != 0) {
        print_message("skipped: psql (postgresql-client) is not installed\n");
        skip();
    }
    char *j;
    /* Debian's /usr/bin/psql is a perl script (pg_wrapper): its interpreter is read */
    assert_int_equal(check_json("/usr/bin/psql", &j), 0);
    expect(j, "\"shebang\": \"/usr/bin/perl\"");
    expect(j, "\"libc\": \"glibc\"");
    free(j);
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/psql", 0, NULL, &g) == 0) {
        assert_int_equal(check_json(g.gl_pathv[0], &j), 0);
        expect(j, "\"script\": null");
        expect(j, "\"verdict\": \"protectable\"");
        expect(j, "\"libpq.so.5\"");
        free(j);
        globfree(&g);
    }
}

static const char *build(const char *name, const char *compiler, const char *flags)
{
    static char bin[8][600];
    static int next;
    char *out = bin[next++ % 8];
    char src[600], cmd[2000];
    snprintf(src, sizeof src, "%s/%s.c", harness_tmpdir(), name);
    snprintf(out, 600, "%s/%s", harness_tmpdir(), name);
    const char *code = "#include <stdlib.h>\n#include <stdio.h>\n"
                       "int main(void){const char *v = getenv(\"X\"); puts(v ? v : \"-\");"
                       " return 0;}\n";
    scratch_file(strrchr(src, '/') + 1, code, strlen(code));
    snprintf(cmd, sizeof cmd, "%s %s -o '%s' '%s' 2>/dev/null", compiler, flags, out, src);
    return system(cmd) == 0 ? out : NULL;
}

static void test_static_binary(void **state)
{
    (void)state;
    const char *bin = build("static_prog", "gcc", "-static");
    if (!bin) {
        print_message("skipped: gcc -static failed (no static libc)\n");
        skip();
    }
    char *j;
    assert_int_equal(check_json(bin, &j), 2);
    expect(j, "\"verdict\": \"unprotectable\"");
    expect(j, "\"linking\": \"static\"");
    expect(j, "statically linked");
    free(j);
    /* a static-pie too */
    bin = build("static_pie_prog", "gcc", "-static-pie");
    if (bin) {
        assert_int_equal(check_json(bin, &j), 2);
        expect(j, "\"type\": \"static-pie-executable\"");
        free(j);
    }
}

static const char *copy_of(const char *src, const char *name, mode_t mode);

static void test_musl_binary(void **state)
{
    (void)state;
    const char *bin = harness_have("musl-gcc") ? build("musl_prog", "musl-gcc", "") : NULL;
    if (!bin) {
        print_message("skipped: musl-gcc (musl-tools) unavailable\n");
        skip();
    }
    /* musl's loader honours LD_PRELOAD: protectable, with the musl build. */
    char *j;
    assert_int_equal(check_json(bin, &j), 0);
    expect(j, "\"libc\": \"musl\"");
    expect(j, "\"interpreter\": \"/lib/ld-musl-");
    expect(j, "\"library\": \"libenvseal-musl.so\"");
    expect(j, "/libenvseal-musl.so\"");
    free(j);
    /* an envseal without the musl build beside it: unprotectable, and it says why */
    const char *alone = copy_of(envseal_bin(), "envseal-alone", 0755);
    struct capture c;
    run_capture(ARGV((char *)alone, "check", (char *)bin), &env, NULL, &c, TIMEOUT);
    assert_true(WIFEXITED(c.status));
    assert_int_equal(WEXITSTATUS(c.status), 2);
    assert_non_null(strstr(c.out, "libenvseal-musl.so is not installed beside envseal"));
    capture_free(&c);
    /* a glibc program is told libenvseal.so */
    const char *gl = build("glibc_prog", "gcc", "");
    assert_non_null(gl);
    assert_int_equal(check_json(gl, &j), 0);
    expect(j, "\"library\": \"libenvseal.so\"");
    free(j);
}

static const char *copy_of(const char *src, const char *name, mode_t mode)
{
    static char dst[4][600];
    static int next;
    char *d = dst[next++ % 4];
    char cmd[1400];
    snprintf(d, 600, "%s/%s", harness_tmpdir(), name);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, d);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(chmod(d, mode), 0);
    return d;
}

static void test_setuid_setgid_copies(void **state)
{
    (void)state;
    char *j;
    const char *u = copy_of("/usr/bin/true", "true-setuid", 04755);
    assert_int_equal(check_json(u, &j), 2);
    expect(j, "\"setuid\": true");
    expect(j, "secure-execution");
    free(j);
    const char *g = copy_of("/usr/bin/true", "true-setgid", 02755);
    assert_int_equal(check_json(g, &j), 2);
    expect(j, "\"setgid\": true");
    free(j);
    /* control: the same copy without the bits is fine */
    const char *plain = copy_of("/usr/bin/true", "true-plain", 0755);
    assert_int_equal(check_json(plain, &j), 0);
    free(j);
}

static void test_file_capabilities(void **state)
{
    (void)state;
    if (!harness_have("setcap"))
        return;
    const char *c = copy_of("/usr/bin/true", "true-caps", 0755);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "setcap cap_net_bind_service,cap_net_raw+ep '%s' 2>/dev/null", c);
    if (system(cmd) != 0) {
        print_message("skipped: setcap failed (file system without security xattrs?)\n");
        skip();
    }
    char *j;
    assert_int_equal(check_json(c, &j), 2);
    expect(j, "\"cap_net_bind_service\"");
    expect(j, "\"cap_net_raw\"");
    expect(j, "\"effective\": true");
    expect(j, "file capabilities");
    free(j);
}

static void test_go_binary(void **state)
{
    (void)state;
    if (access("/usr/bin/fzf", R_OK) != 0) {
        print_message("skipped: no Go binary on the machine (Debian package fzf)\n");
        skip();
    }
    char *j;
    assert_int_equal(check_json("/usr/bin/fzf", &j), 1);
    expect(j, "\"verdict\": \"limited\"");
    expect(j, "\"detected\": true");
    expect(j, "\"version\": \"go1.");
    expect(j, "\"buildinfo_section\": true");
    expect(j, "\"buildid_note\": true");
    expect(j, "\"strict\": \"go-runtime\"");
    free(j);
}

static void test_env_script(void **state)
{
    (void)state;
    const char *text = "#!/usr/bin/env python3\nprint('hi')\n";
    const char *s = scratch_file("script.py", text, strlen(text));
    chmod(s, 0755);
    char *j;
    assert_int_equal(check_json(s, &j), 0);
    expect(j, "\"via_env\": true");
    expect(j, "\"shebang\": \"/usr/bin/env\"");
    expect(j, "python3");
    free(j);
    /* An interpreter that is itself a script (Debian's psql is Perl): followed, as
     * the kernel follows it, to what runs in the end. */
    const char *nested = "#!/usr/bin/psql\n";
    if (access("/usr/bin/psql", R_OK) == 0) {
        s = scratch_file("nested.sh", nested, strlen(nested));
        chmod(s, 0755);
        assert_int_equal(check_json(s, &j), 0);
        expect(j, "\"shebang\": \"/usr/bin/psql\"");
        expect(j, "perl");
        free(j);
    }
}

/* An executable file with no "#!" and no ELF image: execvp runs it with /bin/sh,
 * which is what is judged; the JSON's shebang is null. */
static void test_plain_executable_file_runs_under_sh(void **state)
{
    (void)state;
    const char *text = "echo plain\n";
    const char *s = scratch_file("plain.sh", text, strlen(text));
    chmod(s, 0755);
    char *j;
    assert_int_equal(check_json(s, &j), 0);
    expect(j, "\"shebang\": null");
    free(j);
}

/* Malformed input: every case ends in exit 3 (or, for a mutation that still
 * parses, a verdict), with a message, and never an ASan report or a crash. */
static void check_malformed(const char *path, bool must_fail)
{
    char *j;
    int code = check_json(path, &j);
    if (must_fail) {
        assert_int_equal(code, 3);
        expect(j, "\"error\": ");
    } else {
        assert_true(code >= 0 && code <= 3);
    }
    free(j);
}

static void test_malformed_files(void **state)
{
    (void)state;
    check_malformed(scratch_file("empty", "", 0), true);
    const char *text = "just some text\n";
    check_malformed(scratch_file("text", text, strlen(text)), true);
    check_malformed(harness_tmpdir(), true); /* a directory */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/does-not-exist", harness_tmpdir());
    check_malformed(missing, true);
    check_malformed(scratch_file("magic-only", "\177ELF", 4), true);

    unsigned char garbage[8192];
    srand(1234);
    for (int round = 0; round < 8; round++) {
        for (size_t i = 0; i < sizeof garbage; i++)
            garbage[i] = (unsigned char)rand();
        if (round % 2 == 0)
            memcpy(garbage, "\177ELF\2\1\1", 7); /* passes the magic test */
        check_malformed(scratch_file("garbage", garbage, sizeof garbage), round % 2 == 1);
    }
}

static void test_truncated_and_mutated_elf(void **state)
{
    (void)state;
    char *bash;
    long n = read_file_all("/usr/bin/bash", &bash);
    assert_true(n > 65536);
    /* truncated inside the ELF header, the program headers, and further in */
    const long cuts[] = {1, 4, 16, 52, 63, 64, 65, 100, 200, 400, 800, 1000, 4096, 20000, n / 2,
                         n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
        check_malformed(scratch_file("truncated", bash, (size_t)cuts[i]), true);
    /* headers with random bytes flipped: offsets, counts, sizes go wild */
    srand(42);
    for (int round = 0; round < 40; round++) {
        char *m = malloc((size_t)n);
        memcpy(m, bash, (size_t)n);
        for (int k = 0; k < 6; k++) {
            size_t at = round % 2 ? (size_t)rand() % 64 : (size_t)rand() % 4096;
            m[at] = (char)rand();
        }
        memcpy(m, "\177ELF", 4);
        check_malformed(scratch_file("mutated", m, (size_t)n), false);
        free(m);
    }
    /* the section header table pointed past the end of the file */
    char *m = malloc((size_t)n);
    memcpy(m, bash, (size_t)n);
    uint64_t far = (uint64_t)n * 4;
    memcpy(m + 0x28, &far, 8); /* e_shoff */
    check_malformed(scratch_file("far-shoff", m, (size_t)n), true);
    free(m);
    free(bash);
}

/* `check` on v's first n bytes: exit 3, and an error that names the fault. */
static void expect_malformed(const struct victim *v, size_t n, const char *fault)
{
    char *j;
    int code = check_json(scratch_file("corrupt", v->b, n), &j);
    if (code != 3)
        print_error("exit %d, want 3 and '%s':\n%s\n", code, fault, j);
    assert_int_equal(code, 3);
    expect(j, "\"error\": \"malformed ELF file: ");
    expect(j, fault);
    free(j);
}

/* Each corruption of a real program is named, never judged as a program: a cut-off
 * file once passed as protectable, e_phnum = PN_XNUM as static, a bare magic
 * number as "no error". */
static void test_malformed_reasons_named(void **state)
{
    (void)state;
    struct victim v;
    victim_load(&v);
    char *j;
    assert_int_equal(check_json(scratch_file("whole", v.b, v.n), &j), 0); /* control */
    free(j);

    expect_malformed(&v, 2000, "past the end of the file (2000 bytes)");
    expect_malformed(&v, v.n - 1, "past the end of the file");
    expect_malformed(&v, 4, "truncated: 4 bytes");
    expect_malformed(&v, 40, "truncated ELF header: 40 bytes of 64");

    /* header fields, one at a time on a fresh copy */
    struct {
        size_t at;
        unsigned width;
        uint64_t value;
        const char *fault;
    } fields[] = {
        {offsetof(Elf64_Ehdr, e_phnum), 2, PN_XNUM, "e_phnum is PN_XNUM (0xffff)"},
        {EI_CLASS, 1, 7, "unknown ELF class 7"},
        {EI_DATA, 1, 0, "unknown byte order 0"},
        {EI_VERSION, 1, 2, "unknown ELF identification version 2"},
        {offsetof(Elf64_Ehdr, e_version), 4, 9, "unknown ELF version 9 in e_version"},
        {offsetof(Elf64_Ehdr, e_machine), 2, 0, "no machine"},
        {offsetof(Elf64_Ehdr, e_ehsize), 2, 60, "e_ehsize is 60"},
        {offsetof(Elf64_Ehdr, e_phentsize), 2, 40, "e_phentsize is 40"},
        {offsetof(Elf64_Ehdr, e_phnum), 2, 0, "no program headers"},
        {offsetof(Elf64_Ehdr, e_phnum), 2, 3000, "more than the 64 KiB Linux reads"},
        {offsetof(Elf64_Ehdr, e_phoff), 8, 1u << 30, "the program header table"},
        {offsetof(Elf64_Ehdr, e_shentsize), 2, 32, "e_shentsize is 32"},
        {offsetof(Elf64_Ehdr, e_shnum), 2, 4000, "the section header table"},
        {offsetof(Elf64_Ehdr, e_shstrndx), 2, 900, "e_shstrndx 900 is not a section"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        struct victim c = v;
        c.b = malloc(v.n);
        memcpy(c.b, v.b, v.n);
        memcpy(c.b + fields[i].at, &fields[i].value, fields[i].width); /* little-endian */
        expect_malformed(&c, c.n, fields[i].fault);
        free(c.b);
    }

    /* segments and what they point at */
    char *orig = malloc(v.n);
    memcpy(orig, v.b, v.n);
#define RESET() memcpy(v.b, orig, v.n)
    Elf64_Phdr *interp = victim_segment(&v, PT_INTERP);
    v.b[interp->p_offset + interp->p_filesz - 1] = 'x';
    expect_malformed(&v, v.n, "the interpreter path is not NUL-terminated");
    RESET();
    victim_segment(&v, PT_LOAD)->p_filesz = v.n * 2;
    expect_malformed(&v, v.n, "(PT_LOAD, file bytes 0..");
    RESET();
    victim_segment(&v, PT_LOAD)->p_memsz = 1;
    expect_malformed(&v, v.n, "larger than p_memsz 1");
    RESET();
    victim_segment(&v, PT_DYNAMIC)->p_offset = v.n - 8;
    expect_malformed(&v, v.n, "(PT_DYNAMIC, file bytes");
    RESET();
    victim_dyn(&v, DT_NEEDED)->d_un.d_val = 1u << 20;
    expect_malformed(&v, v.n, "a DT_NEEDED entry points outside the dynamic string table");
    RESET();
    victim_dyn(&v, DT_STRTAB)->d_un.d_ptr = 1ull << 40;
    expect_malformed(&v, v.n, "the dynamic string table (DT_STRTAB 0x10000000000");
    RESET();
    victim_dyn(&v, DT_STRSZ)->d_un.d_val = 1u << 30;
    expect_malformed(&v, v.n, "is not inside the file's loaded segments");
    RESET();
    Elf64_Phdr *dyn = victim_segment(&v, PT_DYNAMIC);
    for (Elf64_Dyn *e = (Elf64_Dyn *)(v.b + dyn->p_offset);
         (char *)(e + 1) <= v.b + dyn->p_offset + dyn->p_filesz; e++)
        if (e->d_tag == DT_NULL)
            e->d_tag = DT_DEBUG; /* no terminator left */
    expect_malformed(&v, v.n, "the dynamic table has no DT_NULL terminator");
    RESET();
    /* found by fuzzing: PT_DYNAMIC ahead of an oversized PT_LOAD that seems to hold
     * its string table, read before that segment's bounds were checked */
    v.ph[0] = *victim_segment(&v, PT_DYNAMIC);
    victim_segment(&v, PT_LOAD)->p_filesz = 1ull << 40;
    victim_segment(&v, PT_LOAD)->p_memsz = 1ull << 40;
    victim_dyn(&v, DT_STRSZ)->d_un.d_val = 1u << 30;
    expect_malformed(&v, v.n, "(PT_LOAD, file bytes 0..1099511627776) runs past the end");
    RESET();
    v.sh[v.eh->e_shnum - 1].sh_offset = v.n; /* the last section, past the end */
    v.sh[v.eh->e_shnum - 1].sh_size = 100;
    expect_malformed(&v, v.n, "runs past the end of the file");
    RESET();
    v.b[v.sh[v.eh->e_shstrndx].sh_offset + v.sh[v.eh->e_shstrndx].sh_size - 1] = 'x';
    expect_malformed(&v, v.n, "does not end in a NUL byte");
    RESET();
#undef RESET
    free(orig);
    free(v.b);
}

static void test_human_errors_and_help(void **state)
{
    (void)state;
    struct capture c;
    /* A file that is neither ELF nor a script, and not executable either (one that
     * is, execvp runs with /bin/sh: test_plain_executable_file_runs_under_sh). */
    const char *text = scratch_file("plain.txt", "just text\n", 10);
    chmod(text, 0644);
    run_capture(ARGV((char *)envseal_bin(), "check", (char *)text), &env, NULL, &c, TIMEOUT);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 3);
    assert_non_null(strstr(c.err, "not an ELF file"));
    assert_int_equal(c.out_len, 0);
    capture_free(&c);
    run_capture(ARGV((char *)envseal_bin(), "check", "--help"), &env, NULL, &c, TIMEOUT);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    assert_non_null(strstr(c.out, "Exit status:"));
    capture_free(&c);
}

int main(void)
{
    envb_init(&env, false);
    envb_set(&env, "ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99");
    envb_set(&env, "UBSAN_OPTIONS", "halt_on_error=1:exitcode=98");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python3),
        cmocka_unit_test(test_bash_and_node),
        cmocka_unit_test(test_psql_script_and_binary),
        cmocka_unit_test(test_static_binary),
        cmocka_unit_test(test_musl_binary),
        cmocka_unit_test(test_setuid_setgid_copies),
        cmocka_unit_test(test_file_capabilities),
        cmocka_unit_test(test_go_binary),
        cmocka_unit_test(test_env_script),
        cmocka_unit_test(test_plain_executable_file_runs_under_sh),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_truncated_and_mutated_elf),
        cmocka_unit_test(test_malformed_reasons_named),
        cmocka_unit_test(test_human_errors_and_help),
    };
    int rc = cmocka_run_group_tests(tests, NULL, harness_cleanup_group);
    envb_free(&env);
    return rc;
}
