/*
 * Unit tests: sim_route (the route table, path parameters, methods, API of
 * unknown paths, exempt routes) and query/form decoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

static void expect_route(const char *method, const char *path,
                         enum sim_route_id want, enum sim_api api, int nparam)
{
	struct sim_match m;

	sim_route(method, path, &m);
	assert_int_equal(m.route, want);
	assert_int_equal(m.api, api);
	assert_int_equal(m.nparam, nparam);
	sim_match_release(&m);
}

static void test_c2t(void **state)
{
	struct sim_match m;

	(void)state;
	expect_route("POST", "/oauth/token", SIM_R_C2T_TOKEN, SIM_API_C2T, 0);
	expect_route("PUT", "/reseller/getAuthenticatedUser",
	             SIM_R_C2T_AUTH_USER, SIM_API_C2T, 0);
	expect_route("POST", "/reseller/newEnterprise",
	             SIM_R_C2T_NEW_ENTERPRISE, SIM_API_C2T, 0);
	expect_route("GET", "/reseller/v3/getEnterprisesForReseller",
	             SIM_R_C2T_LIST_ENTERPRISES, SIM_API_C2T, 0);
	sim_route("GET",
	          "/reseller/getAvailableSBCGatewayRegionsByResellerId/54", &m);
	assert_int_equal(m.route, SIM_R_C2T_SBC);
	assert_string_equal(m.param[0], "54");
	sim_match_release(&m);
	sim_route("POST", "/provisioning/updateAppConsent/UserSync", &m);
	assert_int_equal(m.route, SIM_R_C2T_APP_CONSENT);
	assert_string_equal(m.param[0], "UserSync");
	sim_match_release(&m);
	/* an empty segment is not a parameter */
	expect_route("POST", "/provisioning/updateAppConsent/", SIM_R_NOT_FOUND,
	             SIM_API_C2T, 0);
	expect_route("GET", "/reseller/newEnterprise", SIM_R_BAD_METHOD,
	             SIM_API_C2T, 0);
	expect_route("GET", "/", SIM_R_NOT_FOUND, SIM_API_C2T, 0);
}

static void test_fusion_acs_sim(void **state)
{
	struct sim_match m;

	(void)state;
	sim_route("GET",
	          "/api/v01/draas/draas_v1/tenants/abc/subscriptions/7/"
	          "msteams/wizard",
	          &m);
	assert_int_equal(m.route, SIM_R_F_WIZARD_GET);
	assert_int_equal(m.api, SIM_API_FUSION);
	assert_int_equal(m.nparam, 3);
	assert_string_equal(m.param[0], "draas_v1");
	assert_string_equal(m.param[1], "abc");
	assert_string_equal(m.param[2], "7");
	sim_match_release(&m);
	expect_route(
	    "POST", "/api/v01/draas/x/tenants/y/subscriptions/1/msteams/wizard",
	    SIM_R_F_WIZARD_POST, SIM_API_FUSION, 3);
	expect_route("POST",
	             "/api/v01/draas/x/tenants/y/subscriptions/1/downloads/"
	             "create_app",
	             SIM_R_F_CREATE_APP, SIM_API_FUSION, 3);
	expect_route("GET", "/api/v01/nothing", SIM_R_NOT_FOUND, SIM_API_FUSION,
	             0);
	expect_route("PUT", "/access/teamsExtension/tenants/a/assignments/b",
	             SIM_R_ACS_PUT, SIM_API_ACS, 2);
	expect_route("PATCH", "/access/teamsExtension/tenants/a/assignments/b",
	             SIM_R_BAD_METHOD, SIM_API_ACS, 0);
	expect_route("GET", "/access/other", SIM_R_NOT_FOUND, SIM_API_ACS, 0);
	expect_route("GET", "/_sim/click/abc", SIM_R_SIM_CLICK, SIM_API_SIM, 1);
	expect_route("GET", "/_sim/stats", SIM_R_SIM_STATS, SIM_API_SIM, 0);
}

static void test_names_and_exempt(void **state)
{
	int r;

	(void)state;
	assert_string_equal(sim_route_name(SIM_R_C2T_NEW_ENTERPRISE),
	                    "c2t.newEnterprise");
	assert_string_equal(sim_route_name(SIM_R_NOT_FOUND), "not_found");
	for (r = 0; r < SIM_R_N; r++)
		assert_string_not_equal(sim_route_name((enum sim_route_id)r),
		                        "unknown");
	assert_true(sim_route_exempt(SIM_R_C2T_TOKEN));
	assert_true(sim_route_exempt(SIM_R_F_LOGIN));
	assert_true(sim_route_exempt(SIM_R_F_REFRESH));
	assert_true(sim_route_exempt(SIM_R_SIM_STATS));
	assert_true(sim_route_exempt(SIM_R_SIM_CLICK));
	assert_false(sim_route_exempt(SIM_R_C2T_NEW_ENTERPRISE));
	assert_false(sim_route_exempt(SIM_R_F_WIZARD_GET));
	assert_false(sim_route_exempt(SIM_R_ACS_PUT));
	assert_false(sim_route_exempt(SIM_R_NOT_FOUND));
}

static void test_query(void **state)
{
	char *v;

	(void)state;
	v = sim_query_get("a=1&resellerId=54&b", "resellerId");
	assert_string_equal(v, "54");
	free(v);
	v = sim_query_get("a=1&b", "b");
	assert_string_equal(v, "");
	free(v);
	assert_null(sim_query_get("a=1", "resellerid"));
	assert_null(sim_query_get("", "a"));
	v = sim_query_get("username=a%40b.c&password=p+w%26x", "password");
	assert_string_equal(v, "p w&x");
	free(v);
	v = sim_query_get("api%2Dversion=2025-06-30", "api-version");
	assert_string_equal(v, "2025-06-30");
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c2t),
	    cmocka_unit_test(test_fusion_acs_sim),
	    cmocka_unit_test(test_names_and_exempt),
	    cmocka_unit_test(test_query),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
