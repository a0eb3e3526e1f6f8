/*
 * config_keys: every key of teamsprov.conf as one row of data, and the
 * value parsers they use (see config_keys.h). Adding a key is adding a row
 * here, a field in config.h and an entry in teamsprov.conf(5); the unit
 * tests fail until all three agree.
 */
#include "config_keys.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "util.h"

/* The table reads best as aligned rows. */
/* clang-format off */
#define OFF(f) offsetof(struct config, f)
#define S(n) ((int64_t)(n) * UNITS_NS_PER_S)
#define DAY S(86400)

#define API_KEYS(sec, f)                                                      \
	{ sec, "rate", KT_RATE, OFF(f.api.rate), "10/s", 0, 0, 0, NULL },     \
	{ sec, "burst", KT_BURST, OFF(f.api.burst), NULL, 1, 1000000, 0,      \
	  NULL },                                                             \
	{ sec, "timeout", KT_DURATION, OFF(f.api.timeout), NULL,              \
	  UNITS_NS_PER_MS, DAY, 0, NULL }

#define SECRET(sec, name, f, kind, group)                                     \
	{ sec, name, KT_SECRET, OFF(f), NULL, 0, 0, kind, group }

const struct key_def config_key_table[] = {
	{ "c2t", "base_url", KT_URL, OFF(c2t.base_url),
	  "https://api.connecttoteams.com", 0, 0, 0, NULL },
	{ "c2t", "reseller_id", KT_INT64, OFF(c2t.reseller_id), NULL, 1,
	  INT64_MAX, 0, NULL },
	{ "c2t", "client_id", KT_STR, OFF(c2t.client_id), NULL, 1, 256, 0,
	  NULL },
	{ "c2t", "username", KT_STR, OFF(c2t.username), NULL, 1, 256, 0,
	  NULL },
	SECRET("c2t", "client_secret_env", c2t.client_secret, SECRET_ENV,
	       "client_secret"),
	SECRET("c2t", "client_secret_file", c2t.client_secret, SECRET_FILE,
	       "client_secret"),
	SECRET("c2t", "password_env", c2t.password, SECRET_ENV, "password"),
	SECRET("c2t", "password_file", c2t.password, SECRET_FILE, "password"),
	SECRET("c2t", "token_env", c2t.token, SECRET_ENV, "token"),
	SECRET("c2t", "token_file", c2t.token, SECRET_FILE, "token"),
	SECRET("c2t", "token_cmd", c2t.token, SECRET_CMD, "token"),
	SECRET("c2t", "enterprise_token_cmd", c2t.enterprise_token, SECRET_CMD,
	       "enterprise_token"),
	{ "c2t", "callback_base", KT_URL, OFF(c2t.callback_base), NULL, 0, 0,
	  0, NULL },
	API_KEYS("c2t", c2t),

	{ "c2t.paths", "list_enterprises", KT_PATH,
	  OFF(c2t.paths.list_enterprises),
	  "/reseller/v3/getEnterprisesForReseller", 0, 0, 0, NULL },
	{ "c2t.paths", "get_o365_user_info", KT_PATH,
	  OFF(c2t.paths.get_o365_user_info), "/provisioning/getO365UserInfo",
	  0, 0, 0, NULL },
	{ "c2t.paths", "provision_tenant_admin_api", KT_PATH,
	  OFF(c2t.paths.provision_tenant_admin_api),
	  "/provisioning/provisionTenantAdminAPI", 0, 0, 0, NULL },
	{ "c2t.paths", "update_enterprise_management_consent", KT_PATH,
	  OFF(c2t.paths.update_enterprise_management_consent),
	  "/provisioning/updateEnterpriseManagementConsentByReseller", 0, 0, 0,
	  NULL },

	{ "fusion", "base_url", KT_URL, OFF(fusion.base_url), NULL, 0, 0, 0,
	  NULL },
	{ "fusion", "draas_instance", KT_NAME, OFF(fusion.draas_instance),
	  NULL, 1, 64, 0, NULL },
	{ "fusion", "username", KT_STR, OFF(fusion.username), NULL, 1, 256, 0,
	  NULL },
	SECRET("fusion", "password_env", fusion.password, SECRET_ENV,
	       "password"),
	SECRET("fusion", "password_file", fusion.password, SECRET_FILE,
	       "password"),
	SECRET("fusion", "password_cmd", fusion.password, SECRET_CMD,
	       "password"),
	SECRET("fusion", "token_env", fusion.token, SECRET_ENV, "token"),
	SECRET("fusion", "token_file", fusion.token, SECRET_FILE, "token"),
	SECRET("fusion", "token_cmd", fusion.token, SECRET_CMD, "token"),
	API_KEYS("fusion", fusion),
	{ "fusion", "poll_first", KT_DURATION, OFF(fusion.poll_first), "5s",
	  UNITS_NS_PER_MS, DAY, 0, NULL },
	{ "fusion", "poll_factor", KT_NUMBER, OFF(fusion.poll_factor), "1.5",
	  100, 1000, 0, NULL },
	{ "fusion", "poll_max", KT_DURATION, OFF(fusion.poll_max), "60s",
	  UNITS_NS_PER_MS, DAY, 0, NULL },
	{ "fusion", "init_grace", KT_DURATION, OFF(fusion.init_grace), "5m", 0,
	  DAY, 0, NULL },
	{ "fusion", "wizard_timeout", KT_DURATION, OFF(fusion.wizard_timeout),
	  "0", 0, 365 * DAY, 0, NULL },

	SECRET("acs", "connection_string_env", acs.connection_string,
	       SECRET_ENV, "connection_string"),
	SECRET("acs", "connection_string_file", acs.connection_string,
	       SECRET_FILE, "connection_string"),
	{ "acs", "endpoint", KT_URL, OFF(acs.endpoint), NULL, 0, 0, 0, NULL },
	SECRET("acs", "token_env", acs.token, SECRET_ENV, "token"),
	SECRET("acs", "token_cmd", acs.token, SECRET_CMD, "token"),
	{ "acs", "api_version", KT_NAME, OFF(acs.api_version), "2025-06-30", 1,
	  32, 0, NULL },
	API_KEYS("acs", acs),

	{ "run", "workers", KT_INT, OFF(run.workers), "8", 1, 1024, 0, NULL },
	{ "run", "timeout", KT_DURATION, OFF(run.timeout), "30s",
	  UNITS_NS_PER_MS, DAY, 0, NULL },
	{ "run", "connect_timeout", KT_DURATION, OFF(run.connect_timeout),
	  "10s", UNITS_NS_PER_MS, DAY, 0, NULL },
	{ "run", "retries", KT_INT, OFF(run.retries), "5", 0, 100, 0, NULL },
	{ "run", "backoff_base", KT_DURATION, OFF(run.backoff_base), "500ms",
	  UNITS_NS_PER_MS, DAY, 0, NULL },
	{ "run", "backoff_cap", KT_DURATION, OFF(run.backoff_cap), "30s",
	  UNITS_NS_PER_MS, DAY, 0, NULL },
	{ "run", "url_max_age", KT_DURATION, OFF(run.url_max_age), "7d",
	  UNITS_NS_PER_S, 365 * DAY, 0, NULL },
};

/* clang-format on */

const size_t config_key_n =
    sizeof(config_key_table) / sizeof(config_key_table[0]);

const char *const config_sections[] = {"c2t", "c2t.paths", "fusion", "acs",
                                       "run"};
const size_t config_section_n =
    sizeof(config_sections) / sizeof(config_sections[0]);

const struct key_def *key_find(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < config_key_n; i++)
		if (strcmp(config_key_table[i].section, section) == 0 &&
		    strcmp(config_key_table[i].name, name) == 0)
			return &config_key_table[i];
	return NULL;
}

static void *field(struct config *c, const struct key_def *k)
{
	return (char *)c + k->off;
}

void key_clear(struct config *c, const struct key_def *k)
{
	void *f = field(c, k);

	switch (k->type) {
	case KT_URL:
	case KT_STR:
	case KT_NAME:
	case KT_PATH:
		free(*(char **)f);
		*(char **)f = NULL;
		break;
	case KT_SECRET:
		secret_ref_release(f);
		break;
	case KT_INT:
		*(int *)f = 0;
		break;
	case KT_INT64:
	case KT_DURATION:
		*(int64_t *)f = 0;
		break;
	case KT_RATE:
	case KT_BURST:
	case KT_NUMBER:
		*(double *)f = 0;
		break;
	}
}

static void set_str(struct config *c, const struct key_def *k, char *v)
{
	char **f = field(c, k);

	free(*f);
	*f = v;
}

static int valid_env_name(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int only_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

/* Checks an http(s) base URL with libcurl's parser; NULL when fine. */
static const char *url_problem(const char *v, int *loopback)
{
	CURLU *u;
	char *host = NULL, *user = NULL, *pass = NULL, *query = NULL,
	     *frag = NULL;
	const char *why = NULL;
	int https;

	*loopback = 0;
	if (str_ncasecmp(v, "https://", 8) == 0)
		https = 1;
	else if (str_ncasecmp(v, "http://", 7) == 0)
		https = 0;
	else
		return "expected an https:// URL";
	u = curl_url();
	if (!u)
		abort();
	if (curl_url_set(u, CURLUPART_URL, v, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		why = "malformed URL";
		goto out;
	}
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	if (user || pass)
		why = "a URL may not hold a user name or password; name "
		      "secrets with *_env or *_file keys";
	else if (query || frag)
		why = "a base URL may not have a query (?) or fragment (#)";
	else {
		*loopback = url_is_loopback(v);
		if (!https && !*loopback)
			why = "http:// is allowed only for loopback addresses "
			      "(127.0.0.0/8, ::1, localhost); use https://";
	}
out:
	curl_free(host);
	curl_free(user);
	curl_free(pass);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return why;
}

static int host_is_loopback(const char *host)
{
	unsigned char a[16];
	char *h;
	size_t n = strlen(host);
	int rc = 0;

	if (str_casecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		h = xstrndup(host + 1, n - 2);
		if (inet_pton(AF_INET6, h, a) == 1) {
			static const unsigned char one[16] = {[15] = 1};

			rc = memcmp(a, one, 16) == 0;
		}
		free(h);
	}
	return rc;
}

int url_is_loopback(const char *url)
{
	CURLU *u;
	char *host = NULL;
	int rc = 0;

	if (str_ncasecmp(url, "https://", 8) != 0 &&
	    str_ncasecmp(url, "http://", 7) != 0)
		return 0;
	u = curl_url();
	if (!u)
		abort();
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		rc = host_is_loopback(host);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

static const char *type_word(enum key_type t)
{
	switch (t) {
	case KT_URL:
		return "URL";
	case KT_INT:
	case KT_INT64:
	case KT_BURST:
		return "integer";
	case KT_DURATION:
		return "duration";
	case KT_RATE:
		return "rate";
	case KT_NUMBER:
		return "number";
	default:
		return "value";
	}
}

/* "bad TYPE VALUE for KEY: WHY", echoing VALUE only when echo is set. */
static char *bad(const struct key_def *k, const char *value, int echo,
                 const char *why)
{
	char *q, *m;

	if (!echo)
		return xasprintf("bad %s for %s: %s", type_word(k->type),
		                 k->name, why);
	q = str_quote(value, 80);
	m = xasprintf("bad %s %s for %s: %s", type_word(k->type), q, k->name,
	              why);
	free(q);
	return m;
}

static char *bad_range(const struct key_def *k, const char *value,
                       const char *lo, const char *hi)
{
	char *why = xasprintf("must be from %s to %s", lo, hi);
	char *m = bad(k, value, 1, why);

	free(why);
	return m;
}

static int set_secret(struct config *c, const struct key_def *k, const char *v,
                      char **msg)
{
	if (k->kind == SECRET_ENV && !valid_env_name(v)) {
		/* Never echoed: a secret pasted here by mistake. */
		*msg = xasprintf("%s must name an environment variable "
		                 "(letters, digits and _)",
		                 k->name);
		return -1;
	}
	secret_ref_set(field(c, k), k->kind, v);
	return 0;
}

static int set_url(struct config *c, const struct key_def *k, const char *v,
                   char **msg)
{
	int loopback;
	const char *why = url_problem(v, &loopback);
	size_t n;

	if (why) {
		*msg = bad(k, v, !strchr(v, '@'), why);
		return -1;
	}
	n = strlen(v);
	while (n > 0 && v[n - 1] == '/')
		n--;
	set_str(c, k, xstrndup(v, n));
	return 0;
}

static int set_text(struct config *c, const struct key_def *k, const char *v,
                    char **msg)
{
	size_t n = strlen(v);

	if (k->type == KT_NAME && !only_chars(v, "._-")) {
		*msg = bad(k, v, 1,
		           "use letters, digits, \".\", \"_\" and "
		           "\"-\" only");
		return -1;
	}
	if (k->type == KT_PATH &&
	    (v[0] != '/' || !only_chars(v, "/._~-%!$&'()*+,;=:@"))) {
		*msg = bad(k, v, 1,
		           "expected an absolute URL path such as "
		           "/reseller/v3/getEnterprisesForReseller");
		return -1;
	}
	if (k->max && (int64_t)n > k->max) {
		*msg = xasprintf("%s is too long (at most %lld bytes)", k->name,
		                 (long long)k->max);
		return -1;
	}
	set_str(c, k, xstrdup(v));
	return 0;
}

static int set_int(struct config *c, const struct key_def *k, const char *v,
                   char **msg)
{
	uint64_t x;
	const char *why;
	char lo[24], hi[24];

	if (units_parse_uint(v, UINT64_MAX, &x, &why) < 0) {
		*msg = bad(k, v, 1, why);
		return -1;
	}
	if (x < (uint64_t)k->min || x > (uint64_t)k->max) {
		snprintf(lo, sizeof(lo), "%lld", (long long)k->min);
		snprintf(hi, sizeof(hi), "%lld", (long long)k->max);
		*msg = bad_range(k, v, lo, hi);
		return -1;
	}
	if (k->type == KT_INT)
		*(int *)field(c, k) = (int)x;
	else if (k->type == KT_INT64)
		*(int64_t *)field(c, k) = (int64_t)x;
	else
		*(double *)field(c, k) = (double)x;
	return 0;
}

static int set_duration(struct config *c, const struct key_def *k,
                        const char *v, char **msg)
{
	int64_t ns;
	const char *why;
	char lo[40], hi[40];

	if (units_parse_duration(v, &ns, &why) < 0) {
		*msg = bad(k, v, 1, why);
		return -1;
	}
	if (ns < k->min || ns > k->max) {
		units_format_duration(k->min, lo, sizeof(lo));
		units_format_duration(k->max, hi, sizeof(hi));
		*msg = bad_range(k, v, lo, hi);
		return -1;
	}
	*(int64_t *)field(c, k) = ns;
	return 0;
}

/*
 * File lines are checked as they are read; this is for values from the
 * environment and the command line.
 */
static int printable(const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return utf8_valid_prefix(s, n) == n;
}

int key_set(struct config *c, const struct key_def *k, const char *value,
            char **msg)
{
	const char *why;
	double x;

	*msg = NULL;
	if (!*value) {
		*msg = xasprintf("%s has no value", k->name);
		return -1;
	}
	/* File lines are checked as they are read; this is for values from
	 * the environment and the command line. Not echoed: it is garbage. */
	if (!printable(value)) {
		*msg = xasprintf("%s holds a control character or bytes that "
		                 "are not UTF-8",
		                 k->name);
		return -1;
	}
	switch (k->type) {
	case KT_SECRET:
		return set_secret(c, k, value, msg);
	case KT_URL:
		return set_url(c, k, value, msg);
	case KT_STR:
	case KT_NAME:
	case KT_PATH:
		return set_text(c, k, value, msg);
	case KT_INT:
	case KT_INT64:
	case KT_BURST:
		return set_int(c, k, value, msg);
	case KT_DURATION:
		return set_duration(c, k, value, msg);
	case KT_RATE:
		if (units_parse_rate(value, &x, &why) < 0) {
			*msg = bad(k, value, 1, why);
			return -1;
		}
		*(double *)field(c, k) = x;
		return 0;
	case KT_NUMBER:
		if (units_parse_number(value, &x, &why) < 0) {
			*msg = bad(k, value, 1, why);
			return -1;
		}
		if (x * 100 < (double)k->min || x * 100 > (double)k->max) {
			char lo[24], hi[24];

			snprintf(lo, sizeof(lo), "%g", (double)k->min / 100);
			snprintf(hi, sizeof(hi), "%g", (double)k->max / 100);
			*msg = bad_range(k, value, lo, hi);
			return -1;
		}
		*(double *)field(c, k) = x;
		return 0;
	}
	return -1;
}

/* Keys that would put a secret in the file, and what to use instead. */
static const char *const inline_secrets[] = {
    "password",
    "passwd",
    "client_secret",
    "secret",
    "token",
    "access_token",
    "connection_string",
    "enterprise_token",
    "api_key",
    "access_key",
    "key",
};

char *key_inline_secret(const char *section, const char *name)
{
	struct buf b;
	size_t i, n = 0;

	for (i = 0; i < sizeof(inline_secrets) / sizeof(inline_secrets[0]); i++)
		if (strcmp(name, inline_secrets[i]) == 0)
			break;
	if (i == sizeof(inline_secrets) / sizeof(inline_secrets[0]))
		return NULL;
	buf_init(&b);
	buf_addf(&b, "\"%s\" would hold a secret in the configuration file; ",
	         name);
	for (i = 0; i < config_key_n; i++) {
		const struct key_def *k = &config_key_table[i];

		if (k->type == KT_SECRET && strcmp(k->section, section) == 0 &&
		    strcmp(k->group, name) == 0)
			n++;
	}
	if (n == 0) {
		buf_adds(&b, "name its source with a *_env, *_file or *_cmd "
		             "key instead (see teamsprov.conf(5))");
		return buf_detach(&b);
	}
	buf_adds(&b, "use ");
	for (i = 0; i < config_key_n; i++) {
		const struct key_def *k = &config_key_table[i];

		if (k->type != KT_SECRET || strcmp(k->section, section) != 0 ||
		    strcmp(k->group, name) != 0)
			continue;
		buf_adds(&b, k->name);
		if (--n > 1)
			buf_adds(&b, ", ");
		else if (n == 1)
			buf_adds(&b, " or ");
	}
	buf_adds(&b, " instead");
	return buf_detach(&b);
}
