/* A throw-away PostgreSQL 15 server for integration tests: its own data directory,
 * run as the `postgres` user (the server refuses root), listening on 127.0.0.1 only
 * on a free port, password_encryption=scram-sha-256 and a pg_hba.conf that admits
 * only `host all all 127.0.0.1/32 scram-sha-256`. No Unix socket is opened. */
#ifndef ENVSEAL_PG_SERVER_H
#define ENVSEAL_PG_SERVER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PG_BINDIR "/usr/lib/postgresql/15/bin"

struct pg_server {
    pid_t pid;               /* the postmaster, a direct child; 0 when stopped */
    int port;
    char dir[64];            /* scratch directory under /tmp (removed by pg_server_stop) */
    char data[PATH_MAX];     /* data directory inside dir */
    char log[PATH_MAX];      /* server stderr; may hold names, never passwords */
};

/* True when the server binaries and the postgres user exist; else why is set. */
bool pg_server_available(const char **why);

/* Creates a cluster, a LOGIN role `role` with `password` (given to the server on a
 * pipe, never in argv), and starts the server. Returns 0, or -1 with err filled
 * (err never holds the password). */
int pg_server_start(struct pg_server *s, const char *role, const char *password,
                    char *err, size_t errn);

/* Stops the server (fast shutdown, then SIGKILL) and removes its directory.
 * Safe on a server that never started; safe to call twice. */
void pg_server_stop(struct pg_server *s);

/* Immediate shutdown (SIGQUIT), waits for the postmaster, removes the directory;
 * async-signal-safe, for a signal handler when the test binary is being killed. */
void pg_server_abort(struct pg_server *s);

/* rm -rf path from a signal handler (fork + execve only). */
void remove_tree_async(const char *path);

#endif
