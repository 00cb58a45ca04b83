/* The ELF readers behind `envseal check` (cli/elfinfo.c) and the SBOM tool
 * (scripts/sbom/elfinfo.c) on arbitrary files: no memory error, no undefined
 * behaviour, no leak, and answers that are consistent (an error verdict always
 * carries its reason, and only then). The input is the whole file; a "#!" script
 * line is followed to its interpreter as `check` does. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/elfinfo.h"
#include "scripts/sbom/elfinfo.h"
#include "tests/fuzz/fuzz_util.h"

/* The two readers' entry points, one line each. */
#define CHECK_READ(path, out) elfinfo_analyze(path, out)
#define CHECK_READ_QUICK(path, out) elfinfo_analyze_quick(path, out)
#define SBOM_READ(path, out) elf_info_read(path, out)

static void check_reader(const char *path, bool quick)
{
    static struct elfinfo o;
    enum verdict_e v = quick ? CHECK_READ_QUICK(path, &o) : CHECK_READ(path, &o);
    FUZZ_CHECK(v == o.verdict && v >= V_PROTECTABLE && v <= V_ERROR);
    FUZZ_CHECK((v == V_ERROR) == (o.error[0] != '\0'));
    FUZZ_CHECK(!strstr(o.error, "no error")); /* a fault is always named */
    FUZZ_CHECK(memchr(o.error, '\0', sizeof o.error) && memchr(o.interp, '\0', sizeof o.interp));
    FUZZ_CHECK(o.nreasons >= 0 && o.nreasons <= ELFINFO_REASONS_MAX);
    FUZZ_CHECK(o.nneeded >= 0 && o.nneeded <= ELFINFO_NEEDED_MAX);
    for (int i = 0; i < o.nneeded; i++)
        FUZZ_CHECK(memchr(o.needed[i], '\0', sizeof o.needed[i]));
    FUZZ_CHECK(elfinfo_verdict_name(v) && elfinfo_kind_name(o.kind) && elfinfo_libc_name(o.libc));
}

static void sbom_reader(const char *path)
{
    struct elf_info e;
    if (SBOM_READ(path, &e) == 0 && e.is_elf) {
        char kind[128];
        FUZZ_CHECK(elf_info_kind(&e, kind, sizeof kind) == kind);
        FUZZ_CHECK(strlen(e.build_id) < sizeof e.build_id);
    }
    for (size_t i = 0; i < e.needed.len; i++)
        free(e.needed.item[i]);
    free(e.needed.item);
    free(e.soname);
    free(e.interp);
    free(e.rpath);
    free(e.runpath);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("elf-fuzz-input", MFD_CLOEXEC);
        FUZZ_CHECK(fd >= 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    FUZZ_CHECK(ftruncate(fd, 0) == 0);
    FUZZ_CHECK(size == 0 || pwrite(fd, data, size, 0) == (ssize_t)size);
    check_reader(path, false);
    check_reader(path, true);
    sbom_reader(path);
    return 0;
}
