#define _GNU_SOURCE
#include "pg_fixture.h"

#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct pg_fixture pg_shared;

static const char *role_name;
static struct proc *current;
static char scratch[PATH_MAX]; /* harness_tmpdir(), copied for the signal handler */

static void on_signal(int sig)
{
    if (current && current->pid > 0)
        kill(current->pid, SIGKILL);
    pg_server_abort(&pg_shared.server);
    remove_tree_async(scratch);
    signal(sig, SIG_DFL);
    raise(sig);
}

void pg_fixture_init(const char *role, struct proc *cur)
{
    role_name = role;
    current = cur;
    snprintf(scratch, sizeof scratch, "%s", harness_tmpdir());
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
}

void pg_fixture_done(void)
{
    scratch[0] = '\0';
}

int pg_fixture_setup(void **state)
{
    (void)state;
    struct pg_fixture *f = &pg_shared;
    const char *why;
    if (!pg_server_available(&why)) {
        snprintf(f->error, sizeof f->error, "%s", why);
        return 0;
    }
    harness_random_secret(f->password, sizeof f->password, "pg");
    if (pg_server_start(&f->server, role_name, f->password, f->error, sizeof f->error) != 0)
        pg_server_stop(&f->server);
    return 0;
}

int pg_fixture_teardown(void **state)
{
    (void)state;
    if (current)
        proc_kill(current);
    pg_server_stop(&pg_shared.server);
    explicit_bzero(pg_shared.password, sizeof pg_shared.password);
    return 0;
}

void pg_fixture_client_env(struct envb *e, const char *dir)
{
    char pgpass[PATH_MAX + 16];
    snprintf(pgpass, sizeof pgpass, "%s/no-pgpass", dir);
    envb_set(e, "PGPASSFILE", pgpass);
    envb_set(e, "PGSSLMODE", "disable");
    envb_set(e, "PGCONNECT_TIMEOUT", "10");
}

void pg_fixture_require(void)
{
    if (pg_shared.server.pid <= 0) {
        print_error("PostgreSQL server not available: %s\n", pg_shared.error);
        fail();
    }
}
