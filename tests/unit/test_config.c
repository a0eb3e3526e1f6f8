/*
 * Unit tests: config (teamsprov.conf, environment overrides, locating the
 * file, secret checks) against every rule of teamsprov.conf(5), the sample
 * configuration, every samples/bad/conf-* case, and the man page.
 * Run from the repository root (tests/run does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "units.h"
#include "util.h"

#define SEC UNITS_NS_PER_S
#define MS UNITS_NS_PER_MS

/* diag as printed, for comparing whole lines. */
static char *printed(const struct diag *d)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	diag_print(d, f);
	fclose(f);
	return s;
}

struct run {
	struct config c;
	struct diag d;
	int rc;
	char *out;
};

static void load(struct run *r, const char *text)
{
	config_init(&r->c);
	diag_init(&r->d);
	r->rc = config_load_buffer(&r->c, "t.conf", text, strlen(text), &r->d);
	r->out = printed(&r->d);
}

static void done(struct run *r)
{
	config_release(&r->c);
	diag_release(&r->d);
	free(r->out);
}

/* Loads text and expects exactly the one line want on output. */
static void expect_one(const char *text, const char *want)
{
	struct run r;
	char *line = xasprintf("%s\n", want);

	load(&r, text);
	if (strcmp(r.out, line) != 0)
		fail_msg("for:\n%s\nwant: %s\ngot:  %s", text, want, r.out);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.d.errors, 1);
	free(line);
	done(&r);
}

static void expect_ok(const char *text)
{
	struct run r;

	load(&r, text);
	if (r.rc != 0 || r.d.n != 0)
		fail_msg("for:\n%s\nunexpected: %s", text, r.out);
	done(&r);
}

static void test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_init(&c);
	assert_string_equal(c.c2t.base_url, "https://api.connecttoteams.com");
	assert_int_equal(c.c2t.reseller_id, 0);
	assert_null(c.c2t.client_id);
	assert_null(c.c2t.callback_base);
	assert_int_equal(c.c2t.password.kind, SECRET_NONE);
	assert_true(c.c2t.api.rate == 10);
	assert_true(c.c2t.api.burst == 0);
	assert_int_equal(c.c2t.api.timeout, 0);
	assert_string_equal(c.c2t.paths.list_enterprises,
	                    "/reseller/v3/getEnterprisesForReseller");
	assert_string_equal(c.c2t.paths.get_o365_user_info,
	                    "/provisioning/getO365UserInfo");
	assert_string_equal(c.c2t.paths.provision_tenant_admin_api,
	                    "/provisioning/provisionTenantAdminAPI");
	assert_string_equal(
	    c.c2t.paths.update_enterprise_management_consent,
	    "/provisioning/updateEnterpriseManagementConsentByReseller");
	assert_null(c.fusion.base_url);
	assert_true(c.fusion.api.rate == 10);
	assert_int_equal(c.fusion.poll_first, 5 * SEC);
	assert_true(c.fusion.poll_factor == 1.5);
	assert_int_equal(c.fusion.poll_max, 60 * SEC);
	assert_int_equal(c.fusion.init_grace, 300 * SEC);
	assert_int_equal(c.fusion.wizard_timeout, 0);
	assert_string_equal(c.acs.api_version, "2025-06-30");
	assert_true(c.acs.api.rate == 10);
	assert_int_equal(c.run.workers, 8);
	assert_int_equal(c.run.timeout, 30 * SEC);
	assert_int_equal(c.run.connect_timeout, 10 * SEC);
	assert_int_equal(c.run.retries, 5);
	assert_int_equal(c.run.backoff_base, 500 * MS);
	assert_int_equal(c.run.backoff_cap, 30 * SEC);
	assert_int_equal(c.run.url_max_age, 7 * 86400 * SEC);
	assert_int_equal(config_api_timeout(&c, &c.c2t.api), 30 * SEC);
	assert_null(c.path);
	config_release(&c);
}

static void test_values(void **state)
{
	struct run r;

	(void)state;
	load(&r, "[c2t]\n"
	         "base_url = https://c2t.example.com/api/\n"
	         "reseller_id = 9007199254740993\n"
	         "client_id = my-client-id\n"
	         "username = api-admin\n"
	         "client_secret_env = C2T_CLIENT_SECRET\n"
	         "password_file = secrets/c2t\n"
	         "enterprise_token_cmd = /usr/local/bin/c2t-token --x\n"
	         "callback_base = https://portal.example.com/teamsprov\n"
	         "rate = 600/min\n"
	         "burst = 3\n"
	         "timeout = 1m30s\n"
	         "[c2t.paths]\n"
	         "list_enterprises = /reseller/v4/list\n"
	         "[fusion]\n"
	         "base_url = https://fusion.example.com:8443\n"
	         "draas_instance = draas_v1\n"
	         "password_cmd = pass show fusion\n"
	         "token_env = FUSION_TOKEN\n"
	         "rate = 0\n"
	         "poll_factor = 2\n"
	         "wizard_timeout = 2h\n"
	         "[acs]\n"
	         "endpoint = https://x.communication.azure.com\n"
	         "token_cmd = az-token\n"
	         "api_version = 2025-06-30-preview\n"
	         "[run]\n"
	         "workers = 1024\n"
	         "retries = 0\n");
	assert_string_equal(r.out, "");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.c.c2t.base_url, "https://c2t.example.com/api");
	assert_int_equal(r.c.c2t.reseller_id, INT64_C(9007199254740993));
	assert_string_equal(r.c.c2t.client_id, "my-client-id");
	assert_int_equal(r.c.c2t.client_secret.kind, SECRET_ENV);
	assert_string_equal(r.c.c2t.client_secret.name, "C2T_CLIENT_SECRET");
	assert_int_equal(r.c.c2t.password.kind, SECRET_FILE);
	assert_string_equal(r.c.c2t.password.name, "secrets/c2t");
	assert_int_equal(r.c.c2t.enterprise_token.kind, SECRET_CMD);
	assert_string_equal(r.c.c2t.enterprise_token.name,
	                    "/usr/local/bin/c2t-token --x");
	assert_true(r.c.c2t.api.rate == 10);
	assert_true(r.c.c2t.api.burst == 3);
	assert_int_equal(r.c.c2t.api.timeout, 90 * SEC);
	assert_int_equal(config_api_timeout(&r.c, &r.c.c2t.api), 90 * SEC);
	assert_string_equal(r.c.c2t.paths.list_enterprises,
	                    "/reseller/v4/list");
	assert_string_equal(r.c.fusion.base_url,
	                    "https://fusion.example.com:8443");
	assert_int_equal(r.c.fusion.password.kind, SECRET_CMD);
	assert_int_equal(r.c.fusion.token.kind, SECRET_ENV);
	assert_true(r.c.fusion.api.rate == 0);
	assert_true(r.c.fusion.poll_factor == 2);
	assert_int_equal(r.c.fusion.wizard_timeout, 7200 * SEC);
	assert_int_equal(r.c.acs.token.kind, SECRET_CMD);
	assert_string_equal(r.c.acs.api_version, "2025-06-30-preview");
	assert_int_equal(r.c.run.workers, 1024);
	assert_int_equal(r.c.run.retries, 0);
	done(&r);
}

/* The example of the specification, section 9, verbatim. */
static void test_spec_example(void **state)
{
	(void)state;
	expect_ok("[c2t]\n"
	          "base_url = https://api.connecttoteams.com\n"
	          "reseller_id = 54                 ; optional: else asked "
	          "with getAuthenticatedUser\n"
	          "client_id = my-client-id         ; OAuth2 password grant, "
	          "see API-NOTES.md\n"
	          "client_secret_env = C2T_CLIENT_SECRET\n"
	          "username = api-admin\n"
	          "password_env = C2T_PASSWORD\n"
	          "enterprise_token_cmd = /usr/local/bin/c2t-enterprise-token\n"
	          "callback_base = https://portal.example.com/teamsprov\n"
	          "rate = 10/s\n"
	          "\n"
	          "[c2t.paths]                      ; only to override the "
	          "paths API-NOTES.md marks assumed\n"
	          "list_enterprises = /reseller/v3/getEnterprisesForReseller\n"
	          "\n"
	          "[fusion]\n"
	          "base_url = https://fusion.example.com\n"
	          "draas_instance = draas_v1\n"
	          "username = api-user\n"
	          "password_env = FUSION_PASSWORD\n"
	          "rate = 5/s\n"
	          "\n"
	          "[acs]\n"
	          "connection_string_env = ACS_CONNECTION_STRING\n"
	          "rate = 10/s\n"
	          "\n"
	          "[run]\n"
	          "workers = 8\n");
}

static void test_syntax_and_lines(void **state)
{
	(void)state;
	/* comments of both kinds, blank lines, CRLF, a BOM, ":" */
	expect_ok("\xef\xbb\xbf; top\r\n# also\r\n\r\n[run]\r\n"
	          "workers: 4\r\n");
	/* inline ";" comments are stripped, "#" only starts a line */
	expect_ok("[c2t]   ; the C2T API\nrate = 10/s ; ten\n"
	          "[c2t.paths]                      ; overrides\n");
	expect_one("[c2t]\nrate = 10/s # ten\n",
	           "t.conf:2: error: bad rate \"10/s # ten\" for rate: "
	           "unknown unit after \"/\"; use s, min or h");
	/* line numbers survive comments, blanks and indented lines, which
	 * are ordinary lines here and never continuations */
	expect_one("; one\n\n[run]\n  # four\n    workers = 2\n\t\n"
	           "  retries = x\n",
	           "t.conf:7: error: bad integer \"x\" for retries: expected "
	           "a whole number (digits only)");
	expect_one("[c2t]\nclient_id = a\n  more text\n",
	           "t.conf:3: error: expected \"key = value\", a [section] "
	           "or a comment");
	expect_one("[run]\n= 4\n", "t.conf:2: error: missing key before "
	                           "\"=\"");
	expect_one("[run]\nworkers =\n", "t.conf:2: error: workers has no "
	                                 "value");
	expect_one("[run\nworkers = 2\n",
	           "t.conf:1: error: section line without a closing \"]\"");
	expect_one("[run] x\n", "t.conf:1: error: unexpected text after \"]\"");
	expect_one("workers = 4\n[run]\n",
	           "t.conf:1: error: key \"workers\" outside any section; "
	           "put it under [run]");
	expect_one("rate = 4/s\n",
	           "t.conf:1: error: key \"rate\" outside any section; put "
	           "it under [c2t], [fusion], [acs] or [run]");
	/* a repeated section is fine; a repeated key is not */
	expect_ok("[run]\nworkers = 2\n[c2t]\n[run]\nretries = 1\n");
	expect_one("[run]\nworkers = 2\n\n[run]\nworkers = 3\n",
	           "t.conf:5: error: repeated key \"workers\" in [run] "
	           "(first set on line 2)");
	expect_one("[run]\nworkers = 2\x1b[2J\n",
	           "t.conf:2: error: control character (or NUL byte) in "
	           "line");
	expect_one("[c2t]\nusername = caf\xe9\n",
	           "t.conf:2: error: line is not valid UTF-8");
	expect_ok("[c2t]\nusername = caf\xc3\xa9\n");
}

static void test_nul_and_long_lines(void **state)
{
	struct run r;
	static const char nul[] = "[run]\nworkers = 2\0 junk\nretries = 1\n";
	char *text;
	struct buf b;
	int i;

	(void)state;
	config_init(&r.c);
	diag_init(&r.d);
	r.rc = config_load_buffer(&r.c, "t.conf", nul, sizeof(nul) - 1, &r.d);
	r.out = printed(&r.d);
	assert_string_equal(r.out, "t.conf:2: error: control character (or "
	                           "NUL byte) in line\n");
	assert_int_equal(r.c.run.retries, 1);
	done(&r);

	/* 197 bytes is the limit; longer is an error at its own line, and
	 * no tail of it is parsed as a line of its own */
	buf_init(&b);
	buf_adds(&b, "[c2t]\n; ");
	for (i = 0; i < 195; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, "\n");
	expect_ok(b.p);
	buf_adds(&b, "; ");
	for (i = 0; i < 188; i++)
		buf_addc(&b, 'y');
	buf_adds(&b, "rate = 1\n\nrate = 10/s\n");
	expect_one(b.p, "t.conf:3: error: line too long (198 bytes; the "
	                "limit is 197)");
	buf_release(&b);

	/* an over-long section line: its keys are not blamed on the
	 * section before it */
	buf_init(&b);
	buf_adds(&b, "[run]\n[fusion] ; ");
	for (i = 0; i < 190; i++)
		buf_addc(&b, 'z');
	buf_adds(&b, "\npoll_first = 1s\n");
	expect_one(b.p, "t.conf:2: error: line too long (201 bytes; the "
	                "limit is 197)");
	buf_release(&b);

	/* a section name longer than libinih's 50-byte buffer */
	text = xasprintf("[c2t.paths%0100d]\nlist_enterprises = /x\n", 0);
	load(&r, text);
	assert_non_null(strstr(r.out, "t.conf:1: error: unknown section"));
	assert_int_equal(r.d.errors, 1); /* its keys are not reported */
	done(&r);
	free(text);
}

static void test_unknown(void **state)
{
	(void)state;
	expect_one("[c2t]\n[fusoin]\nbase_url = https://x\n",
	           "t.conf:2: error: unknown section \"[fusoin]\"; did you "
	           "mean \"[fusion]\"?");
	expect_one("[general]\nx = 1\n",
	           "t.conf:1: error: unknown section \"[general]\"; sections "
	           "are [c2t], [c2t.paths], [fusion], [acs] and [run]");
	expect_one("[fusion]\npasword_env = X\n",
	           "t.conf:2: error: unknown key \"pasword_env\" in [fusion]; "
	           "did you mean \"password_env\"?");
	expect_one("[c2t]\nRate = 1/s\n",
	           "t.conf:2: error: unknown key \"Rate\" in [c2t]; did you "
	           "mean \"rate\"?");
	expect_one("[c2t]\nworkers = 1\n",
	           "t.conf:2: error: unknown key \"workers\" in [c2t]; it "
	           "belongs in [run]");
	expect_one("[acs]\ncolour = blue\n",
	           "t.conf:2: error: unknown key \"colour\" in [acs]");
	expect_one("[c2t]\npassword_cmd = x\n",
	           "t.conf:2: error: unknown key \"password_cmd\" in [c2t]; "
	           "it belongs in [fusion]");
}

static void test_values_bad(void **state)
{
	(void)state;
	expect_one("[fusion]\npoll_first = 5mins\n",
	           "t.conf:2: error: bad duration \"5mins\" for poll_first: "
	           "unknown unit; use ms, s, m, h or d");
	expect_one("[fusion]\npoll_first = 0\n",
	           "t.conf:2: error: bad duration \"0\" for poll_first: must "
	           "be from 1ms to 1d");
	expect_one("[run]\ntimeout = 30\n",
	           "t.conf:2: error: bad duration \"30\" for timeout: a unit "
	           "is needed after the number: ms, s, m, h or d (only 0 may "
	           "stand alone)");
	expect_one("[acs]\nrate = 10\n",
	           "t.conf:2: error: bad rate \"10\" for rate: a rate needs a "
	           "unit: 10/s or 600/min (0: no limit)");
	expect_one("[run]\nworkers = 0\n",
	           "t.conf:2: error: bad integer \"0\" for workers: must be "
	           "from 1 to 1024");
	expect_one("[run]\nretries = -1\n",
	           "t.conf:2: error: bad integer \"-1\" for retries: cannot "
	           "be negative");
	expect_one("[c2t]\nreseller_id = 99999999999999999999\n",
	           "t.conf:2: error: bad integer \"99999999999999999999\" for "
	           "reseller_id: too large");
	expect_one("[fusion]\npoll_factor = 0.5\n",
	           "t.conf:2: error: bad number \"0.5\" for poll_factor: must "
	           "be from 1 to 10");
	expect_one("[fusion]\npoll_factor = 1,5\n",
	           "t.conf:2: error: bad number \"1,5\" for poll_factor: "
	           "expected a number such as 2 or 1.5");
	expect_one("[fusion]\nburst = 0\n",
	           "t.conf:2: error: bad integer \"0\" for burst: must be "
	           "from 1 to 1000000");
	expect_one("[fusion]\ndraas_instance = a/b\n",
	           "t.conf:2: error: bad value \"a/b\" for draas_instance: "
	           "use letters, digits, \".\", \"_\" and \"-\" only");
	expect_one("[c2t.paths]\nlist_enterprises = list\n",
	           "t.conf:2: error: bad value \"list\" for list_enterprises: "
	           "expected an absolute URL path such as "
	           "/reseller/v3/getEnterprisesForReseller");
	expect_one("[c2t.paths]\nlist_enterprises = /a?b=1\n",
	           "t.conf:2: error: bad value \"/a?b=1\" for "
	           "list_enterprises: expected an absolute URL path such as "
	           "/reseller/v3/getEnterprisesForReseller");
}

static void test_cross_checks(void **state)
{
	struct run r;
	struct diag d;
	char *out;

	(void)state;
	expect_one("[fusion]\npoll_first = 10s\npoll_max = 5s\n",
	           "t.conf:3: error: poll_max (5s) is shorter than poll_first "
	           "(10s) in [fusion]");
	expect_one("[fusion]\npoll_max = 5s\npoll_first = 10s\n",
	           "t.conf:3: error: poll_max (5s) is shorter than poll_first "
	           "(10s) in [fusion]");
	expect_one("[run]\nbackoff_base = 1m\n",
	           "t.conf:2: error: backoff_cap (30s) is shorter than "
	           "backoff_base (1m) in [run]");
	expect_ok("[fusion]\npoll_first = 1m\npoll_max = 1m\n");

	load(&r, "[run]\nbackoff_base = 1s\n");
	assert_string_equal(r.out, "");
	setenv("TEAMSPROV_RUN_BACKOFF_CAP", "500ms", 1);
	setenv("TEAMSPROV_C2T_CLIENT_ID", "a\x1b[2Jb", 1);
	diag_init(&d);
	assert_int_equal(config_apply_env(&r.c, &d), -1);
	out = printed(&d);
	assert_string_equal(out, "TEAMSPROV_C2T_CLIENT_ID: error: client_id "
	                         "holds a control character or bytes that "
	                         "are not UTF-8\n"
	                         "TEAMSPROV_RUN_BACKOFF_CAP: error: "
	                         "backoff_cap (500ms) is shorter than "
	                         "backoff_base (1s) in [run]\n");
	free(out);
	diag_release(&d);
	unsetenv("TEAMSPROV_RUN_BACKOFF_CAP");
	unsetenv("TEAMSPROV_C2T_CLIENT_ID");
	done(&r);
}

static void test_urls(void **state)
{
	(void)state;
	expect_ok("[c2t]\nbase_url = http://127.0.0.1:8401\n"
	          "callback_base = http://localhost/cb/\n"
	          "[fusion]\nbase_url = http://[::1]:9000\n"
	          "[acs]\nendpoint = HTTP://127.9.8.7\n");
	expect_one("[fusion]\nbase_url = http://fusion.example.com\n",
	           "t.conf:2: error: bad URL \"http://fusion.example.com\" "
	           "for base_url: http:// is allowed only for loopback "
	           "addresses (127.0.0.0/8, ::1, localhost); use https://");
	expect_one("[fusion]\nbase_url = http://128.0.0.1\n",
	           "t.conf:2: error: bad URL \"http://128.0.0.1\" for "
	           "base_url: http:// is allowed only for loopback addresses "
	           "(127.0.0.0/8, ::1, localhost); use https://");
	expect_one("[acs]\nendpoint = ftp://x\n",
	           "t.conf:2: error: bad URL \"ftp://x\" for endpoint: "
	           "expected an https:// URL");
	expect_one("[acs]\nendpoint = https://\n",
	           "t.conf:2: error: bad URL \"https://\" for endpoint: "
	           "malformed URL");
	expect_one("[acs]\nendpoint = https://x:99999\n",
	           "t.conf:2: error: bad URL \"https://x:99999\" for "
	           "endpoint: malformed URL");
	expect_one("[c2t]\ncallback_base = https://x/cb?a=1\n",
	           "t.conf:2: error: bad URL \"https://x/cb?a=1\" for "
	           "callback_base: a base URL may not have a query (?) or "
	           "fragment (#)");
	/* credentials in a URL are refused and never repeated */
	expect_one("[c2t]\nbase_url = https://u:s3cr3t@x\n",
	           "t.conf:2: error: bad URL for base_url: a URL may not hold "
	           "a user name or password; name secrets with *_env or "
	           "*_file keys");

	assert_true(url_is_loopback("http://127.0.0.1:1/x"));
	assert_true(url_is_loopback("http://127.255.255.254"));
	assert_true(url_is_loopback("https://localhost:8443"));
	assert_true(url_is_loopback("http://LocalHost"));
	assert_true(url_is_loopback("http://[::1]:80/"));
	assert_false(url_is_loopback("http://[::2]"));
	assert_false(url_is_loopback("http://[::ffff:127.0.0.1]"));
	assert_false(url_is_loopback("http://localhost.example.com"));
	assert_false(url_is_loopback("http://127.0.0.1.example.com"));
	assert_false(url_is_loopback("http://10.0.0.1"));
	assert_false(url_is_loopback("ftp://127.0.0.1"));
	assert_false(url_is_loopback("127.0.0.1"));
	assert_false(url_is_loopback("http://"));
}

static void test_secrets(void **state)
{
	static const char *const names[] = {
	    "password", "client_secret",     "secret",
	    "token",    "connection_string", "api_key",
	};
	size_t i;
	struct run r;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *text = xasprintf("[c2t]\n%s = hunter2-XYZ\n", names[i]);

		load(&r, text);
		assert_int_equal(r.d.errors, 1);
		assert_null(strstr(r.out, "hunter2"));
		assert_non_null(strstr(r.out, "t.conf:2: error: "));
		done(&r);
		free(text);
	}
	expect_one("[c2t]\npassword = hunter2\n",
	           "t.conf:2: error: \"password\" would hold a secret in the "
	           "configuration file; use password_env or password_file "
	           "instead");
	expect_one("[fusion]\npassword = hunter2\n",
	           "t.conf:2: error: \"password\" would hold a secret in the "
	           "configuration file; use password_env, password_file or "
	           "password_cmd instead");
	expect_one("[run]\nsecret = hunter2\n",
	           "t.conf:2: error: \"secret\" would hold a secret in the "
	           "configuration file; name its source with a *_env, *_file "
	           "or *_cmd key instead (see teamsprov.conf(5))");
	/* a secret pasted where a variable name belongs is not echoed */
	expect_one("[c2t]\npassword_env = hunter2!\n",
	           "t.conf:2: error: password_env must name an environment "
	           "variable (letters, digits and _)");
	expect_one("[c2t]\npassword_env = A\npassword_file = /x\n",
	           "t.conf:3: error: password_file conflicts with "
	           "password_env on line 2: give one source of the password");
	/* a different secret in the same section is no conflict */
	expect_ok("[c2t]\npassword_env = A\ntoken_env = B\n"
	          "client_secret_file = /c\n");
}

static void test_env(void **state)
{
	struct run r;
	struct diag d;
	char *out;

	(void)state;
	load(&r, "[run]\nworkers = 2\n[c2t]\npassword_file = /p\n");
	assert_string_equal(r.out, "");
	setenv("TEAMSPROV_RUN_WORKERS", "5", 1);
	setenv("TEAMSPROV_C2T_PATHS_LIST_ENTERPRISES", "/v9/list", 1);
	setenv("TEAMSPROV_C2T_PASSWORD_ENV", "PW", 1);
	setenv("TEAMSPROV_FUSION_RATE", "", 1); /* empty: ignored */
	setenv("TEAMSPROV_RUN_WORKRES", "9", 1);
	setenv("TEAMSPROV_SIM", "x", 1); /* not a config variable */
	diag_init(&d);
	assert_int_equal(config_apply_env(&r.c, &d), 0);
	out = printed(&d);
	assert_string_equal(out, "TEAMSPROV_RUN_WORKRES: warning: unknown "
	                         "configuration variable, ignored; did you "
	                         "mean TEAMSPROV_RUN_WORKERS?\n");
	free(out);
	diag_release(&d);
	assert_int_equal(r.c.run.workers, 5);
	assert_string_equal(r.c.c2t.paths.list_enterprises, "/v9/list");
	/* the environment's source replaces the file's */
	assert_int_equal(r.c.c2t.password.kind, SECRET_ENV);
	assert_string_equal(r.c.c2t.password.name, "PW");
	assert_true(r.c.fusion.api.rate == 10);
	unsetenv("TEAMSPROV_RUN_WORKRES");
	unsetenv("TEAMSPROV_SIM");

	/* bad values and conflicts name the variable */
	setenv("TEAMSPROV_RUN_WORKERS", "many", 1);
	setenv("TEAMSPROV_C2T_PASSWORD_FILE", "/q", 1);
	diag_init(&d);
	assert_int_equal(config_apply_env(&r.c, &d), -1);
	out = printed(&d);
	assert_string_equal(out,
	                    "TEAMSPROV_C2T_PASSWORD_FILE: error: password_file "
	                    "conflicts with password_env: give one source of "
	                    "the password\n"
	                    "TEAMSPROV_RUN_WORKERS: error: bad integer "
	                    "\"many\" for workers: expected a whole number "
	                    "(digits only)\n");
	free(out);
	diag_release(&d);
	unsetenv("TEAMSPROV_RUN_WORKERS");
	unsetenv("TEAMSPROV_C2T_PATHS_LIST_ENTERPRISES");
	unsetenv("TEAMSPROV_C2T_PASSWORD_ENV");
	unsetenv("TEAMSPROV_C2T_PASSWORD_FILE");
	unsetenv("TEAMSPROV_FUSION_RATE");

	/* command-line options override both */
	diag_init(&d);
	assert_int_equal(
	    config_set(&r.c, "run", "workers", "16", "--workers", &d), 0);
	assert_int_equal(r.c.run.workers, 16);
	assert_int_equal(
	    config_set(&r.c, "run", "workers", "0", "--workers", &d), -1);
	out = printed(&d);
	assert_string_equal(out, "--workers: error: bad integer \"0\" for "
	                         "workers: must be from 1 to 1024\n");
	free(out);
	diag_release(&d);
	done(&r);
}

static char *tmpdir(void)
{
	char *t = xstrdup("/tmp/tp-config.XXXXXX");

	assert_non_null(mkdtemp(t));
	return t;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static void test_locate(void **state)
{
	char *t = tmpdir();
	char *m = xasprintf("%s/m", t), *x = xasprintf("%s/xdg", t);
	char *h = xasprintf("%s/home", t), *p, *want;

	(void)state;
	mkdir(m, 0700);
	mkdir(x, 0700);
	mkdir(h, 0700);
	setenv("HOME", h, 1);
	unsetenv("XDG_CONFIG_HOME");
	p = config_locate("given.conf", m);
	assert_string_equal(p, "given.conf");
	free(p);
	assert_null(config_locate(NULL, m));

	/* $HOME/.config when XDG_CONFIG_HOME is unset or relative */
	want = xasprintf("%s/.config", h);
	mkdir(want, 0700);
	free(want);
	want = xasprintf("%s/.config/teamsprov", h);
	mkdir(want, 0700);
	free(want);
	want = xasprintf("%s/.config/teamsprov/teamsprov.conf", h);
	write_file(want, "", 0600);
	p = config_locate(NULL, m);
	assert_string_equal(p, want);
	free(p);
	setenv("XDG_CONFIG_HOME", "relative", 1);
	p = config_locate(NULL, m);
	assert_string_equal(p, want);
	free(p);
	free(want);

	/* XDG_CONFIG_HOME wins over HOME */
	setenv("XDG_CONFIG_HOME", x, 1);
	assert_null(config_locate(NULL, m));
	want = xasprintf("%s/teamsprov", x);
	mkdir(want, 0700);
	free(want);
	want = xasprintf("%s/teamsprov/teamsprov.conf", x);
	write_file(want, "", 0600);
	p = config_locate(NULL, m);
	assert_string_equal(p, want);
	free(p);
	free(want);

	/* the manifest directory wins over both; a trailing slash is kept
	 * single */
	want = xasprintf("%s/teamsprov.conf", m);
	write_file(want, "", 0600);
	p = config_locate(NULL, m);
	assert_string_equal(p, want);
	free(p);
	free(want);
	want = xasprintf("%s/", m);
	p = config_locate(NULL, want);
	free(want);
	want = xasprintf("%s/teamsprov.conf", m);
	assert_string_equal(p, want);
	free(p);
	free(want);

	unsetenv("XDG_CONFIG_HOME");
	free(m);
	free(x);
	free(h);
	p = xasprintf("rm -rf '%s'", t);
	assert_int_equal(system(p), 0);
	free(p);
	free(t);
}

static void test_load_file_and_check_secrets(void **state)
{
	char *t = tmpdir();
	char *conf = xasprintf("%s/teamsprov.conf", t);
	char *sec = xasprintf("%s/fusion.pw", t);
	char *want, *out, *p;
	struct config c;
	struct diag d;

	(void)state;
	write_file(conf,
	           "[c2t]\npassword_env = TP_TEST_UNSET_VAR\n"
	           "client_secret_env = TP_TEST_SET_VAR\n"
	           "token_file = missing.tok\n"
	           "token_cmd = never-run\n"
	           "[fusion]\npassword_file = fusion.pw\n",
	           0644);
	write_file(sec, "pw\n", 0640);
	setenv("TP_TEST_SET_VAR", "v", 1);
	unsetenv("TP_TEST_UNSET_VAR");
	config_init(&c);
	diag_init(&d);
	/* token_file and token_cmd conflict: one error, then go on */
	assert_int_equal(config_load_file(&c, conf, &d), -1);
	assert_int_equal(d.errors, 1);
	diag_release(&d);
	diag_init(&d);
	assert_string_equal(c.path, conf);
	assert_string_equal(c.dir, t);
	config_check_secrets(&c, NULL, &d);
	assert_int_equal(d.errors, 0);
	out = printed(&d);
	want = xasprintf("%s:2: warning: password_env: environment variable "
	                 "TP_TEST_UNSET_VAR is not set\n"
	                 "%s:4: warning: token_file: %s/missing.tok: No such "
	                 "file or directory\n"
	                 "%s:7: warning: password_file: %s: readable by group "
	                 "or others (mode 0640); chmod 600 it\n",
	                 conf, conf, t, conf, sec);
	assert_string_equal(out, want);
	free(out);
	free(want);
	diag_release(&d);

	chmod(sec, 0600);
	setenv("TP_TEST_UNSET_VAR", "now set", 1);
	diag_init(&d);
	config_check_secrets(&c, NULL, &d);
	assert_int_equal(d.warnings, 1); /* only the missing token file */
	diag_release(&d);
	unsetenv("TP_TEST_UNSET_VAR");
	unsetenv("TP_TEST_SET_VAR");
	config_release(&c);

	config_init(&c);
	diag_init(&d);
	assert_int_equal(config_load_file(&c, t, &d), -1); /* a directory */
	out = printed(&d);
	want = xasprintf("%s: error: cannot read: Is a directory\n", t);
	assert_string_equal(out, want);
	free(out);
	free(want);
	diag_release(&d);
	config_release(&c);

	p = xasprintf("rm -rf '%s'", t);
	assert_int_equal(system(p), 0);
	free(p);
	free(conf);
	free(sec);
	free(t);
}

static void test_sample(void **state)
{
	struct config c;
	struct diag d;
	char *out;

	(void)state;
	config_init(&c);
	diag_init(&d);
	assert_int_equal(config_load_file(&c, "samples/teamsprov.conf", &d), 0);
	out = printed(&d);
	assert_string_equal(out, "");
	free(out);
	assert_string_equal(c.c2t.base_url, "http://127.0.0.1:8401");
	assert_string_equal(c.c2t.client_id, "sim-client");
	assert_string_equal(c.c2t.callback_base,
	                    "http://127.0.0.1:8402/teamsprov");
	assert_string_equal(c.fusion.draas_instance, "draas_v1");
	assert_int_equal(c.acs.connection_string.kind, SECRET_ENV);
	assert_string_equal(c.dir, "samples");
	diag_release(&d);
	config_release(&c);
}

/* Every samples/bad/conf-* case fails with each line of its expected. */
static void test_bad_samples(void **state)
{
	glob_t g;
	size_t i;

	(void)state;
	assert_int_equal(glob("samples/bad/conf-*/teamsprov.conf", 0, NULL, &g),
	                 0);
	assert_true(g.gl_pathc >= 8);
	for (i = 0; i < g.gl_pathc; i++) {
		struct config c;
		struct diag d;
		char *exp_path, *out, line[1024];
		FILE *f;
		int n = 0;

		exp_path = xstrdup(g.gl_pathv[i]);
		strcpy(strrchr(exp_path, '/') + 1, "expected");
		config_init(&c);
		diag_init(&d);
		if (config_load_file(&c, g.gl_pathv[i], &d) != -1)
			fail_msg("%s: loaded without error", g.gl_pathv[i]);
		out = printed(&d);
		f = fopen(exp_path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			n++;
			if (!strstr(out, line))
				fail_msg("%s: want %sgot %s", exp_path, line,
				         out);
		}
		fclose(f);
		assert_true(n > 0);
		free(out);
		free(exp_path);
		diag_release(&d);
		config_release(&c);
	}
	globfree(&g);
}

/* Every key is documented in teamsprov.conf(5) under its section, and
 * every key documented there exists. */
static void test_man_page(void **state)
{
	FILE *f = fopen("man/teamsprov.conf.5", "r");
	char line[512], sec[64] = "";
	size_t i, n = config_key_count();
	int *found = calloc(n, sizeof(int));

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char name[128];

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, ".Ss \"[%63[^]]]\"", sec) == 1)
			continue;
		if (strncmp(line, ".Sh ", 4) == 0)
			sec[0] = '\0';
		if (!sec[0] || sscanf(line, ".It Cm %127s", name) != 1)
			continue;
		for (i = 0; i < n; i++) {
			struct config_key_info k = config_key_at(i);

			if (strcmp(k.section, sec) == 0 &&
			    strcmp(k.name, name) == 0)
				break;
		}
		if (i == n)
			fail_msg("man page documents [%s] %s, no such key", sec,
			         name);
		found[i]++;
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		struct config_key_info k = config_key_at(i);

		if (found[i] != 1)
			fail_msg("[%s] %s documented %d times in "
			         "teamsprov.conf(5)",
			         k.section, k.name, found[i]);
	}
	free(found);
}

/* The first example of teamsprov.conf(5) loads without a problem. */
static void test_man_example(void **state)
{
	FILE *f = fopen("man/teamsprov.conf.5", "r");
	char line[512];
	struct buf b;
	struct run r;
	int on = 0;

	(void)state;
	assert_non_null(f);
	buf_init(&b);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, ".Bd -literal", 12) == 0 && !b.len)
			on = 1;
		else if (strncmp(line, ".Ed", 3) == 0)
			on = 0;
		else if (on)
			buf_adds(&b, line);
	}
	fclose(f);
	assert_non_null(strstr(b.p, "[c2t]"));
	load(&r, b.p);
	assert_string_equal(r.out, "");
	assert_int_equal(r.c.c2t.reseller_id, 54);
	assert_true(r.c.acs.api.rate == 10);
	done(&r);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_spec_example),
	    cmocka_unit_test(test_syntax_and_lines),
	    cmocka_unit_test(test_nul_and_long_lines),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_values_bad),
	    cmocka_unit_test(test_cross_checks),
	    cmocka_unit_test(test_urls),
	    cmocka_unit_test(test_secrets),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_locate),
	    cmocka_unit_test(test_load_file_and_check_secrets),
	    cmocka_unit_test(test_sample),
	    cmocka_unit_test(test_bad_samples),
	    cmocka_unit_test(test_man_page),
	    cmocka_unit_test(test_man_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
