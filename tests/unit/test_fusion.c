/*
 * Unit tests: fusion (Fusion bodies, answers and the poll schedule).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fusion.h"
#include "redact.h"
#include "secret.h"

#define S(x) x, strlen(x)

static void test_paths_bodies(void **state)
{
	char *p, *b;

	(void)state;
	p = fusion_path("draas_v1", "t-1", INT64_C(3000000000),
			"msteams/wizard");
	assert_string_equal(p, "/api/v01/draas/draas_v1/tenants/t-1/"
			       "subscriptions/3000000000/msteams/wizard");
	free(p);
	b = fusion_app_body("ms", "app", "s\"ec");
	assert_string_equal(b, "{\"msTeamsTenantId\":\"ms\",\"applicationId\":"
			       "\"app\",\"secret\":\"s\\\"ec\"}");
	secret_free(b);
	b = fusion_reset_body("app", "x");
	assert_string_equal(b, "{\"applicationId\":\"app\",\"secret\":\"x\"}");
	secret_free(b);
	b = fusion_link_body(53);
	assert_string_equal(b, "{\"subscriptionId\":53}");
	free(b);
}

static void test_wizard(void **state)
{
	struct fusion_wizard w;
	char *js;
	const char *body =
		"{\"running\":true,\"wizardSteps\":[{\"step\":1,\"text\":"
		"\"Set a domain\",\"executed\":true},{\"step\":2,\"text\":"
		"\"Dummy\",\"executed\":false,\"status\":{}}]}";

	(void)state;
	assert_int_equal(fusion_parse_wizard(S(body), &w, &js), 0);
	assert_int_equal(w.running, 1);
	assert_int_equal(w.steps_total, 2);
	assert_int_equal(w.steps_done, 1);
	assert_string_equal(js, "[{\"name\":\"Step 1\",\"executed\":true,"
				"\"text\":\"Set a domain\"},{\"name\":\"Step "
				"2\",\"executed\":false,\"text\":\"Dummy\"}]");
	free(js);
	/* Text escaped as JSON (a long one too), none as null. */
	{
		struct buf b, want;
		int i;

		buf_init(&b);
		buf_init(&want);
		buf_adds(&b, "{\"running\":false,\"wizardSteps\":[{\"step\":7,"
			     "\"executed\":true,\"text\":\"a \\\"b\\\"\\n\"},"
			     "{\"executed\":true},{\"text\":\"");
		for (i = 0; i < 600; i++)
			buf_addc(&b, 'x');
		buf_adds(&b, "\"}]}");
		buf_adds(&want, "[{\"name\":\"Step 7\",\"executed\":true,"
				"\"text\":\"a \\\"b\\\"\\n\"},{\"name\":\"Step 2\","
				"\"executed\":true,\"text\":null},{\"name\":"
				"\"Step 3\",\"executed\":false,\"text\":\"");
		for (i = 0; i < 600; i++)
			buf_addc(&want, 'x');
		buf_adds(&want, "\"}]");
		assert_int_equal(fusion_parse_wizard(b.p, b.len, &w, &js), 0);
		assert_int_equal(w.steps_total, 3);
		assert_int_equal(w.steps_done, 2);
		assert_string_equal(js, want.p);
		free(js);
		buf_release(&b);
		buf_release(&want);
	}
	assert_int_equal(fusion_parse_wizard(S("{\"running\":false,"
					       "\"wizardSteps\":[]}"),
					     &w, NULL),
			 0);
	assert_int_equal(w.running, 0);
	assert_int_equal(fusion_parse_wizard(S("{\"error\":\"x\"}"), &w, &js),
			 -1);
	assert_null(js);
	assert_int_equal(fusion_parse_wizard(S("nope"), &w, NULL), -1);
	js = fusion_parse_wizard_id(S("{\"id\":214964}"));
	assert_string_equal(js, "214964");
	free(js);
	assert_null(fusion_parse_wizard_id(S("{}")));
}

static void test_errors(void **state)
{
	char *m;

	(void)state;
	m = fusion_error_message(S("{\"error\":\"Step 3 failed\"}"));
	assert_string_equal(m, "Step 3 failed");
	free(m);
	m = fusion_error_message(S("{\"error\":{\"reason\":\"no\\nway\"}}"));
	assert_string_equal(m, "no\\nway");
	free(m);
	redact_add("hunter2-secret");
	m = fusion_error_message(S("{\"error\":\"bad hunter2-secret\"}"));
	assert_string_equal(m, "bad ***");
	free(m);
	redact_remove("hunter2-secret");
	assert_null(fusion_error_message(S("{}")));
	assert_null(fusion_error_message(S("<html>")));
}

static void test_sources_vrp(void **state)
{
	const char *src = "{\"sources\":[{\"subscriptionId\":2,"
			  "\"subscriptionName\":\"Op\",\"tenantName\":\"T\"},"
			  "{\"subscriptionId\":53}]}";
	const char *vrp = "{\"status\":{\"pstn\":{\"U\":{\"detail\":\"d\","
			  "\"status\":\"already_exists\"}},\"vr\":{\"V\":{"
			  "\"detail\":\"x\",\"status\":\"error\"}},\"vrp\":{}}}";
	struct buf b;
	int bad;

	(void)state;
	assert_int_equal(fusion_sources_has(S(src), 53), 1);
	assert_int_equal(fusion_sources_has(S(src), 5), 0);
	assert_int_equal(fusion_sources_has(S("{}"), 5), -1);
	buf_init(&b);
	assert_int_equal(fusion_sources_table(S(src), &b), 0);
	assert_string_equal(b.p, "2\tOp\tT\n53\t\t\n");
	buf_reset(&b);
	assert_int_equal(fusion_vrp_table(S(vrp), &b, &bad), 0);
	assert_string_equal(b.p, "pstn\tU\talready_exists\td\n"
				 "vr\tV\terror\tx\n");
	assert_int_equal(bad, 1);
	assert_int_equal(fusion_vrp_table(S("[]"), &b, &bad), -1);
	buf_release(&b);
}

static void test_script(void **state)
{
	char *name;
	unsigned char *data;
	size_t n;

	(void)state;
	assert_int_equal(fusion_parse_script(S("{\"fileName\":\"create_app."
					       "ps1\",\"fileBody\":\"aGk=\"}"),
					     &name, &data, &n),
			 0);
	assert_string_equal(name, "create_app.ps1");
	assert_int_equal(n, 2);
	assert_memory_equal(data, "hi", 2);
	free(name);
	free(data);
	assert_int_equal(fusion_parse_script(S("{\"fileName\":\"../x\","
					       "\"fileBody\":\"aGk=\"}"),
					     &name, &data, &n),
			 0);
	assert_string_equal(name, "create_app.ps1");
	free(name);
	free(data);
	assert_int_equal(fusion_parse_script(S("{\"fileBody\":\"!!\"}"),
					     &name, &data, &n),
			 -1);
}

static void test_schedule(void **state)
{
	int64_t s = 0, sum = 0;
	int i;

	(void)state;
	assert_int_equal(fusion_poll_next(0, 5000, 1.5, 60000), 5000);
	assert_int_equal(fusion_poll_next(5000, 5000, 1.5, 60000), 7500);
	assert_int_equal(fusion_poll_next(50000, 5000, 1.5, 60000), 60000);
	assert_int_equal(fusion_poll_next(60000, 5000, 1.5, 60000), 60000);
	assert_int_equal(fusion_poll_next(0, 5000, 1.5, 2000), 2000);
	assert_int_equal(fusion_poll_next(7, 5, 0.5, 100), 7);
	/* a 60 s wizard, max 10 s: at most 10 polls until 65 s */
	for (i = 0; sum < 65000; i++)
		sum += s = fusion_poll_next(s, 5000, 1.5, 10000);
	assert_true(i <= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_bodies),
		cmocka_unit_test(test_wizard),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sources_vrp),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_schedule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
