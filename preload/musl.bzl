"""musl builds with Debian's musl-gcc (musl-tools).

Bazel's auto-configured C toolchain is the host's gcc against glibc; a genrule
that runs musl-gcc itself keeps musl's headers, start files and libc out of that
toolchain (no second toolchain or configuration transition to maintain) and
builds with `bazel build //...` as it is.
"""

# .bazelrc's hardened flags, which reach cc_* rules only (keep them in step).
# musl has no FORTIFY_SOURCE: its headers ignore the macro.
MUSL_COPTS = [
    "-std=gnu11",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-fstack-protector-strong",
    "-U_FORTIFY_SOURCE",
    "-D_FORTIFY_SOURCE=2",
    "-fPIC",
]

MUSL_LINKOPTS = [
    "-Wl,-z,relro",
    "-Wl,-z,now",
    "-Wl,-z,noexecstack",
    "-Wl,--as-needed",
]

def _c_files(srcs):
    return " ".join(["$(locations %s)" % s for s in srcs])

def musl_shared_library(name, srcs, hdrs, version_script, linker_scripts = [], copts = [], linkopts = [], **kwargs):
    """Compiles srcs (.c files or rules giving them) and links one shared object,
    with each of linker_scripts added to ld's default script (-T)."""
    native.genrule(
        name = name.replace(".", "_"),
        srcs = srcs + hdrs + [version_script] + linker_scripts,
        outs = [name],
        cmd = " ".join(
            ["musl-gcc -shared -o $@ -I."] + MUSL_COPTS + copts + MUSL_LINKOPTS + linkopts +
            ["-Wl,-T,$(location %s)" % s for s in linker_scripts] +
            ["-Wl,--version-script=$(location %s)" % version_script, _c_files(srcs)],
        ),
        **kwargs
    )

def musl_binary(name, srcs, copts = [], linkopts = [], **kwargs):
    """A musl-linked program (its interpreter is /lib/ld-musl-<arch>.so.1)."""
    native.genrule(
        name = name + "_musl_gen",
        srcs = srcs,
        outs = [name],
        cmd = " ".join(
            ["musl-gcc -o $@ -I."] + MUSL_COPTS + copts + MUSL_LINKOPTS + linkopts +
            [_c_files([s for s in srcs if s.endswith(".c")])],
        ),
        **kwargs
    )
