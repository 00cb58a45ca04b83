/* The one PostgreSQL server (pg_server.h) that a test binary's psql cases share:
 * started and stopped as a cmocka group's setup and teardown, and torn down with
 * the program under test if the binary itself is killed (a Bazel timeout). */
#ifndef ENVSEAL_PG_FIXTURE_H
#define ENVSEAL_PG_FIXTURE_H

#include "harness.h"
#include "pg_server.h"

struct pg_fixture {
    struct pg_server server; /* server.pid is 0 when it is not running */
    char password[80];       /* the role's password: a secret, never printed */
    char error[512];         /* why the server is not running, or "" */
};

extern struct pg_fixture pg_shared;

/* First thing in main: the role the server gets, and the test's current program.
 * Until pg_fixture_done, SIGTERM/SIGINT kill that program, abort the server,
 * remove harness_tmpdir() and end the binary by the same signal. */
void pg_fixture_init(const char *role, struct proc *cur);
void pg_fixture_done(void);

/* Group setup: starts the server with a fresh password. A server that cannot run
 * or start leaves server.pid 0 and the reason in error, so each psql case fails
 * (pg_fixture_require) and the failure is counted, rather than the whole group. */
int pg_fixture_setup(void **state);

/* Group teardown: kills the current program, stops the server, wipes the password. */
int pg_fixture_teardown(void **state);

/* A psql client's settings besides the password and the address: PGPASSFILE names
 * a file in dir that does not exist (the password comes from PGPASSWORD only), no
 * SSL, a 10 s connect timeout. */
void pg_fixture_client_env(struct envb *e, const char *dir);

/* Fails the current case, with the reason, when the server is not running. */
void pg_fixture_require(void);

#endif
