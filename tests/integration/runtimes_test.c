/* Java, PHP and Ruby under both libraries (docs/compatibility.md), with the real
 * runtimes: each reads APP_TOKEN by its usual ways and compares it with the value
 * in a file (the value is never printed). Relocate mode: every way sees it.
 * Strict mode: the JVM builds System.getenv from environ and sees nothing; PHP's
 * getenv('NAME') and Ruby's ENV['NAME'] (libc's getenv) see it, while $_ENV,
 * $_SERVER, getenv() without a name and ENV.to_h (lists built from environ) do not. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define WAIT_MS 120000

static struct proc cur;

static int kill_cur(void **state)
{
    (void)state;
    proc_kill(&cur);
    return 0;
}

/* Runs argv (its last argument is replaced by the file holding the value) with
 * APP_TOKEN under lib; checks each expected line. */
static void runtime_case(const char *cmd, char **argv, int file_arg, const char *lib,
                         const char *const *want)
{
    if (!harness_have(cmd)) {
        print_message("skipped: %s not installed (scripts/setup.sh installs it)\n", cmd);
        skip();
    }
    char secret[64];
    harness_random_secret(secret, sizeof secret, "rt");
    argv[file_arg] = (char *)harness_scratch("value", secret);
    struct envb env;
    envb_init(&env, false);
    envb_set(&env, "APP_TOKEN", secret);
    envb_set(&env, "LD_PRELOAD", harness_runfile(lib));
    assert_int_equal(proc_spawn(&cur, argv, &env), 0);
    int st = proc_finish(&cur, WAIT_MS);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fprintf(stderr, "%s: status %#x\n%s\n", cmd, (unsigned)st, cur.err);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    for (; *want; want++) {
        if (!text_has_line(cur.out, *want))
            fprintf(stderr, "%s under %s: no line '%s' in:\n%s\n", cmd, lib, *want, cur.out);
        assert_true(text_has_line(cur.out, *want));
    }
    assert_null(strstr(cur.out, secret));
    assert_false(proc_environ_contains(cur.pid, secret));
    envb_free(&env);
}

#define RELOCATE "preload/libenvseal.so"
#define STRICT "preload/libenvseal-strict.so"
#define WANT(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char java_src[] =
    "import java.nio.file.*;\n"
    "public class Env {\n"
    "    public static void main(String[] a) throws Exception {\n"
    "        String want = Files.readString(Path.of(a[0]));\n"
    "        String v = System.getenv(\"APP_TOKEN\");\n"
    "        System.out.println(v == null ? \"getenv null\" : v.equals(want) ? \"getenv match\""
    " : \"getenv mismatch\");\n"
    "        System.out.println(System.getenv().containsKey(\"APP_TOKEN\") ? \"map has\""
    " : \"map lacks\");\n"
    "    }\n"
    "}\n";

static void java_case(const char *lib, const char *const *want)
{
    char *argv[] = {"java", (char *)harness_scratch("Env.java", java_src), NULL, NULL};
    runtime_case("java", argv, 2, lib, want);
}

HARNESS_CASE(test_java_relocate_sees_secret,
             java_case(RELOCATE, WANT("getenv match", "map has")))
HARNESS_CASE(test_java_strict_does_not_see_secret,
             java_case(STRICT, WANT("getenv null", "map lacks")))

static const char php_src[] =
    "$want = file_get_contents($argv[1]);\n"
    "$v = getenv('APP_TOKEN');\n"
    "echo $v === false ? \"getenv none\\n\" : ($v === $want ? \"getenv match\\n\" : \"getenv "
    "mismatch\\n\");\n"
    "echo isset($_ENV['APP_TOKEN']) ? \"env has\\n\" : \"env lacks\\n\";\n"
    "echo isset($_SERVER['APP_TOKEN']) ? \"server has\\n\" : \"server lacks\\n\";\n"
    "echo array_key_exists('APP_TOKEN', getenv()) ? \"list has\\n\" : \"list lacks\\n\";\n";

static void php_case(const char *lib, const char *const *want)
{
    char *argv[] = {"php", "-d", "variables_order=EGPCS", "-r", (char *)php_src, "--", NULL,
                    NULL};
    runtime_case("php", argv, 6, lib, want);
}

HARNESS_CASE(test_php_relocate_sees_secret,
             php_case(RELOCATE, WANT("getenv match", "env has", "server has", "list has")))
HARNESS_CASE(test_php_strict_getenv_only,
             php_case(STRICT, WANT("getenv match", "env lacks", "server lacks", "list lacks")))

static const char ruby_src[] =
    "want = File.read(ARGV[0])\n"
    "v = ENV['APP_TOKEN']\n"
    "puts v.nil? ? 'index nil' : (v == want ? 'index match' : 'index mismatch')\n"
    "puts ENV.fetch('APP_TOKEN', nil) == want ? 'fetch match' : 'fetch none'\n"
    "puts ENV.to_h.key?('APP_TOKEN') ? 'list has' : 'list lacks'\n"
    "puts ENV.keys.include?('APP_TOKEN') ? 'keys has' : 'keys lacks'\n";

static void ruby_case(const char *lib, const char *const *want)
{
    char *argv[] = {"ruby", "-e", (char *)ruby_src, NULL, NULL};
    runtime_case("ruby", argv, 3, lib, want);
}

HARNESS_CASE(test_ruby_relocate_sees_secret,
             ruby_case(RELOCATE, WANT("index match", "fetch match", "list has", "keys has")))
HARNESS_CASE(test_ruby_strict_index_only,
             ruby_case(STRICT, WANT("index match", "fetch match", "list lacks", "keys lacks")))

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_java_relocate_sees_secret, kill_cur),
        cmocka_unit_test_teardown(test_java_strict_does_not_see_secret, kill_cur),
        cmocka_unit_test_teardown(test_php_relocate_sees_secret, kill_cur),
        cmocka_unit_test_teardown(test_php_strict_getenv_only, kill_cur),
        cmocka_unit_test_teardown(test_ruby_relocate_sees_secret, kill_cur),
        cmocka_unit_test_teardown(test_ruby_strict_index_only, kill_cur),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    harness_cleanup();
    return failed;
}
