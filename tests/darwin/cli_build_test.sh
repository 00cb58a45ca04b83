#!/usr/bin/env bash
# The macOS envseal command, cross-built here with Zig (scripts/darwin/build_cli.sh):
# each output must be a Mach-O executable for its CPU whose undefined symbols all
# come from libSystem (nothing else exists on a bare Mac), checked with Debian's
# llvm-objdump and llvm-nm; and the Linux envseal must judge each "protectable".
# Controls: the checks reject the other architecture's file, a dylib, and a
# program importing from a library other than libSystem.
# usage: cli_build_test.sh ENVSEAL   (run by Bazel)
set -uo pipefail
envseal=$(readlink -f "$1")
repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/darwin-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ZIG_GLOBAL_CACHE_DIR=$work/zig-cache ZIG_LOCAL_CACHE_DIR=$work/zig-cache
# shellcheck source=tests/darwin/macho_lib.sh
. "$repo/tests/darwin/macho_lib.sh"

# is_macho_exe FILE CPU: a Mach-O executable (MH_EXECUTE) for CPU (ARM64, X86_64).
is_macho_exe() {
    llvm-objdump --macho --private-header "$1" 2>/dev/null |
        awk -v cpu="$2" '$1 ~ /^MH_MAGIC_64$/ && $2 == cpu && $5 == "EXECUTE" { f = 1 } END { exit !f }'
}


build_or_exit "$repo/scripts/darwin/build_cli.sh" "$work/out" "$work/build.log"
ok "build_cli.sh built both architectures with -Wall -Wextra -Werror"

declare -A cpu=([arm64]=ARM64 [x86_64]=X86_64)
for arch in arm64 x86_64; do
    f=$work/out/$arch/envseal
    if is_macho_exe "$f" "${cpu[$arch]}"; then ok "$arch: Mach-O executable for ${cpu[$arch]}"
    else bad "$arch: not a Mach-O ${cpu[$arch]} executable: $(file -b "$f" 2>&1)"; fi
    if only_libsystem "$f"; then ok "$arch: $(llvm-nm -u "$f" | wc -l) undefined symbols, all from libSystem"
    else bad "$arch: imports from elsewhere: $(llvm-nm -m -u "$f" | grep -v '(from libSystem)$' | head -3)"; fi
    if "$envseal" check "$f" >"$work/check.log" 2>&1; then ok "$arch: envseal check says protectable"
    else bad "$arch: envseal check: $(cat "$work/check.log")"; fi
done

# Controls: each check must say no where it should.
other=$work/out/x86_64/envseal
if is_macho_exe "$other" ARM64; then bad "control: x86_64 file taken for ARM64"
else ok "control: the x86_64 file is not taken for ARM64"; fi
zig=$(bash "$repo/scripts/darwin/zig.sh")
printf 'int foo(void) { return 1; }\n' >"$work/foo.c"
printf 'int foo(void);\nint main(void) { return foo(); }\n' >"$work/main.c"
if "$zig" cc -target aarch64-macos -shared -o "$work/libfoo.dylib" "$work/foo.c" &&
    "$zig" cc -target aarch64-macos -o "$work/usesfoo" "$work/main.c" -L"$work" -lfoo; then
    if is_macho_exe "$work/libfoo.dylib" ARM64; then bad "control: a dylib taken for an executable"
    else ok "control: a dylib is not an executable"; fi
    if only_libsystem "$work/usesfoo"; then bad "control: _foo from libfoo taken for libSystem"
    else ok "control: a program importing _foo from libfoo is caught"; fi
else
    bad "control programs did not build"
fi
echo "$passed passed, $failed failed"
((failed == 0))
