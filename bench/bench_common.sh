# shellcheck shell=bash
# Sourced by the benchmarks that take extra preloads (shell_workload.sh, fork_cost.sh).

# extra_preloads TOOL "BUILT-IN NAMES" ARG...: the NAME=LIBRARY arguments, into
# extra_names and extra_libs. Exits 2 on one that is not that, or that reuses the
# name of a built-in configuration.
extra_preloads() {
    local tool=$1 builtin=" $2 " a
    shift 2
    extra_names=() extra_libs=()
    for a in "$@"; do
        if [[ $a != ?*=?* || ! -r ${a#*=} ]]; then
            echo "$tool: not NAME=LIBRARY (a readable file): $a" >&2
            exit 2
        fi
        if [[ $builtin == *" ${a%%=*} "* ]]; then
            echo "$tool: ${a%%=*} is a built-in configuration's name" >&2
            exit 2
        fi
        extra_names+=("${a%%=*}")
        extra_libs+=("${a#*=}")
    done
}

# Six secrets, as in bench/exec_cost.c; random values, never printed.
bench_rand() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# shellcheck disable=SC2034 # used by the scripts that source this
secrets=(DB_PASSWORD="$(bench_rand)" GITHUB_TOKEN="ghp_$(bench_rand)"
    AWS_SECRET_ACCESS_KEY="$(bench_rand)" STRIPE_API_KEY="sk_live_$(bench_rand)"
    DATABASE_URL="postgres://app:$(bench_rand)@db:5432/app" REDISCLI_AUTH="$(bench_rand)")
