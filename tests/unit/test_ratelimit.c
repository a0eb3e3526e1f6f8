/*
 * Unit tests: ratelimit (no sleeping: time is a parameter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "ratelimit.h"

static void test_burst_then_rate(void **state)
{
	struct ratelimit rl;
	int64_t t = 1000 * TP_NS_PER_S;
	int i, sent = 0;

	(void)state;
	ratelimit_init(&rl, 100, 0, t); /* burst 10 */
	for (i = 0; i < 10; i++)
		assert_int_equal(ratelimit_take(&rl, t), 0);
	assert_true(ratelimit_take(&rl, t) > 0);
	/* Over one simulated second, 100 more tokens and no more. */
	for (i = 0; i < 1000; i++) {
		int64_t now = t + (int64_t)i * TP_NS_PER_MS;
		while (ratelimit_take(&rl, now) == 0)
			sent++;
	}
	assert_true(sent >= 99 && sent <= 101);
}

static void test_wait_hint(void **state)
{
	struct ratelimit rl;
	int64_t w;

	(void)state;
	ratelimit_init(&rl, 10, 1, 0);
	assert_int_equal(ratelimit_take(&rl, 0), 0);
	w = ratelimit_take(&rl, 0);
	assert_true(w >= 100 * TP_NS_PER_MS - 1 &&
		    w <= 100 * TP_NS_PER_MS + 1000);
	assert_int_equal(ratelimit_take(&rl, w), 0);
}

static void test_pause_and_unlimited(void **state)
{
	struct ratelimit rl;

	(void)state;
	ratelimit_init(&rl, 0, 0, 0);
	assert_int_equal(ratelimit_take(&rl, 5), 0);
	ratelimit_pause(&rl, 2 * TP_NS_PER_S);
	assert_int_equal(ratelimit_take(&rl, TP_NS_PER_S), TP_NS_PER_S);
	ratelimit_pause(&rl, TP_NS_PER_S); /* earlier: no effect */
	assert_int_equal(ratelimit_take(&rl, 2 * TP_NS_PER_S), 0);
	assert_true(ratelimit_default_burst(5) == 1.0);
	assert_true(ratelimit_default_burst(200) == 20.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_wait_hint),
		cmocka_unit_test(test_pause_and_unlimited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
