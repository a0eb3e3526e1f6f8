/*
 * Unit tests: listenaddr (--listen ADDR:PORT).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "listenaddr.h"

static void good(const char *spec, int family, unsigned port,
		 const char *text)
{
	struct listenaddr a;
	const char *err = NULL;

	if (listenaddr_parse(spec, &a, &err) != 0)
		fail_msg("\"%s\" refused: %s", spec, err);
	assert_int_equal(a.family, family);
	assert_int_equal(a.port, port);
	assert_string_equal(a.text, text);
	assert_int_equal(a.ss.ss_family, family);
}

static void bad(const char *spec, const char *why)
{
	struct listenaddr a;
	const char *err = NULL;

	assert_int_equal(listenaddr_parse(spec, &a, &err), -1);
	assert_non_null(err);
	if (!strstr(err, why))
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", spec, err, why);
}

static void test_good(void **state)
{
	(void)state;
	good("127.0.0.1:8080", AF_INET, 8080, "127.0.0.1:8080");
	good("0.0.0.0:1", AF_INET, 1, "0.0.0.0:1");
	good("10.1.2.3:65535", AF_INET, 65535, "10.1.2.3:65535");
	good("[::1]:8080", AF_INET6, 8080, "[::1]:8080");
	good("[::]:443", AF_INET6, 443, "[::]:443");
	good("[fe80::1:2]:9", AF_INET6, 9, "[fe80::1:2]:9");
	good("localhost:8080", AF_INET, 8080, "127.0.0.1:8080");
	good("127.0.0.1:00080", AF_INET, 80, "127.0.0.1:80");
}

static void test_bad(void **state)
{
	(void)state;
	bad("", "ADDR:PORT");
	bad("8080", "ADDR:PORT");
	bad(":8080", "ADDR:PORT");
	bad("127.0.0.1:", "port");
	bad("127.0.0.1:0", "port");
	bad("127.0.0.1:65536", "port");
	bad("127.0.0.1:123456", "port");
	bad("127.0.0.1:-1", "port");
	bad("127.0.0.1:+80", "port");
	bad("127.0.0.1: 80", "port");
	bad("127.0.0.1:80x", "port");
	bad("::1:8080", "brackets");
	bad("[::1]8080", "[ADDR]:PORT");
	bad("[::1:8080", "[ADDR]:PORT");
	bad("[]:8080", "address");
	bad("[127.0.0.1]:80", "IPv6");
	bad("256.0.0.1:80", "IPv4");
	bad("example.com:80", "IPv4");
	bad("[zz::1]:80", "IPv6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
