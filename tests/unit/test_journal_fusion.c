/*
 * Unit tests: journal_fusion (the Fusion rows of the state file).
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

#include "journal_fusion.h"
#include "util.h"

static char dir[64];
static char *path;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tp-jfusion.XXXXXX");
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

#define TEN "27B418D0-b197-483d-a0b8-da90407a92c4"

struct walk {
	int n;
	int64_t subs[8];
	int stop_at;
};

static int walk(const struct jr_wizard *w, void *arg)
{
	struct walk *k = arg;

	k->subs[k->n++] = w->subscription;
	return k->stop_at && k->n == k->stop_at ? 7 : 0;
}

static void test_put_get(void **state)
{
	struct journal *j;
	struct jr_wizard w, got;
	char *err;

	(void)state;
	assert_int_equal(journal_open(path, JOURNAL_WRITE, &j, &err), 0);
	assert_int_equal(journal_get_wizard(j, TEN, 1, &got), 1);
	assert_null(got.tenant);
	memset(&w, 0, sizeof(w));
	w.tenant = TEN;
	w.subscription = INT64_C(3000000000);
	w.enterprise = "Acme";
	w.status = JR_WIZ_RUNNING;
	w.transaction_id = "214964";
	w.steps_total = 6;
	w.steps_done = 2;
	w.steps_json = "[{\"name\":\"1\",\"executed\":true,\"text\":null}]";
	w.started_at = 1234;
	w.application_id = "c035894c-81c3-49aa-8e3e-f245d9b3b846";
	w.secret_fp = "ab";
	assert_int_equal(journal_put_wizard(j, &w), 0);
	/* the tenant is compared case-insensitively */
	assert_int_equal(journal_get_wizard(j, "27b418d0-B197-483D-A0B8-"
					       "DA90407A92C4",
					    INT64_C(3000000000), &got),
			 0);
	assert_string_equal(got.tenant, TEN);
	assert_int_equal(got.status, JR_WIZ_RUNNING);
	assert_string_equal(got.transaction_id, "214964");
	assert_int_equal(got.steps_total, 6);
	assert_int_equal(got.steps_done, 2);
	assert_string_equal(got.steps_json, w.steps_json);
	assert_int_equal(got.started_at, 1234);
	assert_true(got.updated_at > 0);
	assert_null(got.message);
	assert_null(got.draas_instance);
	assert_string_equal(got.secret_fp, "ab");
	assert_string_equal(got.enterprise, "Acme");
	jr_wizard_release(&got);
	assert_null(got.tenant);
	/* replace */
	w.status = JR_WIZ_FAILED;
	w.message = "Step 3 failed";
	assert_int_equal(journal_put_wizard(j, &w), 0);
	assert_int_equal(journal_get_wizard(j, TEN, INT64_C(3000000000), &got),
			 0);
	assert_int_equal(got.status, JR_WIZ_FAILED);
	assert_string_equal(got.message, "Step 3 failed");
	jr_wizard_release(&got);
	assert_int_equal(journal_forget_wizard(j, TEN, INT64_C(3000000000)),
			 0);
	assert_int_equal(journal_forget_wizard(j, TEN, INT64_C(3000000000)),
			 1);
	journal_close(j);
}

static void test_each(void **state)
{
	struct journal *j;
	struct jr_wizard w;
	struct walk k;
	char *err;
	int i;

	(void)state;
	assert_int_equal(journal_open(path, JOURNAL_WRITE, &j, &err), 0);
	memset(&w, 0, sizeof(w));
	w.tenant = TEN;
	for (i = 5; i >= 1; i--) {
		w.subscription = i;
		w.enterprise = i % 2 ? "Acme" : NULL;
		w.link_to = i == 4 ? 1 : 0;
		assert_int_equal(journal_put_wizard(j, &w), 0);
	}
	memset(&k, 0, sizeof(k));
	assert_int_equal(journal_each_wizard(j, NULL, walk, &k), 0);
	assert_int_equal(k.n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(k.subs[i], i + 1);
	memset(&k, 0, sizeof(k));
	assert_int_equal(journal_each_wizard(j, "ACME", walk, &k), 0);
	assert_int_equal(k.n, 3);
	assert_int_equal(k.subs[1], 3);
	memset(&k, 0, sizeof(k));
	k.stop_at = 2;
	assert_int_equal(journal_each_wizard(j, NULL, walk, &k), 7);
	assert_int_equal(k.n, 2);
	journal_close(j);
	/* read-only opening sees them */
	assert_int_equal(journal_open(path, JOURNAL_READ, &j, &err), 0);
	memset(&k, 0, sizeof(k));
	assert_int_equal(journal_each_wizard(j, NULL, walk, &k), 0);
	assert_int_equal(k.n, 5);
	journal_close(j);
}

static void test_names_and_fp(void **state)
{
	char fp[JR_FP_SIZE];

	(void)state;
	assert_string_equal(jr_wiz_status_name(JR_WIZ_NONE), "none");
	assert_string_equal(jr_wiz_status_name(JR_WIZ_STARTING), "starting");
	assert_string_equal(jr_wiz_status_name(JR_WIZ_RUNNING), "running");
	assert_string_equal(jr_wiz_status_name(JR_WIZ_DONE), "done");
	assert_string_equal(jr_wiz_status_name(JR_WIZ_FAILED), "failed");
	jr_secret_fingerprint("banana", fp);
	assert_string_equal(fp, "b493d48364afe44d11c0165cf470a4164d1e2609911ef"
				"998be868d46ade3de4e");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each, setup, teardown),
		cmocka_unit_test(test_names_and_fp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
