/*
 * Unit tests: secret (env, file with mode check, command, wiping).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "secret.h"
#include "util.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tp-secret.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	return rc;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	free(p);
}

static void test_parse(void **state)
{
	struct secret_ref r;
	char *err = NULL;

	(void)state;
	secret_ref_init(&r);
	assert_int_equal(secret_ref_parse("env:APP_1", &r, &err), 0);
	assert_int_equal(r.kind, SECRET_ENV);
	assert_string_equal(r.name, "APP_1");
	assert_int_equal(secret_ref_parse("file:s/app.secret", &r, &err), 0);
	assert_int_equal(r.kind, SECRET_FILE);
	assert_int_equal(secret_ref_parse("i6k8Q~e326mrm", &r, &err), -1);
	/* The message never repeats what may be a pasted secret. */
	assert_null(strstr(err, "i6k8Q"));
	free(err);
	assert_int_equal(secret_ref_parse("env:1BAD", &r, &err), -1);
	free(err);
	assert_int_equal(secret_ref_parse("file:", &r, &err), -1);
	free(err);
	secret_ref_release(&r);
}

static void test_env(void **state)
{
	struct secret_ref r;
	char *v, *err;

	(void)state;
	secret_ref_init(&r);
	secret_ref_set(&r, SECRET_ENV, "TP_TEST_SECRET");
	setenv("TP_TEST_SECRET", "s3cret", 1);
	assert_int_equal(secret_read(&r, NULL, NULL, &v, &err), 0);
	assert_string_equal(v, "s3cret");
	secret_free(v);
	assert_int_equal(secret_check(&r, NULL, &err), 0);
	unsetenv("TP_TEST_SECRET");
	assert_int_equal(secret_read(&r, NULL, NULL, &v, &err), -1);
	assert_non_null(strstr(err, "TP_TEST_SECRET"));
	free(err);
	assert_int_equal(secret_check(&r, NULL, &err), -1);
	free(err);
	secret_ref_release(&r);
}

static void test_file(void **state)
{
	struct secret_ref r;
	char *v, *err;

	(void)state;
	secret_ref_init(&r);
	write_file("ok", "abc\n", 0600);
	write_file("open", "abc\n", 0644);
	write_file("empty", "\n", 0600);
	secret_ref_set(&r, SECRET_FILE, "ok");
	assert_int_equal(secret_read(&r, dir, NULL, &v, &err), 0);
	assert_string_equal(v, "abc"); /* trailing newline removed */
	secret_free(v);
	secret_ref_set(&r, SECRET_FILE, "open");
	assert_int_equal(secret_read(&r, dir, NULL, &v, &err), -1);
	assert_non_null(strstr(err, "group or others"));
	free(err);
	assert_int_equal(secret_check(&r, dir, &err), -1);
	free(err);
	secret_ref_set(&r, SECRET_FILE, "empty");
	assert_int_equal(secret_read(&r, dir, NULL, &v, &err), -1);
	free(err);
	secret_ref_set(&r, SECRET_FILE, "missing");
	assert_int_equal(secret_check(&r, dir, &err), -1);
	free(err);
	secret_ref_release(&r);
}

static void test_cmd(void **state)
{
	const char *args[] = {"Acme; rm -rf /", "42", NULL};
	struct secret_ref r;
	char *v, *err;

	(void)state;
	secret_ref_init(&r);
	/* Arguments arrive as data, never re-parsed by the shell. */
	secret_ref_set(&r, SECRET_CMD, "printf 'tok-%s-%s\\n'");
	assert_int_equal(secret_read(&r, NULL, args, &v, &err), 0);
	assert_string_equal(v, "tok-Acme; rm -rf /-42");
	secret_free(v);
	secret_ref_set(&r, SECRET_CMD, "exit 3");
	assert_int_equal(secret_read(&r, NULL, NULL, &v, &err), -1);
	assert_non_null(strstr(err, "status 3"));
	free(err);
	secret_ref_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_cmd),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
