/*
 * Unit tests: journal_acs (the ACS assignment table of the state file).
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
#include <sqlite3.h>

#include "journal_acs.h"
#include "util.h"

#define T1 "87D349ED-44D7-43E1-9A83-5F2406DEE5BD"
#define O1 "E5B7F628-EA94-4FDC-B3D9-1AF1FE231111"
#define O2 "e5b7f628-ea94-4fdc-b3d9-1af1fe232222"

static char dir[64];
static char *path;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tp-jacs.XXXXXX");
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

struct seen {
	int n;
	char objects[4][64];
};

static int collect(const struct jr_acs *a, void *arg)
{
	struct seen *s = arg;

	snprintf(s->objects[s->n++ % 4], 64, "%s", a->object_id);
	return 0;
}

static int stop_at_first(const struct jr_acs *a, void *arg)
{
	(void)a;
	(void)arg;
	return 7;
}

static void test_put_get_each(void **state)
{
	struct journal *j;
	struct jr_acs a, got;
	struct seen s;
	char *err;

	(void)state;
	assert_int_equal(journal_open(path, JOURNAL_WRITE, &j, &err), 0);
	memset(&a, 0, sizeof(a));
	a.tenant_id = T1;
	a.object_id = O1;
	a.principal_type = "teamsResourceAccount";
	a.client_ids = "";
	a.present = 1;
	a.enterprise = "Acme";
	a.status = JR_ACS_CONFIRMED;
	a.confirmed_at = 1700000000000;
	assert_int_equal(journal_put_acs(j, &a), 0);
	a.object_id = O2;
	a.principal_type = "user";
	a.client_ids = "1bfa671a-dc6b-47f3-8940-45c0f1af0fa6";
	a.present = 0;
	a.enterprise = NULL;
	a.status = JR_ACS_FAILED;
	a.last_error = "HTTP 500";
	a.confirmed_at = 0;
	assert_int_equal(journal_put_acs(j, &a), 0);

	/* GUIDs in any case find the row; the row keeps them as written */
	assert_int_equal(journal_get_acs(j, "87d349ed-44d7-43e1-9a83-"
					    "5f2406dee5bd",
					 "e5b7f628-ea94-4fdc-b3d9-1af1fe231111",
					 &got),
			 0);
	assert_string_equal(got.tenant_id, T1);
	assert_string_equal(got.object_id, O1);
	assert_string_equal(got.principal_type, "teamsResourceAccount");
	assert_string_equal(got.client_ids, "");
	assert_int_equal(got.present, 1);
	assert_string_equal(got.enterprise, "Acme");
	assert_int_equal(got.status, JR_ACS_CONFIRMED);
	assert_null(got.last_error);
	assert_true(got.confirmed_at == 1700000000000);
	assert_true(got.updated_at > 0);
	jr_acs_release(&got);
	assert_int_equal(journal_get_acs(j, T1, O2, &got), 0);
	assert_int_equal(got.present, 0);
	assert_int_equal(got.status, JR_ACS_FAILED);
	assert_string_equal(got.last_error, "HTTP 500");
	assert_null(got.enterprise);
	jr_acs_release(&got);

	/* replaced, not doubled */
	a.status = JR_ACS_ABSENT_CONFIRMED;
	a.last_error = NULL;
	assert_int_equal(journal_put_acs(j, &a), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(journal_each_acs(j, NULL, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.objects[0], O1);
	assert_string_equal(s.objects[1], O2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(journal_each_acs(j, "ACME", collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(journal_each_acs(j, NULL, stop_at_first, NULL), 7);

	assert_int_equal(journal_get_acs(j, T1, "00000000-0000-0000-0000-"
					    "000000000000",
					 &got),
			 1);
	assert_null(got.tenant_id);
	assert_int_equal(journal_forget_acs(j, T1, O2), 0);
	assert_int_equal(journal_forget_acs(j, T1, O2), 1);
	journal_close(j);

	/* survives reopening, read-only too */
	assert_int_equal(journal_open(path, JOURNAL_READ, &j, &err), 0);
	assert_int_equal(journal_get_acs(j, T1, O1, &got), 0);
	assert_int_equal(got.status, JR_ACS_CONFIRMED);
	jr_acs_release(&got);
	journal_close(j);
}

static void test_names_and_lists(void **state)
{
	char *ids[] = {"B0000000-0000-0000-0000-000000000000",
		       "a0000000-0000-0000-0000-000000000000",
		       "b0000000-0000-0000-0000-000000000000"};
	char *l;

	(void)state;
	assert_string_equal(jr_acs_status_name(JR_ACS_PENDING), "pending");
	assert_string_equal(jr_acs_status_name(JR_ACS_CONFIRMED), "confirmed");
	assert_string_equal(jr_acs_status_name(JR_ACS_ABSENT_CONFIRMED),
			    "absent_confirmed");
	assert_string_equal(jr_acs_status_name(JR_ACS_FAILED), "failed");
	l = jr_acs_client_list(ids, 3);
	assert_string_equal(l, "a0000000-0000-0000-0000-000000000000;"
			       "b0000000-0000-0000-0000-000000000000");
	free(l);
	l = jr_acs_client_list(NULL, 0);
	assert_string_equal(l, "");
	free(l);
}

/* A state file from before the table: read-only callers see no rows. */
static void test_old_state_file(void **state)
{
	struct journal *j;
	struct jr_acs got;
	sqlite3 *db;
	char *err;
	int n = 0;

	(void)state;
	assert_int_equal(journal_open(path, JOURNAL_WRITE, &j, &err), 0);
	journal_close(j);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE acs_assignments;", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(journal_open(path, JOURNAL_READ, &j, &err), 0);
	assert_int_equal(journal_get_acs(j, T1, O1, &got), 1);
	assert_int_equal(journal_each_acs(j, NULL, stop_at_first, &n), 0);
	journal_close(j);
	/* and a writer brings it back */
	assert_int_equal(journal_open(path, JOURNAL_WRITE, &j, &err), 0);
	assert_int_equal(journal_get_acs(j, T1, O1, &got), 1);
	journal_close(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put_get_each),
	    cmocka_unit_test(test_names_and_lists),
	    cmocka_unit_test(test_old_state_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
