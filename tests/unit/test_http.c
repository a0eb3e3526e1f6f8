/*
 * Unit tests: http, against a libmicrohttpd server started inside the test
 * on 127.0.0.1 (port 0), and a raw socket server for a reset mid-upload.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "clock.h"
#include "http.h"
#include "redact.h"

/* ---- the in-test server ---- */

static struct MHD_Daemon *daemon_;
static char base[64];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int released;
static int hits_ok, hits_drop, hits_echo, slow_entered;
static char last_auth[256], last_idem[128], last_ua[128], last_method[16];

struct req {
	struct buf body;
};

/* The server threads write these under mu; the test reads them so too. */
static int locked(const int *v)
{
	int x;

	pthread_mutex_lock(&mu);
	x = *v;
	pthread_mutex_unlock(&mu);
	return x;
}

static const char *seen(const char *v)
{
	static char copy[256];

	pthread_mutex_lock(&mu);
	snprintf(copy, sizeof(copy), "%s", v);
	pthread_mutex_unlock(&mu);
	return copy;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             const char *body, const char *ct,
                             const char *retry_after)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (ct)
		MHD_add_response_header(r, "Content-Type", ct);
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", retry_after);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static ssize_t chunks(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)cls;
	if (pos >= 2048)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (max > 256)
		max = 256;
	memset(out, 'x', max);
	return (ssize_t)max;
}

static void copy_hdr(struct MHD_Connection *conn, const char *name, char *dst,
                     size_t n)
{
	const char *v =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
	snprintf(dst, n, "%s", v ? v : "");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               const char *version, const char *data,
                               size_t *size, void **con_cls)
{
	struct req *rq = *con_cls;
	char tmp[64];

	(void)cls;
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
	if (strcmp(url, "/ok") == 0) {
		pthread_mutex_lock(&mu);
		hits_ok++;
		pthread_mutex_unlock(&mu);
		return reply(conn, 200, "ok", "text/plain", NULL);
	}
	if (strcmp(url, "/echo") == 0) {
		pthread_mutex_lock(&mu);
		hits_echo++;
		copy_hdr(conn, "Authorization", last_auth, sizeof(last_auth));
		copy_hdr(conn, "Idempotency-Key", last_idem, sizeof(last_idem));
		copy_hdr(conn, "User-Agent", last_ua, sizeof(last_ua));
		snprintf(last_method, sizeof(last_method), "%s", method);
		pthread_mutex_unlock(&mu);
		return reply(conn, 200, rq->body.p,
		             MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                         "Content-Type"),
		             NULL);
	}
	if (strcmp(url, "/drop") == 0) {
		pthread_mutex_lock(&mu);
		hits_drop++;
		pthread_mutex_unlock(&mu);
		return MHD_NO; /* the body was read: close without answering */
	}
	if (strcmp(url, "/slow") == 0) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 10;
		pthread_mutex_lock(&mu);
		slow_entered++;
		pthread_cond_broadcast(&cv);
		while (!released &&
		       pthread_cond_timedwait(&cv, &mu, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&mu);
		return reply(conn, 200, "late", "text/plain", NULL);
	}
	if (strcmp(url, "/big") == 0) {
		char big[2049];
		memset(big, 'y', 2048);
		big[2048] = '\0';
		return reply(conn, 200, big, "text/plain", NULL);
	}
	if (strcmp(url, "/chunked") == 0) {
		struct MHD_Response *r = MHD_create_response_from_callback(
		    MHD_SIZE_UNKNOWN, 256, chunks, NULL, NULL);
		enum MHD_Result rc = MHD_queue_response(conn, 200, r);
		MHD_destroy_response(r);
		return rc;
	}
	if (strcmp(url, "/429s") == 0)
		return reply(conn, 429, "slow down", "text/plain", "7");
	if (strcmp(url, "/503d") == 0) {
		time_t t = time(NULL) + 120;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(tmp, sizeof(tmp), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		return reply(conn, 503, "busy", "text/plain", tmp);
	}
	if (strcmp(url, "/id") == 0)
		return reply(conn, 200, " 123456789012345678\n",
		             "application/json", NULL);
	if (strcmp(url, "/err") == 0)
		return reply(conn, 401,
		             "{\"error\":\"bad\",\"access_token\":\"leak\"}",
		             "application/json", NULL);
	return reply(conn, 404, "no such path", "text/plain", NULL);
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
	const union MHD_DaemonInfo *info;
	char *err;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (http_global_init(&err) < 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	daemon_ = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
	    NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!daemon_)
		return -1;
	info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", info->port);
	return 0;
}

static int server_stop(void **state)
{
	(void)state;
	pthread_mutex_lock(&mu);
	released = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	MHD_stop_daemon(daemon_);
	http_global_cleanup();
	redact_clear();
	return 0;
}

static char *url(const char *path)
{
	return xasprintf("%s%s", base, path);
}

static struct http_client *client(int64_t timeout_ms, size_t body_max)
{
	struct http_opts o = {0};

	o.timeout_ns = timeout_ms * TP_NS_PER_MS;
	o.connect_timeout_ns = 2 * TP_NS_PER_S;
	o.body_max = body_max;
	return http_client_new(&o);
}

/* ---- tests ---- */

static void test_reuse(void **state)
{
	struct http_client *c = client(5000, 0);
	struct http_response res;
	struct http_request rq = {0};
	char *u = url("/ok");
	int i;

	(void)state;
	http_response_init(&res);
	rq.url = u;
	for (i = 0; i < 100; i++) {
		assert_int_equal(http_perform(c, &rq, &res), 0);
		assert_int_equal(res.status, 200);
		assert_string_equal(res.body.p, "ok");
		assert_string_equal(res.content_type, "text/plain");
	}
	assert_int_equal(http_client_connects(c), 1);
	assert_int_equal(locked(&hits_ok), 100);
	free(u);
	http_response_release(&res);
	http_client_free(c);
}

static void test_post_headers(void **state)
{
	struct http_client *c = client(5000, 0);
	struct http_response res;
	struct http_request rq = {0};
	const char *extra[] = {"Accept: application/json", NULL};
	char *u = url("/echo");

	(void)state;
	http_response_init(&res);
	rq.method = "POST";
	rq.url = u;
	rq.body = "{\"a\":1}";
	rq.body_len = 7;
	rq.content_type = "application/json";
	rq.bearer = "tok-123456";
	rq.idempotency_key = "idem-1";
	rq.headers = extra;
	assert_int_equal(http_perform(c, &rq, &res), 0);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body.p, "{\"a\":1}");
	assert_string_equal(res.content_type, "application/json");
	assert_string_equal(seen(last_auth), "Bearer tok-123456");
	assert_string_equal(seen(last_idem), "idem-1");
	assert_true(strncmp(seen(last_ua), "teamsprov/", 10) == 0);
	assert_string_equal(seen(last_method), "POST");
	assert_false(res.resent);

	rq.method = "PUT";
	rq.body = "x=1";
	rq.body_len = 3;
	assert_int_equal(http_perform(c, &rq, &res), 0);
	assert_string_equal(seen(last_method), "PUT");
	assert_string_equal(res.body.p, "x=1");
	rq.method = "DELETE";
	rq.body = NULL;
	rq.body_len = 0;
	assert_int_equal(http_perform(c, &rq, &res), 0);
	assert_string_equal(seen(last_method), "DELETE");
	rq.method = "GET";
	assert_int_equal(http_perform(c, &rq, &res), 0);
	assert_string_equal(seen(last_method), "GET");
	assert_int_equal(http_client_connects(c), 1);
	free(u);
	http_response_release(&res);
	http_client_free(c);
}

static void test_body_cap(void **state)
{
	struct http_client *c = client(5000, 1024);
	struct http_response res;
	struct http_request rq = {0};
	char *u = url("/big"), *u2 = url("/chunked");

	(void)state;
	http_response_init(&res);
	rq.url = u;
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_TOO_LARGE);
	assert_non_null(res.error);
	rq.url = u2; /* no Content-Length: caught while reading */
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_TOO_LARGE);
	assert_true(res.body.len <= 1024);
	free(u);
	free(u2);
	http_response_release(&res);
	http_client_free(c);
}

static void test_timeout(void **state)
{
	struct http_client *c = client(200, 0);
	struct http_response res;
	struct http_request rq = {0};
	char *u = url("/slow"), *ok = url("/ok");

	(void)state;
	http_response_init(&res);
	rq.method = "POST";
	rq.url = u;
	rq.body = "{}";
	rq.body_len = 2;
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_TIMEOUT);
	assert_true(res.sent);
	assert_true(http_ambiguous(&res));
	assert_true(res.total_ms >= 150 && res.total_ms < 5000);
	assert_string_equal(http_err_name(res.err), "timeout");
	http_client_free(c);

	/* A per-request limit below the client's. */
	c = client(20000, 0);
	rq.timeout_ns = 100 * TP_NS_PER_MS;
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_TIMEOUT);
	assert_true(res.total_ms < 5000);
	rq.timeout_ns = 0;
	rq.url = ok;
	assert_int_equal(http_perform(c, &rq, &res), 0);
	free(ok);
	free(u);
	http_response_release(&res);
	http_client_free(c);
}

static void test_drop_after_send(void **state)
{
	struct http_client *c = client(5000, 0);
	struct http_response res;
	struct http_request rq = {0};
	char *u = url("/drop"), *ok = url("/ok"), *msg;
	int before;

	(void)state;
	http_response_init(&res);
	rq.method = "POST";
	rq.url = u;
	rq.body = "{\"enterpriseName\":\"x\"}";
	rq.body_len = strlen(rq.body);
	before = locked(&hits_drop);
	/* A fresh connection: libcurl cannot blame a stale one. */
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_LOST_AFTER_SEND);
	assert_true(res.sent);
	assert_false(res.resent);
	assert_true(http_ambiguous(&res));
	assert_int_equal(locked(&hits_drop) - before, 1);
	msg = http_status_message(&rq, &res);
	assert_non_null(strstr(msg, "POST /drop: connection lost after"));
	free(msg);

	/* On a reused connection libcurl silently sends it again: the
	 * server saw it twice and the response says so. */
	rq.url = ok;
	rq.method = "GET";
	rq.body = NULL;
	rq.body_len = 0;
	assert_int_equal(http_perform(c, &rq, &res), 0);
	rq.url = u;
	rq.method = "POST";
	rq.body = "{}";
	rq.body_len = 2;
	before = locked(&hits_drop);
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_LOST_AFTER_SEND);
	assert_true(res.resent);
	assert_int_equal(locked(&hits_drop) - before, 2);
	assert_true(http_ambiguous(&res));
	free(u);
	free(ok);
	http_response_release(&res);
	http_client_free(c);
}

static atomic_int cancel_flag;

/* Sets the cancel flag once the server holds a /slow request. */
static void *canceller(void *arg)
{
	int before = *(int *)arg;

	pthread_mutex_lock(&mu);
	while (slow_entered == before)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	atomic_store(&cancel_flag, 1);
	return NULL;
}

static void test_cancel(void **state)
{
	struct http_opts o = {0};
	struct http_client *c;
	struct http_response res;
	struct http_request rq = {0};
	char *u = url("/slow");
	pthread_t t;
	int before;

	(void)state;
	o.timeout_ns = 20 * TP_NS_PER_S;
	o.cancel = &cancel_flag;
	c = http_client_new(&o);
	http_response_init(&res);
	pthread_mutex_lock(&mu);
	before = slow_entered;
	pthread_mutex_unlock(&mu);
	assert_int_equal(pthread_create(&t, NULL, canceller, &before), 0);
	rq.method = "POST";
	rq.url = u;
	rq.body = "{}";
	rq.body_len = 2;
	assert_int_equal(http_perform(c, &rq, &res), -1);
	pthread_join(t, NULL);
	assert_int_equal(res.err, HTTP_ERR_CANCELLED);
	assert_true(res.sent);
	assert_true(http_ambiguous(&res));
	assert_true(res.total_ms < 5000);
	free(u);
	http_response_release(&res);
	http_client_free(c);
}

struct rst_server {
	int fd;
	int port;
};

/* Accepts one connection, reads a little of the request, and resets. */
static void *rst_main(void *arg)
{
	struct rst_server *s = arg;
	struct linger lg = {1, 0};
	char tmp[256];
	int fd = accept(s->fd, NULL, NULL);

	if (fd < 0)
		return NULL;
	(void)!recv(fd, tmp, sizeof(tmp), 0);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return NULL;
}

static int listen_loopback(int do_listen, int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void test_lost_before_send(void **state)
{
	struct http_client *c = client(10000, 0);
	struct http_response res;
	struct http_request rq = {0};
	struct rst_server s;
	pthread_t t;
	size_t n = (size_t)64 << 20;
	char *body = xmalloc(n), *u;

	(void)state;
	memset(body, 'a', n);
	s.fd = listen_loopback(1, &s.port);
	assert_int_equal(pthread_create(&t, NULL, rst_main, &s), 0);
	u = xasprintf("http://127.0.0.1:%d/upload", s.port);
	http_response_init(&res);
	rq.method = "POST";
	rq.url = u;
	rq.body = body;
	rq.body_len = n;
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_LOST_BEFORE_SEND);
	assert_false(res.sent);
	assert_false(http_ambiguous(&res));
	pthread_join(t, NULL);
	close(s.fd);
	free(u);
	free(body);
	http_response_release(&res);
	http_client_free(c);
}

static void test_connect_failed(void **state)
{
	struct http_client *c = client(5000, 0);
	struct http_response res;
	struct http_request rq = {0};
	int port, fd = listen_loopback(0, &port); /* bound, not listening */
	char *u = xasprintf("http://127.0.0.1:%d/", port);

	(void)state;
	http_response_init(&res);
	rq.url = u;
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_CONNECT);
	assert_false(res.sent);
	assert_false(http_ambiguous(&res));
	assert_int_equal(res.status, 0);
	close(fd);
	free(u);
	http_response_release(&res);
	http_client_free(c);
}

static void test_refused_url(void **state)
{
	struct http_client *c = client(5000, 0);
	struct http_response res;
	struct http_request rq = {0};

	(void)state;
	http_response_init(&res);
	rq.url = "http://example.com/x";
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_REFUSED_URL);
	assert_non_null(strstr(res.error, "loopback"));
	assert_false(res.sent);
	assert_int_equal(http_client_connects(c), 0);
	rq.url = "ftp://127.0.0.1/x";
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_REFUSED_URL);
	/* The client keeps the verdict for a loopback origin: only that
	 * exact origin skips the check. */
	rq.url = "http://127.0.0.1:1/x";
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_CONNECT);
	rq.url = "http://127.0.0.1:1@example.com/x";
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_REFUSED_URL);
	rq.url = "http://127.0.0.1:1.example.com/x";
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_REFUSED_URL);
	rq.url = "http://127.0.0.1:1?x";
	assert_int_equal(http_perform(c, &rq, &res), -1);
	assert_int_equal(res.err, HTTP_ERR_CONNECT);

	http_response_release(&res);
	http_client_free(c);
}

static void test_retry_after(void **state)
{
	struct http_client *c = client(5000, 0);
	struct http_response res;
	struct http_request rq = {0};
	char *u = url("/429s"), *u2 = url("/503d");

	(void)state;
	http_response_init(&res);
	rq.url = u;
	assert_int_equal(http_perform(c, &rq, &res), 0);
	assert_int_equal(res.status, 429);
	assert_string_equal(res.retry_after_raw, "7");
	assert_true(res.retry_after_ns == 7 * TP_NS_PER_S);
	rq.url = u2;
	assert_int_equal(http_perform(c, &rq, &res), 0);
	assert_int_equal(res.status, 503);
	assert_non_null(strstr(res.retry_after_raw, "GMT"));
	assert_true(res.retry_after_ns > 115 * TP_NS_PER_S &&
	            res.retry_after_ns <= 121 * TP_NS_PER_S);
	rq.url = u;
	rq.url = url("/ok");
	assert_int_equal(http_perform(c, &rq, &res), 0);
	assert_null(res.retry_after_raw);
	assert_true(res.retry_after_ns == -1);
	free((char *)rq.url);

	free(u);
	free(u2);
	http_response_release(&res);
	http_client_free(c);
}

static void test_json(void **state)
{
	struct http_client *c = client(5000, 0);
	struct http_response res;
	struct http_request rq = {0};
	char *u = url("/id"), *msg;
	cJSON *j;
	int64_t v;

	(void)state;
	http_response_init(&res);
	rq.url = u;
	assert_int_equal(http_perform(c, &rq, &res), 0);
	assert_int_equal(json_bare_i64(res.body.p, res.body.len, &v), 0);
	assert_true(v == INT64_C(123456789012345678));

	/* An error body in a message: cut, escaped, no secret. */
	free(u);
	u = url("/err");
	rq.url = u;
	assert_int_equal(http_perform(c, &rq, &res), 0);
	assert_int_equal(res.status, 401);
	j = http_json(&res);
	assert_non_null(j);
	assert_string_equal(json_get_str(j, "error"), "bad");
	cJSON_Delete(j);
	msg = http_status_message(&rq, &res);
	assert_string_equal(msg, "HTTP 401 from GET /err: \"{\\\"error\\\":"
	                         "\\\"bad\\\",\\\"access_token\\\":"
	                         "\\\"***\\\"}\"");
	free(msg);
	free(u);
	http_response_release(&res);
	http_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reuse),
	    cmocka_unit_test(test_post_headers),
	    cmocka_unit_test(test_body_cap),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_drop_after_send),
	    cmocka_unit_test(test_lost_before_send),
	    cmocka_unit_test(test_connect_failed),
	    cmocka_unit_test(test_refused_url),
	    cmocka_unit_test(test_retry_after),
	    cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
