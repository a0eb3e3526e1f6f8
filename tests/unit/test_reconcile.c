/*
 * Unit tests: reconcile (manifest against journal).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reconcile.h"
#include "util.h"

static void put_action(struct journal *j, const char *type,
		       enum jr_act_status st, int64_t issued)
{
	struct jr_action a;

	memset(&a, 0, sizeof(a));
	a.enterprise = "Acme";
	a.action = (char *)type;
	a.status = st;
	a.url = "https://x.test/u";
	a.issued_at = issued;
	assert_int_equal(journal_put_action(j, &a), 0);
}

static void test_reconcile(void **state)
{
	char dir[] = "/tmp/tp-rc.XXXXXX", *path, *err, *cmd;
	struct journal *j;
	struct mf_enterprise e;
	struct jr_enterprise je;
	struct rc_options o;
	struct rc_enterprise r;
	const int64_t day = 86400000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/s.db", dir);
	assert_int_equal(journal_open(path, JOURNAL_WRITE, &j, &err), 0);
	memset(&e, 0, sizeof(e));
	e.name = "Acme";
	e.services = MF_SVC_SMS; /* REGISTRATION, UserSync, Agent */
	memset(&o, 0, sizeof(o));
	o.now_ms = 100 * day;
	o.max_age_ms = 7 * day;

	/* Unknown to the journal: create, then every URL. */
	assert_int_equal(rc_enterprise(j, &e, &o, &r), 0);
	assert_true(r.create);
	assert_int_equal(r.n_need, 3);
	assert_int_equal(r.n_urls, 3);

	memset(&je, 0, sizeof(je));
	je.name = "ACME";
	je.status = JR_ENT_CREATED;
	je.id = 7;
	je.tenant_admin_api = -1;
	assert_int_equal(journal_put_enterprise(j, &je), 0);
	put_action(j, "REGISTRATION", JR_ACT_ISSUED, 99 * day);
	put_action(j, "GET_USER_SYNC_CONSENT", JR_ACT_ISSUED, 90 * day);
	put_action(j, "GET_AGENT_CONSENT", JR_ACT_GRANTED, 1);
	assert_int_equal(rc_enterprise(j, &e, &o, &r), 0);
	assert_false(r.create);
	assert_int_equal(r.url[0], RC_URL_NONE);    /* fresh */
	assert_int_equal(r.url[1], RC_URL_EXPIRED); /* ten days old */
	assert_int_equal(r.url[2], RC_URL_NONE);    /* granted */
	assert_int_equal(r.n_urls, 1);

	put_action(j, "GET_AGENT_CONSENT", JR_ACT_ERROR, 99 * day);
	assert_int_equal(rc_enterprise(j, &e, &o, &r), 0);
	assert_int_equal(r.url[2], RC_URL_NONE); /* error: only --refresh */
	o.refresh = true;
	assert_int_equal(rc_enterprise(j, &e, &o, &r), 0);
	assert_int_equal(r.n_urls, 3);
	assert_int_equal(r.url[2], RC_URL_REFRESH);

	/* --action: one type, at the matrix's level when in it. */
	o.refresh = false;
	o.only_action = "LOGIN_ENTERPRISE_ADMIN";
	assert_int_equal(rc_enterprise(j, &e, &o, &r), 0);
	assert_int_equal(r.n_need, 1);
	assert_int_equal(r.need[0].req, ACT_ON_DEMAND);
	assert_int_equal(r.url[0], RC_URL_NEW);

	assert_true(rc_selected(NULL, 0, "x"));
	{
		const char *only[] = {"acme"};
		assert_true(rc_selected(only, 1, "ACME"));
		assert_false(rc_selected(only, 1, "Beta"));
	}
	journal_close(j);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reconcile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
