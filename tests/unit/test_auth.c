/*
 * Unit tests: auth, against a libmicrohttpd server inside the test playing
 * the C2T token endpoint, Fusion login/refresh and a protected resource.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "auth.h"
#include "clock.h"
#include "exitcode.h"
#include "http.h"
#include "redact.h"

static struct MHD_Daemon *daemon_;
static char base[64];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* Server state, under mu. */
static int n_grant, n_login, n_refresh, issued;
static int expires_in; /* 0: not sent */
static int grant_503;  /* answer the grant with 503 Retry-After: 3 */
static char valid[64]; /* the one bearer /resource accepts */
static char refresh_ok[64];

#define BASIC "Basic Y2lkOmMtc2VjcmV0LTE=" /* cid:c-secret-1 */
#define FORM "grant_type=password&username=admin&password=p%40ss%20w%26rd"

struct req {
	struct buf body;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             const char *body, const char *retry_after)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", "application/json");
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", retry_after);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static const char *bearer(struct MHD_Connection *conn)
{
	const char *v =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	return v && strncmp(v, "Bearer ", 7) == 0 ? v + 7 : "";
}

static enum MHD_Result route(struct MHD_Connection *conn, const char *url,
                             const char *body)
{
	const char *auth =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	char out[256];

	if (strcmp(url, "/oauth/token") == 0) {
		n_grant++;
		if (grant_503)
			return reply(conn, 503, "{}", "3");
		if (!auth || strcmp(auth, BASIC) != 0)
			return reply(conn, 401,
			             "{\"error\":\"invalid_client\"}", NULL);
		if (strcmp(body, FORM) != 0)
			return reply(conn, 400,
			             "{\"error\":\"invalid_grant\",\"error_"
			             "description\":\"Bad credentials\"}",
			             NULL);
		snprintf(valid, sizeof(valid), "c2t-tok-%d", ++issued);
		if (expires_in)
			snprintf(out, sizeof(out),
			         "{\"access_token\":\"%s\",\"token_type\":"
			         "\"bearer\",\"expires_in\":%d}",
			         valid, expires_in);
		else
			snprintf(out, sizeof(out), "{\"access_token\":\"%s\"}",
			         valid);
		return reply(conn, 200, out, NULL);
	}
	if (strcmp(url, "/api/v01/auth/login") == 0) {
		n_login++;
		if (strstr(body, "\"username\":\"twofa\""))
			return reply(conn, 200, "{\"2fa_payload\":\"abc\"}",
			             NULL);
		if (strcmp(body, "{\"username\":\"fuser\",\"password\":"
		                 "\"f-pass-1\"}") != 0)
			return reply(conn, 401, "{\"error\":\"bad\"}", NULL);
		snprintf(valid, sizeof(valid), "f-acc-%d", ++issued);
		snprintf(refresh_ok, sizeof(refresh_ok), "f-ref-%d", issued);
		snprintf(out, sizeof(out),
		         "{\"access_token\":\"%s\",\"refresh_token\":\"%s\","
		         "\"token\":\"f-m2m-token\"}",
		         valid, refresh_ok);
		return reply(conn, 200, out, NULL);
	}
	if (strcmp(url, "/api/v01/auth/access_token") == 0) {
		n_refresh++;
		if (!refresh_ok[0] || strcmp(bearer(conn), refresh_ok) != 0)
			return reply(conn, 401, "{\"error\":\"expired\"}",
			             NULL);
		snprintf(valid, sizeof(valid), "f-acc-%d", ++issued);
		snprintf(out, sizeof(out), "{\"access_token\":\"%s\"}", valid);
		return reply(conn, 200, out, NULL);
	}
	if (strcmp(url, "/resource") == 0) {
		if (!valid[0] || strcmp(bearer(conn), valid) != 0)
			return reply(conn, 401, "{}", NULL);
		return reply(conn, 200, "{\"ok\":true}", NULL);
	}
	return reply(conn, 404, "{}", NULL);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               const char *version, const char *data,
                               size_t *size, void **con_cls)
{
	struct req *rq = *con_cls;
	enum MHD_Result rc;

	(void)cls;
	(void)method;
	(void)version;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		buf_init(&rq->body);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*size) {
		buf_add(&rq->body, data, *size);
		*size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&mu);
	rc = route(conn, url, rq->body.p);
	pthread_mutex_unlock(&mu);
	return rc;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq) {
		buf_release(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static int server_start(void **state)
{
	struct sockaddr_in sa;
	char *err;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (http_global_init(&err) < 0) {
		free(err);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	daemon_ = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
	    NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (!daemon_)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%u",
	         MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port);
	setenv("TP_CS", "c-secret-1", 1);
	setenv("TP_PW", "p@ss w&rd", 1);
	setenv("TP_FPW", "f-pass-1", 1);
	setenv("TP_BADPW", "wrong-password", 1);
	return 0;
}

static int server_stop(void **state)
{
	(void)state;
	MHD_stop_daemon(daemon_);
	http_global_cleanup();
	redact_clear();
	return 0;
}

static void reset_server(void)
{
	pthread_mutex_lock(&mu);
	n_grant = n_login = n_refresh = issued = 0;
	expires_in = grant_503 = 0;
	valid[0] = refresh_ok[0] = '\0';
	pthread_mutex_unlock(&mu);
}

static struct auth *c2t_auth(const char *pw_env)
{
	struct auth_config cfg = {0};
	struct auth *a;

	cfg.kind = AUTH_C2T_PASSWORD;
	cfg.api = "c2t";
	cfg.base_url = base;
	cfg.client_id = "cid";
	cfg.username = "admin";
	secret_ref_init(&cfg.client_secret);
	secret_ref_init(&cfg.password);
	secret_ref_init(&cfg.token);
	secret_ref_set(&cfg.client_secret, SECRET_ENV, "TP_CS");
	secret_ref_set(&cfg.password, SECRET_ENV, pw_env);
	cfg.http.timeout_ns = 5 * TP_NS_PER_S;
	a = auth_new(&cfg);
	secret_ref_release(&cfg.client_secret);
	secret_ref_release(&cfg.password);
	return a;
}

/* GET /resource with the current token; one refresh on a 401. */
static long call(struct auth *a, struct http_client *c)
{
	struct http_request rq = {0};
	struct http_response res;
	struct auth_token t;
	struct auth_error e;
	char *u = xasprintf("%s/resource", base);
	long status = -1;

	auth_token_init(&t);
	auth_error_init(&e);
	http_response_init(&res);
	rq.url = u;
	if (auth_get(a, clock_mono_ns(), &t, &e) == 0) {
		rq.bearer = t.bearer;
		if (http_perform(c, &rq, &res) == 0 && res.status == 401 &&
		    auth_refresh(a, t.generation, clock_mono_ns(), &t, &e) ==
		        0) {
			rq.bearer = t.bearer;
			http_perform(c, &rq, &res);
		}
		status = res.status;
	}
	free(u);
	http_response_release(&res);
	auth_token_release(&t);
	auth_error_release(&e);
	return status;
}

struct worker {
	struct auth *a;
	pthread_barrier_t *bar;
	long first, second;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct http_opts o = {0};
	struct http_client *c = http_client_new(&o);

	w->first = call(w->a, c);
	pthread_barrier_wait(w->bar); /* all have a token */
	pthread_barrier_wait(w->bar); /* the server revoked it */
	w->second = call(w->a, c);
	http_client_free(c);
	return NULL;
}

static void test_one_refresh_for_all(void **state)
{
	struct auth *a;
	pthread_barrier_t bar;
	struct worker w[8];
	pthread_t t[8];
	int i;

	(void)state;
	reset_server();
	a = c2t_auth("TP_PW");
	pthread_barrier_init(&bar, NULL, 9);
	for (i = 0; i < 8; i++) {
		w[i].a = a;
		w[i].bar = &bar;
		assert_int_equal(
		    pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	pthread_barrier_wait(&bar);
	assert_int_equal(n_grant, 1); /* eight workers, one grant */
	pthread_mutex_lock(&mu);
	valid[0] = '\0'; /* every token now gets a 401 */
	pthread_mutex_unlock(&mu);
	pthread_barrier_wait(&bar);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].first, 200);
		assert_int_equal(w[i].second, 200);
	}
	/* The first 401 fetched a token; the other seven reused it. */
	assert_int_equal(n_grant, 2);
	assert_int_equal(auth_fetches(a), 2);
	pthread_barrier_destroy(&bar);
	auth_free(a);
}

static void test_redaction(void **state)
{
	struct auth *a;
	struct auth_token t;
	struct auth_error e;
	const char *mixed = "tok c2t-tok-1 pw p@ss w&rd cs c-secret-1 b "
	                    "Y2lkOmMtc2VjcmV0LTE=";
	char *r;

	(void)state;
	reset_server();
	redact_clear();
	a = c2t_auth("TP_PW");
	auth_token_init(&t);
	auth_error_init(&e);
	assert_int_equal(auth_get(a, 0, &t, &e), 0);
	assert_string_equal(t.bearer, "c2t-tok-1");
	r = redact_raw(mixed, strlen(mixed), NULL);
	assert_string_equal(r, "tok *** pw *** cs *** b ***");
	free(r);
	auth_token_release(&t);
	auth_free(a);
	assert_int_equal(redact_count(), 0);
}

static void test_refused(void **state)
{
	struct auth *a;
	struct auth_token t;
	struct auth_error e;

	(void)state;
	reset_server();
	a = c2t_auth("TP_BADPW");
	auth_token_init(&t);
	auth_error_init(&e);
	assert_int_equal(auth_get(a, 0, &t, &e), -1);
	assert_int_equal(e.kind, AUTH_ERR_REFUSED);
	assert_int_equal(auth_exit_code(e.kind), TP_EXIT_NOPERM);
	assert_non_null(strstr(e.msg, "invalid_grant"));
	assert_null(strstr(e.msg, "wrong-password"));
	auth_error_release(&e);
	/* Sticky: no second attempt at the server. */
	assert_int_equal(auth_get(a, 0, &t, &e), -1);
	assert_int_equal(e.kind, AUTH_ERR_REFUSED);
	assert_int_equal(n_grant, 1);
	assert_int_equal(auth_refresh(a, 0, 0, &t, &e), -1);
	assert_int_equal(n_grant, 1);
	auth_error_release(&e);
	auth_free(a);

	/* Wrong client credentials: 401 invalid_client. */
	setenv("TP_CS", "other-secret", 1);
	a = c2t_auth("TP_PW");
	assert_int_equal(auth_get(a, 0, &t, &e), -1);
	assert_int_equal(e.kind, AUTH_ERR_REFUSED);
	assert_non_null(strstr(e.msg, "invalid_client"));
	auth_error_release(&e);
	auth_free(a);
	setenv("TP_CS", "c-secret-1", 1);

	/* A missing secret. */
	a = c2t_auth("TP_NOT_SET_ANYWHERE");
	assert_int_equal(auth_get(a, 0, &t, &e), -1);
	assert_int_equal(e.kind, AUTH_ERR_SECRET);
	assert_int_equal(auth_exit_code(e.kind), TP_EXIT_NOPERM);
	auth_error_release(&e);
	auth_free(a);
}

static void test_unavailable_then_ok(void **state)
{
	struct auth *a;
	struct auth_token t;
	struct auth_error e;

	(void)state;
	reset_server();
	grant_503 = 1;
	a = c2t_auth("TP_PW");
	auth_token_init(&t);
	auth_error_init(&e);
	assert_int_equal(auth_get(a, 0, &t, &e), -1);
	assert_int_equal(e.kind, AUTH_ERR_UNAVAILABLE);
	assert_int_equal(auth_exit_code(e.kind), TP_EXIT_UNAVAIL);
	assert_true(e.retry_after_ns == 3 * TP_NS_PER_S);
	auth_error_release(&e);
	pthread_mutex_lock(&mu);
	grant_503 = 0;
	pthread_mutex_unlock(&mu);
	assert_int_equal(auth_get(a, 0, &t, &e), 0);
	assert_int_equal(t.generation, 1);
	auth_token_release(&t);
	auth_free(a);
}

static void test_expiry(void **state)
{
	struct auth *a;
	struct auth_token t;
	struct auth_error e;

	(void)state;
	reset_server();
	expires_in = 100; /* refresh 25 s early: a quarter of it */
	a = c2t_auth("TP_PW");
	auth_token_init(&t);
	auth_error_init(&e);
	assert_int_equal(auth_get(a, 0, &t, &e), 0);
	assert_int_equal(t.generation, 1);
	assert_int_equal(auth_get(a, 74 * TP_NS_PER_S, &t, &e), 0);
	assert_int_equal(t.generation, 1);
	assert_int_equal(n_grant, 1);
	assert_int_equal(auth_get(a, 76 * TP_NS_PER_S, &t, &e), 0);
	assert_int_equal(t.generation, 2);
	assert_string_equal(t.bearer, "c2t-tok-2");
	assert_int_equal(n_grant, 2);
	/* A stale generation's refresh reuses the newer token. */
	assert_int_equal(auth_refresh(a, 1, 77 * TP_NS_PER_S, &t, &e), 0);
	assert_int_equal(t.generation, 2);
	assert_int_equal(n_grant, 2);

	/* The endpoint is down when the early renewal comes due (151 s):
	 * the token, good until 176 s, is still used. */
	pthread_mutex_lock(&mu);
	grant_503 = 1;
	pthread_mutex_unlock(&mu);
	assert_int_equal(auth_get(a, 152 * TP_NS_PER_S, &t, &e), 0);
	assert_string_equal(t.bearer, "c2t-tok-2");
	assert_int_equal(n_grant, 3);
	assert_int_equal(auth_get(a, 160 * TP_NS_PER_S, &t, &e), 0);
	assert_int_equal(n_grant, 3); /* next try halfway to expiry */
	assert_int_equal(auth_get(a, 165 * TP_NS_PER_S, &t, &e), 0);
	assert_int_equal(n_grant, 4);
	assert_int_equal(auth_get(a, 177 * TP_NS_PER_S, &t, &e), -1);
	assert_int_equal(e.kind, AUTH_ERR_UNAVAILABLE);
	assert_int_equal(n_grant, 5);
	auth_error_release(&e);
	auth_token_release(&t);
	auth_free(a);
}

static struct auth *fusion_auth(const char *user)
{
	struct auth_config cfg = {0};
	struct auth *a;

	cfg.kind = AUTH_FUSION_LOGIN;
	cfg.api = "fusion";
	cfg.base_url = base;
	cfg.username = user;
	secret_ref_init(&cfg.password);
	secret_ref_set(&cfg.password, SECRET_ENV, "TP_FPW");
	a = auth_new(&cfg);
	secret_ref_release(&cfg.password);
	return a;
}

static void test_fusion(void **state)
{
	struct auth *a;
	struct auth_token t;
	struct auth_error e;
	char *r;

	(void)state;
	reset_server();
	redact_clear();
	a = fusion_auth("fuser");
	auth_token_init(&t);
	auth_error_init(&e);
	assert_int_equal(auth_get(a, 0, &t, &e), 0);
	assert_string_equal(t.bearer, "f-acc-1");
	assert_int_equal(n_login, 1);
	r = redact_raw("f-ref-1 f-m2m-token f-pass-1", 28, NULL);
	assert_string_equal(r, "*** *** ***");
	free(r);
	/* A 401: refreshed with the refresh token, no new login. */
	assert_int_equal(auth_refresh(a, t.generation, 0, &t, &e), 0);
	assert_string_equal(t.bearer, "f-acc-2");
	assert_int_equal(n_refresh, 1);
	assert_int_equal(n_login, 1);
	/* The refresh token was revoked: log in again. */
	pthread_mutex_lock(&mu);
	refresh_ok[0] = '\0';
	pthread_mutex_unlock(&mu);
	assert_int_equal(auth_refresh(a, t.generation, 0, &t, &e), 0);
	assert_string_equal(t.bearer, "f-acc-3");
	assert_int_equal(n_refresh, 2);
	assert_int_equal(n_login, 2);
	auth_token_release(&t);
	auth_free(a);
	assert_int_equal(redact_count(), 0);
}

static void test_fusion_two_factor(void **state)
{
	struct auth *a;
	struct auth_token t;
	struct auth_error e;

	(void)state;
	reset_server();
	a = fusion_auth("twofa");
	auth_token_init(&t);
	auth_error_init(&e);
	assert_int_equal(auth_get(a, 0, &t, &e), -1);
	assert_int_equal(e.kind, AUTH_ERR_TWO_FACTOR);
	assert_int_equal(auth_exit_code(e.kind), TP_EXIT_NOPERM);
	assert_non_null(strstr(e.msg, "machine-to-machine token"));
	assert_non_null(strstr(e.msg, "token_env"));
	auth_error_release(&e);
	assert_int_equal(auth_get(a, 0, &t, &e), -1);
	assert_int_equal(n_login, 1);
	auth_error_release(&e);
	auth_free(a);

	/* Bad password: refused. */
	setenv("TP_FPW", "nope-nope", 1);
	a = fusion_auth("fuser");
	assert_int_equal(auth_get(a, 0, &t, &e), -1);
	assert_int_equal(e.kind, AUTH_ERR_REFUSED);
	auth_error_release(&e);
	auth_free(a);
	setenv("TP_FPW", "f-pass-1", 1);
}

static void test_static_token(void **state)
{
	struct auth_config cfg = {0};
	struct auth *a;
	struct auth_token t;
	struct auth_error e;
	char *r;

	(void)state;
	redact_clear();
	setenv("TP_TOKEN", "ready-token-1", 1);
	cfg.kind = AUTH_TOKEN;
	cfg.api = "acs";
	secret_ref_init(&cfg.token);
	secret_ref_set(&cfg.token, SECRET_ENV, "TP_TOKEN");
	a = auth_new(&cfg);
	secret_ref_release(&cfg.token);
	auth_token_init(&t);
	auth_error_init(&e);
	assert_int_equal(auth_get(a, 0, &t, &e), 0);
	assert_string_equal(t.bearer, "ready-token-1");
	r = redact_raw("ready-token-1", 13, NULL);
	assert_string_equal(r, "***");
	free(r);
	/* A 401: read again (a rotated secret). */
	setenv("TP_TOKEN", "ready-token-2", 1);
	assert_int_equal(auth_refresh(a, t.generation, 0, &t, &e), 0);
	assert_string_equal(t.bearer, "ready-token-2");
	assert_int_equal(t.generation, 2);
	auth_token_release(&t);
	auth_free(a);
	assert_int_equal(redact_count(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_refresh_for_all),
	    cmocka_unit_test(test_redaction),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_unavailable_then_ok),
	    cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_fusion),
	    cmocka_unit_test(test_fusion_two_factor),
	    cmocka_unit_test(test_static_token),
	};
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
