/*
 * Unit tests: cli (global options before and after the command).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

/* main.c owns the real table; the tests bring their own. */
const struct tp_command tp_commands[] = {
	{"validate", NULL, "", "check", NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

static int parse(char **argv, struct tp_globals *g, int *cargc,
		 char ***cargv, char **err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return cli_parse(argc, argv, g, cargc, cargv, err);
}

static void test_globals_anywhere(void **state)
{
	char *argv[] = {"teamsprov", "-m", "dir",	   "validate",
			"-j8",	     "--only", "Acme",	   "--extra",
			"--only=Beta", "-q",	   "--state", "s.db",
			NULL};
	struct tp_globals g;
	char **cargv, *err;
	int cargc;

	(void)state;
	assert_int_equal(parse(argv, &g, &cargc, &cargv, &err), 0);
	assert_string_equal(g.manifest, "dir");
	assert_int_equal(g.workers, 8);
	assert_int_equal(g.quiet, 1);
	assert_string_equal(g.state, "s.db");
	assert_int_equal(g.n_only, 2);
	assert_string_equal(g.only[0], "Acme");
	assert_string_equal(g.only[1], "Beta");
	assert_int_equal(cargc, 2);
	assert_string_equal(cargv[0], "validate");
	assert_string_equal(cargv[1], "--extra");
	assert_null(cargv[2]);
	free(cargv);
	cli_globals_release(&g);
}

static void test_dashdash(void **state)
{
	char *argv[] = {"teamsprov", "state", "show", "--", "-q", NULL};
	struct tp_globals g;
	char **cargv, *err;
	int cargc;

	(void)state;
	assert_int_equal(parse(argv, &g, &cargc, &cargv, &err), 0);
	assert_int_equal(g.quiet, 0);
	assert_string_equal(g.manifest, ".");
	assert_int_equal(cargc, 4);
	assert_string_equal(cargv[3], "-q");
	free(cargv);
	cli_globals_release(&g);
}

static void test_errors(void **state)
{
	char *a1[] = {"teamsprov", "validate", "-m", NULL};
	char *a2[] = {"teamsprov", "-j", "0", NULL};
	char *a3[] = {"teamsprov", "-q", "-v", NULL};
	char *a4[] = {"teamsprov", "--quiet=yes", NULL};
	char *a5[] = {"teamsprov", "-m", "", NULL};
	char **all[] = {a1, a2, a3, a4, a5};
	struct tp_globals g;
	char **cargv, *err;
	int cargc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_int_equal(parse(all[i], &g, &cargc, &cargv, &err), -1);
		assert_non_null(err);
		assert_null(cargv);
		free(err);
	}
}

static void test_find(void **state)
{
	(void)state;
	assert_non_null(cli_find(tp_commands, "validate"));
	assert_null(cli_find(tp_commands, "valid"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globals_anywhere),
		cmocka_unit_test(test_dashdash),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
