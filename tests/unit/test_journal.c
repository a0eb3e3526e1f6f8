/*
 * Unit tests: journal (SQLite state file, lock).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "util.h"

static char dir[64];
static char *path;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tp-journal.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	path = xasprintf("%s/state.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	free(path);
	return rc;
}

static int count(const struct jr_enterprise *e, void *arg)
{
	(void)e;
	++*(int *)arg;
	return 0;
}

static void test_enterprises(void **state)
{
	struct journal *j;
	struct jr_enterprise e = {0}, got;
	char *err;
	int n = 0;

	(void)state;
	assert_int_equal(journal_open(path, JOURNAL_WRITE, &j, &err), 0);
	e.name = "Acme Corp";
	e.status = JR_ENT_CREATED;
	e.id = INT64_C(5000000123); /* above 2^32: no truncation */
	e.idem_key = "k-1";
	e.sent = 2;
	e.ambiguous = 1;
	e.tenant_admin_api = -1;
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_int_equal(journal_get_enterprise(j, "ACME CORP", &got), 0);
	assert_string_equal(got.name, "Acme Corp");
	assert_int_equal(got.status, JR_ENT_CREATED);
	assert_true(got.id == INT64_C(5000000123));
	assert_string_equal(got.idem_key, "k-1");
	assert_int_equal(got.ambiguous, 1);
	assert_null(got.last_error);
	jr_enterprise_release(&got);
	assert_int_equal(journal_get_enterprise(j, "Nobody", &got), 1);
	e.name = "beta";
	assert_int_equal(journal_put_enterprise(j, &e), 0);
	assert_int_equal(journal_each_enterprise(j, count, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(journal_forget_enterprise(j, "BETA"), 0);
	assert_int_equal(journal_forget_enterprise(j, "beta"), 1);
	journal_close(j);

	/* Reopened read-only, the data is there. */
	assert_int_equal(journal_open(path, JOURNAL_READ, &j, &err), 0);
	assert_int_equal(journal_get_enterprise(j, "acme corp", &got), 0);
	jr_enterprise_release(&got);
	journal_close(j);
}

static void test_actions(void **state)
{
	struct journal *j;
	struct jr_action a = {0}, got;
	char *err;

	(void)state;
	assert_int_equal(journal_open(path, JOURNAL_WRITE, &j, &err), 0);
	a.enterprise = "Acme Corp";
	a.action = "REGISTRATION";
	a.status = JR_ACT_ISSUED;
	a.url = "https://example.test/x";
	a.issued_at = 1234;
	a.token_hash = "abcd";
	assert_int_equal(journal_put_action(j, &a), 0);
	assert_int_equal(journal_get_action(j, "acme corp", "REGISTRATION",
					    &got),
			 0);
	assert_int_equal(got.status, JR_ACT_ISSUED);
	assert_string_equal(got.url, "https://example.test/x");
	jr_action_release(&got);
	assert_int_equal(journal_find_action_by_token(j, "abcd", &got), 0);
	assert_string_equal(got.action, "REGISTRATION");
	jr_action_release(&got);
	assert_int_equal(journal_find_action_by_token(j, "ffff", &got), 1);
	assert_int_equal(journal_get_action(j, "acme corp", "GET_CDR_CONSENT",
					    &got),
			 1);

	/* A URL issued again replaces an issued one, not a granted one. */
	a.url = "https://example.test/y";
	assert_int_equal(journal_put_action(j, &a), 0);
	assert_int_equal(journal_get_action(j, "acme corp", "REGISTRATION",
					    &got),
			 0);
	assert_string_equal(got.url, "https://example.test/y");
	jr_action_release(&got);
	a.status = JR_ACT_GRANTED;
	assert_int_equal(journal_put_action(j, &a), 0);
	a.status = JR_ACT_ISSUED;
	a.url = "https://example.test/z";
	assert_int_equal(journal_put_action(j, &a), 0);
	assert_int_equal(journal_get_action(j, "acme corp", "REGISTRATION",
					    &got),
			 0);
	assert_int_equal(got.status, JR_ACT_GRANTED);
	assert_string_equal(got.url, "https://example.test/y");
	jr_action_release(&got);
	journal_close(j);
}

static void test_lock(void **state)
{
	int fd, fd2;
	pid_t holder;
	char *err;

	(void)state;
	assert_int_equal(journal_lock(path, &fd, &holder, &err), 0);
	assert_int_equal(journal_lock(path, &fd2, &holder, &err), 1);
	assert_int_equal(holder, getpid());
	journal_unlock(fd);
	assert_int_equal(journal_lock(path, &fd2, &holder, &err), 0);
	journal_unlock(fd2);
}

static void test_bad_file(void **state)
{
	struct journal *j;
	char *err, *p = xasprintf("%s/junk.db", dir);
	FILE *f = fopen(p, "w");

	(void)state;
	fputs("this is not a database, just some text that is long enough "
	      "to have a header that sqlite will not accept at all......",
	      f);
	fclose(f);
	assert_int_equal(journal_open(p, JOURNAL_READ, &j, &err), -1);
	assert_non_null(err);
	free(err);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enterprises),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_bad_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
