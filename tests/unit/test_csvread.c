/*
 * Unit tests: csvread (records, physical lines, limits) and csvwrite_row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "csvread.h"
#include "diag.h"
#include "util.h"

/*
 * Reads data and renders every record as "LINE:f1|f2|...\n" ("!" after the
 * line for a bad record), then "=RC", into *out; diagnostics into *err.
 */
static void run(const char *data, size_t len, char **out, char **err)
{
	struct diag d;
	struct csvread *r;
	struct csv_record rec;
	struct buf b;
	size_t i, sz;
	FILE *f;
	int rc;

	diag_init(&d);
	buf_init(&b);
	r = csvread_mem(data, len, "t.csv", &d);
	while ((rc = csvread_next(r, &rec)) == 1) {
		buf_addf(&b, "%ld%s:", rec.line, rec.bad ? "!" : "");
		for (i = 0; i < rec.n; i++) {
			if (i)
				buf_addc(&b, '|');
			buf_add(&b, rec.f[i], rec.len[i]);
		}
		buf_addc(&b, '\n');
	}
	buf_addf(&b, "=%d", rc);
	csvread_free(r);
	*out = buf_detach(&b);
	buf_release(&b);
	f = open_memstream(err, &sz);
	diag_print(&d, f);
	fclose(f);
	diag_release(&d);
}

static void expect(const char *data, const char *want, const char *want_err)
{
	char *out, *err;

	run(data, strlen(data), &out, &err);
	assert_string_equal(out, want);
	assert_string_equal(err, want_err);
	free(out);
	free(err);
}

static void test_basic(void **state)
{
	(void)state;
	expect("a,b\n1,2\n", "1:a|b\n2:1|2\n=0", "");
	/* no final newline */
	expect("a,b\n1,2", "1:a|b\n2:1|2\n=0", "");
	/* empty input: no record at all */
	expect("", "=0", "");
	/* header only */
	expect("name,country\n", "1:name|country\n=0", "");
}

static void test_quoted_newlines(void **state)
{
	(void)state;
	expect("h\n\"a\nb\nc\"\nnext\n\"x,\"\"y\"\"\"\nz\n",
	       "1:h\n2:a\nb\nc\n5:next\n6:x,\"y\"\n7:z\n=0", "");
	/* a quoted newline in a later field */
	expect("a,\"1\n2\",b\nc\n", "1:a|1\n2|b\n3:c\n=0", "");
}

static void test_crlf(void **state)
{
	(void)state;
	expect("a,b\r\n1,2\r\n\"x\r\ny\",3\r\nlast,4\r\n",
	       "1:a|b\n2:1|2\n3:x\r\ny|3\n5:last|4\n=0", "");
	/* a lone CR ends a record but is not a new physical line */
	expect("a\rb\nc\n", "1:a\n1:b\n2:c\n=0", "");
}

static void test_bom_blank_trim(void **state)
{
	(void)state;
	expect("\xef\xbb\xbfname\nx\n", "1:name\n2:x\n=0", "");
	expect("a\n\n   \n\r\nb\n\n", "1:a\n5:b\n=0", "");
	expect("\n\nh\n", "3:h\n=0", "");
	/* blanks around unquoted cells trimmed, kept inside quotes */
	expect("  a  , b c ,\" q \" ,\t\n", "1:a|b c| q |\n=0", "");
	/* a BOM that is not at the start is data */
	expect("a\n\xef\xbb\xbfx\n", "1:a\n2:\xef\xbb\xbfx\n=0", "");
}

static void test_unterminated_quote(void **state)
{
	(void)state;
	expect("h\nok\n\"never\nclosed\nat all\n", "1:h\n2:ok\n=-1",
	       "t.csv:3: error: quoted field not closed before the end of "
	       "the file (the quote opened on this line)\n");
	/* the quote opens on a later line than the record starts */
	expect("h,i\n\"a\nb\",\"c\nd\n", "1:h|i\n=-1",
	       "t.csv:3: error: quoted field not closed before the end of "
	       "the file (the quote opened on this line)\n");
}

static void test_bad_quotes(void **state)
{
	(void)state;
	expect("h\nab\"c\n", "1:h\n=-1",
	       "t.csv:2: error: quote inside an unquoted field (quote the "
	       "whole field and write the quote as \"\")\n");
	expect("h\n\"a\nb\"x\n", "1:h\n=-1",
	       "t.csv:3: error: text after the closing quote of a quoted "
	       "field (a quote inside quotes is written \"\")\n");
}

static void test_nul_utf8(void **state)
{
	char *out, *err;
	static const char nul[] = "h,i\nok,1\nbad,x\0y\nnext,2\n";

	(void)state;
	run(nul, sizeof(nul) - 1, &out, &err);
	assert_string_equal(out, "1:h|i\n2:ok|1\n3!:bad\n4:next|2\n=0");
	assert_string_equal(err, "t.csv:3: error: NUL byte in field 2\n");
	free(out);
	free(err);
	expect("h\n\"multi\nline\",\xff\xfe\nz\n",
	       "1:h\n2!:multi\nline\n4:z\n=0",
	       "t.csv:2: error: field 2 is not valid UTF-8\n");
	/* overlong encoding of '/' */
	expect("h\n\xc0\xaf\n", "1:h\n2!:\n=0",
	       "t.csv:2: error: field 1 is not valid UTF-8\n");
}

static void test_big_field(void **state)
{
	size_t n = 1024 * 1024, i;
	char *data = xmalloc(n + 64), *out, *err;
	size_t len;

	(void)state;
	/* an unquoted 1 MiB field: refused at the cap, fatal */
	len = (size_t)sprintf(data, "h\nx,");
	memset(data + len, 'a', n);
	len += n;
	memcpy(data + len, "\nz\n", 3);
	len += 3;
	run(data, len, &out, &err);
	assert_string_equal(out, "1:h\n=-1");
	assert_string_equal(err,
	                    "t.csv:2: error: field longer than 65536 bytes\n");
	free(out);
	free(err);
	/* a quoted one, which is what a missing closing quote looks like */
	len = (size_t)sprintf(data, "h\n\"");
	for (i = 0; i < n; i++)
		data[len++] = i % 100 == 99 ? '\n' : 'b';
	run(data, len, &out, &err);
	assert_string_equal(out, "1:h\n=-1");
	assert_string_equal(err, "t.csv:2: error: quoted field longer than "
	                         "65536 bytes (is its closing quote "
	                         "missing?)\n");
	free(out);
	free(err);
	/* exactly at the cap is fine, one more byte is refused */
	len = 0;
	memset(data, 'c', CSVREAD_FIELD_MAX);
	len = CSVREAD_FIELD_MAX;
	memcpy(data + len, "\nc", 2);
	memset(data + len + 2, 'c', CSVREAD_FIELD_MAX);
	len += 2 + CSVREAD_FIELD_MAX;
	run(data, len, &out, &err);
	assert_int_equal(strlen(out), 2 + CSVREAD_FIELD_MAX + 1 + 6);
	assert_string_equal(out + 2 + CSVREAD_FIELD_MAX, "\n2!:\n=0");
	assert_string_equal(err, "t.csv:2: error: field 1 is longer than "
	                         "65536 bytes\n");
	free(out);
	free(err);
	free(data);
}

static void test_big_field_memory(void **state)
{
	/* Reading 64 MiB of an unterminated quote from a file must stop at
	 * the cap instead of buffering the rest of the file. */
	char path[] = "/tmp/tp-csvread.XXXXXX";
	struct rusage before, after;
	struct diag d;
	struct csvread *r;
	struct csv_record rec;
	char *chunk = xmalloc(1 << 20);
	int fd, i;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "h\n\"", 3), 3);
	memset(chunk, 'q', 1 << 20);
	for (i = 0; i < 64; i++)
		assert_int_equal(write(fd, chunk, 1 << 20), 1 << 20);
	close(fd);
	free(chunk);
	getrusage(RUSAGE_SELF, &before);
	diag_init(&d);
	r = csvread_open(path, "big.csv", &d);
	assert_non_null(r);
	assert_int_equal(csvread_next(r, &rec), 1);
	assert_int_equal(csvread_next(r, &rec), -1);
	assert_int_equal(csvread_next(r, &rec), -1);
	csvread_free(r);
	getrusage(RUSAGE_SELF, &after);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.v[0].line, 2);
	/* peak RSS grew by far less than the 64 MiB on disk */
	assert_true(after.ru_maxrss - before.ru_maxrss < 16 * 1024);
	diag_release(&d);
	unlink(path);
}

static void test_many_columns(void **state)
{
	struct buf b;
	char *out, *err;
	int i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 10000; i++)
		buf_addf(&b, "%sx_%d", i ? "," : "", i);
	buf_addc(&b, '\n');
	for (i = 0; i < 10000; i++)
		buf_addf(&b, "%s%d", i ? "," : "", i);
	buf_addc(&b, '\n');
	run(b.p, b.len, &out, &err);
	assert_string_equal(err, "");
	assert_memory_equal(out, "1:x_0|x_1|", 10);
	assert_non_null(strstr(out, "|x_9999\n2:0|1|2|"));
	assert_non_null(strstr(out, "|9999\n=0"));
	free(out);
	free(err);
	/* past the cap: refused for that record, reading goes on */
	buf_reset(&b);
	for (i = 0; i < CSVREAD_MAX_FIELDS + 1; i++)
		buf_adds(&b, "a,");
	buf_adds(&b, "a\nnext\n");
	run(b.p, b.len, &out, &err);
	assert_string_equal(err,
	                    "t.csv:1: error: more than 16384 fields in one "
	                    "record\n");
	assert_memory_equal(out, "1!:a|a|", 7);
	assert_non_null(strstr(out, "\n2:next\n=0"));
	free(out);
	free(err);
	buf_release(&b);
}

static void test_file(void **state)
{
	char dir[] = "/tmp/tp-csvread.XXXXXX", path[64];
	struct diag d;
	struct csvread *r;
	struct csv_record rec;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.csv", dir);
	diag_init(&d);
	assert_null(csvread_open(path, "x.csv", &d));
	assert_null(csvread_open(dir, "dir", &d));
	assert_int_equal(d.errors, 0);
	f = fopen(path, "w");
	/* longer than one read, with records across the read boundary */
	for (int i = 0; i < 20000; i++)
		fprintf(f, "%d,\"q\n%d\"\n", i, i);
	fclose(f);
	r = csvread_open(path, "x.csv", &d);
	assert_non_null(r);
	for (int i = 0; i < 20000; i++) {
		assert_int_equal(csvread_next(r, &rec), 1);
		assert_int_equal(rec.line, 1 + 2 * i);
		assert_int_equal(atoi(rec.f[0]), i);
	}
	assert_int_equal(csvread_next(r, &rec), 0);
	assert_int_equal(csvread_line(r), 40001);
	csvread_free(r);
	assert_int_equal(d.errors, 0);
	diag_release(&d);
	unlink(path);
	rmdir(dir);
}

static void test_write(void **state)
{
	const char *v[] = {"plain", "a,b",         "say \"hi\"", " pad",
	                   "",      "=SUM(A1)",    "-5",         "@x",
	                   "\tt",   "line\nbreak", NULL};
	const char *bom[] = {"\xef\xbb\xbfx"};
	size_t n = sizeof(v) / sizeof(v[0]);
	char *s;
	size_t sz;
	FILE *f;

	(void)state;
	f = open_memstream(&s, &sz);
	assert_int_equal(csvwrite_row(f, v, NULL, n, 0), 0);
	assert_int_equal(csvwrite_row(f, v, NULL, n, CSVWRITE_NEUTRALISE), 0);
	assert_int_equal(csvwrite_row(f, v + 4, NULL, 1, 0), 0);
	assert_int_equal(csvwrite_row(f, bom, NULL, 1, 0), 0);
	fclose(f);
	assert_string_equal(
	    s, "plain,\"a,b\",\"say \"\"hi\"\"\",\" pad\",,=SUM(A1),-5,@x,"
	       "\"\tt\",\"line\nbreak\",\n"
	       "plain,\"a,b\",\"say \"\"hi\"\"\",\" pad\",,'=SUM(A1),'-5,"
	       "'@x,'\tt,\"line\nbreak\",\n\"\"\n\"\xef\xbb\xbfx\"\n");
	/* and it reads back */
	{
		char *out, *err;

		run(s, strlen(s), &out, &err);
		assert_string_equal(out, "1:plain|a,b|say \"hi\"| pad||=SUM(A1)"
		                         "|-5|@x|\tt|line\nbreak|\n"
		                         "3:plain|a,b|say \"hi\"| pad||'=SUM("
		                         "A1)|'-5|'@x|'\tt|line\nbreak|\n"
		                         "5:\n6:\xef\xbb\xbfx\n=0");
		assert_string_equal(err, "");
		free(out);
		free(err);
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_quoted_newlines),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_bom_blank_trim),
	    cmocka_unit_test(test_unterminated_quote),
	    cmocka_unit_test(test_bad_quotes),
	    cmocka_unit_test(test_nul_utf8),
	    cmocka_unit_test(test_big_field),
	    cmocka_unit_test(test_big_field_memory),
	    cmocka_unit_test(test_many_columns),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
