/*
 * Unit tests: logjson (the --log-json JSON Lines writer).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "clock.h"
#include "logjson.h"
#include "redact.h"
#include "util.h"

/* 2026-11-22T04:35:07.123Z */
#define T0 (INT64_C(1795322107) * TP_NS_PER_S + 123 * TP_NS_PER_MS)

static void test_format(void **state)
{
	struct logjson_event ev = {0};
	char *s;

	(void)state;
	ev.wall_ns = T0;
	ev.api = "c2t";
	ev.method = "POST";
	ev.path = "https://api.connecttoteams.com/reseller/newEnterprise";
	ev.status = 200;
	ev.ms = 12.5;
	ev.attempt = 1;
	ev.item = "Acme";
	s = logjson_format(&ev);
	assert_string_equal(s, "{\"ts\":\"2026-11-22T04:35:07.123Z\","
	                       "\"level\":\"info\",\"api\":\"c2t\","
	                       "\"method\":\"POST\","
	                       "\"path\":\"/reseller/newEnterprise\","
	                       "\"status\":200,\"ms\":12.5,\"attempt\":1,"
	                       "\"item\":\"Acme\"}");
	free(s);

	/* Unknown values are null; the nine keys are always there. */
	memset(&ev, 0, sizeof(ev));
	ev.wall_ns = T0;
	ev.level = "error";
	ev.ms = -1;
	ev.msg = "gave up";
	ev.error = "timeout";
	s = logjson_format(&ev);
	assert_string_equal(s, "{\"ts\":\"2026-11-22T04:35:07.123Z\","
	                       "\"level\":\"error\",\"api\":null,"
	                       "\"method\":null,\"path\":null,\"status\":null,"
	                       "\"ms\":null,\"attempt\":null,\"item\":null,"
	                       "\"msg\":\"gave up\",\"error\":\"timeout\"}");
	free(s);
}

static void test_no_secret(void **state)
{
	struct logjson_event ev = {0};
	char *s;

	(void)state;
	redact_add("tok-abcdef-123");
	ev.wall_ns = T0;
	ev.path = "https://h.example/x/tok-abcdef-123?access_token=zz&a=1";
	ev.item = "Acme\n\x1b[2J\xff";
	ev.msg = "sent Authorization: Bearer qwerty with tok-abcdef-123";
	s = logjson_format(&ev);
	assert_null(strstr(s, "tok-abcdef"));
	assert_null(strstr(s, "qwerty"));
	assert_null(strstr(s, "zz"));
	assert_non_null(strstr(s, "\"path\":\"/x/***?access_token=***&a=1\""));
	assert_non_null(strstr(s, "\"msg\":\"sent Authorization: Bearer ***"));
	/* Control characters escaped by cJSON, bad UTF-8 replaced. */
	assert_non_null(
	    strstr(s, "\"item\":\"Acme\\n\\u001b[2J\xef\xbf\xbd\""));
	free(s);
	redact_remove("tok-abcdef-123");
}

struct writer {
	struct logjson *lj;
	int id;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct logjson_event ev = {0};
	char item[32];
	int i;

	ev.api = "fusion";
	ev.method = "GET";
	ev.path = "/api/v01/x";
	ev.status = 200;
	ev.ms = 1.25;
	ev.item = item;
	for (i = 1; i <= 500; i++) {
		snprintf(item, sizeof(item), "w%d-%d", w->id, i);
		ev.attempt = i;
		if (logjson_write(w->lj, &ev) < 0)
			abort();
	}
	return NULL;
}

static void test_threads(void **state)
{
	char dir[] = "/tmp/tp-logjson.XXXXXX", *path, *err, line[512];
	struct writer w[8];
	pthread_t t[8];
	struct logjson *lj;
	FILE *f;
	int i, lines = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/log.jsonl", dir);
	assert_int_equal(logjson_open(path, &lj, &err), 0);
	for (i = 0; i < 8; i++) {
		w[i].lj = lj;
		w[i].id = i;
		assert_int_equal(
		    pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(logjson_close(lj, &err), 0);

	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		cJSON *j = cJSON_Parse(line);
		assert_non_null(j);
		assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "attempt")));
		assert_string_equal(cJSON_GetObjectItem(j, "api")->valuestring,
		                    "fusion");
		cJSON_Delete(j);
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, 8 * 500);

	/* Appends: a second run adds to the file. */
	assert_int_equal(logjson_open(path, &lj, &err), 0);
	w[0].lj = lj;
	writer_main(&w[0]);
	assert_int_equal(logjson_close(lj, &err), 0);
	f = fopen(path, "r");
	lines = 0;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	assert_int_equal(lines, 9 * 500);
	unlink(path);
	rmdir(dir);
	free(path);
}

static void test_errors(void **state)
{
	struct logjson_event ev = {0};
	struct logjson *lj;
	char *err;

	(void)state;
	assert_int_equal(logjson_open("/nonexistent-dir/x.jsonl", &lj, &err),
	                 -1);
	assert_null(lj);
	assert_non_null(strstr(err, "/nonexistent-dir/x.jsonl"));
	free(err);
	/* A full disk: the failure is reported at close, for exit 73. */
	assert_int_equal(logjson_open("/dev/full", &lj, &err), 0);
	assert_int_equal(logjson_write(lj, &ev), -1);
	assert_int_equal(logjson_write(lj, &ev), -1);
	assert_int_equal(logjson_close(lj, &err), -1);
	assert_non_null(strstr(err, "No space left"));
	free(err);
	assert_int_equal(logjson_close(NULL, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_no_secret),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_errors),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	redact_clear();
	return rc;
}
