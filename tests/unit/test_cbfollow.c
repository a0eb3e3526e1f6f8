/*
 * Unit tests: cbfollow's request bodies (the MSAL nesting of each
 * /provisioning call) and the documented roles error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "cbfollow.h"

static const char msal[] =
	"{\"accessToken\":\"tok\",\"userInfo\":{\"tenantId\":\"t-1\"}}";

/* The accessToken found by following depth "authenticationResult"s. */
static const char *token_at(cJSON *o, int depth)
{
	while (depth-- > 0)
		o = cJSON_GetObjectItemCaseSensitive(o, "authenticationResult");
	o = cJSON_GetObjectItemCaseSensitive(o, "accessToken");
	return cJSON_IsString(o) ? o->valuestring : NULL;
}

static void test_nesting(void **state)
{
	char *b;
	cJSON *o;

	(void)state;
	b = cbfollow_body_app_consent(msal);
	o = cJSON_Parse(b);
	assert_string_equal(token_at(o, 2), "tok");
	assert_null(token_at(o, 1));
	assert_int_equal(cJSON_GetArraySize(o), 1);
	cJSON_Delete(o);
	free(b);

	b = cbfollow_body_tenant_admin(msal);
	o = cJSON_Parse(b);
	assert_string_equal(token_at(o, 1), "tok");
	assert_int_equal(cJSON_GetArraySize(o), 1);
	cJSON_Delete(o);
	free(b);

	b = cbfollow_body_em_by_reseller(msal, 54, "t-1");
	o = cJSON_Parse(b);
	assert_string_equal(token_at(o, 1), "tok");
	assert_int_equal(
		(int)cJSON_GetObjectItemCaseSensitive(o, "resellerId")->valuedouble,
		54);
	assert_string_equal(
		cJSON_GetObjectItemCaseSensitive(o, "tenantId")->valuestring,
		"t-1");
	cJSON_Delete(o);
	free(b);

	assert_null(cbfollow_body_app_consent("[1]"));
	assert_null(cbfollow_body_tenant_admin("not json"));
}

static void test_roles_error(void **state)
{
	static const char body[] =
		"{\"message\":\"Unable to complete the consent process as the "
		"Roles Teams/Skype Administrator could not be found in the "
		"Tenant. Please enable the Roles\"}";

	(void)state;
	assert_true(cbfollow_roles_error(400, body, strlen(body)));
	assert_false(cbfollow_roles_error(200, body, strlen(body)));
	assert_false(cbfollow_roles_error(500, body, strlen(body)));
	assert_false(cbfollow_roles_error(400, "{\"error\":\"other\"}", 17));
	assert_false(cbfollow_roles_error(400, NULL, 0));
	/* a cut body does not match */
	assert_false(cbfollow_roles_error(400, body, 80));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_roles_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
