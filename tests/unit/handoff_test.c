/* Unit tests of preload/core/handoff.c: the payload check (also a fuzzing entry point)
 * and the receipt into hand-built environment arrays from a real sealed memfd. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload/core/config.h"
#include "preload/core/handoff.h"

static struct config cfg;

#define P(lit) lit, sizeof(lit) - 1 /* a payload literal with its inner NULs */

static void payload_check(void **state)
{
    (void)state;
    assert_true(handoff_valid(P("envseal-handoff-1\0A_TOKEN=x\0B_KEY=\0"), 2));
    assert_true(handoff_valid(P("envseal-handoff-1\0"), 0));
    assert_false(handoff_valid(P("envseal-handoff-1\0A_TOKEN=x\0"), 2));  /* count */
    assert_false(handoff_valid(P("envseal-handoff-1\0A_TOKEN=x"), 1));    /* no NUL */
    assert_false(handoff_valid(P("envseal-handoff-1\0=x\0"), 1));         /* no name */
    assert_false(handoff_valid(P("envseal-handoff-1\0A_TOKEN\0"), 1));    /* no '=' */
    assert_false(handoff_valid(P("envseal-handoff-2\0A_TOKEN=x\0"), 1));  /* magic */
    assert_false(handoff_valid(P("envseal-hand"), 0));                    /* short */
}

static int sealed_memfd(const char *data, size_t n)
{
    int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    assert_int_equal(fcntl(fd, F_ADD_SEALS,
                           F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL),
                     0);
    return fd;
}

static void load_with_fd(int fd)
{
    static char setting[32];
    snprintf(setting, sizeof setting, "ENVSEAL_HANDOFF=%d", fd);
    char *envp[] = {setting, NULL};
    config_load(&cfg, envp);
}

/* The slots take the entries in order; the slots and the setting leave both
 * arrays; the descriptor is closed. */
static void receive_fills_slots(void **state)
{
    (void)state;
    int fd = sealed_memfd(P("envseal-handoff-1\0A_TOKEN=one\0B_TOKEN=two\0"));
    load_with_fd(fd);
    char s1[] = HANDOFF_SLOT, s2[] = HANDOFF_SLOT, path[] = "PATH=/bin", set[40];
    snprintf(set, sizeof set, "ENVSEAL_HANDOFF=%d", fd);
    char *envp[] = {s1, path, set, s2, NULL};
    char *cur[] = {s1, path, set, s2, (char *)"NEW=1", NULL}; /* an earlier setenv's copy */
    const char *why = NULL;
    int err;
    assert_int_equal(handoff_receive(&cfg, envp, cur, &why, &err), 0);
    assert_string_equal(envp[0], "A_TOKEN=one");
    assert_string_equal(envp[1], "PATH=/bin");
    assert_string_equal(envp[2], "B_TOKEN=two");
    assert_null(envp[3]);
    assert_string_equal(cur[0], "A_TOKEN=one");
    assert_string_equal(cur[2], "B_TOKEN=two");
    assert_string_equal(cur[3], "NEW=1");
    assert_null(cur[4]);
    assert_int_equal(fcntl(fd, F_GETFD), -1); /* closed */
    handoff_release(false);
}

/* Garbled: nothing filled, slots and setting removed all the same. */
static void receive_garbled(void **state)
{
    (void)state;
    int fd = sealed_memfd(P("envseal-handoff-1\0A_TOKEN=one\0"));
    load_with_fd(fd);
    char s1[] = HANDOFF_SLOT, s2[] = HANDOFF_SLOT, path[] = "PATH=/bin";
    char *envp[] = {s1, path, s2, NULL};
    const char *why = NULL;
    int err;
    assert_int_equal(handoff_receive(&cfg, envp, envp, &why, &err), -1);
    assert_string_equal(why, "the contents are garbled");
    assert_string_equal(envp[0], "PATH=/bin");
    assert_null(envp[1]);
}

static void setting_parse(void **state)
{
    (void)state;
    char *ok[] = {"ENVSEAL_HANDOFF=12", NULL}, *bad[] = {"ENVSEAL_HANDOFF=1x", NULL},
         *big[] = {"ENVSEAL_HANDOFF=99999999999", NULL}, *none[] = {"PATH=/bin", NULL};
    config_load(&cfg, ok);
    assert_true(cfg.handoff);
    assert_int_equal(cfg.handoff_fd, 12);
    config_load(&cfg, bad);
    assert_true(cfg.handoff);
    assert_int_equal(cfg.handoff_fd, -1);
    assert_int_equal(cfg.nproblems, 1);
    config_load(&cfg, big);
    assert_int_equal(cfg.handoff_fd, -1);
    config_load(&cfg, none);
    assert_false(cfg.handoff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(payload_check),
        cmocka_unit_test(receive_fills_slots),
        cmocka_unit_test(receive_garbled),
        cmocka_unit_test(setting_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
