/*
 * sim_click: the enterprise admin's part, played by GET /_sim/click/<nonce>
 * ?outcome=success|error, the page every action URL leads to. It does what
 * the ConnecttoTeams broker does after the Microsoft screens: for
 * registration and login it POSTs the MSAL JSON object to the redirect URL
 * (libcurl, outside the lock); for consents it redirects (302) the browser
 * to the redirect URL with ?success=... or ?error=..., URL-encoded. A failed
 * registration or login redirects with ?error= too.
 *
 * Tenant ids and MSAL access tokens are derived from the enterprise id and
 * the seed, so a rehearsal with the same seed sees the same tenants.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sim_state.h"

static const char *const ok_msg[SIM_CONSENT_N] = {
    "User Sync Consent Completed Successfully",
    "Presence Consent Completed Successfully",
    "Call App Consent Completed Successfully",
    "Contacts Consent Completed Successfully",
    "CDR Consent Completed Successfully",
    "Call Recording Consent Completed Successfully",
    "Enterprise Management Consent Completed Successfully",
    "Agent Consent Completed Successfully",
};

static const char err_msg[] =
    "Unable to Complete the process. User is not a Global Admin";

/* Appends text with the HTML special characters escaped. */
static void add_html(struct buf *b, const char *text)
{
	for (; *text; text++) {
		switch (*text) {
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		default:
			buf_addc(b, *text);
		}
	}
}

static void page(struct sim_resp *rs, int status, const char *title,
                 const char *text)
{
	buf_reset(&rs->body);
	buf_addf(&rs->body,
	         "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	         "<title>%s</title></head>\n<body><h1>%s</h1><p>",
	         title, title);
	add_html(&rs->body, text);
	buf_adds(&rs->body, "</p></body></html>\n");
	rs->status = status;
	rs->content_type = "text/html; charset=utf-8";
}

/* Fills out with 32 hex digits of HMAC(seed, what:id). */
static void derive(struct sim *s, const char *what, int64_t id, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char msg[96];

	snprintf(msg, sizeof(msg), "%s:%" PRId64 ":%" PRIu64, what, id,
	         s->cfg.seed);
	HMAC(EVP_sha256(), "teamsprov-sim", 13, (unsigned char *)msg,
	     strlen(msg), md, &n);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Registers (or logs in) enterprise e; lock held. Returns the MSAL JSON. */
static char *register_locked(struct sim *s, struct sim_enterprise *e,
                             int action, int64_t wall)
{
	cJSON *root, *mr, *ar, *ui;
	char h[33];
	char *json, *upn;

	if (!e->registered) {
		derive(s, "tenant", e->id, h);
		snprintf(e->tenant_id, sizeof(e->tenant_id),
		         "%.8s-%.4s-4%.3s-a%.3s-%.12s", h, h + 8, h + 12,
		         h + 15, h + 18);
		if (s->cfg.tenant_admin_api < 0)
			e->tenant_admin_api = h[31] < '8';
		else
			e->tenant_admin_api = s->cfg.tenant_admin_api;
		derive(s, "msal", e->id, h);
		e->msal_token = xasprintf("sim-msal-%s", h);
		e->registered = 1;
	}
	if (action == 0)
		s->n->registrations++;
	else
		s->n->logins++;
	upn = xasprintf("admin@ent%" PRId64 ".onmicrosoft.com", e->id);
	root = cJSON_CreateObject();
	mr = cJSON_AddObjectToObject(root, "msalAuthenticationResult");
	ar = cJSON_AddObjectToObject(mr, "authenticationResult");
	cJSON_AddStringToObject(ar, "accessToken", e->msal_token);
	cJSON_AddStringToObject(ar, "accessTokenType",
	                        "login.microsoftonline.com");
	cJSON_AddNullToObject(ar, "expiresAfter");
	cJSON_AddNumberToObject(ar, "expiresOn", (double)(wall + 3600) * 1e6);
	cJSON_AddNullToObject(ar, "expiresOnDate");
	cJSON_AddStringToObject(ar, "idToken", "sim-id-token");
	cJSON_AddBoolToObject(ar, "multipleResourceRefreshToken", 0);
	cJSON_AddNullToObject(ar, "refreshToken");
	ui = cJSON_AddObjectToObject(ar, "userInfo");
	cJSON_AddStringToObject(ui, "displayableId", upn);
	cJSON_AddStringToObject(ui, "identityProvider", "user");
	cJSON_AddStringToObject(ui, "tenantId", e->tenant_id);
	cJSON_AddNullToObject(mr, "resellerId");
	cJSON_AddNullToObject(mr, "tenantId");
	cJSON_AddStringToObject(root, "organization", "MSFT");
	cJSON_AddStringToObject(root, "officeUserType", "GLOBAL_ADMIN");
	cJSON_AddBoolToObject(root, "companyAdmin", 1);
	cJSON_AddBoolToObject(root, "containsTeamsTenantAdminAPI",
	                      e->tenant_admin_api);
	json = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	free(upn);
	return json;
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

/* POSTs json to url; returns the HTTP status or -1 with *err set. */
static long post_json(const char *url, const char *json, char *err)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = NULL;
	long code = -1;
	CURLcode rc;

	if (!h) {
		snprintf(err, CURL_ERROR_SIZE, "curl_easy_init failed");
		return -1;
	}
	err[0] = '\0';
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	else if (!err[0])
		snprintf(err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return code;
}

static void redirect(struct sim_resp *rs, const char *base, const char *key,
                     const char *msg)
{
	char *v = curl_easy_escape(NULL, msg, 0);

	rs->location =
	    xasprintf("%s%c%s=%s", base, strchr(base, '?') ? '&' : '?', key, v);
	curl_free(v);
	page(rs, 302, "Redirecting", "Returning to the service provider.");
}

void sim_click_handle(struct sim *s, const struct sim_match *m,
                      const struct sim_req *rq, struct sim_resp *rs)
{
	char *outcome = sim_query_get(rq->query, "outcome");
	char *url = NULL, *json = NULL, err[CURL_ERROR_SIZE], *text;
	int ok = !outcome || strcmp(outcome, "success") == 0, action = -1;
	size_t i;
	long code;

	if (outcome && !ok && strcmp(outcome, "error") != 0) {
		page(rs, 400, "Bad outcome",
		     "outcome must be success or error.");
		free(outcome);
		return;
	}
	free(outcome);
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nnonce; i++)
		if (strcmp(s->nonce[i].nonce, m->param[0]) == 0)
			break;
	if (i < s->nnonce) {
		struct sim_nonce *nc = &s->nonce[i];
		struct sim_enterprise *e = &s->ent[nc->ent];
		action = nc->action;
		url = xstrdup(nc->redirect);
		if (ok)
			e->clicks_ok[action]++;
		else
			e->clicks_err[action]++;
		if (ok && action <= 1)
			json = register_locked(s, e, action, rq->wall);
	}
	pthread_mutex_unlock(&s->lock);
	if (action < 0) {
		page(rs, 404, "Unknown link",
		     "This action link is not known to the simulator.");
	} else if (!ok) {
		redirect(rs, url, "error", err_msg);
	} else if (action > 1) {
		redirect(rs, url, "success",
		         ok_msg[sim_action_consent(action)]);
	} else {
		code = post_json(url, json, err);
		if (code < 0) {
			text = xasprintf("The redirect URL could not be "
			                 "reached: %.200s",
			                 err);
			page(rs, 502, "Delivery failed", text);
		} else {
			text = xasprintf("The service provider answered "
			                 "HTTP %ld.",
			                 code);
			page(rs, 200,
			     action == 0 ? "Registration complete"
			                 : "Login complete",
			     text);
		}
		free(text);
	}
	free(url);
	free(json);
}
