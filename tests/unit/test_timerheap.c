/*
 * Unit tests: timerheap, as pure functions (time is a parameter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "retry.h"
#include "timerheap.h"

static void test_heap_order(void **state)
{
	struct timerheap h;
	uint64_t rng = 99;
	int64_t last = INT64_MIN;
	intptr_t i;
	int n = 0;

	(void)state;
	timerheap_init(&h);
	assert_true(timerheap_next(&h) == INT64_MAX);
	assert_null(timerheap_pop_due(&h, INT64_MAX));
	for (i = 1; i <= 5000; i++)
		timerheap_push(&h, (int64_t)(retry_rand(&rng) % 1000),
		               (void *)i);
	/* Nothing before its time. */
	assert_null(timerheap_pop_due(&h, timerheap_next(&h) - 1));
	for (;;) {
		int64_t due = timerheap_next(&h);

		if (!timerheap_pop_due(&h, 999))
			break;
		assert_true(due >= last);
		last = due;
		n++;
	}
	assert_int_equal(n, 5000);
	assert_int_equal(h.n, 0);
	timerheap_release(&h);
}

static void test_heap_fifo_and_due(void **state)
{
	struct timerheap h;
	intptr_t i;

	(void)state;
	timerheap_init(&h);
	/* Equal due times come out in insertion order. */
	for (i = 1; i <= 100; i++)
		timerheap_push(&h, 50, (void *)i);
	timerheap_push(&h, 10, (void *)1000);
	timerheap_push(&h, 70, (void *)2000);
	assert_true(timerheap_next(&h) == 10);
	assert_null(timerheap_pop_due(&h, 9));
	assert_true(timerheap_pop_due(&h, 10) == (void *)1000);
	assert_null(timerheap_pop_due(&h, 49));
	for (i = 1; i <= 100; i++)
		assert_true(timerheap_pop_due(&h, 60) == (void *)i);
	assert_null(timerheap_pop_due(&h, 60));
	assert_true(timerheap_next(&h) == 70);
	assert_true(timerheap_pop_due(&h, INT64_MAX) == (void *)2000);
	timerheap_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_heap_order),
	    cmocka_unit_test(test_heap_fifo_and_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
