/* The variable names of the getenv benchmark: the driver (getenv_bench.c) looks
 * them up, the test (getenv_bench_test.c) builds the environment from them. */
#ifndef ENVSEAL_BENCH_GETENV_NAMES_H
#define ENVSEAL_BENCH_GETENV_NAMES_H

static const char *const plain[] = {
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "LC_ALL", "LC_CTYPE", "PWD",
    "OLDPWD", "HOSTNAME", "TZ", "EDITOR", "PAGER", "MAIL", "DISPLAY", "XDG_RUNTIME_DIR",
    "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_SESSION_ID", "SSH_AUTH_SOCK",
    "SSH_CONNECTION", "SSH_TTY", "DBUS_SESSION_BUS_ADDRESS", "TMPDIR", "NODE_ENV", "PYTHONPATH",
    "VIRTUAL_ENV", "JAVA_HOME", "GOPATH", "CARGO_HOME", "RUSTUP_HOME", "APP_MODE", "APP_REGION",
    "APP_PORT", "APP_HOST", "LOG_LEVEL", "LOG_FORMAT", "DB_HOST", "DB_PORT", "DB_NAME",
    "DB_USER", "REDIS_HOST", "REDIS_PORT", "CACHE_TTL", "FEATURE_FLAGS", "HTTP_TIMEOUT",
    "MAX_WORKERS", "WORKER_CONCURRENCY", "SENTRY_ENVIRONMENT", "AWS_REGION",
    "AWS_DEFAULT_REGION", "KUBERNETES_SERVICE_HOST", NULL};
static const char *const secret[] = {"APP_API_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY",
                                     NULL};
static const char *const absent[] = {"HTTP_PROXY", "NO_SUCH_VARIABLE", "XDG_STATE_HOME",
                                     "MISSING_TOKEN", "COLUMNS", "GIT_DIR", NULL};

#endif
