/*
 * fusion: Fusion request bodies, answer parsing and the poll schedule
 * (see fusion.h).
 */
#include "fusion.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acssign.h"
#include "http.h"
#include "redact.h"
#include "secret.h"

/* s with secrets masked and control characters escaped, without the
 * surrounding quotes of redact_quote. Caller frees. */
static char *redact_quote_plain(const char *s)
{
	char *q = redact_quote(s, strlen(s), 300);
	size_t n = strlen(q);
	char *out;

	if (n >= 2 && q[0] == '"' && q[n - 1] == '"') {
		out = xstrndup(q + 1, n - 2);
		free(q);
		return out;
	}
	return q;
}

char *fusion_path(const char *instance, const char *tenant, int64_t sub,
		  const char *tail)
{
	return xasprintf("/api/v01/draas/%s/tenants/%s/subscriptions/%" PRId64
			 "/%s",
			 instance, tenant, sub, tail);
}

/* cJSON_PrintUnformatted copies the secret once more: wipe the tree's. */
static char *print_secret_body(cJSON *o, const char *secret)
{
	char *s = cJSON_PrintUnformatted(o);
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "secret");
	char *out;

	if (v && v->valuestring)
		explicit_bzero(v->valuestring, strlen(secret));
	cJSON_Delete(o);
	if (!s)
		abort();
	out = xstrdup(s);
	explicit_bzero(s, strlen(s));
	cJSON_free(s);
	return out;
}

char *fusion_app_body(const char *ms_tenant, const char *app_id,
		      const char *secret)
{
	cJSON *o = cJSON_CreateObject();

	if (ms_tenant)
		cJSON_AddStringToObject(o, "msTeamsTenantId", ms_tenant);
	cJSON_AddStringToObject(o, "applicationId", app_id);
	cJSON_AddStringToObject(o, "secret", secret);
	return print_secret_body(o, secret);
}

char *fusion_reset_body(const char *app_id, const char *secret)
{
	return fusion_app_body(NULL, app_id, secret);
}

char *fusion_link_body(int64_t target)
{
	return xasprintf("{\"subscriptionId\":%" PRId64 "}", target);
}

/* Appends item (a string) as JSON text: quoted and escaped by cJSON,
 * without an allocation when it is short. */
static void add_json_string(struct buf *out, const cJSON *item)
{
	char tmp[512];
	char *p;

	if (cJSON_PrintPreallocated((cJSON *)item, tmp, sizeof(tmp), 0)) {
		buf_adds(out, tmp);
		return;
	}
	p = cJSON_PrintUnformatted(item);
	buf_adds(out, p ? p : "null");
	cJSON_free(p);
}

int fusion_parse_wizard(const char *body, size_t len,
			struct fusion_wizard *w, char **steps_json)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	cJSON *run = cJSON_GetObjectItemCaseSensitive(j, "running");
	cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "wizardSteps");
	cJSON *s;
	struct buf out;

	memset(w, 0, sizeof(*w));
	if (steps_json)
		*steps_json = NULL;
	if (!cJSON_IsBool(run) || !cJSON_IsArray(steps)) {
		cJSON_Delete(j);
		return -1;
	}
	w->running = cJSON_IsTrue(run);
	/* Written out directly rather than as a cJSON tree to print: a
	 * wizard poll makes one, and the tree cost more than the parse. */
	buf_init(&out);
	buf_addc(&out, '[');
	cJSON_ArrayForEach(s, steps)
	{
		cJSON *ex = cJSON_GetObjectItemCaseSensitive(s, "executed");
		cJSON *text = cJSON_GetObjectItemCaseSensitive(s, "text");
		int64_t n = w->steps_total + 1;

		w->steps_total++;
		w->steps_done += cJSON_IsTrue(ex);
		if (!steps_json)
			continue;
		json_get_i64(s, "step", &n);
		buf_addf(&out, "%s{\"name\":\"Step %" PRId64 "\",\"executed\":%s,"
			       "\"text\":",
			 w->steps_total > 1 ? "," : "", n,
			 cJSON_IsTrue(ex) ? "true" : "false");
		if (cJSON_IsString(text))
			add_json_string(&out, text);
		else
			buf_adds(&out, "null");
		buf_addc(&out, '}');
	}
	buf_addc(&out, ']');
	if (steps_json)
		*steps_json = buf_detach(&out);
	else
		buf_release(&out);
	cJSON_Delete(j);
	return 0;
}

char *fusion_parse_wizard_id(const char *body, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	int64_t v;
	char *out = NULL;

	if (cJSON_IsString(id) && *id->valuestring)
		out = xstrdup(id->valuestring);
	else if (json_i64(id, &v) == 0)
		out = xasprintf("%" PRId64, v);
	cJSON_Delete(j);
	return out;
}

char *fusion_error_message(const char *body, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const char *s = NULL;
	char *out = NULL;

	if (cJSON_IsString(e))
		s = e->valuestring;
	else if (cJSON_IsObject(e))
		s = json_get_str(e, "reason");
	if (s && *s)
		out = redact_quote_plain(s);
	cJSON_Delete(j);
	return out;
}

int fusion_sources_has(const char *body, size_t len, int64_t sub)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "sources"), *s;
	int found = 0;
	int64_t v;

	if (!cJSON_IsArray(a)) {
		cJSON_Delete(j);
		return -1;
	}
	cJSON_ArrayForEach(s, a)
	{
		if (json_get_i64(s, "subscriptionId", &v) == 0 && v == sub)
			found = 1;
	}
	cJSON_Delete(j);
	return found;
}

static void add_cell(struct buf *out, const char *s)
{
	char *q = redact_quote_plain(s ? s : "");

	buf_adds(out, q);
	free(q);
}

int fusion_sources_table(const char *body, size_t len, struct buf *out)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "sources"), *s;
	int64_t v;

	if (!cJSON_IsArray(a)) {
		cJSON_Delete(j);
		return -1;
	}
	cJSON_ArrayForEach(s, a)
	{
		if (json_get_i64(s, "subscriptionId", &v) < 0)
			continue;
		buf_addf(out, "%" PRId64 "\t", v);
		add_cell(out, json_get_str(s, "subscriptionName"));
		buf_addc(out, '\t');
		add_cell(out, json_get_str(s, "tenantName"));
		buf_addc(out, '\n');
	}
	cJSON_Delete(j);
	return 0;
}

int fusion_vrp_table(const char *body, size_t len, struct buf *out, int *bad)
{
	static const char *const kinds[] = {"pstn", "vr", "vrp"};
	cJSON *j = cJSON_ParseWithLength(body, len);
	cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status"), *e;
	size_t k;

	*bad = 0;
	if (!cJSON_IsObject(st)) {
		cJSON_Delete(j);
		return -1;
	}
	for (k = 0; k < 3; k++) {
		cJSON *kind = cJSON_GetObjectItemCaseSensitive(st, kinds[k]);

		cJSON_ArrayForEach(e, kind)
		{
			const char *s = json_get_str(e, "status");

			buf_addf(out, "%s\t", kinds[k]);
			add_cell(out, e->string);
			buf_addc(out, '\t');
			add_cell(out, s ? s : "unknown");
			buf_addc(out, '\t');
			add_cell(out, json_get_str(e, "detail"));
			buf_addc(out, '\n');
			if (!s || (strcmp(s, "already_exists") != 0 &&
				   strcmp(s, "created") != 0 &&
				   strcmp(s, "updated") != 0 &&
				   strcmp(s, "success") != 0 &&
				   strcmp(s, "ok") != 0))
				++*bad;
		}
	}
	cJSON_Delete(j);
	return 0;
}

/* A plain file name: no path, no leading dot, printable ASCII. */
static int plain_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 200 || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == '\\' || s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

int fusion_parse_script(const char *body, size_t len, char **name,
			unsigned char **data, size_t *n)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const char *fn = json_get_str(j, "fileName");
	const char *fb = json_get_str(j, "fileBody");
	int rc = -1;

	*name = NULL;
	*data = NULL;
	*n = 0;
	if (fb && acs_base64_decode(fb, data, n) == 0) {
		*name = xstrdup(fn && plain_name(fn) ? fn : "create_app.ps1");
		rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

int64_t fusion_poll_next(int64_t prev, int64_t first, double factor,
			 int64_t max)
{
	double next;

	if (prev <= 0)
		return first < max || max <= 0 ? first : max;
	next = (double)prev * (factor < 1 ? 1 : factor);
	if (max > 0 && next > (double)max)
		return max;
	return (int64_t)next;
}
