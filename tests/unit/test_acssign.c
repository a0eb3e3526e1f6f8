/*
 * Unit tests: acssign, against the published test vectors (Azure SDK for
 * Python, communication identity tests; API-NOTES.md) and a signed request
 * with a body.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acssign.h"

#define HOST "contoso.communicationservices.azure.com"
#define DATE "Wed, 13 Apr 2022 18:09:12 GMT"
#define T0 ((time_t)1649873352)
#define EMPTY_HASH "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

static unsigned char *key;
static size_t key_len;

static int setup(void **state)
{
	(void)state;
	return acs_base64_decode("pw==", &key, &key_len);
}

static int teardown(void **state)
{
	(void)state;
	free(key);
	return 0;
}

static void test_primitives(void **state)
{
	char out[ACS_B64_SHA256_SIZE];

	(void)state;
	assert_int_equal(key_len, 1);
	assert_int_equal(key[0], 0xa7);
	acs_content_hash("", 0, out);
	assert_string_equal(out, EMPTY_HASH);
	acs_content_hash("banana", 6, out);
	assert_string_equal(out,
	                    "tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4=");
	acs_hmac(key, key_len, "banana", 6, out);
	assert_string_equal(out,
	                    "88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8=");
}

static void test_date(void **state)
{
	char d[ACS_DATE_SIZE];

	(void)state;
	/* English whatever the locale says */
	setlocale(LC_ALL, "fr_FR.UTF-8");
	acs_date(T0, d);
	setlocale(LC_ALL, "C");
	assert_string_equal(d, DATE);
	acs_date(0, d);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
}

static void check_vector(const char *pq, const char *want)
{
	struct acs_signed s;
	char *expect;

	acs_sign(key, key_len, "GET", pq, HOST, "", 0, T0, &s);
	assert_string_equal(s.date, DATE);
	assert_string_equal(s.content_hash, EMPTY_HASH);
	expect = malloc(200);
	snprintf(expect, 200,
	         "HMAC-SHA256 SignedHeaders=x-ms-date;host;"
	         "x-ms-content-sha256&Signature=%s",
	         want);
	assert_string_equal(s.authorization, expect);
	assert_int_equal(acs_verify(key, key_len, "GET", pq, HOST, s.date,
	                            s.content_hash, s.authorization, "", 0,
	                            T0 + 60, ACS_DATE_WINDOW),
	                 ACS_VERIFY_OK);
	free(expect);
	acs_signed_release(&s);
}

static void test_vectors(void **state)
{
	char *sts;

	(void)state;
	sts = acs_string_to_sign("GET", "/", DATE, HOST, EMPTY_HASH);
	assert_string_equal(sts, "GET\n/\n" DATE ";" HOST ";" EMPTY_HASH);
	free(sts);
	check_vector("/", "88MDmJhUR3m5QhFxb8ztShsSwlGrg7g/6XPnWf7QEO4=");
	check_vector("/testPath",
	             "RoCrHjw7fb9fpHSbqvRUY2xa8RBS0YvI1cxI1x8AS38=");
	check_vector("/testPath?testQuery=yes",
	             "il99+rd6V5O136roX/zVePCNle78HmvC4B7tu9zRH3I=");
}

static void test_body_and_refusals(void **state)
{
	static const char pq[] = "/access/teamsExtension/tenants/"
	                         "87d349ed-44d7-43e1-9a83-5f2406dee5bd/"
	                         "assignments/e5b7f628-ea94-4fdc-b3d9-"
	                         "1af1fe231111?api-version=2025-06-30";
	static const char body[] = "{\"principalType\":\"user\","
	                           "\"clientIds\":[\"1bfa671a-dc6b-47f3-8940-"
	                           "45c0f1af0fa6\"]}";
	struct acs_signed s;
	char h[ACS_B64_SHA256_SIZE];
	size_t n = strlen(body);

	(void)state;
	acs_sign(key, key_len, "PUT", pq, HOST, body, n, T0, &s);
	acs_content_hash(body, n, h);
	assert_string_equal(s.content_hash, h);
	assert_string_not_equal(s.content_hash, EMPTY_HASH);
	assert_int_equal(acs_verify(key, key_len, "PUT", pq, HOST, s.date,
	                            s.content_hash, s.authorization, body, n,
	                            T0, ACS_DATE_WINDOW),
	                 ACS_VERIFY_OK);
	/* body changed after signing */
	assert_int_equal(acs_verify(key, key_len, "PUT", pq, HOST, s.date,
	                            s.content_hash, s.authorization, body,
	                            n - 1, T0, ACS_DATE_WINDOW),
	                 ACS_VERIFY_BAD_HASH);
	/* another verb, path or host */
	assert_int_equal(acs_verify(key, key_len, "GET", pq, HOST, s.date,
	                            s.content_hash, s.authorization, body, n,
	                            T0, ACS_DATE_WINDOW),
	                 ACS_VERIFY_BAD_SIGNATURE);
	assert_int_equal(acs_verify(key, key_len, "PUT", "/x", HOST, s.date,
	                            s.content_hash, s.authorization, body, n,
	                            T0, ACS_DATE_WINDOW),
	                 ACS_VERIFY_BAD_SIGNATURE);
	assert_int_equal(acs_verify(key, key_len, "PUT", pq, "evil", s.date,
	                            s.content_hash, s.authorization, body, n,
	                            T0, ACS_DATE_WINDOW),
	                 ACS_VERIFY_BAD_SIGNATURE);
	/* clock skew: 15 minutes is fine, 15 minutes and a second is not */
	assert_int_equal(acs_verify(key, key_len, "PUT", pq, HOST, s.date,
	                            s.content_hash, s.authorization, body, n,
	                            T0 + 900, ACS_DATE_WINDOW),
	                 ACS_VERIFY_OK);
	assert_int_equal(acs_verify(key, key_len, "PUT", pq, HOST, s.date,
	                            s.content_hash, s.authorization, body, n,
	                            T0 - 901, ACS_DATE_WINDOW),
	                 ACS_VERIFY_DATE_SKEW);
	assert_int_equal(acs_verify(key, key_len, "PUT", pq, HOST, "nope",
	                            s.content_hash, s.authorization, body, n,
	                            T0, ACS_DATE_WINDOW),
	                 ACS_VERIFY_BAD_DATE);
	assert_int_equal(acs_verify(key, key_len, "PUT", pq, HOST, s.date,
	                            s.content_hash, "Bearer x", body, n, T0,
	                            ACS_DATE_WINDOW),
	                 ACS_VERIFY_BAD_SCHEME);
	assert_int_equal(acs_verify(key, key_len, "PUT", pq, HOST, NULL,
	                            s.content_hash, s.authorization, body, n,
	                            T0, ACS_DATE_WINDOW),
	                 ACS_VERIFY_MISSING);
	acs_signed_release(&s);
}

static void test_conn_string(void **state)
{
	struct acs_conn c;
	char *err = NULL, *h;

	(void)state;
	assert_int_equal(
	    acs_conn_parse(
	        &c, "endpoint=https://" HOST ":443/;accesskey=pw==", &err),
	    0);
	assert_string_equal(c.endpoint, "https://" HOST ":443");
	assert_string_equal(c.host, HOST);
	assert_int_equal(c.key_len, 1);
	acs_conn_release(&c);
	assert_int_equal(acs_conn_parse(&c,
	                                " AccessKey=c2ltLWFjcy1rZXk= ; "
	                                "EndPoint=http://127.0.0.1:8080/",
	                                &err),
	                 0);
	assert_string_equal(c.host, "127.0.0.1:8080");
	assert_int_equal(c.key_len, 11);
	assert_memory_equal(c.key, "sim-acs-key", 11);
	acs_conn_release(&c);
	assert_int_equal(acs_conn_parse(&c, "endpoint=https://x/", &err), -1);
	assert_non_null(strstr(err, "accesskey"));
	free(err);
	assert_int_equal(
	    acs_conn_parse(&c, "endpoint=https://x/;accesskey=s3cr*t", &err),
	    -1);
	assert_null(strstr(err, "s3cr"));
	free(err);
	assert_int_equal(
	    acs_conn_parse(&c, "endpoint=ftp://x;accesskey=pw==", &err), -1);
	free(err);
	h = acs_url_host("http://127.0.0.1:80/x");
	assert_string_equal(h, "127.0.0.1");
	free(h);
	assert_null(acs_url_host("ftp://x"));
	h = acs_host_normalize("h:443", 1);
	assert_string_equal(h, "h");
	free(h);
}

/* The client side: host and path+query taken from the URL it sends to,
 * the default port dropped, the query kept, a fragment never sent. */
static void check_url(const char *url, const char *want)
{
	struct acs_signed s;
	char *expect = malloc(200);

	assert_int_equal(acs_sign_url(key, key_len, "GET", url, NULL, 0, T0,
	                              &s),
	                 0);
	snprintf(expect, 200,
	         "HMAC-SHA256 SignedHeaders=x-ms-date;host;"
	         "x-ms-content-sha256&Signature=%s",
	         want);
	assert_string_equal(s.authorization, expect);
	assert_string_equal(s.date, DATE);
	assert_string_equal(s.content_hash, EMPTY_HASH);
	free(expect);
	acs_signed_release(&s);
}

static void test_sign_url(void **state)
{
	struct acs_signed s;
	char *pq;
	static const char body[] = "{\"principalType\":\"user\","
	                           "\"clientIds\":[\"1bfa671a-dc6b-47f3-8940-"
	                           "45c0f1af0fa6\"]}";

	(void)state;
	check_url("https://" HOST, "88MDmJhUR3m5QhFxb8ztShsSwlGrg7g/6XPnWf7QEO4=");
	check_url("https://" HOST ":443/",
	          "88MDmJhUR3m5QhFxb8ztShsSwlGrg7g/6XPnWf7QEO4=");
	check_url("https://" HOST "/testPath",
	          "RoCrHjw7fb9fpHSbqvRUY2xa8RBS0YvI1cxI1x8AS38=");
	check_url("HTTPS://" HOST ":443/testPath?testQuery=yes#frag",
	          "il99+rd6V5O136roX/zVePCNle78HmvC4B7tu9zRH3I=");
	pq = acs_url_path_and_query("http://127.0.0.1:8080?a=1");
	assert_string_equal(pq, "/?a=1");
	free(pq);
	pq = acs_url_path_and_query("http://127.0.0.1:8080/x/y?api-version="
	                            "2025-06-30");
	assert_string_equal(pq, "/x/y?api-version=2025-06-30");
	free(pq);
	assert_null(acs_url_path_and_query("ftp://h/x"));
	assert_int_equal(acs_sign_url(key, key_len, "GET", "ftp://h/", NULL, 0,
	                              T0, &s),
	                 -1);
	/* a request with a body: the body hash is signed, and the server's
	 * check (what teamsprov-sim runs) accepts it on a non-default port */
	assert_int_equal(acs_sign_url(key, key_len, "PUT",
	                              "http://127.0.0.1:8080/access/x?"
	                              "api-version=2025-06-30",
	                              body, strlen(body), T0, &s),
	                 0);
	assert_string_not_equal(s.content_hash, EMPTY_HASH);
	assert_int_equal(acs_verify(key, key_len, "PUT",
	                            "/access/x?api-version=2025-06-30",
	                            "127.0.0.1:8080", s.date, s.content_hash,
	                            s.authorization, body, strlen(body), T0,
	                            ACS_DATE_WINDOW),
	                 ACS_VERIFY_OK);
	assert_int_equal(acs_verify(key, key_len, "PUT",
	                            "/access/x?api-version=2025-06-30",
	                            "127.0.0.1", s.date, s.content_hash,
	                            s.authorization, body, strlen(body), T0,
	                            ACS_DATE_WINDOW),
	                 ACS_VERIFY_BAD_SIGNATURE);
	acs_signed_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_primitives),
	    cmocka_unit_test(test_date),
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_body_and_refusals),
	    cmocka_unit_test(test_conn_string),
	    cmocka_unit_test(test_sign_url),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
