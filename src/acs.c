/*
 * acs: ACS assignment requests and answers as data (see acs.h).
 */
#include "acs.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "journal_acs.h"
#include "redact.h"
#include "util.h"

char *acs_assignment_path(const char *api_version, const char *tenant_id,
			  const char *object_id)
{
	return xasprintf("/access/teamsExtension/tenants/%s/assignments/%s"
			 "?api-version=%s",
			 tenant_id, object_id, api_version);
}

char *acs_put_body(const char *principal_type, char *const *client_ids,
		   size_t n_client_ids)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char *s;
	size_t i;

	cJSON_AddStringToObject(o, "principalType", principal_type);
	a = cJSON_AddArrayToObject(o, "clientIds");
	for (i = 0; i < n_client_ids; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(client_ids[i]));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		abort(); /* cJSON fails only when out of memory */
	return s;
}

void acs_assignment_release(struct acs_assignment *a)
{
	size_t i;

	free(a->tenant_id);
	free(a->object_id);
	free(a->principal_type);
	for (i = 0; i < a->n_client_ids; i++)
		free(a->client_ids[i]);
	free(a->client_ids);
	memset(a, 0, sizeof(*a));
}

int acs_assignment_parse(const char *body, size_t len,
			 struct acs_assignment *out)
{
	cJSON *o = cJSON_ParseWithLength(body, len), *ci, *it;
	const char *pt;
	size_t n = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(o))
		goto done;
	pt = json_get_str(o, "principalType");
	ci = cJSON_GetObjectItemCaseSensitive(o, "clientIds");
	if (!pt || (ci && !cJSON_IsNull(ci) && !cJSON_IsArray(ci)))
		goto done;
	cJSON_ArrayForEach(it, ci)
	{
		if (!cJSON_IsString(it))
			goto done;
		n++;
	}
	out->principal_type = xstrdup(pt);
	out->tenant_id = xstrdup(json_get_str(o, "tenantId"));
	out->object_id = xstrdup(json_get_str(o, "objectId"));
	out->client_ids = n ? xcalloc(n, sizeof(char *)) : NULL;
	cJSON_ArrayForEach(it, ci)
	{
		out->client_ids[out->n_client_ids++] =
			xstrdup(it->valuestring);
	}
	rc = 0;
done:
	cJSON_Delete(o);
	return rc;
}

static int resource_account(const char *t)
{
	return strcmp(t, "teamsResourceAccount") == 0 ||
	       strcmp(t, "resourceAccount") == 0;
}

int acs_compare(const char *principal_type, char *const *client_ids,
		size_t n_client_ids, const struct acs_assignment *live)
{
	char *want = jr_acs_client_list(client_ids, n_client_ids);
	char *got = jr_acs_client_list(live->client_ids, live->n_client_ids);
	int diff = ACS_SAME;

	if (strcmp(principal_type, live->principal_type) != 0 &&
	    !(resource_account(principal_type) &&
	      resource_account(live->principal_type)))
		diff |= ACS_DIFF_PRINCIPAL;
	if (strcmp(want, got) != 0)
		diff |= ACS_DIFF_CLIENTS;
	free(want);
	free(got);
	return diff;
}

char *acs_diff_text(int diff, const char *principal_type,
		    char *const *client_ids, size_t n_client_ids,
		    const struct acs_assignment *live)
{
	struct buf b;
	char *want, *got, *q;

	buf_init(&b);
	if (diff & ACS_DIFF_PRINCIPAL) {
		q = redact_quote(live->principal_type,
				 strlen(live->principal_type), 60);
		buf_addf(&b, "principalType differs (live: %s, manifest: %s)",
			 q, principal_type);
		free(q);
	}
	if (diff & ACS_DIFF_CLIENTS) {
		want = jr_acs_client_list(client_ids, n_client_ids);
		got = jr_acs_client_list(live->client_ids,
					 live->n_client_ids);
		q = redact_quote(got, strlen(got), 400);
		buf_addf(&b, "%sclientIds differ (live: %s, manifest: \"%s\")",
			 b.len ? "; " : "", q, want);
		free(q);
		free(want);
		free(got);
	}
	if (!b.len)
		buf_adds(&b, "the same");
	return buf_detach(&b);
}

int acs_judge(int absent, const char *principal_type,
	      char *const *client_ids, size_t n_client_ids, long status,
	      const char *body, size_t len, char **why)
{
	struct acs_assignment a;
	int diff;

	*why = NULL;
	if (status == 404) {
		if (absent)
			return 1;
		*why = xstrdup("assignment missing");
		return 0;
	}
	if (status != 200 || acs_assignment_parse(body, len, &a) < 0)
		return -1;
	if (absent) {
		acs_assignment_release(&a);
		*why = xstrdup("present where the manifest says absent");
		return 0;
	}
	diff = acs_compare(principal_type, client_ids, n_client_ids, &a);
	if (diff)
		*why = acs_diff_text(diff, principal_type, client_ids,
				     n_client_ids, &a);
	acs_assignment_release(&a);
	return diff ? 0 : 1;
}

char *acs_error_message(const struct http_request *req,
			const struct http_response *res)
{
	cJSON *o = NULL, *e;
	const char *code = NULL, *msg = NULL;
	char *path, *qc, *qm, *out;

	if (res->err == HTTP_ERR_NONE && res->body.len)
		o = cJSON_ParseWithLength(res->body.p, res->body.len);
	e = cJSON_GetObjectItemCaseSensitive(o, "error");
	if (cJSON_IsObject(e)) {
		code = json_get_str(e, "code");
		msg = json_get_str(e, "message");
	}
	if (!code && !msg) {
		cJSON_Delete(o);
		return http_status_message(req, res);
	}
	path = http_url_path(req->url, 0);
	qc = code ? redact_quote(code, strlen(code), 80) : xstrdup("\"\"");
	qm = msg ? redact_quote(msg, strlen(msg), 300) : xstrdup("\"\"");
	out = xasprintf("HTTP %ld from %s %s: %s %s", res->status,
			req->method ? req->method : "GET", path, qc, qm);
	free(path);
	free(qc);
	free(qm);
	cJSON_Delete(o);
	return out;
}

const char *acs_refusal_hint(int hmac)
{
	return hmac ? "the access key of the connection string is likely "
		      "wrong (or rotated), or this machine's clock is more "
		      "than 15 minutes off (signed requests carry the time)"
		    : "the Entra ID token is likely expired, for another "
		      "resource than https://communication.azure.com, or "
		      "lacks a role on the ACS resource";
}
