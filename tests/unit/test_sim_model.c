/*
 * Unit tests: the simulator's model without sockets: the wizard's phase as
 * a function of time, the seeded fault generator, tokens, the CSV lists,
 * and handlers driven through sim_handle() down to the stats JSON.
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

#include "acssign.h"
#include "clock.h"
#include "sim_data.h"
#include "sim_state.h"

#define S TP_NS_PER_S

static struct sim *new_sim(void)
{
	struct sim_config c;

	sim_config_init(&c);
	sim_default_lists(&c);
	c.base_url = xstrdup("http://127.0.0.1:1");
	return sim_new(&c, 0);
}

static void test_wizard_phase(void **state)
{
	struct sim_wizard w = {0};
	int k;

	(void)state;
	assert_int_equal(sim_wizard_phase(&w, 5 * S, 2, 6, &k), SIM_WIZ_NONE);
	w.id = 1;
	w.start = 10 * S;
	assert_int_equal(sim_wizard_phase(&w, 11 * S, 2, 6, &k), SIM_WIZ_INIT);
	assert_int_equal(sim_wizard_phase(&w, 12 * S, 2, 6, &k),
	                 SIM_WIZ_RUNNING);
	assert_int_equal(k, 0);
	assert_int_equal(sim_wizard_phase(&w, 15 * S + S / 2, 2, 6, &k),
	                 SIM_WIZ_RUNNING);
	assert_int_equal(k, 3);
	assert_int_equal(sim_wizard_phase(&w, 18 * S, 2, 6, &k), SIM_WIZ_DONE);
	assert_int_equal(k, 6);
	assert_int_equal(sim_wizard_phase(&w, 99 * S, 2, 6, &k), SIM_WIZ_DONE);
	w.fail_step = 4;
	assert_int_equal(sim_wizard_phase(&w, 15 * S, 2, 6, &k),
	                 SIM_WIZ_RUNNING);
	assert_int_equal(k, 3);
	assert_int_equal(sim_wizard_phase(&w, 16 * S, 2, 6, &k),
	                 SIM_WIZ_FAILED);
	assert_int_equal(k, 3);
	/* zero duration: done as soon as initialised */
	w.fail_step = 0;
	assert_int_equal(sim_wizard_phase(&w, 12 * S, 2, 0, &k), SIM_WIZ_DONE);
}

static void test_rng(void **state)
{
	struct sim *a = new_sim(), *b = new_sim();
	double x, sum = 0;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		x = sim_rng_next(a);
		assert_true(x >= 0 && x < 1);
		assert_true(x == sim_rng_next(b));
		sum += x;
	}
	assert_true(sum > 450 && sum < 550);
	a->cfg.seed = 2;
	sim_reset_locked(a, 0);
	assert_true(sim_rng_next(a) != sim_rng_next(b));
	sim_free(a);
	sim_free(b);
}

static void test_tokens(void **state)
{
	struct sim *s = new_sim();
	char *t = sim_token_issue(s, SIM_TOK_C2T, 10, 0), *h;

	(void)state;
	h = xasprintf("Bearer %s", t);
	assert_int_equal(sim_token_check(s, SIM_TOK_C2T, h, 9 * S), 0);
	assert_int_equal(sim_token_check(s, SIM_TOK_C2T, h, 10 * S), -2);
	assert_int_equal(sim_token_check(s, SIM_TOK_FUSION, h, 0), -1);
	assert_int_equal(sim_token_check(s, SIM_TOK_C2T, NULL, 0), -1);
	assert_int_equal(sim_token_check(s, SIM_TOK_C2T, t, 0), -1);
	h[strlen(h) - 1] ^= 1; /* forged mac */
	assert_int_equal(sim_token_check(s, SIM_TOK_C2T, h, 0), -1);
	h[strlen(h) - 1] ^= 1;
	s->generation++;
	assert_int_equal(sim_token_check(s, SIM_TOK_C2T, h, 0), -2);
	free(h);
	free(t);
	sim_free(s);
}

static void test_csv(void **state)
{
	char path[] = "/tmp/test_sim_csvXXXXXX";
	struct sim_config c;
	char *err = NULL;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("disabled,id,name\r\n,1,\"A, b\"\r\nyes,2,C\r\n", f);
	fclose(f);
	sim_config_init(&c);
	assert_int_equal(sim_load_pbx(&c, path, &err), 0);
	assert_int_equal(c.npbx, 2);
	assert_string_equal(c.pbx[0].name, "A, b");
	assert_int_equal(c.pbx[1].disabled, 1);
	assert_int_equal(sim_load_sbc(&c, path, &err), -1);
	assert_non_null(strstr(err, ":1: error"));
	free(err);
	f = fopen(path, "w");
	fputs("region,id\nEU,1\n\"unterminated,2\n", f);
	fclose(f);
	assert_int_equal(sim_load_sbc(&c, path, &err), -1);
	free(err);
	sim_default_lists(&c);
	assert_int_equal(c.npbx, 2); /* loaded lists are kept */
	assert_true(c.nsbc > 0);
	unlink(path);
	sim_config_release(&c);
}

/* Drives one request through the router and the handlers. */
static int call(struct sim *s, const char *method, const char *uri,
                const char *auth, const char *body, struct sim_resp *rs)
{
	struct sim_match m;
	struct sim_req rq;
	char *path = xstrndup(uri, strcspn(uri, "?"));
	const char *q = strchr(uri, '?');

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.uri = uri;
	rq.path = path;
	rq.query = q ? q + 1 : "";
	rq.authorization = auth;
	rq.host = "127.0.0.1:1";
	rq.body = body ? body : "";
	rq.body_len = body ? strlen(body) : 0;
	rq.now = clock_mono_ns();
	rq.wall = clock_wall_ns() / TP_NS_PER_S;
	sim_resp_release(rs);
	sim_resp_init(rs);
	sim_route(method, path, &m);
	sim_handle(s, &m, &rq, rs);
	sim_count_status(s, &m, rs->status);
	sim_match_release(&m);
	free(path);
	return rs->status;
}

static void test_handlers_and_stats(void **state)
{
	struct sim *s = new_sim();
	struct sim_resp rs;
	cJSON *st, *c2t;
	char *tok, *auth, *json;

	(void)state;
	sim_resp_init(&rs);
	tok = sim_token_issue(s, SIM_TOK_C2T, 60, clock_mono_ns());
	auth = xasprintf("Bearer %s", tok);
	assert_int_equal(call(s, "POST", "/reseller/newEnterprise", auth,
	                      "{\"enterpriseName\":\"Fabrikam\",\"services\":"
	                      "[\"SMS\"],\"sbcGateways\":[],\"pbxId\":[]}",
	                      &rs),
	                 200);
	assert_string_equal(rs.body.p, "5000000001");
	assert_int_equal(call(s, "POST", "/reseller/newEnterprise", auth,
	                      "{\"enterpriseName\":\"FABRIKAM\",\"services\":"
	                      "[],\"sbcGateways\":[],\"pbxId\":[]}",
	                      &rs),
	                 409);
	assert_int_equal(
	    call(s, "POST", "/reseller/newEnterprise", NULL, "{}", &rs), 401);
	assert_int_equal(call(s, "POST", "/enterprise/getActionItemUrl", auth,
	                      "{\"actionType\":\"GET_CDR_CONSENT\","
	                      "\"enterpriseName\":\"fabrikam\","
	                      "\"redirectUrl\":\"https://x/cb\"}",
	                      &rs),
	                 200);
	assert_non_null(strstr(rs.body.p, "http://127.0.0.1:1/_sim/click/"));
	json = sim_stats_json(s, clock_mono_ns());
	st = cJSON_Parse(json);
	assert_non_null(st);
	c2t = cJSON_GetObjectItem(st, "c2t");
	assert_int_equal(
	    cJSON_GetObjectItem(c2t, "enterprises_created")->valueint, 1);
	assert_int_equal(
	    cJSON_GetObjectItem(c2t, "duplicate_refusals")->valueint, 1);
	assert_int_equal(
	    cJSON_GetObjectItem(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(c2t, "action_urls"),
	                            "Fabrikam"),
	        "GET_CDR_CONSENT")
	        ->valueint,
	    1);
	assert_int_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(st, "unauthorized"), "c2t")
	        ->valueint,
	    1);
	assert_int_equal(cJSON_GetObjectItem(
	                     cJSON_GetObjectItem(
	                         cJSON_GetObjectItem(st, "requests_by_status"),
	                         "c2t.newEnterprise"),
	                     "409")
	                     ->valueint,
	                 1);
	assert_int_equal(cJSON_GetObjectItem(st, "requests_total")->valueint,
	                 4);
	assert_int_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(st, "requests"),
	                        "c2t.newEnterprise")
	        ->valueint,
	    3);
	cJSON_Delete(st);
	free(json);
	free(auth);
	free(tok);
	sim_resp_release(&rs);
	sim_free(s);
}

static void test_acs_signed(void **state)
{
	static const char pq[] = "/access/teamsExtension/tenants/"
	                         "87d349ed-44d7-43e1-9a83-5f2406dee5bd/"
	                         "assignments/cc123456-5678-5678-1234-"
	                         "ccc123456789?api-version=2025-06-30";
	static const char body[] = "{\"principalType\":"
	                           "\"teamsResourceAccount\"}";
	struct sim *s = new_sim();
	struct sim_match m;
	struct sim_resp rs;
	struct sim_req rq;
	struct acs_signed sg;
	char *path = xstrndup(pq, strcspn(pq, "?"));

	(void)state;
	memset(&rq, 0, sizeof(rq));
	rq.wall = clock_wall_ns() / TP_NS_PER_S;
	acs_sign(s->cfg.acs_key, s->cfg.acs_key_len, "PUT", pq, "127.0.0.1:1",
	         body, strlen(body), rq.wall, &sg);
	rq.method = "PUT";
	rq.uri = pq;
	rq.path = path;
	rq.query = strchr(pq, '?') + 1;
	rq.host = "127.0.0.1:1";
	rq.x_ms_date = sg.date;
	rq.x_ms_content_sha256 = sg.content_hash;
	rq.authorization = sg.authorization;
	rq.body = body;
	rq.body_len = strlen(body);
	sim_route("PUT", path, &m);
	sim_resp_init(&rs);
	sim_handle(s, &m, &rq, &rs);
	assert_int_equal(rs.status, 201);
	sim_resp_release(&rs);
	sim_resp_init(&rs);
	rq.host = "127.0.0.1:2"; /* signed for another host */
	sim_handle(s, &m, &rq, &rs);
	assert_int_equal(rs.status, 401);
	sim_resp_release(&rs);
	sim_match_release(&m);
	acs_signed_release(&sg);
	free(path);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wizard_phase),
	    cmocka_unit_test(test_rng),
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_csv),
	    cmocka_unit_test(test_handlers_and_stats),
	    cmocka_unit_test(test_acs_signed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
