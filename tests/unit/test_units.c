/*
 * Unit tests: units (durations, rates, integers, numbers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "units.h"

#define MS UNITS_NS_PER_MS
#define SEC UNITS_NS_PER_S

static int64_t dur(const char *s)
{
	int64_t ns = -42;
	const char *why = NULL;

	assert_int_equal(units_parse_duration(s, &ns, &why), 0);
	return ns;
}

static void dur_bad(const char *s, const char *why_part)
{
	int64_t ns = -42;
	const char *why = NULL;

	assert_int_equal(units_parse_duration(s, &ns, &why), -1);
	assert_int_equal(ns, -42); /* untouched */
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", s, why, why_part);
}

static void test_duration(void **state)
{
	(void)state;
	assert_int_equal(dur("500ms"), 500 * MS);
	assert_int_equal(dur("30s"), 30 * SEC);
	assert_int_equal(dur("5m"), 300 * SEC);
	assert_int_equal(dur("2h"), 7200 * SEC);
	assert_int_equal(dur("7d"), 7 * 86400 * SEC);
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur("0s"), 0);
	assert_int_equal(dur("1h30m"), 5400 * SEC);
	assert_int_equal(dur("1d2h3m4s5ms"),
	                 ((((1 * 24 + 2) * 60 + 3) * 60 + 4) * 1000 + 5) * MS);
	assert_int_equal(dur("007s"), 7 * SEC);
	/* the largest that fits: 9223372036854775807 ns */
	assert_int_equal(dur("9223372036854ms"), INT64_C(9223372036854) * MS);

	dur_bad("", "empty");
	dur_bad("30", "unit is needed");
	dur_bad("-5s", "negative");
	dur_bad("+5s", "expected a number");
	dur_bad("5x", "unknown unit");
	dur_bad("5mins", "unknown unit");
	dur_bad("5S", "unknown unit");
	dur_bad("5 s", "unknown unit");
	dur_bad(" 5s", "expected a number");
	dur_bad("1.5s", "unknown unit");
	dur_bad("s", "expected a number");
	dur_bad("30m1h", "largest to smallest");
	dur_bad("1s1s", "largest to smallest");
	dur_bad("107000d", "too large");
	dur_bad("9223372036855ms", "too large");
	dur_bad("99999999999999999999999s", "too large");
}

static void test_format(void **state)
{
	char b[40];

	(void)state;
	units_format_duration(0, b, sizeof(b));
	assert_string_equal(b, "0");
	units_format_duration(5400 * SEC, b, sizeof(b));
	assert_string_equal(b, "1h30m");
	units_format_duration(1500 * MS, b, sizeof(b));
	assert_string_equal(b, "1s500ms");
	units_format_duration(7 * 86400 * SEC, b, sizeof(b));
	assert_string_equal(b, "7d");
	units_format_duration(INT64_MAX, b, sizeof(b));
	assert_string_equal(b, "106751d23h47m16s854ms");
	units_format_duration(5400 * SEC, b, 3); /* truncated, terminated */
	assert_true(strlen(b) < 3);
}

static double rate(const char *s)
{
	double r = -1;
	const char *why = NULL;

	assert_int_equal(units_parse_rate(s, &r, &why), 0);
	return r;
}

static void rate_bad(const char *s, const char *why_part)
{
	double r = -1;
	const char *why = NULL;

	assert_int_equal(units_parse_rate(s, &r, &why), -1);
	assert_true(r == -1);
	if (!strstr(why, why_part))
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", s, why, why_part);
}

static void test_rate(void **state)
{
	(void)state;
	assert_true(rate("10/s") == 10);
	assert_true(rate("600/min") == 10);
	assert_true(rate("600/m") == 10);
	assert_true(rate("3600/h") == 1);
	assert_true(rate("0.5/s") == 0.5);
	assert_true(rate("0") == 0);
	assert_true(rate("1000000/s") == UNITS_RATE_MAX);

	rate_bad("10", "needs a unit");
	rate_bad("", "expected");
	rate_bad("-1/s", "negative");
	rate_bad("0/s", "zero rate");
	rate_bad("10/sec", "unknown unit");
	rate_bad("10/minute", "unknown unit");
	rate_bad("10 /s", "expected");
	rate_bad("10/", "unknown unit");
	rate_bad("/s", "expected");
	rate_bad("1e3/s", "expected");
	rate_bad("1000001/s", "too large");
	rate_bad("10./s", "expected");
}

static void test_uint(void **state)
{
	uint64_t v = 99;
	const char *why;

	(void)state;
	assert_int_equal(units_parse_uint("0", 10, &v, &why), 0);
	assert_int_equal(v, 0);
	assert_int_equal(units_parse_uint("10", 10, &v, &why), 0);
	assert_int_equal(v, 10);
	assert_int_equal(
	    units_parse_uint("18446744073709551615", UINT64_MAX, &v, &why), 0);
	assert_true(v == UINT64_MAX);
	v = 99;
	assert_int_equal(units_parse_uint("11", 10, &v, &why), -1);
	assert_string_equal(why, "too large");
	assert_int_equal(
	    units_parse_uint("18446744073709551616", UINT64_MAX, &v, &why), -1);
	assert_string_equal(why, "too large");
	assert_int_equal(units_parse_uint("-1", 10, &v, &why), -1);
	assert_string_equal(why, "cannot be negative");
	assert_int_equal(units_parse_uint("", 10, &v, &why), -1);
	assert_int_equal(units_parse_uint("+1", 10, &v, &why), -1);
	assert_int_equal(units_parse_uint("1x", 10, &v, &why), -1);
	assert_int_equal(units_parse_uint("0x1", 10, &v, &why), -1);
	assert_int_equal(units_parse_uint(" 1", 10, &v, &why), -1);
	assert_int_equal(
	    units_parse_uint("99999999999999999999x", 10, &v, &why), -1);
	assert_string_equal(why, "expected a whole number (digits only)");
	assert_int_equal(v, 99);
}

static void test_number(void **state)
{
	double x = -1;
	const char *why;

	(void)state;
	assert_int_equal(units_parse_number("1.5", &x, &why), 0);
	assert_true(x == 1.5);
	assert_int_equal(units_parse_number("2", &x, &why), 0);
	assert_true(x == 2);
	assert_int_equal(units_parse_number("0.25", &x, &why), 0);
	assert_true(x == 0.25);
	assert_int_equal(units_parse_number("1.000000001", &x, &why), 0);
	assert_int_equal(units_parse_number("1.0000000001", &x, &why), -1);
	assert_int_equal(units_parse_number("1.", &x, &why), -1);
	assert_int_equal(units_parse_number(".5", &x, &why), -1);
	assert_int_equal(units_parse_number("1,5", &x, &why), -1);
	assert_int_equal(units_parse_number("1e2", &x, &why), -1);
	assert_int_equal(units_parse_number("-1", &x, &why), -1);
	assert_int_equal(units_parse_number("nan", &x, &why), -1);
	assert_int_equal(units_parse_number("inf", &x, &why), -1);
	assert_int_equal(units_parse_number("", &x, &why), -1);
	assert_int_equal(units_parse_number("9999999999999999", &x, &why), -1);
	assert_string_equal(why, "too large");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration), cmocka_unit_test(test_format),
	    cmocka_unit_test(test_rate),     cmocka_unit_test(test_uint),
	    cmocka_unit_test(test_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
