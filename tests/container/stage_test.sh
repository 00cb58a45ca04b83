#!/usr/bin/env bash
# container/stage.sh puts into the layer only an envseal shim the layer's loader
# can preload: the real libraries are staged (the controls), and each file that
# would stop every program of the image (the musl build in the glibc layer), make
# the loader print an error line for each (an executable, a 32-bit, big-endian or
# other-architecture copy) or protect nothing (another library) is refused with
# exit status 1, one line naming the reason, and nothing staged. With the command,
# the layer holds envseal's LICENSE and the notices of what is linked into the
# command, as the release archive's licenses/ has them; without it, none. No
# container engine is needed.
#
# usage: stage_test.sh LIBENVSEAL LIBENVSEAL_MUSL LIBENVSEAL_STRICT_MUSL ENVSEAL   (run by Bazel)
set -uo pipefail

lib=$(readlink -f "$1") musl=$(readlink -f "$2") strict_musl=$(readlink -f "$3")
cli=$(readlink -f "$4")
repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
stage=$repo/container/stage.sh
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/stage.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$repo/tests/release/report.sh"

case $(uname -m) in
x86_64) arch=amd64 other=183 ;; # a copy marked arm64
aarch64) arch=arm64 other=62 ;; # a copy marked amd64
*) skip all "unsupported machine $(uname -m)"; summary; exit ;;
esac

# accepts NAME STAGE-ARGS...: stage.sh exits 0 and says nothing.
accepts() {
    local name=$1 out=$work/$1 msg rc
    shift
    msg=$(bash "$stage" --out "$out" --arch "$arch" "$@" 2>&1)
    rc=$?
    ((rc == 0)) && [[ -z "$msg" ]]
    report "$name" $? "exit status $rc: $msg"
}

# refuses NAME FILE REASON STAGE-ARGS...: stage.sh exits 1 with the one line
# "stage: FILE: ..." containing REASON, and creates nothing under OUT.
refuses() {
    local name=$1 file=$2 reason=$3 out=$work/$1 msg rc
    shift 3
    msg=$(bash "$stage" --out "$out" --arch "$arch" "$@" 2>&1)
    rc=$?
    ((rc == 1)) && [[ $(wc -l <<<"$msg") -eq 1 && "$msg" == "stage: $file: "*"$reason"* ]] &&
        [[ ! -e "$out" ]]
    report "$name" $? "exit status $rc, wanted 1 and a line naming $file and '$reason': $msg"
}

test_glibc_shim_and_command_staged() {
    accepts test_glibc_shim_and_command_staged --lib "$lib" --cli "$cli"
    local root=$work/test_glibc_shim_and_command_staged/rootfs-$arch
    cmp -s "$lib" "$root/usr/lib/envseal/libenvseal.so" && cmp -s "$cli" "$root/usr/bin/envseal" &&
        [[ $(cat "$root/etc/ld.so.preload") == /usr/lib/envseal/libenvseal.so ]]
    report test_glibc_layer_holds_the_files $? "$(find "$root" 2>&1)"
}

# notices_staged NAME ROOT PACKAGE...: ROOT/usr/share/doc/envseal holds exactly LICENSE
# (the repository's) and licenses/ with each PACKAGE's /usr/share/doc/PACKAGE/copyright
# as PACKAGE.copyright and every /usr/share/common-licenses text it names, the same
# bytes, files 0644 and directories 0755 (owned by root when staged by root).
notices_staged() {
    local name=$1 root=$2 doc=$2/usr/share/doc/envseal pkg text want have why=''
    shift 2
    want=$(for pkg in "$@"; do
        echo "licenses/$pkg.copyright"
        grep -oE '/usr/share/common-licenses/[A-Za-z0-9+-]+(\.[A-Za-z0-9+-]+)*' "/usr/share/doc/$pkg/copyright" |
            sed 's|.*/|licenses/|'
    done | sort -u)
    want=$(printf '%s\nLICENSE\nlicenses\n' "$want" | LC_ALL=C sort)
    have=$(cd "$doc" 2>/dev/null && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort)
    [[ "$have" == "$want" ]] || why="holds [${have//$'\n'/ }], wanted [${want//$'\n'/ }]"
    cmp -s "$repo/LICENSE" "$doc/LICENSE" || why+=" LICENSE differs from the repository's;"
    for pkg in "$@"; do
        cmp -s "/usr/share/doc/$pkg/copyright" "$doc/licenses/$pkg.copyright" ||
            why+=" licenses/$pkg.copyright differs;"
        for text in $(grep -oE '/usr/share/common-licenses/[A-Za-z0-9+-]+(\.[A-Za-z0-9+-]+)*' \
            "/usr/share/doc/$pkg/copyright"); do
            cmp -s "$text" "$doc/licenses/${text##*/}" || why+=" licenses/${text##*/} differs;"
        done
    done
    local bad
    bad=$(find "$root/usr/share" \( -type f ! -perm 0644 \) -o \( -type d ! -perm 0755 \) \
        -o ! \( -type f -o -type d \) 2>&1)
    [[ -z "$bad" ]] || why+=" wrong mode or type: ${bad//$'\n'/ };"
    if [[ $(id -u) -eq 0 ]]; then
        bad=$(find "$root/usr/share" ! -user root -o ! -group root 2>&1)
        [[ -z "$bad" ]] || why+=" not owned by root: ${bad//$'\n'/ };"
    fi
    [[ -z "$why" ]]
    report "$name" $? "$why"
}

test_glibc_command_licenses_staged() {
    local pkg
    for pkg in libelf-dev zlib1g-dev; do
        [[ -f /usr/share/doc/$pkg/copyright ]] ||
            { skip test_glibc_command_licenses_staged "no /usr/share/doc/$pkg/copyright"; return; }
    done
    accepts test_glibc_command_licenses_staged_accepted --lib "$lib" --cli "$cli"
    notices_staged test_glibc_command_licenses_staged \
        "$work/test_glibc_command_licenses_staged_accepted/rootfs-$arch" libelf-dev zlib1g-dev
}

test_no_licenses_without_command() {
    accepts test_no_licenses_without_command --lib "$lib"
    accepts test_no_licenses_without_command_musl --musl --lib "$musl"
    local glibc=$work/test_no_licenses_without_command/rootfs-$arch
    local musl_root=$work/test_no_licenses_without_command_musl/rootfs-musl-$arch
    [[ -e "$glibc/usr/lib/envseal/libenvseal.so" && ! -e "$glibc/usr/share" &&
        -e "$musl_root/usr/lib/envseal/libenvseal-musl.so" && ! -e "$musl_root/usr/share" ]]
    report test_no_licenses_without_command_staged $? "$(find "$glibc" "$musl_root" 2>&1)"
}

# The musl layer's command: a static executable of this machine (Debian's ldconfig
# stands in for the musl build of envseal, which stage.sh only checks for that).
test_musl_command_licenses_staged() {
    local static='' f pkg
    for f in /sbin/ldconfig /usr/sbin/ldconfig /bin/busybox; do
        [[ -f "$f" ]] && ! LC_ALL=C readelf -lW "$f" 2>/dev/null | grep -q '^ *INTERP ' &&
            { static=$(readlink -f "$f"); break; }
    done
    [[ -n "$static" ]] || { skip test_musl_command_licenses_staged "no static executable found"; return; }
    for pkg in musl-dev libelf-dev zlib1g-dev; do
        [[ -f /usr/share/doc/$pkg/copyright ]] ||
            { skip test_musl_command_licenses_staged "no /usr/share/doc/$pkg/copyright"; return; }
    done
    accepts test_musl_command_licenses_staged_accepted --musl --lib "$musl" --cli "$static"
    notices_staged test_musl_command_licenses_staged \
        "$work/test_musl_command_licenses_staged_accepted/rootfs-musl-$arch" \
        musl-dev libelf-dev zlib1g-dev
}

# --licenses DIR (a release archive's licenses/) is copied as it is, nothing else.
test_archive_licenses_staged() {
    local dir=$work/archive-licenses root have
    mkdir -p "$dir" && echo "a copyright" >"$dir/libfoo-dev.copyright" && echo "a text" >"$dir/FOO-1"
    chmod 0600 "$dir/FOO-1"
    accepts test_archive_licenses_staged_accepted --lib "$lib" --cli "$cli" --licenses "$dir"
    root=$work/test_archive_licenses_staged_accepted/rootfs-$arch
    have=$(cd "$root/usr/share/doc/envseal/licenses" 2>/dev/null && ls)
    [[ "$have" == $'FOO-1\nlibfoo-dev.copyright' ]] &&
        cmp -s "$dir/FOO-1" "$root/usr/share/doc/envseal/licenses/FOO-1" &&
        cmp -s "$dir/libfoo-dev.copyright" "$root/usr/share/doc/envseal/licenses/libfoo-dev.copyright" &&
        cmp -s "$repo/LICENSE" "$root/usr/share/doc/envseal/LICENSE" &&
        [[ $(stat -c %a "$root/usr/share/doc/envseal/licenses/FOO-1") == 644 ]]
    report test_archive_licenses_staged $? "$(find "$root/usr/share" -printf '%p %m\n' 2>&1)"
}

test_licenses_without_copyright_refused() {
    mkdir -p "$work/empty-licenses"
    refuses test_licenses_without_copyright_refused "$work/empty-licenses" "no PACKAGE.copyright" \
        --lib "$lib" --cli "$cli" --licenses "$work/empty-licenses"
}

test_license_path_ending_a_sentence() {
    # Debian copyright files often end a sentence with the path ("... in
    # /usr/share/common-licenses/GPL-2."): the full stop is not part of the name.
    local pkg d=$work/sentence out rc
    pkg=$(grep -lE '/usr/share/common-licenses/[A-Za-z0-9+-]+\.($|[[:space:]])' \
        /usr/share/doc/*/copyright 2>/dev/null | head -1 | cut -d/ -f5)
    [[ -n "$pkg" ]] ||
        { skip test_license_path_ending_a_sentence "no copyright file here ends a sentence so"; return; }
    out=$(bash "$repo/scripts/release/licenses.sh" "$d" "$pkg" 2>&1)
    rc=$?
    ((rc == 0)) && ! compgen -G "$d/*." >/dev/null
    report test_license_path_ending_a_sentence $? "$pkg: exit $rc: $out; $(ls "$d" 2>&1)"
}

# patched_command NAME OLD NEW: a copy of the command with the string OLD (a soname
# or the interpreter's path) replaced by NEW, padded with NUL bytes to OLD's length.
patched_command() {
    /usr/bin/python3 -c 'import sys
data = open(sys.argv[1], "rb").read()
old, new = sys.argv[3].encode(), sys.argv[4].encode()
assert old in data and len(new) <= len(old)
open(sys.argv[2], "wb").write(data.replace(old, new.ljust(len(old), b"\0")))' \
        "$cli" "$work/$1" "$2" "$3" && chmod 0755 "$work/$1" && echo "$work/$1"
}

test_musl_linked_command_refused_in_glibc_layer() {
    local c
    c=$(patched_command musl-needed libc.so.6 libc.so) || return
    refuses test_musl_linked_command_refused_in_glibc_layer "$c" "needs libc.so," \
        --lib "$lib" --cli "$c"
    [[ $arch == amd64 ]] || return 0
    c=$(patched_command musl-interp /lib64/ld-linux-x86-64.so.2 /lib/ld-musl-x86_64.so.1) || return
    refuses test_musl_interpreter_command_refused_in_glibc_layer "$c" \
        "program interpreter is /lib/ld-musl-x86_64.so.1" --lib "$lib" --cli "$c"
}

test_musl_shim_refused_in_glibc_layer() {
    refuses test_musl_shim_refused_in_glibc_layer "$musl" "a musl build" --lib "$musl"
}

test_executable_refused() {
    refuses test_executable_refused "$cli" "program interpreter" --lib "$cli"
}

# Copies of libenvseal.so with one byte of the ELF header changed: EI_CLASS 1
# (32-bit), EI_DATA 2 (big-endian), e_machine of the other architecture, e_type 2
# (ET_EXEC). Each line: NAME OFFSET BYTE REASON.
test_patched_copies_refused() {
    local name offset byte reason f
    while read -r name offset byte reason; do
        f=$work/$name.so
        cp "$lib" "$f"
        printf "\\x$byte" | dd of="$f" bs=1 seek="$offset" conv=notrunc status=none
        refuses "$name" "$f" "$reason" --lib "$f"
    done <<END
test_32bit_class_refused 4 01 32-bit
test_big_endian_refused 5 02 big-endian
test_other_architecture_refused 18 $(printf %02x "$other") (e_machine $other), not $arch
test_exec_type_refused 16 02 not a shared library
END
}

test_library_without_note_refused() {
    local f
    for f in /usr/lib/"$(uname -m)"-linux-gnu/libz.so.1 /lib/"$(uname -m)"-linux-gnu/libz.so.1 \
        /usr/lib64/libz.so.1 ''; do
        [[ -z "$f" || -e "$f" ]] && break
    done
    [[ -n "$f" ]] || { skip test_library_without_note_refused "no libz.so.1 found"; return; }
    f=$(readlink -f "$f")
    refuses test_library_without_note_refused "$f" ".note.envseal" --lib "$f"
}

test_musl_shims_staged() {
    accepts test_musl_shims_staged --musl --lib "$musl" --lib-strict "$strict_musl"
}

test_glibc_shim_refused_in_musl_layer() {
    refuses test_glibc_shim_refused_in_musl_layer "$lib" "a glibc build" --musl --lib "$lib"
}

test_relocate_build_refused_as_strict() {
    refuses test_relocate_build_refused_as_strict "$musl" "strict build" \
        --musl --lib "$musl" --lib-strict "$musl"
}

test_dynamic_command_refused_in_musl_layer() {
    refuses test_dynamic_command_refused_in_musl_layer "$cli" "static command" \
        --musl --lib "$musl" --cli "$cli"
}

for t in $(declare -F | awk '$3 ~ /^test_/ { print $3 }'); do
    "$t"
done
summary
