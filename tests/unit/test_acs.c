/*
 * Unit tests: acs (ACS assignment paths, bodies, answers, comparison and
 * error messages).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acs.h"
#include "redact.h"
#include "util.h"

#define C1 "1bfa671a-dc6b-47f3-8940-45c0f1af0fa6"
#define C2 "2bfa671a-dc6b-47f3-8940-45c0f1af0fa6"

static void test_path_and_body(void **state)
{
	char *ids[] = {C1, C2};
	char *s;

	(void)state;
	s = acs_assignment_path("2025-06-30", "T", "O");
	assert_string_equal(s, "/access/teamsExtension/tenants/T/assignments/"
			       "O?api-version=2025-06-30");
	free(s);
	s = acs_put_body("user", ids, 2);
	assert_string_equal(s, "{\"principalType\":\"user\",\"clientIds\":"
			       "[\"" C1 "\",\"" C2 "\"]}");
	free(s);
	s = acs_put_body("teamsResourceAccount", NULL, 0);
	assert_string_equal(s, "{\"principalType\":\"teamsResourceAccount\","
			       "\"clientIds\":[]}");
	free(s);
}

static void test_parse_compare(void **state)
{
	static const char body[] =
		"{\"objectId\":\"o\",\"tenantId\":\"t\",\"principalType\":"
		"\"resourceAccount\",\"clientIds\":[\"" C2 "\",\"" C1 "\"]}";
	char *want[] = {C1, "2BFA671A-DC6B-47F3-8940-45C0F1AF0FA6", C1};
	struct acs_assignment a;
	char *t;

	(void)state;
	assert_int_equal(acs_assignment_parse(body, strlen(body), &a), 0);
	assert_string_equal(a.tenant_id, "t");
	assert_string_equal(a.object_id, "o");
	assert_int_equal(a.n_client_ids, 2);
	/* a set, case-insensitive, repeats ignored; both resource account
	 * spellings are one type */
	assert_int_equal(acs_compare("teamsResourceAccount", want, 3, &a),
			 ACS_SAME);
	assert_int_equal(acs_compare("resourceAccount", want, 3, &a),
			 ACS_SAME);
	assert_int_equal(acs_compare("user", want, 3, &a),
			 ACS_DIFF_PRINCIPAL);
	assert_int_equal(acs_compare("resourceAccount", want, 1, &a),
			 ACS_DIFF_CLIENTS);
	assert_int_equal(acs_compare("user", NULL, 0, &a),
			 ACS_DIFF_PRINCIPAL | ACS_DIFF_CLIENTS);
	t = acs_diff_text(ACS_DIFF_CLIENTS, "user", want, 1, &a);
	assert_string_equal(t, "clientIds differ (live: \"" C1 ";" C2
			       "\", manifest: \"" C1 "\")");
	free(t);
	t = acs_diff_text(ACS_DIFF_PRINCIPAL, "user", want, 1, &a);
	assert_string_equal(t, "principalType differs (live: "
			       "\"resourceAccount\", manifest: user)");
	free(t);
	acs_assignment_release(&a);

	assert_int_equal(acs_assignment_parse("{\"principalType\":\"user\"}",
					      26, &a),
			 0);
	assert_int_equal(a.n_client_ids, 0);
	assert_null(a.tenant_id);
	acs_assignment_release(&a);
	assert_int_equal(acs_assignment_parse("{}", 2, &a), -1);
	assert_int_equal(acs_assignment_parse("nope", 4, &a), -1);
	assert_int_equal(acs_assignment_parse("{\"principalType\":\"user\","
					      "\"clientIds\":[1]}",
					      42, &a),
			 -1);
	assert_int_equal(acs_assignment_parse("{\"principalType\":\"user\","
					      "\"clientIds\":\"x\"}",
					      44, &a),
			 -1);
}

static void test_judge(void **state)
{
	static const char user[] = "{\"principalType\":\"user\","
				   "\"clientIds\":[\"" C1 "\"]}";
	char *ids[] = {C1}, *other[] = {C2}, *why;
	size_t n = strlen(user);

	(void)state;
	/* present rows */
	assert_int_equal(acs_judge(0, "user", ids, 1, 200, user, n, &why), 1);
	assert_null(why);
	assert_int_equal(acs_judge(0, "user", other, 1, 200, user, n, &why),
			 0);
	assert_non_null(strstr(why, "clientIds differ"));
	free(why);
	assert_int_equal(acs_judge(0, "user", ids, 1, 404, "", 0, &why), 0);
	assert_string_equal(why, "assignment missing");
	free(why);
	/* absent rows */
	assert_int_equal(acs_judge(1, "user", ids, 1, 404, "", 0, &why), 1);
	assert_null(why);
	assert_int_equal(acs_judge(1, "user", ids, 1, 200, user, n, &why), 0);
	assert_string_equal(why, "present where the manifest says absent");
	free(why);
	/* neither */
	assert_int_equal(acs_judge(0, "user", ids, 1, 500, "", 0, &why), -1);
	assert_null(why);
	assert_int_equal(acs_judge(0, "user", ids, 1, 200, "{}", 2, &why), -1);
	assert_int_equal(acs_judge(1, "user", ids, 1, 200, "x", 1, &why), -1);
}

static void test_error_message(void **state)
{
	struct http_request req;
	struct http_response res;
	char *m;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.url = "http://127.0.0.1:1/access/x?api-version=2025-06-30";
	http_response_init(&res);
	res.status = 401;
	buf_adds(&res.body, "{\"error\":{\"code\":\"Denied\",\"message\":"
			    "\"the signature does not match\"}}");
	m = acs_error_message(&req, &res);
	assert_string_equal(m, "HTTP 401 from PUT /access/x: \"Denied\" "
			       "\"the signature does not match\"");
	free(m);
	/* a secret in the message is masked */
	redact_add("hunter2-secret");
	buf_reset(&res.body);
	buf_adds(&res.body, "{\"error\":{\"code\":\"BadRequest\",\"message\":"
			    "\"key hunter2-secret\"}}");
	m = acs_error_message(&req, &res);
	assert_null(strstr(m, "hunter2"));
	assert_non_null(strstr(m, "BadRequest"));
	free(m);
	redact_remove("hunter2-secret");
	/* not an ACS error body: the plain status message */
	buf_reset(&res.body);
	buf_adds(&res.body, "oops");
	res.status = 500;
	m = acs_error_message(&req, &res);
	assert_non_null(strstr(m, "HTTP 500"));
	free(m);
	http_response_release(&res);
	assert_non_null(strstr(acs_refusal_hint(1), "clock"));
	assert_non_null(strstr(acs_refusal_hint(0), "token"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_and_body),
	    cmocka_unit_test(test_parse_compare),
	    cmocka_unit_test(test_judge),
	    cmocka_unit_test(test_error_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
