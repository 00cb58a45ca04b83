/* `envseal check` on Mach-O files: real programs and libraries built for macOS by
 * Zig (scripts/darwin/zig.sh; arm64 output is ad-hoc signed by Zig's linker), the
 * variants dyld refuses DYLD_INSERT_LIBRARIES for, universal files of both header
 * sizes, and damaged files, which must end in exit 3 with the fault named (both
 * builds, the AddressSanitizer one included). No signer that sets the hardened
 * runtime flag or entitlements exists in Debian: those variants patch the
 * CodeDirectory flags of the Zig-signed program and rewrite its SuperBlob, so their
 * hashes no longer match; `check` reads the signature's claims and does not verify
 * them (nor does it need to: a forged claim only makes the verdict stricter). */
#define _GNU_SOURCE
#include <fcntl.h>
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

#include "cli/machoinfo.h"
#include "tests/cli/cli_util.h"

#define TIMEOUT 120000
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

static struct envb env;
static char dir[4096];

static const char *fixture(const char *name)
{
    static char bufs[8][4200];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *p = malloc(*n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, *n, f), *n);
    fclose(f);
    return p;
}

static const char *spit(const char *name, const void *p, size_t n, mode_t mode)
{
    const char *path = fixture(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    chmod(path, mode);
    return path;
}

static void run_ok(char *const argv[])
{
    struct capture c;
    run_capture(argv, &env, NULL, &c, TIMEOUT);
    if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0)
        print_error("%s failed:\n%s%s\n", argv[0], c.out, c.err);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    capture_free(&c);
}

/* Builds the programs every test reads, once. */
static int build_fixtures(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/macho", harness_tmpdir());
    mkdir(dir, 0755);
    struct capture c;
    run_capture(ARGV("/bin/bash", (char *)harness_runfile("scripts/darwin/zig.sh")), &env, NULL,
                &c, TIMEOUT);
    if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
        print_error("%s", c.err);
        return -1;
    }
    char zig[4096];
    snprintf(zig, sizeof zig, "%.*s", (int)strcspn(c.out, "\n"), c.out);
    capture_free(&c);
    envb_set(&env, "ZIG_GLOBAL_CACHE_DIR", fixture("zig-cache"));
    envb_set(&env, "ZIG_LOCAL_CACHE_DIR", fixture("zig-cache"));
    static const char src[] = "#include <stdio.h>\n#include <stdlib.h>\n"
                              "int main(void){const char *v = getenv(\"X\");"
                              "puts(v ? v : \"-\"); return 0;}\n";
    static const char restrict_src[] =
        "#include <stdio.h>\n"
        "__attribute__((used, section(\"__RESTRICT,__restrict\"))) static const char r[1];\n"
        "int main(void){puts(\"-\"); return 0;}\n";
    const char *prog = spit("prog.c", src, sizeof src - 1, 0644);
    const char *restr = spit("restrict.c", restrict_src, sizeof restrict_src - 1, 0644);
    run_ok(ARGV(zig, "cc", "-target", "aarch64-macos", "-o", (char *)fixture("exe_arm"),
                (char *)prog));
    run_ok(ARGV(zig, "cc", "-target", "x86_64-macos", "-o", (char *)fixture("exe_x86"),
                (char *)prog));
    run_ok(ARGV(zig, "cc", "-target", "aarch64-macos", "-shared", "-o",
                (char *)fixture("lib_arm.dylib"), (char *)prog));
    run_ok(ARGV(zig, "cc", "-target", "x86_64-macos", "-shared", "-o",
                (char *)fixture("lib_x86.dylib"), (char *)prog));
    run_ok(ARGV(zig, "cc", "-target", "aarch64-macos", "-o", (char *)fixture("restrict_arm"),
                (char *)restr));
    run_ok(ARGV("/usr/bin/llvm-lipo-14", "-create", (char *)fixture("exe_x86"),
                (char *)fixture("exe_arm"), "-output", (char *)fixture("fat")));
    run_ok(ARGV("/usr/bin/llvm-lipo-14", "-create", (char *)fixture("exe_x86"),
                (char *)fixture("restrict_arm"), "-output", (char *)fixture("fat_restrict")));
    return 0;
}

/* `check --json PATH` with both builds, which must agree; returns the exit code
 * and the output (to free) in *json. */
static int check_json(const char *path, char **json)
{
    struct capture c;
    assert_int_equal(check_both(path, &env, &c, TIMEOUT), 0);
    int rc = WEXITSTATUS(c.status);
    if (rc == 3) { /* the error also goes to stderr, in one line naming the file */
        assert_non_null(strstr(c.err, "envseal check: "));
        assert_non_null(strstr(c.err, "malformed Mach-O file: "));
    }
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

static void expect_verdict(const char *path, int rc, const char *const *fragments)
{
    char *j;
    int got = check_json(path, &j);
    if (got != rc)
        print_error("%s: exit %d, not %d:\n%s\n", path, got, rc, j);
    assert_int_equal(got, rc);
    for (; *fragments; fragments++)
        expect(j, *fragments);
    free(j);
}
#define EXPECT(path, rc, ...) expect_verdict(path, rc, (const char *const[]){__VA_ARGS__, NULL})

/* ---- little-endian Mach-O and big-endian signature fields ---- */
static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static void put_le32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> 8 * i); }
static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void put_be32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (24 - 8 * i)); }

/* Offset of the first load command cmd in a thin 64-bit image. */
static size_t find_cmd(const unsigned char *p, uint32_t cmd)
{
    size_t at = 32;
    for (uint32_t i = 0; i < le32(p + 16); i++, at += le32(p + at + 4))
        if (le32(p + at) == cmd)
            return at;
    fail_msg("load command %#x not found", cmd);
    return 0;
}

static size_t find_segment(const unsigned char *p, const char *name)
{
    size_t at = 32;
    for (uint32_t i = 0; i < le32(p + 16); i++, at += le32(p + at + 4))
        if (le32(p + at) == 0x19 && strncmp((const char *)p + at + 8, name, 16) == 0)
            return at;
    fail_msg("segment %s not found", name);
    return 0;
}

/* The arm64 program with its CodeDirectory's flags or'ed with `flags` and, when
 * ent is not NULL, an entitlements blob (magic, payload) added in slot `slot`. */
static const char *signed_variant(const char *name, uint32_t flags, uint32_t slot,
                                  uint32_t magic, const void *ent, size_t entlen)
{
    size_t n;
    unsigned char *p = slurp(fixture("exe_arm"), &n);
    size_t cs = find_cmd(p, 0x1d);
    uint32_t off = le32(p + cs + 8);
    unsigned char *sb = p + off;
    assert_int_equal(be32(sb), 0xfade0cc0);
    assert_int_equal(be32(sb + 8), 1); /* Zig writes the CodeDirectory alone */
    assert_int_equal(be32(sb + 12), 0);
    unsigned char *cd = sb + be32(sb + 16);
    uint32_t cdlen = be32(cd + 4);
    put_be32(cd + 12, be32(cd + 12) | flags);
    if (ent) {
        size_t total = 12 + 16 + cdlen + 8 + entlen;
        unsigned char *q = realloc(p, off + total);
        assert_non_null(q);
        p = q;
        unsigned char *nsb = malloc(total);
        assert_non_null(nsb);
        put_be32(nsb, 0xfade0cc0);
        put_be32(nsb + 4, (uint32_t)total);
        put_be32(nsb + 8, 2);
        put_be32(nsb + 12, 0);
        put_be32(nsb + 16, 28);
        put_be32(nsb + 20, slot);
        put_be32(nsb + 24, 28 + cdlen);
        memcpy(nsb + 28, p + off + be32(p + off + 16), cdlen);
        put_be32(nsb + 28 + cdlen, magic);
        put_be32(nsb + 32 + cdlen, (uint32_t)(8 + entlen));
        memcpy(nsb + 36 + cdlen, ent, entlen);
        memcpy(p + off, nsb, total);
        free(nsb);
        put_le32(p + cs + 12, (uint32_t)total);
        size_t le = find_segment(p, "__LINKEDIT"); /* its filesize: up to the new end */
        uint64_t fileoff = le32(p + le + 40);
        put_le32(p + le + 48, (uint32_t)(off + total - fileoff));
        n = off + total;
    }
    const char *path = spit(name, p, n, 0755);
    free(p);
    return path;
}

static const char ENT_DYLD[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\n"
    "\t<key>com.apple.security.cs.allow-dyld-environment-variables</key>\n\t<true/>\n"
    "</dict></plist>\n";
static const char ENT_DYLD_FALSE[] =
    "<plist version=\"1.0\"><dict>"
    "<key>com.apple.security.cs.allow-dyld-environment-variables</key><false/>"
    "<key>com.apple.security.cs.disable-library-validation</key><true/>"
    "</dict></plist>\n";
static const char ENT_BOTH[] =
    "<plist version=\"1.0\"><dict>"
    "<key>com.apple.security.cs.allow-dyld-environment-variables</key> <true/>"
    "<key>com.apple.security.cs.disable-library-validation</key><true/>"
    "</dict></plist>\n";

/* DER entitlements as codesign writes them: [16] { SET { SEQ { UTF8 key, BOOL } } }. */
static size_t der_both(unsigned char *out)
{
    static const char *const keys[] = {"com.apple.security.cs.allow-dyld-environment-variables",
                                       "com.apple.security.cs.disable-library-validation"};
    unsigned char body[256];
    size_t n = 0;
    for (int i = 0; i < 2; i++) {
        size_t k = strlen(keys[i]);
        body[n++] = 0x30;
        body[n++] = (unsigned char)(2 + k + 3);
        body[n++] = 0x0c;
        body[n++] = (unsigned char)k;
        memcpy(body + n, keys[i], k);
        n += k;
        body[n++] = 0x01, body[n++] = 0x01, body[n++] = 0xff;
    }
    size_t o = 0;
    out[o++] = 0x70, out[o++] = 0x81, out[o++] = (unsigned char)(n + 3);
    out[o++] = 0x31, out[o++] = 0x81, out[o++] = (unsigned char)n;
    memcpy(out + o, body, n);
    return o + n;
}

static void test_zig_programs(void **state)
{
    (void)state;
    EXPECT(fixture("exe_arm"), 0, "\"verdict\": \"protectable\"", "\"cpu\": \"arm64\"",
           "\"type\": \"executable\"", "\"signature\": \"ad-hoc\"", "\"hardened_runtime\": false",
           "\"/usr/lib/libSystem.B.dylib\"", "\"universal\": false");
    EXPECT(fixture("exe_x86"), 0, "\"verdict\": \"protectable\"", "\"cpu\": \"x86_64\"",
           "\"signature\": \"unsigned\"");
    EXPECT(fixture("lib_arm.dylib"), 2, "\"type\": \"dylib\"", "not an executable");
    EXPECT(fixture("lib_x86.dylib"), 2, "\"type\": \"dylib\"", "\"cpu\": \"x86_64\"");
    /* the human form */
    struct capture c;
    run_capture(ARGV((char *)envseal_bin(), "check", (char *)fixture("exe_arm")), &env, NULL, &c,
                TIMEOUT);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    assert_non_null(strstr(c.out, "verdict:      protectable"));
    assert_non_null(strstr(c.out, "arm64         64-bit executable, protectable; ad-hoc"));
    capture_free(&c);
}

static void test_restrict(void **state)
{
    (void)state;
    EXPECT(fixture("restrict_arm"), 2, "\"verdict\": \"unprotectable\"",
           "\"restrict_section\": true", "a __RESTRICT,__restrict section");
}

static void test_universal(void **state)
{
    (void)state;
    EXPECT(fixture("fat"), 0, "\"universal\": true", "\"fat64\": false", "\"cpu\": \"x86_64\"",
           "\"cpu\": \"arm64\"");
    /* the worst slice decides: a restricted arm64 slice beside a plain x86_64 one */
    EXPECT(fixture("fat_restrict"), 2, "\"verdict\": \"unprotectable\"",
           "\"verdict\": \"protectable\"", "a __RESTRICT,__restrict section");
    /* FAT_MAGIC_64: the same slices under 64-bit offsets (llvm-lipo 14 cannot write it) */
    size_t n;
    unsigned char *f = slurp(fixture("fat"), &n);
    assert_int_equal(be32(f), 0xcafebabe);
    uint32_t narch = be32(f + 4);
    unsigned char *g = calloc(1, n);
    assert_non_null(g);
    memcpy(g, f, n);
    memset(g + 8, 0, 20 * narch);
    put_be32(g, 0xcafebabf);
    for (uint32_t i = 0; i < narch; i++) {
        const unsigned char *e = f + 8 + 20 * i;
        unsigned char *h = g + 8 + 32 * i;
        memcpy(h, e, 8);           /* cputype, cpusubtype */
        put_be32(h + 12, be32(e + 8));  /* offset (low word) */
        put_be32(h + 20, be32(e + 12)); /* size (low word) */
        put_be32(h + 24, be32(e + 16)); /* align */
    }
    EXPECT(spit("fat64", g, n, 0755), 0, "\"universal\": true", "\"fat64\": true",
           "\"cpu\": \"arm64\"");
    free(f);
    free(g);
}

static void test_hardened_runtime(void **state)
{
    (void)state;
    EXPECT(signed_variant("runtime", 0x10000, 0, 0, NULL, 0), 2, "\"hardened_runtime\": true",
           "\"entitlements\": null",
           "hardened runtime without the entitlement "
           "com.apple.security.cs.allow-dyld-environment-variables");
    /* allowed DYLD_* variables, but library validation still refuses the dylib */
    EXPECT(signed_variant("runtime_dyld", 0x10000, 5, 0xfade7171, ENT_DYLD, sizeof ENT_DYLD - 1),
           2, "\"entitlements\": \"xml\"", "\"allow_dyld_environment_variables\": true",
           "\"disable_library_validation\": false", "library validation");
    /* <false/> is not <true/> */
    EXPECT(signed_variant("runtime_false", 0x10000, 5, 0xfade7171, ENT_DYLD_FALSE,
                          sizeof ENT_DYLD_FALSE - 1),
           2, "\"allow_dyld_environment_variables\": false", "hardened runtime without");
    EXPECT(signed_variant("runtime_both", 0x10000, 5, 0xfade7171, ENT_BOTH, sizeof ENT_BOTH - 1),
           0, "\"verdict\": \"protectable\"", "\"hardened_runtime\": true",
           "\"allow_dyld_environment_variables\": true", "\"disable_library_validation\": true");
    unsigned char der[300];
    size_t dn = der_both(der);
    EXPECT(signed_variant("runtime_der", 0x10000, 7, 0xfade7172, der, dn), 0,
           "\"entitlements\": \"der\"", "\"allow_dyld_environment_variables\": true");
    /* the restrict flag alone */
    EXPECT(signed_variant("cs_restrict", 0x800, 0, 0, NULL, 0), 2, "restrict flag");
}

static void test_setid(void **state)
{
    (void)state;
    size_t n;
    unsigned char *p = slurp(fixture("exe_arm"), &n);
    EXPECT(spit("suid", p, n, 04755), 2, "\"setuid\": true", "set-uid: dyld ignores");
    EXPECT(spit("sgid", p, n, 02755), 2, "\"setgid\": true", "set-gid: dyld ignores");
    free(p);
}

static void test_sip_paths(void **state)
{
    (void)state;
    static const char *const yes[] = {"/System/Library/x", "/usr/bin/env", "/bin/ls", "/sbin/ping",
                                      "/Library/Apple/usr/bin/x", "//usr/lib/dyld", "/usr"};
    static const char *const no[] = {"/usr/local/bin/x", "/opt/homebrew/bin/x", "/usrx/bin",
                                     "/Applications/X.app/Contents/MacOS/X", "bin/ls",
                                     "/Library/Application Support/x",
                                     "/System/Volumes/Data/Users/me/x"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        assert_true(machoinfo_sip_path(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_false(machoinfo_sip_path(no[i]));
}

/* Damaged copies: every one must be refused with its fault named. */
static void expect_malformed(const char *name, const unsigned char *p, size_t n, const char *fault)
{
    char *j;
    int rc = check_json(spit(name, p, n, 0755), &j);
    if (rc != 3 || (fault && !strstr(j, fault)))
        print_error("%s: exit %d, expected 3 and '%s':\n%s\n", name, rc, fault ? fault : "", j);
    assert_int_equal(rc, 3);
    if (fault)
        expect(j, fault);
    free(j);
}

static void test_truncated(void **state)
{
    (void)state;
    size_t n;
    unsigned char *p = slurp(fixture("exe_arm"), &n);
    size_t cmds_end = 32 + le32(p + 20);
    int cases = 0;
    /* every 8 bytes through the load commands, then every 1 KiB, then the signature */
    for (size_t cut = 4; cut < n; cut += cut < cmds_end ? 8 : cut < n - 512 ? 1024 : 16, cases++)
        expect_malformed("trunc", p, cut, cut < 32 ? "the Mach-O header is cut off" : NULL);
    print_message("%d truncations refused\n", cases);
    free(p);
}

static void test_corrupted(void **state)
{
    (void)state;
    size_t n;
    unsigned char *orig = slurp(fixture("exe_arm"), &n);
    unsigned char *p = malloc(n);
    assert_non_null(p);
#define CORRUPT(what, fault)       \
    do {                           \
        memcpy(p, orig, n);        \
        what;                      \
        expect_malformed("bad", p, n, fault); \
    } while (0)
    size_t cs = find_cmd(orig, 0x1d), seg = find_segment(orig, "__TEXT");
    uint32_t sig = le32(orig + cs + 8);
    uint32_t cdoff = sig + be32(orig + sig + 16);
    CORRUPT(put_le32(p + 16, 0xffffffff), "load commands cannot fit");
    CORRUPT(put_le32(p + 20, 0xfffffff0), "the load commands (4294967280 bytes) run past");
    CORRUPT(put_le32(p + 32 + 4, 0), "load command 0 (0x19) has a bad size (0)");
    CORRUPT(put_le32(p + 32 + 4, 0x7fffff8), "has a bad size");
    CORRUPT(put_le32(p + seg + 64, 0xffff), "sections run past the command");
    CORRUPT(put_le32(p + seg + 72 + 48, 0x7ffffff0), "section 0 runs past the end of the file");
    CORRUPT(put_le32(p + seg + 48, 0xfffffff), "(LC_SEGMENT_64 __TEXT) runs past the end");
    CORRUPT(put_le32(p + cs + 8, (uint32_t)n), "the signature runs past the end of the file");
    CORRUPT(put_be32(p + sig + 8, 0x10000000), "blob count (268435456) runs past its end");
    CORRUPT(put_be32(p + sig + 16, 0xfffffff0), "blob 0 (slot 0) runs past the signature");
    CORRUPT(put_be32(p + cdoff + 4, 0xffff), "blob 0 (slot 0) runs past the signature");
    CORRUPT(put_be32(p + cdoff, 0xfade0c01), "not a valid CodeDirectory");
    CORRUPT(put_be32(p + sig, 0x12345678), "not an embedded signature");
    size_t dl = find_cmd(orig, 0xc);
    CORRUPT(put_le32(p + dl + 8, 0xff), "its name is not a string inside the command");
    CORRUPT(memset(p + dl + 24, 'A', le32(orig + dl + 4) - 24), "its name is not a string");
    free(orig);

    /* universal files: the slice table */
    unsigned char *f = slurp(fixture("fat"), &n);
    p = realloc(p, n);
    orig = f;
    CORRUPT(put_be32(p + 4, 40), "with 40 architectures: at most 8");
    CORRUPT(put_be32(p + 4, 0x10000), "(a Java class file?)");
    CORRUPT(put_be32(p + 8 + 8, 0x7ffffff0), "x86_64: the slice (offset 2147483632");
    CORRUPT(put_be32(p + 8 + 20 + 12, (uint32_t)n), "arm64: the slice");
    CORRUPT(put_be32(p + 8 + 20 + 8, be32(orig + 8 + 8)), "overlaps architecture 0");
    CORRUPT(put_be32(p + 8, 0x0100000c), "the slice's own header names another CPU");
    expect_malformed("fathdr", orig, 6, "the universal header is cut off");
    expect_malformed("fattab", orig, 30, "architectures run past the end of the file");
#undef CORRUPT
    free(f);
    free(p);
}

int main(void)
{
    envb_init(&env, false);
    envb_set(&env, "ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99");
    envb_set(&env, "UBSAN_OPTIONS", "halt_on_error=1:exitcode=98");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zig_programs), cmocka_unit_test(test_restrict),
        cmocka_unit_test(test_universal),    cmocka_unit_test(test_hardened_runtime),
        cmocka_unit_test(test_setid),        cmocka_unit_test(test_sip_paths),
        cmocka_unit_test(test_truncated),    cmocka_unit_test(test_corrupted),
    };
    int failed = cmocka_run_group_tests(tests, build_fixtures, NULL);
    envb_free(&env);
    return failed;
}
