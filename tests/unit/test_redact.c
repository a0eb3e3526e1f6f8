/*
 * Unit tests: redact (the secret registry and the masking rules).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redact.h"
#include "util.h"

static char *raw(const char *s)
{
	return redact_raw(s, strlen(s), NULL);
}

#define assert_redacts(in, want)                                               \
	do {                                                                   \
		char *got_ = raw(in);                                          \
		assert_string_equal(got_, want);                               \
		free(got_);                                                    \
	} while (0)

static void test_registry(void **state)
{
	(void)state;
	redact_clear();
	redact_add("s3cr3t-T0ken");
	assert_redacts("token s3cr3t-T0ken used twice: s3cr3t-T0ken.",
	               "token *** used twice: ***.");
	/* Adjacent and overlapping secrets collapse into one mask. */
	redact_add("T0ken-more");
	assert_redacts("xs3cr3t-T0ken-morey", "x***y");
	redact_remove("T0ken-more");
	/* Counted: a second registration survives one removal. */
	redact_add("s3cr3t-T0ken");
	redact_remove("s3cr3t-T0ken");
	assert_redacts("s3cr3t-T0ken", "***");
	redact_remove("s3cr3t-T0ken");
	assert_redacts("s3cr3t-T0ken", "s3cr3t-T0ken");
	/* Too short to register. */
	redact_add("abc");
	assert_int_equal(redact_count(), 0);
	redact_clear();
}

static void test_encoded_forms(void **state)
{
	(void)state;
	redact_add("p@ss w\"rd/1");
	/* URL-encoded as curl_easy_escape would send it. */
	assert_redacts("user=u&pw=p%40ss%20w%22rd%2F1&x=1",
	               "user=u&pw=***&x=1");
	/* JSON-escaped. */
	assert_redacts("{\"pw\":\"p@ss w\\\"rd/1\"}", "{\"pw\":\"***\"}");
	assert_int_equal(redact_count(), 3);
	redact_remove("p@ss w\"rd/1");
	assert_int_equal(redact_count(), 0);
}

static void test_authorization(void **state)
{
	(void)state;
	assert_redacts("Authorization: Bearer eyJhbGciOi.x.y\r\nHost: a\r\n",
	               "Authorization: Bearer ***\r\nHost: a\r\n");
	assert_redacts("authorization:Basic dXNlcjpwYXNz",
	               "authorization:Basic ***");
	assert_redacts("Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;"
	               "host&Signature=abc=",
	               "Authorization: HMAC-SHA256 ***");
	assert_redacts("Authorization: opaquecredential", "Authorization: ***");
	assert_redacts("sent bearer abc.def-ghi now", "sent bearer *** now");
	/* Not a credential. */
	assert_redacts("Bearer", "Bearer");
	assert_redacts("no authorization here", "no authorization here");
}

static void test_json_fields(void **state)
{
	(void)state;
	assert_redacts("{\"access_token\":\"abc\",\"token_type\":\"bearer\","
	               "\"expires_in\":3600}",
	               "{\"access_token\":\"***\",\"token_type\":\"bearer\","
	               "\"expires_in\":3600}");
	assert_redacts("{ \"refreshToken\" : \"a\\\"b\", \"idToken\": \"c\" }",
	               "{ \"refreshToken\" : \"***\", \"idToken\": \"***\" }");
	assert_redacts("{\"password\": 123456, \"user\": \"bob\"}",
	               "{\"password\": \"***\", \"user\": \"bob\"}");
	assert_redacts("{\"client_secret\":\"x\",\"secret\":\"y\","
	               "\"accesskey\":\"z\",\"token\":\"t\"}",
	               "{\"client_secret\":\"***\",\"secret\":\"***\","
	               "\"accesskey\":\"***\",\"token\":\"***\"}");
	/* A value is not a name; a cut body hides to its end. */
	assert_redacts("{\"note\":\"password\",\"n\":1}",
	               "{\"note\":\"password\",\"n\":1}");
	assert_redacts("{\"accessToken\":\"abcdef", "{\"accessToken\":\"***");
	/* JSON inside a JSON string. */
	assert_redacts("{\"body\":\"{\\\"password\\\":\\\"hunter2\\\"}\"}",
	               "{\"body\":\"{\\\"password\\\":\\\"***\\\"}\"}");
	assert_true(redact_name_is_secret("msalAccessToken", 15));
	assert_true(redact_name_is_secret("2fa_payload", 11));
	assert_false(redact_name_is_secret("enterpriseName", 14));
	assert_false(redact_name_is_secret("token_type", 10));
}

static void test_form_fields(void **state)
{
	(void)state;
	assert_redacts("grant_type=password&username=bob&password=hunter2",
	               "grant_type=password&username=bob&password=***");
	assert_redacts("client_secret=abc&x=1", "client_secret=***&x=1");
	assert_redacts("GET /x?access_token=abc&y=2",
	               "GET /x?access_token=***&y=2");
	assert_redacts("endpoint=https://h/;accesskey=pw+/==;x=1",
	               "endpoint=https://h/;accesskey=***;x=1");
	assert_redacts("mypassword=1", "mypassword=***");
	assert_redacts("a=b=c", "a=b=c");
}

static void test_quote(void **state)
{
	char *q;
	const char *body = "{\"error\":\"bad\\n\",\"token\":\"xyz\"}\n\x1b[2J";

	(void)state;
	q = redact_quote(body, strlen(body), 200);
	assert_string_equal(q,
	                    "\"{\\\"error\\\":\\\"bad\\\\n\\\",\\\"token\\\":"
	                    "\\\"***\\\"}\\n\\x1b[2J\"");
	free(q);
	/* The cut happens after masking: no partial secret leaks. */
	redact_add("0123456789abcdef");
	q = redact_quote("id 0123456789abcdef tail", 24, 6);
	assert_string_equal(q, "\"id ***...\"");
	free(q);
	redact_clear();
}

static void *adder(void *arg)
{
	char s[32];
	int i, id = *(int *)arg;

	for (i = 0; i < 200; i++) {
		snprintf(s, sizeof(s), "secret-%d-%d", id, i);
		redact_add(s);
		char *r = redact_raw(s, strlen(s), NULL);
		if (strcmp(r, "***") != 0)
			abort();
		free(r);
		redact_remove(s);
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[8];
	int ids[8], i;

	(void)state;
	for (i = 0; i < 8; i++) {
		ids[i] = i;
		assert_int_equal(pthread_create(&t[i], NULL, adder, &ids[i]),
		                 0);
	}
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(redact_count(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_encoded_forms),
	    cmocka_unit_test(test_authorization),
	    cmocka_unit_test(test_json_fields),
	    cmocka_unit_test(test_form_fields),
	    cmocka_unit_test(test_quote),
	    cmocka_unit_test(test_threads),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	redact_clear();
	return rc;
}
