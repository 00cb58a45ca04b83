/* Reads libenvseal.so with libelf: it exports exactly the functions listed in
 * preload/exports.lds, each of which libc defines (so each is an interposer), and
 * it carries the hardening the build promises; the same for the strict library
 * and for the musl builds (against musl's libc). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define MAX_SYMS 8192

struct symset {
    char *name[MAX_SYMS];
    int n;
};

static bool has(const struct symset *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0)
            return true;
    return false;
}

static const char *runfile(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s/%s", getenv("TEST_SRCDIR"), getenv("TEST_WORKSPACE"), rel);
    return buf;
}

struct elf_file {
    int fd;
    Elf *elf;
};

static void open_elf(struct elf_file *f, const char *path)
{
    assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
    f->fd = open(path, O_RDONLY);
    assert_true(f->fd >= 0);
    f->elf = elf_begin(f->fd, ELF_C_READ, NULL);
    assert_non_null(f->elf);
}

static void close_elf(struct elf_file *f)
{
    elf_end(f->elf);
    close(f->fd);
}

/* The first section of the given type (SHT_DYNSYM, SHT_DYNAMIC), or NULL. */
static Elf_Scn *section_of_type(Elf *elf, GElf_Word type, GElf_Shdr *sh)
{
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(elf, scn)) != NULL)
        if (gelf_getshdr(scn, sh) && sh->sh_type == type)
            return scn;
    return NULL;
}

/* Global/weak dynamic symbols; defined ones (st_shndx != UNDEF) or undefined ones. */
static void dynsyms(const char *path, bool defined, struct symset *out)
{
    struct elf_file f;
    open_elf(&f, path);
    out->n = 0;
    GElf_Shdr sh;
    Elf_Scn *scn = section_of_type(f.elf, SHT_DYNSYM, &sh);
    if (scn) {
        Elf_Data *d = elf_getdata(scn, NULL);
        for (size_t i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym sym;
            gelf_getsym(d, (int)i, &sym);
            int bind = GELF_ST_BIND(sym.st_info);
            if (bind != STB_GLOBAL && bind != STB_WEAK)
                continue;
            if ((sym.st_shndx != SHN_UNDEF) != defined)
                continue;
            if (out->n < MAX_SYMS)
                out->name[out->n++] = strdup(elf_strptr(f.elf, sh.sh_link, sym.st_name));
        }
    }
    close_elf(&f);
}

/* Names in the global: section of the version script. */
static void script_names_of(const char *script, struct symset *out)
{
    FILE *fp = fopen(runfile(script), "r");
    assert_non_null(fp);
    char line[256];
    bool global = false;
    out->n = 0;
    while (fgets(line, sizeof line, fp)) {
        char name[128];
        if (strstr(line, "global:"))
            global = true;
        else if (strstr(line, "local:"))
            global = false;
        else if (global && sscanf(line, " %127[A-Za-z0-9_] ;", name) == 1)
            out->name[out->n++] = strdup(name);
    }
    fclose(fp);
}

#define GLIBC "/lib/x86_64-linux-gnu/libc.so.6"
#define MUSL "/usr/lib/x86_64-linux-musl/libc.so"

/* lib exports exactly the names in script, each of which libc defines. */
static void exports_exactly(const char *lib, const char *script, const char *libc_path)
{
    static struct symset exported, listed, libc;
    dynsyms(runfile(lib), true, &exported);
    script_names_of(script, &listed);
    dynsyms(libc_path, true, &libc);
    assert_true(listed.n >= 4);
    assert_true(libc.n > 100);
    for (int i = 0; i < exported.n; i++)
        if (!has(&listed, exported.name[i]))
            fail_msg("%s: exported but not listed: %s", lib, exported.name[i]);
    for (int i = 0; i < listed.n; i++) {
        if (!has(&exported, listed.name[i]))
            fail_msg("%s: listed but not exported: %s", lib, listed.name[i]);
        if (!has(&libc, listed.name[i]))
            fail_msg("%s: exported name is not a libc function: %s", lib, listed.name[i]);
    }
}

static void test_exports_exactly_the_interposed_functions(void **state)
{
    (void)state;
    exports_exactly("preload/libenvseal.so", "preload/exports.lds", GLIBC);
}

/* Whether the code of lib loads the stack protector's canary, %fs:0x28 on x86-64
 * (mov %fs:0x28,REG: 64 48|4c 8b ModRM(mod 00, r/m 100) SIB 25, then 28 00 00 00):
 * the mark of -fstack-protector in the compiled functions themselves, wherever the
 * failure handler lives (libenvseal.so defines its own, libc_local.c). */
static bool reads_stack_canary(const char *lib)
{
    struct elf_file f;
    open_elf(&f, runfile(lib));
    size_t shstrndx;
    assert_int_equal(elf_getshdrstrndx(f.elf, &shstrndx), 0);
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    size_t loads = 0;
    while ((scn = elf_nextscn(f.elf, scn)) != NULL) {
        const char *name;
        if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(f.elf, shstrndx, sh.sh_name)) ||
            strcmp(name, ".text") != 0)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        const unsigned char *b = d->d_buf;
        for (size_t i = 0; i + 9 <= d->d_size; i++)
            if (b[i] == 0x64 && (b[i + 1] == 0x48 || b[i + 1] == 0x4c) && b[i + 2] == 0x8b &&
                (b[i + 3] & 0xc7) == 0x04 && b[i + 4] == 0x25 && b[i + 5] == 0x28 &&
                !b[i + 6] && !b[i + 7] && !b[i + 8])
                loads++;
    }
    close_elf(&f);
    return loads > 10; /* every function with an array on its stack loads it */
}

static void hardened(const char *lib, bool fortify)
{
    struct elf_file f;
    open_elf(&f, runfile(lib));
    size_t n;
    assert_int_equal(elf_getphdrnum(f.elf, &n), 0);
    bool relro = false, stack_nx = false, bind_now = false;
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        gelf_getphdr(f.elf, (int)i, &ph);
        relro |= ph.p_type == PT_GNU_RELRO;
        if (ph.p_type == PT_GNU_STACK)
            stack_nx = !(ph.p_flags & PF_X);
    }
    GElf_Shdr sh;
    Elf_Scn *scn = section_of_type(f.elf, SHT_DYNAMIC, &sh);
    if (scn) {
        Elf_Data *d = elf_getdata(scn, NULL);
        for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Dyn dyn;
            gelf_getdyn(d, (int)i, &dyn);
            if (dyn.d_tag == DT_BIND_NOW || (dyn.d_tag == DT_FLAGS && (dyn.d_un.d_val & DF_BIND_NOW)) ||
                (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_NOW)))
                bind_now = true;
        }
    }
    close_elf(&f);
    assert_true(relro);
    assert_true(stack_nx);
    assert_true(bind_now);
    assert_true(reads_stack_canary(lib)); /* stack protector */
    static struct symset undef;
    dynsyms(runfile(lib), false, &undef);
    /* FORTIFY_SOURCE turned every explicit_bzero into __explicit_bzero_chk, which
     * the shim defines itself (libc_local.c): unfortified calls would import
     * explicit_bzero. musl has no FORTIFY_SOURCE. */
    if (fortify)
        assert_false(has(&undef, "explicit_bzero") || has(&undef, "__explicit_bzero_chk"));
}

static void test_hardened_relro_bind_now_nx_stack_protector(void **state)
{
    (void)state;
    hardened("preload/libenvseal.so", true);
}

/* libenvseal-strict.so: exactly exports_strict.lds (exports.lds plus getenv, the
 * exec family, posix_spawn, system, popen...), every name a libc function. */
static void test_strict_library_exports_exactly_its_interposed_functions(void **state)
{
    (void)state;
    static struct symset listed, relocate_listed;
    exports_exactly("preload/libenvseal-strict.so", "preload/exports_strict.lds", GLIBC);
    script_names_of("preload/exports_strict.lds", &listed);
    script_names_of("preload/exports.lds", &relocate_listed);
    assert_true(listed.n > relocate_listed.n);
    for (int i = 0; i < relocate_listed.n; i++)
        if (!has(&listed, relocate_listed.name[i]))
            fail_msg("libenvseal.so export missing from the strict library: %s",
                     relocate_listed.name[i]);
    /* Relocate mode's promise: libenvseal.so leaves getenv to glibc. */
    static struct symset relocate_exported, exported;
    dynsyms(runfile("preload/libenvseal.so"), true, &relocate_exported);
    dynsyms(runfile("preload/libenvseal-strict.so"), true, &exported);
    assert_false(has(&relocate_exported, "getenv"));
    assert_true(has(&exported, "getenv"));
}

/* The musl builds: the glibc builds' exports that musl's libc defines, every one
 * checked against musl's libc.so; the same hardening but FORTIFY_SOURCE. */
static void test_musl_libraries_export_only_musl_libc_functions(void **state)
{
    (void)state;
    exports_exactly("preload/libenvseal-musl.so", "preload/exports_musl.lds", MUSL);
    exports_exactly("preload/libenvseal-strict-musl.so", "preload/exports_strict_musl.lds", MUSL);
    static struct symset relocate_exported, strict_exported;
    dynsyms(runfile("preload/libenvseal-musl.so"), true, &relocate_exported);
    dynsyms(runfile("preload/libenvseal-strict-musl.so"), true, &strict_exported);
    assert_true(has(&relocate_exported, "setenv"));
    assert_true(has(&relocate_exported, "sigaction"));
    assert_false(has(&relocate_exported, "getenv"));
    assert_true(has(&strict_exported, "getenv"));
    assert_true(has(&strict_exported, "posix_spawn"));
}

static void test_musl_libraries_hardened(void **state)
{
    (void)state;
    hardened("preload/libenvseal-musl.so", false);
    hardened("preload/libenvseal-strict-musl.so", false);
}

/* DT_NEEDED entries of a shared object. */
static void needed(const char *path, struct symset *out)
{
    struct elf_file f;
    open_elf(&f, path);
    out->n = 0;
    GElf_Shdr sh;
    Elf_Scn *scn = section_of_type(f.elf, SHT_DYNAMIC, &sh);
    if (scn) {
        Elf_Data *d = elf_getdata(scn, NULL);
        for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Dyn dyn;
            gelf_getdyn(d, (int)i, &dyn);
            if (dyn.d_tag == DT_NEEDED && out->n < MAX_SYMS)
                out->name[out->n++] = strdup(elf_strptr(f.elf, sh.sh_link, dyn.d_un.d_val));
        }
    }
    close_elf(&f);
}

/* Whatever a preloaded library needs is loaded into every process it hardens:
 * libc alone (no libstdc++ or libm from the toolchain's default link line). */
static void test_libraries_need_only_libc(void **state)
{
    (void)state;
    const struct {
        const char *lib, *libc;
    } libs[] = {
        {"preload/libenvseal.so", "libc.so.6"},
        {"preload/libenvseal-strict.so", "libc.so.6"},
        {"preload/libenvseal-musl.so", "libc.so"}, /* musl's soname */
        {"preload/libenvseal-strict-musl.so", "libc.so"},
    };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        static struct symset deps;
        needed(runfile(libs[i].lib), &deps);
        for (int k = 0; k < deps.n; k++)
            if (strcmp(deps.name[k], libs[i].libc) != 0)
                fail_msg("%s needs %s", libs[i].lib, deps.name[k]);
        assert_int_equal(deps.n, 1);
    }
}

/* The .note.envseal marker `envseal run` looks for: in an allocated note section
 * and a PT_NOTE segment (read even without section headers), owner "envseal",
 * ABI 1, the library's own flavour; and no symbol for it (the exports tests above
 * stay exact). */
static void expect_marker(const char *lib, uint32_t flavour)
{
    struct elf_file f;
    open_elf(&f, runfile(lib));
    size_t shstrndx, phnum;
    assert_int_equal(elf_getshdrstrndx(f.elf, &shstrndx), 0);
    bool in_section = false, in_segment = false;
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(f.elf, scn)) != NULL;) {
        GElf_Shdr sh;
        gelf_getshdr(scn, &sh);
        const char *name = elf_strptr(f.elf, shstrndx, sh.sh_name);
        if (name && strcmp(name, ".note.envseal") == 0) {
            assert_int_equal(sh.sh_type, SHT_NOTE);
            assert_true(sh.sh_flags & SHF_ALLOC);
            in_section = true;
        }
    }
    assert_int_equal(elf_getphdrnum(f.elf, &phnum), 0);
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        gelf_getphdr(f.elf, (int)i, &ph);
        if (ph.p_type != PT_NOTE)
            continue;
        Elf_Data *d = elf_getdata_rawchunk(f.elf, (int64_t)ph.p_offset, ph.p_filesz,
                                           ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
        GElf_Nhdr nh;
        size_t off = 0, name_off, desc_off, next;
        while (d && (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
            if (nh.n_namesz == 8 && memcmp((char *)d->d_buf + name_off, "envseal", 8) == 0 &&
                nh.n_type == 1) {
                assert_int_equal(nh.n_descsz, 8);
                uint32_t desc[2];
                memcpy(desc, (char *)d->d_buf + desc_off, sizeof desc);
                assert_int_equal(desc[0], 1); /* ABI */
                assert_int_equal(desc[1], flavour);
                in_segment = true;
            }
            off = next;
        }
    }
    close_elf(&f);
    assert_true(in_section);
    assert_true(in_segment);
    static struct symset exported;
    dynsyms(runfile(lib), true, &exported);
    for (int i = 0; i < exported.n; i++)
        assert_null(strstr(exported.name[i], "note"));
}

/* The newest glibc symbol version the file needs (its SHT_GNU_verneed entries), as
 * major * 1000 + minor (2.34: 2034); 0 without any. */
static int newest_glibc_needed(const char *path)
{
    struct elf_file f;
    open_elf(&f, path);
    GElf_Shdr sh;
    Elf_Scn *scn = section_of_type(f.elf, SHT_GNU_verneed, &sh);
    int newest = 0;
    if (scn) {
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t off = 0;
        for (size_t i = 0; i < sh.sh_info; i++) {
            GElf_Verneed vn;
            assert_non_null(gelf_getverneed(d, (int)off, &vn));
            size_t aoff = off + vn.vn_aux;
            for (unsigned k = 0; k < vn.vn_cnt; k++) {
                GElf_Vernaux va;
                assert_non_null(gelf_getvernaux(d, (int)aoff, &va));
                const char *name = elf_strptr(f.elf, sh.sh_link, va.vna_name);
                unsigned major, minor;
                if (name && sscanf(name, "GLIBC_%u.%u", &major, &minor) == 2 &&
                    (int)(major * 1000 + minor) > newest)
                    newest = (int)(major * 1000 + minor);
                aoff += va.vna_next;
            }
            off += vn.vn_next;
        }
    }
    close_elf(&f);
    return newest;
}

/* docs/container.md: the layer's files run on glibc 2.32 (libenvseal.so) and 2.34
 * (libenvseal-strict.so, envseal) and later; an import of a newer version would
 * break images of older distributions without a word. */
static void test_glibc_versions_needed_as_documented(void **state)
{
    (void)state;
    assert_int_equal(newest_glibc_needed(runfile("preload/libenvseal.so")), 2032);
    assert_int_equal(newest_glibc_needed(runfile("preload/libenvseal-strict.so")), 2034);
    assert_int_equal(newest_glibc_needed(runfile("cli/envseal")), 2034);
}

/* The named section's address range in lib, found in the section headers. */
static void section_range(Elf *elf, const char *want, GElf_Addr *lo, GElf_Addr *hi)
{
    size_t shstrndx;
    assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    while ((scn = elf_nextscn(elf, scn)) != NULL) {
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
        if (name && strcmp(name, want) == 0) {
            *lo = sh.sh_addr;
            *hi = sh.sh_addr + sh.sh_size;
            return;
        }
    }
    fail_msg("no section %s", want);
}

/* The address of the symbol called name in lib's .symtab, or 0. */
static GElf_Addr symbol_address(Elf *elf, const char *name)
{
    GElf_Shdr sh;
    Elf_Scn *scn = section_of_type(elf, SHT_SYMTAB, &sh);
    assert_non_null(scn); /* the build's library is not stripped */
    Elf_Data *d = elf_getdata(scn, NULL);
    for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
        GElf_Sym sym;
        gelf_getsym(d, (int)i, &sym);
        const char *n = elf_strptr(elf, sh.sh_link, sym.st_name);
        if (n && sym.st_shndx != SHN_UNDEF && strcmp(n, name) == 0)
            return sym.st_value;
    }
    return 0;
}

/* One library's start-up region (startup_order.lds). */
struct startup_layout {
    struct elf_file f;
    GElf_Addr text_lo, text_hi, ro_lo, ro_hi;
};

static void startup_layout(struct startup_layout *l, const char *lib)
{
    open_elf(&l->f, runfile(lib));
    section_range(l->f.elf, ".text.envseal_startup", &l->text_lo, &l->text_hi);
    section_range(l->f.elf, ".rodata.envseal_startup", &l->ro_lo, &l->ro_hi);
    assert_true(l->text_hi <= 0x10000 && l->ro_hi <= 0x10000);
    GElf_Addr automaton = symbol_address(l->f.elf, "default_automaton_next");
    assert_true(automaton >= l->ro_lo && automaton < l->ro_hi);
}

/* startup_order.lds puts the automaton and the start-up's functions at the start of
 * the read-only segment, inside the 64 KiB the kernel maps around the loader's first
 * fault (docs/performance.md): every function it lists is in one of the libraries,
 * and in each library that has it, placed there (a renamed or inlined one would
 * silently cost that fault again). */
static void test_startup_code_first(void **state)
{
    (void)state;
    struct startup_layout libs[2];
    startup_layout(&libs[0], "preload/libenvseal.so");
    startup_layout(&libs[1], "preload/libenvseal-strict.so");
    FILE *fp = fopen(runfile("preload/startup_order.lds"), "r");
    assert_non_null(fp);
    char line[256], name[128], close;
    int listed = 0;
    while (fgets(line, sizeof line, fp)) {
        /* "*(.text.NAME)": one function (not "*(.text.startup.*)") */
        if (sscanf(line, " *(.text.%127[A-Za-z0-9_]%c", name, &close) != 2 || close != ')')
            continue;
        int found = 0;
        for (int i = 0; i < 2; i++) {
            GElf_Addr a = symbol_address(libs[i].f.elf, name);
            if (!a)
                continue;
            found++;
            if (a < libs[i].text_lo || a >= libs[i].text_hi)
                fail_msg("startup_order.lds lists %s, which library %d has at 0x%llx, "
                         "outside .text.envseal_startup", name, i, (unsigned long long)a);
        }
        if (!found)
            fail_msg("startup_order.lds lists %s, which neither library has", name);
        listed++;
    }
    fclose(fp);
    close_elf(&libs[0].f);
    close_elf(&libs[1].f);
    assert_true(listed > 30);
}

/* data_page_end.lds keeps the zero-initialised statics in the file, and the
 * writable data ends on a page boundary: the loader then maps no anonymous memory
 * for .bss and zeroes no partial page (glibc's and musl's loaders map and zero only
 * past the file's data), one mmap and one mapping fewer in every preloaded process. */
static void expect_data_all_in_file(const char *lib)
{
    struct elf_file f;
    open_elf(&f, runfile(lib));
    size_t n;
    assert_int_equal(elf_getphdrnum(f.elf, &n), 0);
    int writable = 0;
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        assert_non_null(gelf_getphdr(f.elf, (int)i, &ph));
        if (ph.p_type != PT_LOAD)
            continue;
        if (ph.p_filesz != ph.p_memsz)
            fail_msg("%s: a PT_LOAD with file size 0x%llx and memory size 0x%llx", lib,
                     (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
        if (ph.p_flags & PF_W) {
            writable++;
            if ((ph.p_vaddr + ph.p_memsz) % 4096 != 0)
                fail_msg("%s: the writable data ends inside a page (0x%llx)", lib,
                         (unsigned long long)(ph.p_vaddr + ph.p_memsz));
        }
    }
    assert_int_equal(writable, 1);
    close_elf(&f);
}

static void test_no_anonymous_bss(void **state)
{
    (void)state;
    expect_data_all_in_file("preload/libenvseal.so");
    expect_data_all_in_file("preload/libenvseal-strict.so");
    expect_data_all_in_file("preload/libenvseal-musl.so");
    expect_data_all_in_file("preload/libenvseal-strict-musl.so");
}

static void test_marker_note_in_both_libraries(void **state)
{
    (void)state;
    expect_marker("preload/libenvseal.so", 1);        /* ENVSEAL_FLAVOUR_RELOCATE */
    expect_marker("preload/libenvseal-strict.so", 2); /* ENVSEAL_FLAVOUR_STRICT */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exports_exactly_the_interposed_functions),
        cmocka_unit_test(test_hardened_relro_bind_now_nx_stack_protector),
        cmocka_unit_test(test_strict_library_exports_exactly_its_interposed_functions),
        cmocka_unit_test(test_libraries_need_only_libc),
        cmocka_unit_test(test_marker_note_in_both_libraries),
        cmocka_unit_test(test_startup_code_first),
        cmocka_unit_test(test_no_anonymous_bss),
        cmocka_unit_test(test_glibc_versions_needed_as_documented),
        cmocka_unit_test(test_musl_libraries_export_only_musl_libc_functions),
        cmocka_unit_test(test_musl_libraries_hardened),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
