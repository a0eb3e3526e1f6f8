/*
 * sim_c2t: the ConnecttoTeams API as the reference documents and
 * API-NOTES.md describe it: an OAuth2 password grant, the reseller lookups,
 * enterprise creation (unique names, a bare 64-bit id), action URLs that
 * lead to the simulator's own admin page (sim_click.c), and the
 * /provisioning calls with their differently nested MSAL objects.
 *
 * /provisioning accepts an enterprise-level token, any bearer of the form
 * "ent-<enterpriseId>-<anything>" naming an existing enterprise, or the
 * reseller token once the enterprise granted EnterpriseManagement.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sim_state.h"

static const char *const services[] = {"PBX",           "Trunk", "CALLAPP",
                                       "CallRecording", "SMS",   "CHAT"};

static const char em_roles_error[] =
    "Unable to complete the consent process as the Roles Teams/Skype "
    "Administrator could not be found in the Tenant. Please enable the "
    "Roles in your Azure AD and try the Grant Consent process 30mins "
    "after enabling the roles";

static int same_secret(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

static void unauthorized(struct sim_resp *rs, int why)
{
	const char *d = why == -2   ? "Access token expired"
	                : why == -3 ? "Full authentication is "
	                              "required to access this "
	                              "resource"
	                            : "Invalid access token";

	sim_resp_json(rs, 401,
	              "{\"error\":\"%s\",\"error_description\":\"%s\"}",
	              why == -3 ? "unauthorized" : "invalid_token", d);
	rs->www_authenticate = xasprintf(
	    "Bearer realm=\"oauth2-resource\", error=\"invalid_token\", "
	    "error_description=\"%s\"",
	    d);
}

/* Checks the reseller token; answers 401 and returns -1 when refused. */
static int reseller_auth(struct sim *s, const struct sim_req *rq,
                         struct sim_resp *rs)
{
	int r;

	if (!rq->authorization) {
		unauthorized(rs, -3);
		return -1;
	}
	r = sim_token_check(s, SIM_TOK_C2T, rq->authorization, rq->now);
	if (r < 0)
		unauthorized(rs, r);
	return r < 0 ? -1 : 0;
}

static cJSON *json_body(const struct sim_req *rq, struct sim_resp *rs)
{
	cJSON *j = cJSON_ParseWithLength(rq->body, rq->body_len);

	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		sim_resp_error(rs, 400,
		               "JSON parse error: the request body "
		               "is not a JSON object");
		return NULL;
	}
	return j;
}

/* The reseller id of a path or query parameter: 400 or 403 answered. */
static int check_reseller(struct sim *s, const char *v, struct sim_resp *rs)
{
	int64_t id;

	if (!v) {
		sim_resp_error(rs, 400,
		               "Required request parameter "
		               "'resellerId' is not present");
		return -1;
	}
	if (!sim_parse_id(v, &id)) {
		sim_resp_error(rs, 400, "resellerId must be a number");
		return -1;
	}
	if (id != s->cfg.reseller_id) {
		sim_resp_error(rs, 403, "Access is denied to this reseller");
		return -1;
	}
	return 0;
}

static void oauth_token(struct sim *s, const struct sim_req *rq,
                        struct sim_resp *rs)
{
	const char *a = rq->authorization;
	unsigned char *dec = NULL;
	size_t n = 0;
	char *form = xstrndup(rq->body ? rq->body : "", rq->body_len);
	char *grant = sim_query_get(form, "grant_type");
	char *user = sim_query_get(form, "username");
	char *pass = sim_query_get(form, "password");
	char *cred = NULL, *colon, *tok;
	int client_ok = 0;

	if (a && str_ncasecmp(a, "Basic ", 6) == 0 &&
	    acs_base64_decode(a + 6, &dec, &n) == 0) {
		cred = xstrndup((char *)dec, n);
		colon = strchr(cred, ':');
		if (colon) {
			*colon = '\0';
			client_ok =
			    same_secret(cred, s->cfg.c2t_client_id) &&
			    same_secret(colon + 1, s->cfg.c2t_client_secret);
		}
	}
	if (!client_ok) {
		sim_resp_json(rs, 401,
		              "{\"error\":\"invalid_client\","
		              "\"error_description\":\"Bad client "
		              "credentials\"}");
		rs->www_authenticate = xstrdup("Basic realm=\"oauth2/client\"");
	} else if (!grant || !*grant) {
		sim_resp_json(rs, 400,
		              "{\"error\":\"invalid_request\","
		              "\"error_description\":\"Missing grant type\"}");
	} else if (strcmp(grant, "password") != 0) {
		sim_resp_json(rs, 400,
		              "{\"error\":\"unsupported_grant_type\","
		              "\"error_description\":\"Unsupported grant "
		              "type\"}");
	} else if (!user || !pass || !same_secret(user, s->cfg.c2t_user) ||
	           !same_secret(pass, s->cfg.c2t_pass)) {
		sim_resp_json(rs, 400,
		              "{\"error\":\"invalid_grant\","
		              "\"error_description\":\"Bad credentials\"}");
	} else {
		tok =
		    sim_token_issue(s, SIM_TOK_C2T, s->cfg.token_ttl, rq->now);
		sim_resp_json(rs, 200,
		              "{\"access_token\":\"%s\",\"token_type\":"
		              "\"bearer\",\"expires_in\":%.0f,\"scope\":"
		              "\"read write\"}",
		              tok, s->cfg.token_ttl);
		free(tok);
	}
	if (cred)
		OPENSSL_cleanse(cred, strlen(cred));
	if (dec)
		OPENSSL_cleanse(dec, n);
	if (pass)
		OPENSSL_cleanse(pass, strlen(pass));
	OPENSSL_cleanse(form, rq->body_len);
	free(cred);
	free(dec);
	free(form);
	free(grant);
	free(user);
	free(pass);
}

static void authenticated_user(struct sim *s, const struct sim_req *rq,
                               struct sim_resp *rs)
{
	char *name = xstrndup(rq->body ? rq->body : "", rq->body_len);
	size_t n;

	str_trim(name);
	n = strlen(name);
	/* tolerate a JSON string as well as the raw name */
	if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
		memmove(name, name + 1, n - 2);
		name[n - 2] = '\0';
	}
	if (strcmp(name, s->cfg.c2t_user) != 0) {
		sim_resp_error(rs, 404, "User not found");
	} else {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "resellerId",
		                        (double)s->cfg.reseller_id);
		cJSON_AddStringToObject(o, "username", name);
		cJSON_AddStringToObject(o, "userType", "RESELLER_ADMIN");
		cJSON_AddBoolToObject(o, "enabled", 1);
		sim_resp_take(rs, 200, cJSON_PrintUnformatted(o));
		cJSON_Delete(o);
	}
	free(name);
}

static int known_sbc(struct sim *s, double id)
{
	size_t i;

	for (i = 0; i < s->cfg.nsbc; i++)
		if ((double)s->cfg.sbc[i].id == id)
			return 1;
	return 0;
}

/* 1 usable, 0 unknown, -1 disabled. */
static int known_pbx(struct sim *s, double id)
{
	size_t i;

	for (i = 0; i < s->cfg.npbx; i++)
		if ((double)s->cfg.pbx[i].id == id)
			return s->cfg.pbx[i].disabled ? -1 : 1;
	return 0;
}

/* Validates a create body; returns an error message or NULL. */
static char *check_create(struct sim *s, cJSON *b, unsigned *svc)
{
	cJSON *name = cJSON_GetObjectItemCaseSensitive(b, "enterpriseName");
	cJSON *sv = cJSON_GetObjectItemCaseSensitive(b, "services");
	cJSON *sbc = cJSON_GetObjectItemCaseSensitive(b, "sbcGateways");
	cJSON *pbx = cJSON_GetObjectItemCaseSensitive(b, "pbxId");
	cJSON *ra = cJSON_GetObjectItemCaseSensitive(b, "restrictAdminAccess");
	cJSON *it;
	const char *p;
	size_t i;
	int k;

	*svc = 0;
	if (!cJSON_IsString(name) || !*name->valuestring)
		return xstrdup("enterpriseName is required");
	if (strlen(name->valuestring) > 256)
		return xstrdup("enterpriseName is longer than 256 bytes");
	for (p = name->valuestring; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return xstrdup("enterpriseName holds a control "
			               "character");
	if (!cJSON_IsArray(sv))
		return xstrdup("services is required (an array)");
	if (!cJSON_IsArray(sbc))
		return xstrdup("sbcGateways is required (an array)");
	if (!cJSON_IsArray(pbx))
		return xstrdup("pbxId is required (an array)");
	if (ra && !cJSON_IsBool(ra))
		return xstrdup("restrictAdminAccess must be a boolean");
	cJSON_ArrayForEach(it, sv)
	{
		if (!cJSON_IsString(it))
			return xstrdup("services holds a non-string");
		for (i = 0; i < 6; i++)
			if (strcmp(it->valuestring, services[i]) == 0)
				break;
		if (i == 6)
			return xasprintf("unknown service \"%.40s\"",
			                 it->valuestring);
		*svc |= 1u << i;
	}
	cJSON_ArrayForEach(it, sbc)
	{
		if (!cJSON_IsNumber(it) || !known_sbc(s, it->valuedouble))
			return xstrdup("sbcGateways holds an unknown SBC "
			               "gateway id");
	}
	cJSON_ArrayForEach(it, pbx)
	{
		k = cJSON_IsNumber(it) ? known_pbx(s, it->valuedouble) : 0;
		if (k == 0)
			return xstrdup("pbxId holds an unknown PBX type id");
		if (k < 0)
			return xstrdup("pbxId holds a disabled PBX type");
	}
	if ((*svc & 3u) && cJSON_GetArraySize(sbc) == 0)
		return xstrdup("services PBX and Trunk need an SBC gateway");
	if ((*svc & 5u) && cJSON_GetArraySize(pbx) == 0)
		return xstrdup("services PBX and CALLAPP need a PBX type");
	return NULL;
}

static struct sim_attempts *attempts_for(struct sim *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->natt; i++)
		if (str_casecmp(s->att[i].name, name) == 0)
			return &s->att[i];
	if (s->natt == s->capatt) {
		s->capatt = s->capatt ? 2 * s->capatt : 16;
		s->att = xrealloc(s->att, s->capatt * sizeof(*s->att));
	}
	memset(&s->att[s->natt], 0, sizeof(s->att[0]));
	s->att[s->natt].name = xstrdup(name);
	return &s->att[s->natt++];
}

static void new_enterprise(struct sim *s, const struct sim_req *rq,
                           struct sim_resp *rs)
{
	cJSON *b = json_body(rq, rs), *rid;
	struct sim_attempts *at;
	struct sim_enterprise *e;
	unsigned svc;
	char *err;
	const char *name;

	if (!b)
		return;
	rid = cJSON_GetObjectItemCaseSensitive(b, "resellerId");
	if ((err = check_create(s, b, &svc)) != NULL) {
		sim_resp_error(rs, 400, err);
		free(err);
		cJSON_Delete(b);
		return;
	}
	if (cJSON_IsNumber(rid) && rid->valuedouble != 0 &&
	    rid->valuedouble != (double)s->cfg.reseller_id) {
		sim_resp_error(rs, 403, "Access is denied to this reseller");
		cJSON_Delete(b);
		return;
	}
	name =
	    cJSON_GetObjectItemCaseSensitive(b, "enterpriseName")->valuestring;
	pthread_mutex_lock(&s->lock);
	at = attempts_for(s, name);
	at->attempts++;
	if (rq->idempotency_key && at->nkeys < 64) {
		at->keys =
		    xrealloc(at->keys, (at->nkeys + 1) * sizeof(*at->keys));
		at->keys[at->nkeys++] = xstrndup(rq->idempotency_key, 200);
	}
	if (sim_find_enterprise(s, name) >= 0) {
		at->duplicates++;
		s->n->duplicates++;
		pthread_mutex_unlock(&s->lock);
		err =
		    xasprintf("Enterprise with name '%s' already exists", name);
		cJSON_Delete(b);
		b = cJSON_CreateObject();
		cJSON_AddNumberToObject(b, "status", 409);
		cJSON_AddStringToObject(b, "error", "Conflict");
		cJSON_AddStringToObject(b, "message", err);
		free(err);
		sim_resp_take(rs, 409, cJSON_PrintUnformatted(b));
		cJSON_Delete(b);
		return;
	}
	if (s->nent == s->capent) {
		s->capent = s->capent ? 2 * s->capent : 16;
		s->ent = xrealloc(s->ent, s->capent * sizeof(*s->ent));
	}
	e = &s->ent[s->nent++];
	memset(e, 0, sizeof(*e));
	e->id = s->next_id++;
	e->name = xstrdup(name);
	e->fields = b;
	s->n->created++;
	sim_resp_json(rs, 200, "%" PRId64, e->id);
	pthread_mutex_unlock(&s->lock);
}

static void list_enterprises(struct sim *s, const struct sim_req *rq,
                             struct sim_resp *rs)
{
	char *rid = sim_query_get(rq->query, "resellerId");
	cJSON *a, *o, *f;
	size_t i;

	if (check_reseller(s, rid, rs) < 0) {
		free(rid);
		return;
	}
	free(rid);
	a = cJSON_CreateArray();
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nent; i++) {
		struct sim_enterprise *e = &s->ent[i];
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "enterpriseId", (double)e->id);
		cJSON_AddStringToObject(o, "enterpriseName", e->name);
		cJSON_AddNumberToObject(o, "resellerId",
		                        (double)s->cfg.reseller_id);
		cJSON_AddBoolToObject(o, "registered", e->registered);
		f = cJSON_GetObjectItemCaseSensitive(e->fields, "services");
		cJSON_AddItemToObject(o, "services", cJSON_Duplicate(f, 1));
		f = cJSON_GetObjectItemCaseSensitive(e->fields,
		                                     "restrictAdminAccess");
		cJSON_AddBoolToObject(o, "restrictAdminAccess",
		                      cJSON_IsTrue(f));
		cJSON_AddItemToArray(a, o);
	}
	pthread_mutex_unlock(&s->lock);
	sim_resp_take(rs, 200, cJSON_PrintUnformatted(a));
	cJSON_Delete(a);
}

static int is_http_url(const char *u)
{
	return (strncmp(u, "http://", 7) == 0 && u[7]) ||
	       (strncmp(u, "https://", 8) == 0 && u[8]);
}

static void action_url(struct sim *s, const struct sim_req *rq,
                       struct sim_resp *rs)
{
	cJSON *b = json_body(rq, rs), *at, *en, *ru;
	struct sim_nonce *nc;
	unsigned char raw[16];
	char nonce[33], *url;
	long e;
	int action, i;

	if (!b)
		return;
	at = cJSON_GetObjectItemCaseSensitive(b, "actionType");
	en = cJSON_GetObjectItemCaseSensitive(b, "enterpriseName");
	ru = cJSON_GetObjectItemCaseSensitive(b, "redirectUrl");
	action = cJSON_IsString(at) ? sim_action_index(at->valuestring) : -1;
	if (!cJSON_IsString(at))
		sim_resp_error(rs, 400, "actionType is required");
	else if (action < 0)
		sim_resp_error(rs, 400, "Invalid actionType");
	else if (!cJSON_IsString(en) || !*en->valuestring)
		sim_resp_error(rs, 400, "enterpriseName is required");
	else if (!cJSON_IsString(ru) || !*ru->valuestring)
		sim_resp_error(rs, 400, "redirectUrl is required");
	else if (!is_http_url(ru->valuestring))
		sim_resp_error(rs, 400, "redirectUrl must be an http(s) URL");
	if (rs->status != 200) {
		cJSON_Delete(b);
		return;
	}
	RAND_bytes(raw, sizeof(raw));
	for (i = 0; i < 16; i++)
		snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
	pthread_mutex_lock(&s->lock);
	e = sim_find_enterprise(s, en->valuestring);
	if (e < 0) {
		pthread_mutex_unlock(&s->lock);
		sim_resp_error(rs, 404, "Enterprise not found");
		cJSON_Delete(b);
		return;
	}
	s->ent[e].urls[action]++;
	if (s->nnonce == s->capnonce) {
		s->capnonce = s->capnonce ? 2 * s->capnonce : 64;
		s->nonce = xrealloc(s->nonce, s->capnonce * sizeof(*s->nonce));
	}
	nc = &s->nonce[s->nnonce++];
	memcpy(nc->nonce, nonce, sizeof(nonce));
	nc->ent = (size_t)e;
	nc->action = action;
	nc->redirect = xstrdup(ru->valuestring);
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(b);
	url = xasprintf("%s/_sim/click/%s", s->cfg.base_url, nonce);
	if (s->cfg.url_format == SIM_URL_TEXT) {
		buf_adds(&rs->body, url);
		rs->content_type = "text/plain";
	} else if (s->cfg.url_format == SIM_URL_JSON_STRING) {
		sim_resp_json(rs, 200, "\"%s\"", url);
	} else {
		sim_resp_json(rs, 200, "{\"url\":\"%s\"}", url);
	}
	free(url);
}

/* The MSAL object of a /provisioning body, or NULL. */
static cJSON *msal_at(cJSON *b, int depth)
{
	cJSON *o = b;

	while (depth-- > 0) {
		o = cJSON_GetObjectItemCaseSensitive(o, "authenticationResult");
		if (!cJSON_IsObject(o))
			return NULL;
	}
	return o;
}

static const char *msal_tenant(cJSON *msal)
{
	cJSON *ui = cJSON_GetObjectItemCaseSensitive(msal, "userInfo");
	cJSON *t = cJSON_GetObjectItemCaseSensitive(ui, "tenantId");
	cJSON *a = cJSON_GetObjectItemCaseSensitive(msal, "accessToken");

	if (!cJSON_IsString(t) || !cJSON_IsString(a))
		return NULL;
	return t->valuestring;
}

/*
 * Finds, under the lock, the enterprise a /provisioning call is about and
 * checks the token and the MSAL token. Returns its index with the lock
 * held, or -1 (lock released) after answering.
 */
static long prov_enterprise(struct sim *s, const struct sim_req *rq,
                            cJSON *msal, int reseller_ok, struct sim_resp *rs)
{
	const char *a = rq->authorization, *tenant = msal_tenant(msal);
	cJSON *tok = cJSON_GetObjectItemCaseSensitive(msal, "accessToken");
	int64_t id = 0;
	long e;
	int ent_token = a && strncmp(a, "Bearer ent-", 11) == 0;

	if (ent_token) {
		char *idtext = xstrndup(a + 11, strcspn(a + 11, "-"));
		int ok = sim_parse_id(idtext, &id);
		free(idtext);
		if (!ok) {
			unauthorized(rs, -1);
			return -1;
		}
	} else if (reseller_auth(s, rq, rs) < 0) {
		return -1;
	}
	pthread_mutex_lock(&s->lock);
	e = ent_token ? sim_find_enterprise_id(s, id)
	              : sim_find_tenant(s, tenant);
	if (e < 0 && ent_token) {
		unauthorized(rs, -1);
	} else if (e < 0) {
		sim_resp_error(rs, 404,
		               "No enterprise is registered with "
		               "this tenant");
	} else if (!s->ent[e].registered) {
		sim_resp_error(rs, 400, "The enterprise is not registered");
	} else if (str_casecmp(s->ent[e].tenant_id, tenant) != 0) {
		sim_resp_error(rs, 400,
		               "The MSAL token is for another "
		               "tenant");
	} else if (!s->ent[e].msal_token ||
	           strcmp(s->ent[e].msal_token, tok->valuestring) != 0) {
		sim_resp_error(rs, 401, "Invalid MSAL access token");
	} else if (!ent_token && !reseller_ok && !s->ent[e].em_granted) {
		sim_resp_error(rs, 403,
		               "The enterprise has not granted the "
		               "EnterpriseManagement consent: use an "
		               "enterprise-level token");
	} else {
		return e;
	}
	pthread_mutex_unlock(&s->lock);
	return -1;
}

static void provisioning(struct sim *s, const struct sim_match *m,
                         const struct sim_req *rq, struct sim_resp *rs)
{
	cJSON *b, *msal = NULL, *o, *rid, *tid;
	int type = -1;
	long e;

	if (m->route == SIM_R_C2T_APP_CONSENT) {
		type = sim_consent_index(m->param[0]);
		if (type < 0) {
			sim_resp_error(rs, 400, "Invalid consent type");
			return;
		}
	}
	if (!(b = json_body(rq, rs)))
		return;
	switch (m->route) {
	case SIM_R_C2T_APP_CONSENT:
		msal = msal_at(b, 2);
		break;
	case SIM_R_C2T_O365_USER_INFO:
		msal = msal_at(b, msal_tenant(msal_at(b, 2)) ? 2 : 1);
		if (!msal_tenant(msal))
			msal = msal_tenant(b) ? b : NULL;
		break;
	default:
		msal = msal_at(b, 1);
	}
	if (!msal || !msal_tenant(msal)) {
		pthread_mutex_lock(&s->lock);
		s->n->nesting_errors++;
		pthread_mutex_unlock(&s->lock);
		sim_resp_error(rs, 400,
		               m->route == SIM_R_C2T_APP_CONSENT
		                   ? "authenticationResult."
		                     "authenticationResult with "
		                     "accessToken and userInfo.tenantId "
		                     "is required"
		                   : "authenticationResult with "
		                     "accessToken and userInfo.tenantId "
		                     "is required");
		cJSON_Delete(b);
		return;
	}
	if (m->route == SIM_R_C2T_EM_CONSENT) {
		rid = cJSON_GetObjectItemCaseSensitive(b, "resellerId");
		tid = cJSON_GetObjectItemCaseSensitive(b, "tenantId");
		if (!cJSON_IsNumber(rid) || !cJSON_IsString(tid)) {
			sim_resp_error(rs, 400,
			               "resellerId and tenantId are "
			               "required");
			goto out;
		}
		if (rid->valuedouble != (double)s->cfg.reseller_id) {
			sim_resp_error(rs, 403,
			               "Access is denied to this "
			               "reseller");
			goto out;
		}
		if (str_casecmp(tid->valuestring, msal_tenant(msal)) != 0) {
			sim_resp_error(rs, 400,
			               "tenantId does not match the "
			               "MSAL token");
			goto out;
		}
	}
	e = prov_enterprise(s, rq, msal, m->route == SIM_R_C2T_EM_CONSENT, rs);
	if (e < 0)
		goto out;
	switch (m->route) {
	case SIM_R_C2T_APP_CONSENT:
		s->ent[e].confirmed[type]++;
		if (strcmp(sim_consent_names[type], "EnterpriseManagement") ==
		    0)
			s->ent[e].em_granted = 1;
		sim_resp_json(rs, 200, "{}");
		break;
	case SIM_R_C2T_TENANT_ADMIN_API:
		s->ent[e].provisioned++;
		s->ent[e].tenant_admin_api = 1;
		sim_resp_json(rs, 200, "{}");
		break;
	case SIM_R_C2T_EM_CONSENT:
		if (!s->ent[e].tenant_admin_api) {
			sim_resp_error(rs, 400, em_roles_error);
			break;
		}
		s->ent[e].em_by_reseller++;
		s->ent[e].em_granted = 1;
		s->n->em_by_reseller++;
		sim_resp_json(rs, 200, "{}");
		break;
	default:
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "tenantId", s->ent[e].tenant_id);
		cJSON_AddStringToObject(o, "organization", "MSFT");
		cJSON_AddStringToObject(o, "officeUserType", "GLOBAL_ADMIN");
		cJSON_AddBoolToObject(o, "companyAdmin", 1);
		cJSON_AddBoolToObject(o, "containsTeamsTenantAdminAPI",
		                      s->ent[e].tenant_admin_api);
		sim_resp_take(rs, 200, cJSON_PrintUnformatted(o));
		cJSON_Delete(o);
	}
	pthread_mutex_unlock(&s->lock);
out:
	cJSON_Delete(b);
}

void sim_c2t_handle(struct sim *s, const struct sim_match *m,
                    const struct sim_req *rq, struct sim_resp *rs)
{
	char *rid;

	if (m->route == SIM_R_NOT_FOUND) {
		sim_resp_json(rs, 404,
		              "{\"status\":404,\"error\":\"Not Found\","
		              "\"message\":\"No message available\"}");
		return;
	}
	if (m->route == SIM_R_C2T_TOKEN) {
		oauth_token(s, rq, rs);
		return;
	}
	if (m->route >= SIM_R_C2T_APP_CONSENT) {
		provisioning(s, m, rq, rs);
		return;
	}
	if (reseller_auth(s, rq, rs) < 0)
		return;
	switch (m->route) {
	case SIM_R_C2T_AUTH_USER:
		authenticated_user(s, rq, rs);
		break;
	case SIM_R_C2T_SBC:
		if (check_reseller(s, m->param[0], rs) == 0)
			sim_resp_json(rs, 200, "%s", s->sbc_json);
		break;
	case SIM_R_C2T_PBX:
		rid = sim_query_get(rq->query, "resellerId");
		if (check_reseller(s, rid, rs) == 0)
			sim_resp_json(rs, 200, "%s", s->pbx_json);
		free(rid);
		break;
	case SIM_R_C2T_NEW_ENTERPRISE:
		new_enterprise(s, rq, rs);
		break;
	case SIM_R_C2T_LIST_ENTERPRISES:
		list_enterprises(s, rq, rs);
		break;
	case SIM_R_C2T_ACTION_URL:
		action_url(s, rq, rs);
		break;
	default:
		sim_resp_error(rs, 404, "Not Found");
	}
}
