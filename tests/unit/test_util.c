/*
 * Unit tests: util, diag, suggest, exitcode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "exitcode.h"
#include "suggest.h"
#include "util.h"

static void test_buf(void **state)
{
	struct buf b;
	char *s;
	int i;

	(void)state;
	buf_init(&b);
	assert_string_equal(b.p, "");
	for (i = 0; i < 1000; i++)
		buf_addf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.p));
	assert_memory_equal(b.p, "0,1,2,", 6);
	s = buf_detach(&b);
	assert_string_equal(b.p, "");
	assert_memory_equal(s, "0,1,2,", 6);
	free(s);
	buf_adds(&b, "again"); /* a detached buffer is reusable */
	assert_string_equal(b.p, "again");
	free(buf_detach(&b)); /* and may be dropped without a leak */
}

static void test_quote(void **state)
{
	char *q;

	(void)state;
	q = str_quote("a\"b\\c\n\x1b[2J\x7f", 100);
	assert_string_equal(q, "\"a\\\"b\\\\c\\n\\x1b[2J\\x7f\"");
	free(q);
	q = str_quote("caf\xc3\xa9 \xff", 100);
	assert_string_equal(q, "\"caf\xc3\xa9 \\xff\"");
	free(q);
	q = str_quote("\xc2\x85x", 100); /* C1 NEL */
	assert_string_equal(q, "\"\\u0085x\"");
	free(q);
	q = str_quote("abcdef", 3);
	assert_string_equal(q, "\"abc...\"");
	free(q);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_int_equal(utf8_valid_prefix("abc", 3), 3);
	assert_int_equal(utf8_valid_prefix("\xe2\x80\x8f", 3), 3); /* RLM */
	assert_int_equal(utf8_valid_prefix("a\xc0\x80", 3), 1);    /* overlong */
	assert_int_equal(utf8_valid_prefix("\xed\xa0\x80", 3), 0); /* surrogate */
	assert_int_equal(utf8_valid_prefix("\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(utf8_valid_prefix("\xe2\x82", 2), 0); /* truncated */
}

static void test_strings(void **state)
{
	char s[] = "  a b\t ";
	char t[] = "MiXeD";

	(void)state;
	assert_string_equal(str_trim(s), "a b");
	assert_string_equal(str_lower(t), "mixed");
	assert_int_equal(str_casecmp("ACME", "acme"), 0);
	assert_true(str_casecmp("a", "b") < 0);
	assert_int_equal(str_ncasecmp("ABCx", "abcy", 3), 0);
	/* Only ASCII folds: U+00C9 and U+00E9 differ. */
	assert_true(str_casecmp("\xc3\x89", "\xc3\xa9") != 0);
}

static void test_suggest(void **state)
{
	static const char *const svc[] = {"PBX",	   "Trunk", "CALLAPP",
					  "CallRecording", "SMS",   "CHAT"};
	(void)state;
	assert_string_equal(suggest("CallApp", svc, 6), "CALLAPP");
	assert_string_equal(suggest("Sms", svc, 6), "SMS");
	assert_string_equal(suggest("Trnuk", svc, 6), "Trunk");
	assert_null(suggest("Zebra", svc, 6));
}

static void test_diag(void **state)
{
	struct diag d;
	int i;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	diag_init(&d);
	diag_error(&d, "m/enterprises.csv", 3, "bad %s", "thing");
	diag_error(&d, "m/fusion.csv", 0, "missing");
	f = open_memstream(&out, &len);
	diag_print(&d, f);
	fclose(f);
	assert_string_equal(out, "m/enterprises.csv:3: error: bad thing\n"
				 "m/fusion.csv: error: missing\n");
	free(out);
	for (i = 0; i < 150; i++)
		diag_error(&d, "x", i + 1, "e");
	assert_int_equal(d.errors, 152);
	assert_int_equal(d.n, DIAG_MAX);
	diag_release(&d);
}

static void test_exit_merge(void **state)
{
	(void)state;
	assert_int_equal(tp_exit_merge(1, 65), 65);
	assert_int_equal(tp_exit_merge(77, 69), 77);
	assert_int_equal(tp_exit_merge(0, 2), 2);
	assert_int_equal(tp_exit_merge(3, 1), 1);
	assert_int_equal(tp_exit_merge(75, 73), 73);
	assert_int_equal(tp_exit_merge(0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),	cmocka_unit_test(test_quote),
		cmocka_unit_test(test_utf8),	cmocka_unit_test(test_strings),
		cmocka_unit_test(test_suggest), cmocka_unit_test(test_diag),
		cmocka_unit_test(test_exit_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
