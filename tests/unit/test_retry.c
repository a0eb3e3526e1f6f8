/*
 * Unit tests: retry (classification, full jitter, Retry-After). No
 * sleeping: the random source and the clock are parameters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "clock.h"
#include "retry.h"

static void expect_class(const char *method, int status, enum xfer_error e,
                         bool retryable, bool ambiguous)
{
	struct retry_class c = retry_classify(method, status, e);

	if (c.retryable != retryable || c.ambiguous != ambiguous)
		fail_msg("%s %d err %d: got retry %d ambiguous %d", method,
		         status, (int)e, c.retryable, c.ambiguous);
}

static void test_classify_status(void **state)
{
	static const char *const all[] = {"GET", "PUT", "DELETE", "POST",
	                                  "PATCH"};
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		const char *m = all[i];

		expect_class(m, 200, XFER_OK, false, false);
		expect_class(m, 201, XFER_OK, false, false);
		expect_class(m, 204, XFER_OK, false, false);
		expect_class(m, 400, XFER_OK, false, false);
		expect_class(m, 401, XFER_OK, false, false);
		expect_class(m, 403, XFER_OK, false, false);
		expect_class(m, 404, XFER_OK, false, false);
		expect_class(m, 409, XFER_OK, false, false);
		expect_class(m, 422, XFER_OK, false, false);
		expect_class(m, 429, XFER_OK, true, false);
		expect_class(m, 503, XFER_OK, true, false);
		expect_class(m, 502, XFER_OK, true, true);
		expect_class(m, 504, XFER_OK, true, true);
		expect_class(m, 501, XFER_OK, false, false);
		expect_class(m, 505, XFER_OK, false, false);
	}
	/* 500: only the idempotent methods are sent again. */
	expect_class("GET", 500, XFER_OK, true, true);
	expect_class("PUT", 500, XFER_OK, true, true);
	expect_class("DELETE", 500, XFER_OK, true, true);
	expect_class("POST", 500, XFER_OK, false, true);
	expect_class("PATCH", 500, XFER_OK, false, true);
}

static void test_classify_transport(void **state)
{
	(void)state;
	/* The status is ignored when the transfer itself failed. */
	expect_class("POST", 0, XFER_CONNECT_FAILED, true, false);
	expect_class("POST", 200, XFER_LOST_BEFORE_SEND, true, false);
	expect_class("POST", 0, XFER_TIMEOUT, true, true);
	expect_class("POST", 0, XFER_LOST_AFTER_SEND, true, true);
	expect_class("GET", 0, XFER_TIMEOUT, true, true);
	expect_class("DELETE", 0, XFER_CONNECT_FAILED, true, false);
	assert_true(retry_method_idempotent("GET"));
	assert_true(retry_method_idempotent("PUT"));
	assert_false(retry_method_idempotent("POST"));
	assert_false(retry_method_idempotent("get"));
	assert_false(retry_method_idempotent(NULL));
}

static void test_xfer_from_curl(void **state)
{
	(void)state;
	assert_int_equal(retry_xfer_from_curl(CURLE_OK, true, true), XFER_OK);
	assert_int_equal(retry_xfer_from_curl(CURLE_COULDNT_CONNECT, 0, 0),
	                 XFER_CONNECT_FAILED);
	assert_int_equal(retry_xfer_from_curl(CURLE_COULDNT_RESOLVE_HOST, 0, 0),
	                 XFER_CONNECT_FAILED);
	/* A timeout: connecting, before sending, or waiting for the answer. */
	assert_int_equal(retry_xfer_from_curl(CURLE_OPERATION_TIMEDOUT, 0, 0),
	                 XFER_CONNECT_FAILED);
	assert_int_equal(retry_xfer_from_curl(CURLE_OPERATION_TIMEDOUT, 1, 0),
	                 XFER_LOST_BEFORE_SEND);
	assert_int_equal(retry_xfer_from_curl(CURLE_OPERATION_TIMEDOUT, 1, 1),
	                 XFER_TIMEOUT);
	/* The simulator's dropped connections and lost responses. */
	assert_int_equal(retry_xfer_from_curl(CURLE_GOT_NOTHING, 1, 1),
	                 XFER_LOST_AFTER_SEND);
	assert_int_equal(retry_xfer_from_curl(CURLE_RECV_ERROR, 1, 1),
	                 XFER_LOST_AFTER_SEND);
	assert_int_equal(retry_xfer_from_curl(CURLE_SEND_ERROR, 1, 0),
	                 XFER_LOST_BEFORE_SEND);
	assert_int_equal(retry_xfer_from_curl(CURLE_SEND_ERROR, 1, 1),
	                 XFER_LOST_AFTER_SEND);
	/* Not worth a retry, and possibly done. */
	assert_int_equal(
	    retry_xfer_from_curl(CURLE_PEER_FAILED_VERIFICATION, 1, 0),
	    XFER_FATAL);
	assert_int_equal(retry_xfer_from_curl(CURLE_URL_MALFORMAT, 0, 0),
	                 XFER_FATAL);
	assert_int_equal(retry_xfer_from_curl(CURLE_WRITE_ERROR, 1, 1),
	                 XFER_FATAL);
	expect_class("POST", 0, XFER_FATAL, false, true);
	expect_class("GET", 0, XFER_FATAL, false, true);
}

static void test_backoff_bounds(void **state)
{
	struct retry_policy p;
	uint64_t rng = 42;
	int retry, i;

	(void)state;
	retry_policy_default(&p);
	assert_int_equal(p.retries, 5);
	assert_int_equal(p.base_ns, 500 * TP_NS_PER_MS);
	assert_int_equal(p.cap_ns, 30 * TP_NS_PER_S);
	for (retry = 0; retry < 70; retry++) {
		int64_t ceil = retry < 6 ? (500 * TP_NS_PER_MS) << retry
		                         : 30 * TP_NS_PER_S;
		int64_t lo = INT64_MAX, hi = 0;
		double sum = 0;

		if (ceil > 30 * TP_NS_PER_S)
			ceil = 30 * TP_NS_PER_S;
		for (i = 0; i < 2000; i++) {
			int64_t d = retry_backoff(&p, retry, &rng);

			assert_true(d >= 0 && d <= ceil);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
			sum += (double)d;
		}
		/* Full jitter: spread over the whole range, mean near half. */
		assert_true(lo < ceil / 20);
		assert_true(hi > ceil - ceil / 20);
		sum /= 2000;
		assert_true(sum > ceil * 0.45 && sum < ceil * 0.55);
	}
}

static void test_backoff_deterministic(void **state)
{
	struct retry_policy p;
	uint64_t a = 7, b = 7, c = 8;
	int i, same = 0;

	(void)state;
	retry_policy_default(&p);
	for (i = 0; i < 100; i++) {
		int64_t x = retry_backoff(&p, 3, &a);
		int64_t y = retry_backoff(&p, 3, &b);
		int64_t z = retry_backoff(&p, 3, &c);

		assert_int_equal(x, y);
		same += x == z;
	}
	assert_true(same < 5);
	p.base_ns = 0;
	assert_int_equal(retry_backoff(&p, 3, &a), 0);
}

static void test_next_delay(void **state)
{
	struct retry_policy p;
	struct retry_class yes = {true, false}, no = {false, false};
	uint64_t rng = 1;
	int n;

	(void)state;
	retry_policy_default(&p);
	/* Six attempts in all: retries after attempts 1..5, not after 6. */
	for (n = 1; n <= 5; n++) {
		int64_t d = retry_next_delay(&p, yes, n, -1, &rng);

		assert_true(d >= 0 && d <= (500 * TP_NS_PER_MS) << (n - 1));
	}
	assert_int_equal(retry_next_delay(&p, yes, 6, -1, &rng), -1);
	assert_int_equal(retry_next_delay(&p, no, 1, -1, &rng), -1);
	/* Retry-After replaces the backoff, whatever its size. */
	assert_int_equal(retry_next_delay(&p, yes, 1, 7 * TP_NS_PER_S, &rng),
	                 7 * TP_NS_PER_S);
	assert_int_equal(retry_next_delay(&p, yes, 5, 0, &rng), 0);
	assert_int_equal(retry_next_delay(&p, no, 1, TP_NS_PER_S, &rng), -1);
	p.retries = 0;
	assert_int_equal(retry_next_delay(&p, yes, 1, -1, &rng), -1);
}

static void test_retry_after_seconds(void **state)
{
	int64_t now = INT64_C(1700000000) * TP_NS_PER_S + 123;

	(void)state;
	assert_int_equal(retry_after_parse("1", now), TP_NS_PER_S);
	assert_int_equal(retry_after_parse("0", now), 0);
	assert_int_equal(retry_after_parse(" 120 ", now), 120 * TP_NS_PER_S);
	assert_int_equal(retry_after_parse("\t5", now), 5 * TP_NS_PER_S);
	assert_int_equal(retry_after_parse("3600", now), RETRY_AFTER_MAX_NS);
	assert_int_equal(retry_after_parse("86400", now), RETRY_AFTER_MAX_NS);
	assert_int_equal(
	    retry_after_parse("99999999999999999999999999999", now),
	    RETRY_AFTER_MAX_NS);
	/* Absent or garbage. */
	assert_int_equal(retry_after_parse(NULL, now), -1);
	assert_int_equal(retry_after_parse("", now), -1);
	assert_int_equal(retry_after_parse("   ", now), -1);
	assert_int_equal(retry_after_parse("-5", now), -1);
	assert_int_equal(retry_after_parse("+5", now), -1);
	assert_int_equal(retry_after_parse("1.5", now), -1);
	assert_int_equal(retry_after_parse("12abc", now), -1);
	assert_int_equal(retry_after_parse("1e3", now), -1);
	assert_int_equal(retry_after_parse("tomorrow", now), -1);
	assert_int_equal(retry_after_parse("5 5", now), -1);
}

static void test_retry_after_date(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT is 784111777. */
	int64_t t0 = INT64_C(784111777) * TP_NS_PER_S;

	(void)state;
	/* The three date forms of RFC 9110 5.6.7. */
	assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
	                                   t0 - 30 * TP_NS_PER_S),
	                 30 * TP_NS_PER_S);
	assert_int_equal(retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT",
	                                   t0 - 30 * TP_NS_PER_S),
	                 30 * TP_NS_PER_S);
	assert_int_equal(retry_after_parse("Sun Nov  6 08:49:37 1994",
	                                   t0 - 30 * TP_NS_PER_S),
	                 30 * TP_NS_PER_S);
	/* Sub-second precision of now is kept. */
	assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
	                                   t0 - 250 * TP_NS_PER_MS),
	                 250 * TP_NS_PER_MS);
	/* In the past or now: no wait. */
	assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", t0),
	                 0);
	assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
	                                   t0 + 3600 * TP_NS_PER_S),
	                 0);
	/* Far future: capped at an hour. */
	assert_int_equal(retry_after_parse("Wed, 21 Oct 2099 07:28:00 GMT", t0),
	                 RETRY_AFTER_MAX_NS);
	assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 09:49:37 GMT", t0),
	                 RETRY_AFTER_MAX_NS);
	assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 09:49:36 GMT", t0),
	                 3599 * TP_NS_PER_S);
	assert_int_equal(retry_after_parse("Sun, 99 Nov 1994 25:49:37 GMT", t0),
	                 -1);
	assert_int_equal(retry_after_parse("Sun", t0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify_status),
	    cmocka_unit_test(test_classify_transport),
	    cmocka_unit_test(test_xfer_from_curl),
	    cmocka_unit_test(test_backoff_bounds),
	    cmocka_unit_test(test_backoff_deterministic),
	    cmocka_unit_test(test_next_delay),
	    cmocka_unit_test(test_retry_after_seconds),
	    cmocka_unit_test(test_retry_after_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
