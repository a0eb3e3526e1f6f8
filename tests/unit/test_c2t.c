/*
 * Unit tests: c2t (request bodies and every accepted answer shape),
 * actions (the matrix of spec §4) and cbtoken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "actions.h"
#include "c2t.h"
#include "cbtoken.h"

#define S(x) x, strlen(x)

static void test_lists(void **state)
{
	struct c2t_list l;
	char *err = NULL;

	(void)state;
	assert_int_equal(c2t_parse_sbc_list(S("[{\"sbcGatewayId\": 5678, "
					      "\"sbcGatewayRegion\": "
					      "\"US-East\"}]"),
					    &l, &err),
			 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(c2t_list_find(&l, "us-east")->name, "US-East");
	assert_true(c2t_list_find_id(&l, 5678) != NULL);
	c2t_list_release(&l);

	assert_int_equal(c2t_parse_pbx_list(S("[{\"id\":1,\"pbxName\":\"A\","
					      "\"isDisabled\":true},{\"id\":2,"
					      "\"pbxName\":\"B\"}]"),
					    &l, &err),
			 0);
	assert_true(c2t_list_find(&l, "A")->disabled);
	assert_false(c2t_list_find(&l, "B")->disabled);
	c2t_list_release(&l);

	/* Both shapes of the enterprise list, ids above 2^32. */
	assert_int_equal(c2t_parse_enterprise_list(
				 S("[{\"enterpriseName\":\"X\","
				   "\"enterpriseId\":5000000001}]"),
				 &l, &err),
			 0);
	assert_true(l.v[0].id == INT64_C(5000000001));
	c2t_list_release(&l);
	assert_int_equal(c2t_parse_enterprise_list(
				 S("{\"_embedded\":{\"enterprises\":[{"
				   "\"enterpriseName\":\"Y\",\"enterpriseId\":"
				   "7}]},\"page\":{}}"),
				 &l, &err),
			 0);
	assert_string_equal(l.v[0].name, "Y");
	c2t_list_release(&l);

	assert_int_equal(c2t_parse_sbc_list(S("{\"oops\":1}"), &l, &err), -1);
	free(err);
	assert_int_equal(c2t_parse_sbc_list(S("[{\"sbcGatewayId\":1}]"), &l,
					    &err),
			 -1);
	free(err);
	assert_int_equal(c2t_parse_sbc_list(S("not json"), &l, &err), -1);
	free(err);
}

static void test_new_enterprise(void **state)
{
	struct mf_enterprise e;
	int64_t sbc[] = {5678}, id;
	char *body;
	cJSON *o;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.name = "Acme \"Q\"";
	e.services = MF_SVC_PBX | MF_SVC_SMS;
	e.country = "Belgium";
	e.federated = MF_FALSE;
	body = c2t_new_enterprise_body(&e, sbc, 1, NULL, 0, 54);
	o = cJSON_Parse(body);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "enterpriseName")
				    ->valuestring,
			    "Acme \"Q\"");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "services")),
			 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "pbxId")),
			 0); /* required: present even when empty */
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "restrictAdminAccess")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "federated")));
	assert_null(cJSON_GetObjectItem(o, "userLimit"));
	assert_null(cJSON_GetObjectItem(o, "pbxMOH")); /* unset: left out */
	cJSON_Delete(o);
	free(body);

	assert_int_equal(c2t_parse_new_enterprise(S("123456789\n"), &id), 0);
	assert_true(id == 123456789);
	assert_int_equal(c2t_parse_new_enterprise(S("9007199254740993"), &id),
			 0);
	assert_true(id == INT64_C(9007199254740993)); /* exact above 2^53 */
	assert_int_equal(c2t_parse_new_enterprise(S("{\"enterpriseId\":42}"),
						  &id),
			 0);
	assert_int_equal(c2t_parse_new_enterprise(S("\"ok\""), &id), -1);

	assert_true(c2t_already_exists(409, S("")));
	assert_true(c2t_already_exists(400, S("Enterprise ALREADY EXISTS")));
	assert_false(c2t_already_exists(400, S("bad request")));
	assert_false(c2t_already_exists(500, S("already exists")));
}

static void test_action_url(void **state)
{
	char *url, *b;

	(void)state;
	assert_int_equal(c2t_parse_action_url(S("https://login.example/x?a=b "
						"c&d\n"),
					      &url),
			 0);
	assert_string_equal(url, "https://login.example/x?a=b c&d");
	free(url);
	assert_int_equal(c2t_parse_action_url(S("\"https://x.test/y\""), &url),
			 0);
	assert_string_equal(url, "https://x.test/y");
	free(url);
	assert_int_equal(c2t_parse_action_url(S("{\"url\":\"https://z.test\"}"),
					      &url),
			 0);
	free(url);
	assert_int_equal(c2t_parse_action_url(S("javascript:alert(1)"), &url),
			 -1);
	assert_int_equal(c2t_parse_action_url(S(""), &url), -1);
	b = c2t_action_body("REGISTRATION", "A", "https://cb/x");
	assert_string_equal(b, "{\"actionType\":\"REGISTRATION\","
			       "\"enterpriseName\":\"A\",\"redirectUrl\":"
			       "\"https://cb/x\"}");
	free(b);
}

static int has(const struct act_need *n, size_t k, const char *type,
	       enum act_requirement r)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (strcmp(n[i].def->type, type) == 0)
			return n[i].req == r;
	return 0;
}

static void test_matrix(void **state)
{
	struct act_need n[ACT_MAX];
	size_t k;

	(void)state;
	/* SMS only, consents "none": registration and the two always. */
	k = act_needed(MF_SVC_SMS, 0, n);
	assert_int_equal(k, 3);
	assert_string_equal(n[0].def->type, "REGISTRATION");
	assert_true(has(n, k, "GET_USER_SYNC_CONSENT", ACT_MANDATORY));
	assert_true(has(n, k, "GET_AGENT_CONSENT", ACT_MANDATORY));
	/* Every calling service needs Presence. */
	k = act_needed(MF_SVC_TRUNK, 0, n);
	assert_true(has(n, k, "GET_PRESENCE_CONSENT", ACT_MANDATORY));
	k = act_needed(MF_SVC_CALLAPP | MF_SVC_CALLRECORDING,
		       MF_CONSENT_ENTERPRISE_MANAGEMENT | MF_CONSENT_CDR |
			       MF_CONSENT_CONTACTS,
		       n);
	assert_int_equal(k, 9);
	assert_true(has(n, k, "GET_CALL_APP_CONSENT", ACT_MANDATORY));
	assert_true(has(n, k, "GET_CALL_RECORDING_CONSENT", ACT_MANDATORY));
	assert_true(has(n, k, "GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT",
			ACT_RECOMMENDED));
	assert_true(has(n, k, "GET_CDR_CONSENT", ACT_OPTIONAL));
	assert_false(has(n, k, "LOGIN_ENTERPRISE_ADMIN", ACT_ON_DEMAND));
	assert_string_equal(act_find("GET_CALL_APP_CONSENT")->consent,
			    "Valet");
	assert_null(act_find("REGISTRATION")->consent);
	assert_null(act_find("get_cdr_consent"));
}

static void test_cbtoken(void **state)
{
	char t1[CBTOKEN_LEN + 1], h1[CBTOKEN_HASH_LEN + 1];
	char t2[CBTOKEN_LEN + 1], h2[CBTOKEN_HASH_LEN + 1], h[65];

	(void)state;
	assert_int_equal(cbtoken_new(t1, h1), 0);
	assert_int_equal(cbtoken_new(t2, h2), 0);
	assert_string_not_equal(t1, t2);
	assert_true(cbtoken_valid(t1));
	assert_int_equal(strlen(h1), 64);
	cbtoken_hash(t1, h);
	assert_string_equal(h, h1);
	assert_false(cbtoken_valid("short"));
	assert_false(cbtoken_valid("aaaaaaaaaaaaaaaaaaaaa+"));
	cbtoken_hash("abc", h); /* SHA-256("abc") */
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177"
			       "a9cb410ff61f20015ad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_new_enterprise),
		cmocka_unit_test(test_action_url),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_cbtoken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
