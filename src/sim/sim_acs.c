/*
 * sim_acs: Azure Communication Services Teams Phone extensibility
 * assignments (api-version 2025-06-30): PUT (201 created, 200 updated),
 * GET (200 or 404), DELETE (204), each request verified as ACS does it
 * (HMAC-SHA256 with the --acs-key, or the --acs-token bearer), errors as
 * {"error": {"code", "message"}}. GUIDs compare case-insensitively. The
 * unsigned /_sim/acs/TENANT/OBJECT routes change an assignment behind the
 * client's back (drift tests); they share the store code below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sim_state.h"

#define API_VERSION "2025-06-30"

static void acs_error(struct sim_resp *rs, int status, const char *code,
                      const char *msg)
{
	cJSON *o = cJSON_CreateObject(), *e;

	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	sim_resp_take(rs, status, cJSON_PrintUnformatted(o));
	cJSON_Delete(o);
}

static int acs_auth(struct sim *s, const struct sim_req *rq,
                    struct sim_resp *rs)
{
	const char *a = rq->authorization;
	enum acs_verdict v;
	char *host;
	size_t n;

	if (a && str_ncasecmp(a, "Bearer ", 7) == 0) {
		n = strlen(a + 7);
		if (s->cfg.acs_token && n == strlen(s->cfg.acs_token) &&
		    CRYPTO_memcmp(a + 7, s->cfg.acs_token, n) == 0)
			return 0;
		acs_error(rs, 401, "InvalidAuthenticationToken",
		          "The access token is invalid or not accepted");
		return -1;
	}
	host = rq->host ? acs_host_normalize(rq->host, 0) : NULL;
	v = acs_verify(s->cfg.acs_key, s->cfg.acs_key_len, rq->method, rq->uri,
	               host, rq->x_ms_date, rq->x_ms_content_sha256, a,
	               rq->body, rq->body_len,
	               (time_t)rq->wall + (time_t)s->cfg.acs_clock_skew,
	               ACS_DATE_WINDOW);
	free(host);
	if (v == ACS_VERIFY_OK)
		return 0;
	acs_error(rs, 401, "Denied", acs_verdict_str(v));
	return -1;
}

static struct sim_assignment *find(struct sim *s, const char *tenant,
                                   const char *object)
{
	size_t i;

	for (i = 0; i < s->nacs; i++)
		if (str_casecmp(s->acs[i].tenant, tenant) == 0 &&
		    str_casecmp(s->acs[i].object, object) == 0)
			return &s->acs[i];
	return NULL;
}

static char *assignment_json(const struct sim_assignment *x)
{
	cJSON *o = cJSON_CreateObject();
	char *j;

	cJSON_AddStringToObject(o, "objectId", x->object);
	cJSON_AddStringToObject(o, "tenantId", x->tenant);
	cJSON_AddStringToObject(o, "principalType", x->ptype);
	if (x->client_ids)
		cJSON_AddItemToObject(o, "clientIds",
		                      cJSON_Duplicate(x->client_ids, 1));
	j = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return j;
}

/* Validates a PUT body; returns an error message (static) or NULL. */
static const char *check_put(cJSON *b)
{
	cJSON *pt = cJSON_GetObjectItemCaseSensitive(b, "principalType");
	cJSON *ci = cJSON_GetObjectItemCaseSensitive(b, "clientIds"), *it;

	if (!cJSON_IsObject(b))
		return "The request body is not a JSON object";
	if (!cJSON_IsString(pt))
		return "principalType is required";
	if (strcmp(pt->valuestring, "teamsResourceAccount") != 0 &&
	    strcmp(pt->valuestring, "resourceAccount") != 0 &&
	    strcmp(pt->valuestring, "user") != 0)
		return "principalType must be teamsResourceAccount, "
		       "resourceAccount or user";
	if (ci && !cJSON_IsArray(ci))
		return "clientIds must be an array";
	cJSON_ArrayForEach(it, ci)
	{
		if (!cJSON_IsString(it) || !sim_is_guid(it->valuestring))
			return "clientIds must hold GUIDs";
	}
	if (strcmp(pt->valuestring, "user") == 0 && cJSON_GetArraySize(ci) == 0)
		return "clientIds is required for principalType user";
	return NULL;
}

/* PUT into the store; lock not held. Answers 201/200 or 400. */
static void put(struct sim *s, const char *tenant, const char *object,
                const struct sim_req *rq, struct sim_resp *rs)
{
	cJSON *b = cJSON_ParseWithLength(rq->body, rq->body_len), *ci;
	struct sim_assignment *x;
	const char *err = check_put(b);
	int created = 0;

	if (err) {
		acs_error(rs, 400, "BadRequest", err);
		cJSON_Delete(b);
		return;
	}
	ci = cJSON_GetObjectItemCaseSensitive(b, "clientIds");
	pthread_mutex_lock(&s->lock);
	x = find(s, tenant, object);
	if (!x) {
		if (s->nacs == s->capacs) {
			s->capacs = s->capacs ? 2 * s->capacs : 16;
			s->acs = xrealloc(s->acs, s->capacs * sizeof(*s->acs));
		}
		x = &s->acs[s->nacs++];
		memset(x, 0, sizeof(*x));
		snprintf(x->tenant, sizeof(x->tenant), "%s", tenant);
		snprintf(x->object, sizeof(x->object), "%s", object);
		created = 1;
	}
	free(x->ptype);
	cJSON_Delete(x->client_ids);
	x->ptype = xstrdup(
	    cJSON_GetObjectItemCaseSensitive(b, "principalType")->valuestring);
	x->client_ids = ci ? cJSON_Duplicate(ci, 1) : NULL;
	sim_resp_take(rs, created ? 201 : 200, assignment_json(x));
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(b);
}

static void del(struct sim *s, const char *tenant, const char *object,
                struct sim_resp *rs)
{
	struct sim_assignment *x;

	pthread_mutex_lock(&s->lock);
	x = find(s, tenant, object);
	if (x) {
		free(x->ptype);
		cJSON_Delete(x->client_ids);
		*x = s->acs[--s->nacs];
	}
	pthread_mutex_unlock(&s->lock);
	buf_reset(&rs->body);
	rs->status = 204;
}

void sim_acs_handle(struct sim *s, const struct sim_match *m,
                    const struct sim_req *rq, struct sim_resp *rs)
{
	struct sim_assignment *x;
	char *v;

	if (m->route == SIM_R_NOT_FOUND) {
		acs_error(rs, 404, "NotFound", "The resource does not exist");
		return;
	}
	if (acs_auth(s, rq, rs) < 0)
		return;
	v = sim_query_get(rq->query, "api-version");
	if (!v || !*v) {
		acs_error(rs, 400, "MissingApiVersionParameter",
		          "The api-version query parameter (?api-version=) "
		          "is required for all requests");
		free(v);
		return;
	}
	if (strcmp(v, API_VERSION) != 0) {
		acs_error(rs, 400, "UnsupportedApiVersion",
		          "The api-version is not supported; use " API_VERSION);
		free(v);
		return;
	}
	free(v);
	if (!sim_is_guid(m->param[0]) || !sim_is_guid(m->param[1])) {
		acs_error(rs, 400, "BadRequest",
		          "tenantId and objectId must be GUIDs");
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (m->route == SIM_R_ACS_PUT)
		s->n->acs_put++;
	else if (m->route == SIM_R_ACS_GET)
		s->n->acs_get++;
	else
		s->n->acs_delete++;
	pthread_mutex_unlock(&s->lock);
	if (m->route == SIM_R_ACS_PUT) {
		put(s, m->param[0], m->param[1], rq, rs);
	} else if (m->route == SIM_R_ACS_DELETE) {
		del(s, m->param[0], m->param[1], rs);
	} else {
		pthread_mutex_lock(&s->lock);
		x = find(s, m->param[0], m->param[1]);
		if (x)
			sim_resp_take(rs, 200, assignment_json(x));
		pthread_mutex_unlock(&s->lock);
		if (!x)
			acs_error(rs, 404, "NotFound",
			          "No assignment exists for this object");
	}
}

/* The unsigned back door for tests: /_sim/acs/TENANT/OBJECT. */
void sim_acs_backdoor(struct sim *s, const struct sim_match *m,
                      const struct sim_req *rq, struct sim_resp *rs)
{
	if (!sim_is_guid(m->param[0]) || !sim_is_guid(m->param[1])) {
		acs_error(rs, 400, "BadRequest",
		          "tenantId and objectId must be GUIDs");
		return;
	}
	if (m->route == SIM_R_SIM_ACS_PUT)
		put(s, m->param[0], m->param[1], rq, rs);
	else
		del(s, m->param[0], m->param[1], rs);
}
