/*
 * Unit tests: report (slugs, CSV cells, HTML escaping and links, the model
 * with fake journal records, wizard steps and ACS rows, summary.json,
 * failed/ record splitting, write-then-rename).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "report.h"
#include "report_csv.h"
#include "report_failed.h"
#include "report_html.h"
#include "report_out.h"
#include "report_slug.h"

static int slug_ok(const char *s)
{
	const char *p;

	if (!*s || *s == '-' || *s == '.' || strlen(s) > SLUG_MAX)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			return 0;
	return !strstr(s, "--") && s[strlen(s) - 1] != '-';
}

static void test_slug_base(void **state)
{
	char *s;

	(void)state;
	s = slug_base("Case Corp");
	assert_string_equal(s, "case-corp");
	free(s);
	s = slug_base("CASE-CORP");
	assert_string_equal(s, "case-corp");
	free(s);
	s = slug_base("../../escape");
	assert_string_equal(s, "escape");
	free(s);
	s = slug_base("a/b\\c");
	assert_string_equal(s, "a-b-c");
	free(s);
	s = slug_base("..");
	assert_string_equal(s, "enterprise");
	free(s);
	s = slug_base("\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa9"); /* Arabic only */
	assert_string_equal(s, "enterprise");
	free(s);
	s = slug_base("M\xc3\xbcller GmbH");
	assert_string_equal(s, "m-ller-gmbh");
	free(s);
	s = slug_base("CON");
	assert_string_equal(s, "con-x");
	free(s);
	s = slug_base("<script>alert(1)</script>");
	assert_string_equal(s, "script-alert-1-script");
	free(s);
}

static void test_slug_unique(void **state)
{
	static const char *const names[] = {
	    "Case Corp", "CASE-CORP",
	    "case corp", "Case  Corp!",
	    "..",        "../../escape",
	    "escape",    "/",
	    "",          "\xe2\x80\x8f\xe2\x80\xae",
	};
	struct slug_set *set = slug_set_new();
	char *got[20], longname[251];
	size_t i, k, n = 0;

	(void)state;
	memset(longname, 'x', 250);
	longname[250] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		got[n++] = slug_unique(set, names[i]);
	got[n++] = slug_unique(set, longname);
	longname[249] = 'y'; /* same 64-byte prefix */
	got[n++] = slug_unique(set, longname);
	for (i = 0; i < n; i++) {
		assert_true(slug_ok(got[i]));
		for (k = 0; k < i; k++)
			assert_string_not_equal(got[i], got[k]);
	}
	assert_string_equal(got[0], "case-corp");
	assert_true(strncmp(got[1], "case-corp-", 10) == 0);
	for (i = 0; i < n; i++)
		free(got[i]);
	slug_set_free(set);
	/* deterministic: the same names in the same order, the same slugs */
	set = slug_set_new();
	got[0] = slug_unique(set, "Case Corp");
	got[1] = slug_unique(set, "CASE-CORP");
	assert_string_equal(got[0], "case-corp");
	assert_true(strncmp(got[1], "case-corp-", 10) == 0);
	free(got[0]);
	free(got[1]);
	slug_set_free(set);
}

static char *cell(const char *s)
{
	struct buf b;

	buf_init(&b);
	csv_cell(&b, s, '\n');
	return buf_detach(&b);
}

static void test_csv_cells(void **state)
{
	static const char *const cases[][2] = {
	    {"plain", "plain\n"},
	    {"=HYPERLINK(\"http://x\",\"y\")",
	     "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n"},
	    {"+cmd", "\"'+cmd\"\n"},
	    {"-2+3", "\"'-2+3\"\n"},
	    {"@SUM(A1)", "\"'@SUM(A1)\"\n"},
	    {"\tx", "\"'\tx\"\n"},
	    {"\rx", "\"'\rx\"\n"},
	    {"a,b", "\"a,b\"\n"},
	    {"say \"hi\"", "\"say \"\"hi\"\"\"\n"},
	    {"two\nlines", "\"two\nlines\"\n"},
	    {"", "\n"},
	    {"x=1", "x=1\n"},
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *s = cell(cases[i][0]);

		assert_string_equal(s, cases[i][1]);
		free(s);
	}
	buf_init(&b);
	csv_cell(&b, NULL, ',');
	csv_cell_raw(&b, "=raw", '\n');
	assert_string_equal(b.p, ",=raw\n");
	buf_release(&b);
}

static char *esc(const char *s)
{
	struct buf b;

	buf_init(&b);
	html_esc(&b, s);
	return buf_detach(&b);
}

static void test_html_escape(void **state)
{
	char *s;
	struct buf b;

	(void)state;
	s = esc("<script>alert(1)</script>");
	assert_string_equal(s, "&lt;script&gt;alert(1)&lt;/script&gt;");
	free(s);
	s = esc("\"onmouseover=alert(1) x='y' & z");
	assert_string_equal(s, "&quot;onmouseover=alert(1) x=&#39;y&#39; "
	                       "&amp; z");
	free(s);
	s = esc("a\x01"
	        "b\xff"
	        "c\xc2\x85"
	        "d");
	assert_string_equal(s, "a\xef\xbf\xbd"
	                       "b\xef\xbf\xbd"
	                       "c\xef\xbf\xbd"
	                       "d");
	free(s);
	s = esc("\xe2\x80\x8f"
	        "RTL \xc3\xbc");
	assert_string_equal(s, "\xe2\x80\x8f"
	                       "RTL \xc3\xbc");
	free(s);
	buf_init(&b);
	html_name(&b, "\xe2\x80\xae<b>");
	assert_string_equal(b.p, "<span dir=\"auto\" class=\"nm\">"
	                         "\xe2\x80\xae&lt;b&gt;</span>");
	buf_release(&b);
}

static void test_url_safety(void **state)
{
	static const char *const good[] = {
	    "https://login.example.com/a?b=c#d",
	    "HTTPS://X.example",
	    "http://127.0.0.1:8402/cb",
	    "http://localhost/x",
	    "http://[::1]:80/",
	    "http://127.1.2.3",
	};
	static const char *const bad[] = {
	    "javascript:alert(1)",
	    "data:text/html,<b>",
	    "http://example.com/",
	    "http://127.0.0.1.evil.com/",
	    "http://127.0.0.1@evil.com/",
	    "https://user@example.com/",
	    "https:///nohost",
	    "https://a.example/\"onmouseover=alert(1)",
	    "https://a b",
	    "//example.com",
	    "ftp://x",
	    "",
	    "http://localhost.evil/",
	    "https://a.example/<x>",
	    "http://[::2]/",
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(url_is_safe(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(url_is_safe(bad[i]));
	assert_false(url_is_safe(NULL));
	buf_init(&b);
	html_url_button(&b, "https://x.example/?a=1&b=2", "Open");
	assert_non_null(strstr(b.p, "href=\"https://x.example/?a=1&amp;b=2\""));
	assert_non_null(strstr(b.p, "rel=\"noopener noreferrer\""));
	buf_reset(&b);
	html_url_button(&b, "javascript:alert(1)", "Open");
	assert_null(strstr(b.p, "href"));
	assert_non_null(strstr(b.p, "not a safe link"));
	buf_reset(&b);
	html_url_button(&b, NULL, "Open");
	assert_non_null(strstr(b.p, "no URL yet"));
	buf_release(&b);
}

/* A model of two enterprises built from fake journal records. */
static void fake_model(struct rp_model *m)
{
	struct jr_enterprise e = {0};
	struct jr_action a = {0};
	struct jr_wizard w = {0};
	struct jr_acs s = {0};

	rp_model_init(m, 1765000000000LL);
	e.name = "Zeta <b>";
	e.status = JR_ENT_CREATED;
	e.id = 42;
	rp_model_put_enterprise(m, &e);
	e.name = "=Alpha";
	e.status = JR_ENT_FAILED;
	e.id = 0;
	e.last_error = "HTTP 400: bad \"name\"";
	rp_model_put_enterprise(m, &e);
	a.enterprise = "Zeta <b>";
	a.action = "GET_AGENT_CONSENT";
	a.status = JR_ACT_ISSUED;
	a.url = "https://c2t.example/consent?x=1&y=2";
	a.issued_at = 1765000000000LL;
	rp_model_put_action(m, &a);
	a.action = "REGISTRATION";
	a.status = JR_ACT_GRANTED;
	rp_model_put_action(m, &a);
	a.action = "GET_CDR_CONSENT";
	a.status = JR_ACT_ERROR;
	a.url = "javascript:alert(1)";
	a.detail = "+denied";
	rp_model_put_action(m, &a);
	w.tenant = "6513270e-269e-4d37-b2a7-4de452e6b438";
	w.subscription = 1000;
	w.enterprise = "zeta <B>"; /* case-insensitive join */
	w.status = JR_WIZ_RUNNING;
	w.steps_total = 6;
	w.steps_done = 2;
	w.steps_json = "[{\"name\":\"Register <app>\",\"executed\":true,"
	               "\"text\":\"Application registered\"},"
	               "{\"name\":\"Create tenant\",\"executed\":true,"
	               "\"text\":null},"
	               "{\"name\":\"Voice routing\",\"executed\":false}]";
	rp_model_put_wizard(m, &w);
	w.subscription = 1001;
	w.status = JR_WIZ_DONE;
	w.steps_json = NULL;
	rp_model_put_wizard(m, &w);
	s.tenant_id = w.tenant;
	s.object_id = "9be4bcfc-49b6-4a08-b2e6-cc3ababced20";
	s.principal_type = "teamsResourceAccount";
	s.client_ids = "";
	s.present = 1;
	s.enterprise = "Zeta <b>";
	s.status = JR_ACS_CONFIRMED;
	s.confirmed_at = 1765000000000LL;
	rp_model_put_acs(m, &s);
	s.object_id = "830e07bc-1e39-4f10-92bd-4acefaecbd38";
	s.status = JR_ACS_FAILED;
	s.last_error = "<401>";
	rp_model_put_acs(m, &s);
	s.object_id = "13deef86-ab10-41d0-b646-e1f40a097c97";
	s.present = 0;
	s.status = JR_ACS_ABSENT_CONFIRMED;
	s.last_error = NULL;
	rp_model_put_acs(m, &s);
	rp_model_finish(m);
}

static void test_model(void **state)
{
	struct rp_model m;
	struct rp_ent *z;
	struct buf b;

	(void)state;
	fake_model(&m);
	assert_int_equal(m.n_ent, 2);
	assert_string_equal(m.ent[0].name, "=Alpha"); /* sorted */
	z = rp_ent_get(&m, "ZETA <B>", 0);
	assert_non_null(z);
	assert_int_equal(z->n_wiz, 2);
	assert_int_equal(z->n_acs, 3);
	assert_int_equal(z->acs_present, 2);
	assert_int_equal(z->acs_confirmed, 1);
	assert_true(z->failed);
	assert_int_equal(z->mandatory_pending, 1); /* Agent */
	assert_int_equal(z->optional_pending, 1);  /* CDR, in error */
	assert_int_equal(m.t.error, 1);
	assert_int_equal(m.t.failed, 1);
	assert_int_equal(m.t.wiz_running, 1);
	assert_int_equal(m.t.wiz_done, 1);
	assert_int_equal(m.t.acs_absent_confirmed, 1);
	buf_init(&b);
	rp_wizard_summary(z, &b);
	assert_string_equal(b.p, "running 2/6 (1 of 2 done)");
	buf_reset(&b);
	rp_wizard_summary(&m.ent[0], &b);
	assert_string_equal(b.p, "none");
	buf_release(&b);
	rp_model_release(&m);
}

static void test_csv_reports(void **state)
{
	struct rp_model m;
	struct buf b;

	(void)state;
	fake_model(&m);
	buf_init(&b);
	report_pending_csv(&m, &b);
	assert_string_equal(
	    b.p, "enterprise,action_type,consent_type,requirement,status,url,"
	         "url_issued_at,detail\n"
	         "Zeta <b>,GET_AGENT_CONSENT,Agent,mandatory,pending,"
	         "https://c2t.example/consent?x=1&y=2,2025-12-06T05:46:40Z,\n"
	         "Zeta <b>,GET_CDR_CONSENT,CDR,optional,error,"
	         "javascript:alert(1),2025-12-06T05:46:40Z,\"'+denied\"\n");
	buf_reset(&b);
	report_enterprises_csv(&m, &b);
	assert_string_equal(
	    b.p,
	    "enterprise,enterprise_id,c2t_status,registered,"
	    "mandatory_pending,optional_pending,fusion_wizard,acs,last_error\n"
	    "\"'=Alpha\",,failed,no,0,0,none,0/0,\"HTTP 400: bad "
	    "\"\"name\"\"\"\n"
	    "Zeta <b>,42,created,no,1,1,running 2/6 (1 of 2 done),1/2,<401>\n");
	buf_release(&b);
	rp_model_release(&m);
}

static void test_wizard_html(void **state)
{
	struct jr_wizard w = {0};
	struct buf b;

	(void)state;
	buf_init(&b);
	w.steps_json = "[{\"name\":\"Register <app>\",\"executed\":true,"
	               "\"text\":\"Done & dusted\"},"
	               "{\"name\":\"Create tenant\",\"executed\":true,"
	               "\"text\":null},"
	               "{\"name\":\"Voice routing\",\"executed\":false,"
	               "\"text\":\"\"}]";
	report_wizard_html(&w, &b);
	assert_non_null(strstr(b.p, "Register &lt;app&gt;"));
	assert_non_null(strstr(b.p, ">Done &amp; dusted<"));
	assert_non_null(strstr(b.p, "t-executed\">executed<"));
	assert_non_null(strstr(b.p, ">not executed yet<"));
	assert_null(strstr(b.p, "<app>"));
	buf_reset(&b);
	w.steps_json = NULL;
	report_wizard_html(&w, &b);
	assert_non_null(strstr(b.p, "not started yet"));
	buf_reset(&b);
	w.status = JR_WIZ_RUNNING;
	report_wizard_html(&w, &b);
	assert_non_null(strstr(b.p, "not been polled"));
	buf_reset(&b);
	w.status = JR_WIZ_DONE;
	report_wizard_html(&w, &b);
	assert_non_null(strstr(b.p, "Every step is done"));
	buf_reset(&b);
	w.steps_json = "{not json";
	report_wizard_html(&w, &b);
	assert_non_null(strstr(b.p, "could not be read"));
	buf_release(&b);
}

static void test_pages(void **state)
{
	struct rp_model m;
	struct rp_ent *z;
	struct buf b;

	(void)state;
	fake_model(&m);
	z = rp_ent_get(&m, "Zeta <b>", 0);
	buf_init(&b);
	report_ent_html(&m, z, &b);
	assert_null(strstr(b.p, "<b>\n")); /* the name never as markup */
	assert_non_null(strstr(b.p, "Zeta &lt;b&gt;"));
	assert_non_null(
	    strstr(b.p, "href=\"https://c2t.example/consent?x=1&amp;y=2\""));
	assert_non_null(strstr(b.p, "rel=\"noopener noreferrer\""));
	assert_null(strstr(b.p, "href=\"javascript"));
	assert_non_null(strstr(b.p, "Voice routing"));
	assert_non_null(strstr(b.p, "not executed yet"));
	assert_non_null(strstr(b.p, "9be4bcfc-49b6-4a08-b2e6-cc3ababced20"));
	assert_non_null(strstr(b.p, "&lt;401&gt;"));
	assert_non_null(strstr(b.p, "absent, confirmed"));
	assert_null(strstr(b.p, "http://")); /* no external asset */
	if (getenv("TP_REPORT_SAMPLE_PAGE")) {
		/* make check-browser renders this page of fake records */
		FILE *f = fopen(getenv("TP_REPORT_SAMPLE_PAGE"), "w");

		assert_non_null(f);
		fputs(b.p, f);
		fclose(f);
	}
	buf_reset(&b);
	report_acs_html(z, &b);
	assert_non_null(strstr(b.p, "teamsResourceAccount"));
	buf_reset(&b);
	report_index_html(&m, &b);
	assert_non_null(strstr(b.p, "enterprises/zeta-b.html"));
	assert_non_null(strstr(b.p, "data:image/svg+xml;base64,"));
	assert_non_null(strstr(b.p, "<th class=\"s\">Enterprise</th>"));
	assert_null(strstr(b.p, "<script src"));
	assert_null(strstr(b.p, "<link"));
	buf_reset(&b);
	report_summary_json(&m, &b);
	assert_non_null(
	    strstr(b.p, "\"generated_at\":\t\"2025-12-06T05:46:40Z\""));
	assert_non_null(strstr(b.p, "\"mandatory_pending\":\t1"));
	assert_non_null(strstr(b.p, "\"absent_confirmed\":\t1"));
	buf_release(&b);
	rp_model_release(&m);
}

static void rec_cb(const char *rec, size_t len, long line, void *arg)
{
	struct buf *b = arg;

	buf_addf(b, "%ld:%.*s|", line, (int)len, rec);
}

static void test_records(void **state)
{
	static const char csv[] = "h1,h2\r\n\"a\nb\",c\n\nx,\"y\"\"z\"\nlast";
	struct buf b;

	(void)state;
	buf_init(&b);
	csv_each_record(csv, strlen(csv), rec_cb, &b);
	assert_string_equal(b.p,
	                    "1:h1,h2|2:\"a\nb\",c|4:|5:x,\"y\"\"z\"|6:last|");
	buf_release(&b);
}

static void test_out(void **state)
{
	char dir[] = "/tmp/tp-report-test.XXXXXX", path[256], *err = NULL;
	struct rp_out *o;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(rp_out_open(dir, &o, &err), 0);
	assert_int_equal(rp_out_write(o, NULL, "a.txt", "A", 1, &err), 0);
	assert_int_equal(rp_out_write(o, "sub", "b.txt", "B", 1, &err), 0);
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	assert_int_equal(stat(path, &st), -1); /* not before the commit */
	assert_int_equal(rp_out_write(o, "..", "c.txt", "C", 1, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(rp_out_write(o, NULL, "../c.txt", "C", 1, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(rp_out_commit(o, &err), 0);
	rp_out_free(o);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/sub/b.txt", dir);
	assert_int_equal(stat(path, &st), 0);
	/* a failure before the commit leaves nothing behind */
	assert_int_equal(rp_out_open(dir, &o, &err), 0);
	assert_int_equal(rp_out_write(o, NULL, "new.txt", "N", 1, &err), 0);
	assert_int_equal(rp_out_write(o, "sub", "new.txt", "N", 1, &err), 0);
	assert_int_equal(rp_out_write(o, NULL, "../c", "C", 1, &err), -1);
	free(err);
	err = NULL;
	rp_out_free(o);
	snprintf(path, sizeof(path), "%s/new.txt", dir);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/sub/new.txt", dir);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/sub/b.txt", dir); /* old one kept */
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/.sub.tmp%ld", dir, (long)getpid());
	assert_int_equal(stat(path, &st), -1);
	/* a subdirectory is replaced whole: stale files go, and a link
	 * planted in its place is replaced, never followed */
	snprintf(path, sizeof(path), "%s/target", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink("target", path), 0);
	assert_int_equal(rp_out_open(dir, &o, &err), 0);
	assert_int_equal(rp_out_write(o, "link", "x.txt", "X", 1, &err), 0);
	assert_int_equal(rp_out_write(o, "sub", "c.txt", "C", 1, &err), 0);
	assert_int_equal(rp_out_commit(o, &err), 0);
	rp_out_free(o);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/target/x.txt", dir);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/sub/b.txt", dir);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/sub/c.txt", dir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get_file(const char *dir, const char *name)
{
	char path[512], *p = xmalloc(4096);
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f) {
		free(p);
		return NULL;
	}
	n = fread(p, 1, 4095, f);
	p[n] = '\0';
	fclose(f);
	return p;
}

/* failed/: the rows of failed items, also of fusion.csv and acs.csv rows
 * that name no enterprise, with the enterprises they need. */
static void test_failed(void **state)
{
	char dir[] = "/tmp/tp-report-failed.XXXXXX", sub[600], *err = NULL, *s;
	struct jr_wizard w = {0};
	struct jr_acs a = {0};
	struct jr_enterprise e = {0};
	struct manifest *mf;
	struct rp_model m;
	struct rp_out *o;
	struct diag d;
	size_t missing;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put_file(dir, "enterprises.csv",
	         "name,services,x_note\n"
	         "Ok Corp,SMS,\n"
	         "\"Bad, Corp\",SMS,\"multi\nline\"\n"
	         "Wiz Corp,SMS,\n");
	put_file(dir, "services.csv",
	         "service,enterprise\nCHAT,\"bad, corp\"\nCHAT,Ok Corp\n");
	put_file(dir, "fusion.csv",
	         "tenant,subscription,link_subscription,enterprise\n"
	         "6513270e-269e-4d37-b2a7-4de452e6b438,1,7,Ok Corp\n"
	         "6513270e-269e-4d37-b2a7-4de452e6b438,2,7,\n"
	         "6513270e-269e-4d37-b2a7-4de452e6b438,3,7,Wiz Corp\n");
	put_file(dir, "acs.csv",
	         "tenant_id,object_id,principal_type\n"
	         "6513270e-269e-4d37-b2a7-4de452e6b438,"
	         "9be4bcfc-49b6-4a08-b2e6-cc3ababced20,resourceAccount\n");
	diag_init(&d);
	if (manifest_load(dir, &mf, &d) != 0)
		diag_print(&d, stderr);
	assert_non_null(mf);
	assert_int_equal(d.errors, 0);
	diag_release(&d);
	rp_model_init(&m, 1);
	rp_model_add_manifest(&m, mf);
	e.name = "Bad, Corp";
	e.status = JR_ENT_FAILED;
	rp_model_put_enterprise(&m, &e);
	w.tenant = "6513270E-269e-4d37-b2a7-4de452e6b438";
	w.subscription = 2; /* no enterprise */
	w.status = JR_WIZ_FAILED;
	rp_model_put_wizard(&m, &w);
	w.subscription = 3;
	w.enterprise = "wiz corp";
	rp_model_put_wizard(&m, &w);
	a.tenant_id = w.tenant;
	a.object_id = "9BE4BCFC-49b6-4a08-b2e6-cc3ababced20";
	a.status = JR_ACS_FAILED;
	a.present = 1;
	rp_model_put_acs(&m, &a);
	rp_model_finish(&m);
	assert_int_equal(m.n_ent, 3);
	snprintf(sub, sizeof(sub), "%s/out", dir);
	assert_int_equal(rp_out_open(sub, &o, &err), 0);
	assert_int_equal(report_failed(&m, mf, NULL, o, &missing, &err), 4);
	assert_int_equal(missing, 0);
	assert_int_equal(rp_out_commit(o, &err), 0);
	rp_out_free(o);
	snprintf(sub, sizeof(sub), "%s/out/failed", dir);
	s = get_file(sub, "enterprises.csv");
	assert_string_equal(s, "name,services,x_note\n"
	                       "\"Bad, Corp\",SMS,\"multi\nline\"\n"
	                       "Wiz Corp,SMS,\n");
	free(s);
	s = get_file(sub, "services.csv");
	assert_string_equal(s, "service,enterprise\nCHAT,\"bad, corp\"\n");
	free(s);
	s = get_file(sub, "fusion.csv");
	assert_string_equal(s, "tenant,subscription,link_subscription,"
	                       "enterprise\n"
	                       "6513270e-269e-4d37-b2a7-4de452e6b438,2,7,\n"
	                       "6513270e-269e-4d37-b2a7-4de452e6b438,3,7,"
	                       "Wiz Corp\n");
	free(s);
	s = get_file(sub, "acs.csv");
	assert_non_null(strstr(s, "9be4bcfc-49b6-4a08-b2e6-cc3ababced20"));
	free(s);
	assert_null(get_file(sub, "teamsprov.conf"));
	rp_model_release(&m);
	manifest_free(mf);
	snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
	assert_int_equal(system(sub), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slug_base),
	    cmocka_unit_test(test_slug_unique),
	    cmocka_unit_test(test_csv_cells),
	    cmocka_unit_test(test_html_escape),
	    cmocka_unit_test(test_url_safety),
	    cmocka_unit_test(test_model),
	    cmocka_unit_test(test_csv_reports),
	    cmocka_unit_test(test_wizard_html),
	    cmocka_unit_test(test_pages),
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_out),
	    cmocka_unit_test(test_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
