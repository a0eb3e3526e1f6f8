/*
 * Unit tests: the helpers of http.h that need no server (URL policy,
 * Retry-After parsing, JSON 64-bit ids, paths for messages).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "http.h"
#include "redact.h"

static void test_url_check(void **state)
{
	char *err;

	(void)state;
	assert_int_equal(http_url_check("https://api.example.com/", &err), 0);
	assert_int_equal(http_url_check("http://127.0.0.5:80/", &err), 0);
	assert_int_equal(http_url_check("http://[::1]:8080/x", &err), 0);
	assert_int_equal(http_url_check("http://LOCALHOST/", &err), 0);
	assert_int_equal(http_url_check("http://127.0.0.1.nip.io/", &err), -1);
	free(err);
	assert_int_equal(http_url_check("http://10.0.0.1/", &err), -1);
	free(err);
	assert_int_equal(http_url_check("not a url", &err), -1);
	free(err);
}

static void test_json(void **state)
{
	cJSON *j;
	int64_t v;

	(void)state;
	assert_int_equal(json_bare_i64("9223372036854775807", 19, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(json_bare_i64("9223372036854775808", 19, &v), -1);
	assert_int_equal(json_bare_i64("012", 3, &v), -1);
	assert_int_equal(json_bare_i64("+12", 3, &v), -1);
	assert_int_equal(json_bare_i64("12.5", 4, &v), -1);
	assert_int_equal(json_bare_i64("", 0, &v), -1);
	assert_int_equal(json_bare_i64("-7", 2, &v), 0);
	assert_true(v == -7);

	j = cJSON_Parse("{\"id\": 4503599627370497, \"big\": "
	                "9007199254740993, \"s\": \"77\", \"f\": 1.5, "
	                "\"name\": \"acme\"}");
	assert_int_equal(json_get_i64(j, "id", &v), 0);
	assert_true(v == INT64_C(4503599627370497));
	assert_int_equal(json_get_i64(j, "big", &v), -1);
	assert_int_equal(json_get_i64(j, "s", &v), 0);
	assert_true(v == 77);
	assert_int_equal(json_get_i64(j, "f", &v), -1);
	assert_int_equal(json_get_i64(j, "missing", &v), -1);
	assert_string_equal(json_get_str(j, "name"), "acme");
	assert_null(json_get_str(j, "id"));
	cJSON_Delete(j);
}

static void test_url_path(void **state)
{
	char *msg;

	(void)state;
	msg = http_url_path("https://h.example/a/b?x=1&password=pw", 1);
	assert_string_equal(msg, "/a/b?x=1&password=***");
	free(msg);
	msg = http_url_path("https://h.example/a/b?x=1", 0);
	assert_string_equal(msg, "/a/b");
	free(msg);
	msg = http_url_path("/already/a/path?q=1", 0);
	assert_string_equal(msg, "/already/a/path");
	free(msg);
	msg = http_url_path("https://h.example", 0);
	assert_string_equal(msg, "/");
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_check),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_url_path),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	redact_clear();
	return rc;
}
