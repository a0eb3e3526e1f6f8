/*
 * Unit tests: ACS requests through the api layer (api_call with an HMAC
 * connection string), against teamsprov-sim's server run inside the test:
 * signed GET, PUT (a body) and DELETE are accepted; a wrong key is
 * refused (401, API_FAIL_REFUSED, not retried); the key never shows in a
 * message.
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
#include "api.h"
#include "clock.h"
#include "redact.h"
#include "sim_server.h"
#include "sim_state.h"

#define T "87d349ed-44d7-43e1-9a83-5f2406dee5bd"
#define O "e5b7f628-ea94-4fdc-b3d9-1af1fe231111"
#define C1 "1bfa671a-dc6b-47f3-8940-45c0f1af0fa6"

static struct sim *sim;
static struct sim_server *srv;
static char *bound;

static int setup(void **state)
{
	struct sim_config cfg;
	char *err = NULL;

	(void)state;
	if (http_global_init(&err) < 0)
		return -1;
	sim_config_init(&cfg);
	sim = sim_new(&cfg, clock_mono_ns());
	srv = sim_server_start(sim, "127.0.0.1:0", &bound, &err);
	if (!srv) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim_server_stop(srv);
	sim_free(sim);
	free(bound);
	http_global_cleanup();
	return 0;
}

/* An ACS api signing with key (base64). */
static void acs_api(struct api *a, const char *key)
{
	struct retry_policy rp;
	struct acs_conn *c = calloc(1, sizeof(*c));
	char *err = NULL;
	char *cs = xasprintf("endpoint=http://%s/;accesskey=%s", bound, key);

	retry_policy_default(&rp);
	rp.retries = 0;
	assert_int_equal(acs_conn_parse(c, cs, &err), 0);
	free(cs);
	api_init(a, API_ACS, c->endpoint, NULL, 0, 0, &rp, NULL);
	api_set_hmac(a, c);
}

/* One request; returns the verdict, *status the answer's status. */
static enum api_verdict call(struct api *a, struct http_client *cl,
			     const char *method, const char *body,
			     long *status, char **error)
{
	struct http_request req;
	struct http_response res;
	struct api_attempts st;
	struct api_result out;
	struct pool_ctx ctx;
	char *path = acs_assignment_path("2025-06-30", T, O);
	char *url = api_url(a, path);
	enum api_verdict v;

	memset(&req, 0, sizeof(req));
	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	ctx.now = ctx.admitted = clock_mono_ns();
	req.method = method;
	req.url = url;
	if (body) {
		req.body = body;
		req.body_len = strlen(body);
		req.content_type = "application/json";
	}
	http_response_init(&res);
	api_call(a, cl, &ctx, &st, "item", &req, &res, &out);
	v = out.verdict;
	*status = res.status;
	if (error) {
		*error = out.error;
		out.error = NULL;
	}
	api_result_release(&out);
	http_response_release(&res);
	free(url);
	free(path);
	return v;
}

static void test_signed_requests(void **state)
{
	struct api a;
	struct http_opts o;
	struct http_client *cl;
	char *body, *ids[] = {C1};
	long status;

	(void)state;
	memset(&o, 0, sizeof(o));
	cl = http_client_new(&o);
	acs_api(&a, "c2ltLWFjcy1rZXk=");
	assert_int_equal(call(&a, cl, "GET", NULL, &status, NULL), API_ANSWER);
	assert_int_equal(status, 404);
	body = acs_put_body("user", ids, 1);
	assert_int_equal(call(&a, cl, "PUT", body, &status, NULL), API_ANSWER);
	assert_int_equal(status, 201);
	assert_int_equal(call(&a, cl, "PUT", body, &status, NULL), API_ANSWER);
	assert_int_equal(status, 200);
	free(body);
	assert_int_equal(call(&a, cl, "GET", NULL, &status, NULL), API_ANSWER);
	assert_int_equal(status, 200);
	assert_int_equal(call(&a, cl, "DELETE", NULL, &status, NULL),
			 API_ANSWER);
	assert_int_equal(status, 204);
	assert_int_equal(atomic_load(&a.status_401), 0);
	api_release(&a);
	http_client_free(cl);
}

static void test_wrong_key(void **state)
{
	struct api a;
	struct http_opts o;
	struct http_client *cl;
	char *err = NULL;
	long status;

	(void)state;
	memset(&o, 0, sizeof(o));
	cl = http_client_new(&o);
	acs_api(&a, "d3Jvbmcta2V5LXZhbHVl");
	redact_add("d3Jvbmcta2V5LXZhbHVl");
	assert_int_equal(call(&a, cl, "GET", NULL, &status, &err), API_FAILED);
	assert_int_equal(status, 401);
	assert_non_null(err);
	assert_null(strstr(err, "d3Jvbmcta2V5"));
	free(err);
	assert_int_equal(atomic_load(&a.status_401), 1);
	assert_int_equal(atomic_load(&a.requests), 1); /* not retried */
	redact_remove("d3Jvbmcta2V5LXZhbHVl");
	api_release(&a);
	http_client_free(cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signed_requests),
	    cmocka_unit_test(test_wrong_key),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
