#include "preload/core/patterns.h"

#include <stddef.h>

const char *const default_secret_patterns[] = {
    "*TOKEN",        "*SECRET*",      "*PASSWORD*",  "*PASSWD*",
    "*_PWD",         "*_PASS",        "*API_KEY",    "*_APIKEY",
    "*PRIVATE_KEY*", "*_CREDENTIALS", "*_PASSPHRASE", "*_AUTH",
    "*DATABASE_URL", "*_DSN",         "*_CONNECTION_STRING",
    "REDIS_URL",     "MONGODB_URI",   NULL,
};
