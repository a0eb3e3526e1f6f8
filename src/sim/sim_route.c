/*
 * sim_route: the route table (method + path pattern -> route), query and
 * form decoding, and the response helpers shared by the handlers.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "sim.h"

struct route_def {
	enum sim_route_id id;
	enum sim_api api;
	const char *method;
	const char *pattern; /* '*' stands for one non-empty segment */
	const char *name;
};

#define FUSION_SUB "/api/v01/draas/*/tenants/*/subscriptions/*"
#define ACS_PATH "/access/teamsExtension/tenants/*/assignments/*"

static const struct route_def routes[] = {
    {SIM_R_C2T_TOKEN, SIM_API_C2T, "POST", "/oauth/token", "c2t.token"},
    {SIM_R_C2T_AUTH_USER, SIM_API_C2T, "PUT", "/reseller/getAuthenticatedUser",
     "c2t.getAuthenticatedUser"},
    {SIM_R_C2T_SBC, SIM_API_C2T, "GET",
     "/reseller/getAvailableSBCGatewayRegionsByResellerId/*",
     "c2t.getAvailableSBCGatewayRegionsByResellerId"},
    {SIM_R_C2T_PBX, SIM_API_C2T, "GET", "/pbx/getPBXTypesByResellerId",
     "c2t.getPBXTypesByResellerId"},
    {SIM_R_C2T_NEW_ENTERPRISE, SIM_API_C2T, "POST", "/reseller/newEnterprise",
     "c2t.newEnterprise"},
    {SIM_R_C2T_LIST_ENTERPRISES, SIM_API_C2T, "GET",
     "/reseller/v3/getEnterprisesForReseller", "c2t.getEnterprisesForReseller"},
    {SIM_R_C2T_ACTION_URL, SIM_API_C2T, "POST", "/enterprise/getActionItemUrl",
     "c2t.getActionItemUrl"},
    {SIM_R_C2T_APP_CONSENT, SIM_API_C2T, "POST",
     "/provisioning/updateAppConsent/*", "c2t.updateAppConsent"},
    {SIM_R_C2T_O365_USER_INFO, SIM_API_C2T, "POST",
     "/provisioning/getO365UserInfo", "c2t.getO365UserInfo"},
    {SIM_R_C2T_TENANT_ADMIN_API, SIM_API_C2T, "POST",
     "/provisioning/provisionTenantAdminAPI", "c2t.provisionTenantAdminAPI"},
    {SIM_R_C2T_EM_CONSENT, SIM_API_C2T, "POST",
     "/provisioning/updateEnterpriseManagementConsentByReseller",
     "c2t.updateEnterpriseManagementConsentByReseller"},
    {SIM_R_F_LOGIN, SIM_API_FUSION, "POST", "/api/v01/auth/login",
     "fusion.login"},
    {SIM_R_F_REFRESH, SIM_API_FUSION, "GET", "/api/v01/auth/access_token",
     "fusion.access_token"},
    {SIM_R_F_APPLICATIONS, SIM_API_FUSION, "POST",
     FUSION_SUB "/msteams/applications", "fusion.applications"},
    {SIM_R_F_WIZARD_POST, SIM_API_FUSION, "POST", FUSION_SUB "/msteams/wizard",
     "fusion.wizard.post"},
    {SIM_R_F_WIZARD_GET, SIM_API_FUSION, "GET", FUSION_SUB "/msteams/wizard",
     "fusion.wizard.get"},
    {SIM_R_F_UPDATE_VRP, SIM_API_FUSION, "PUT",
     FUSION_SUB "/msteams/update_vrp", "fusion.update_vrp"},
    {SIM_R_F_CREATE_APP, SIM_API_FUSION, "POST",
     FUSION_SUB "/downloads/create_app", "fusion.create_app"},
    {SIM_R_F_RESET_SECRET, SIM_API_FUSION, "POST",
     FUSION_SUB "/msteams/reset_secret", "fusion.reset_secret"},
    {SIM_R_F_UNLINK, SIM_API_FUSION, "POST", FUSION_SUB "/msteams/unlink",
     "fusion.unlink"},
    {SIM_R_F_SOURCES, SIM_API_FUSION, "GET", FUSION_SUB "/msteams/sources",
     "fusion.sources"},
    {SIM_R_F_LINK, SIM_API_FUSION, "POST", FUSION_SUB "/msteams/link",
     "fusion.link"},
    {SIM_R_F_STATUS, SIM_API_FUSION, "GET", FUSION_SUB "/msteams/status",
     "fusion.status"},
    {SIM_R_ACS_PUT, SIM_API_ACS, "PUT", ACS_PATH, "acs.put"},
    {SIM_R_ACS_GET, SIM_API_ACS, "GET", ACS_PATH, "acs.get"},
    {SIM_R_ACS_DELETE, SIM_API_ACS, "DELETE", ACS_PATH, "acs.delete"},
    {SIM_R_SIM_STATS, SIM_API_SIM, "GET", "/_sim/stats", "sim.stats"},
    {SIM_R_SIM_RESET, SIM_API_SIM, "POST", "/_sim/reset", "sim.reset"},
    {SIM_R_SIM_ENTERPRISES, SIM_API_SIM, "GET", "/_sim/enterprises",
     "sim.enterprises"},
    {SIM_R_SIM_CLICK, SIM_API_SIM, "GET", "/_sim/click/*", "sim.click"},
    {SIM_R_SIM_ACS_PUT, SIM_API_SIM, "PUT", "/_sim/acs/*/*", "sim.acs.put"},
    {SIM_R_SIM_ACS_DELETE, SIM_API_SIM, "DELETE", "/_sim/acs/*/*",
     "sim.acs.delete"},
    {SIM_R_SIM_EXPIRE_TOKENS, SIM_API_SIM, "POST", "/_sim/expire-tokens",
     "sim.expire_tokens"},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Matches path against pattern, capturing '*' segments into m. */
static int match(const char *pattern, const char *path, struct sim_match *m)
{
	const char *p = pattern, *q = path;
	const char *cap[SIM_MAX_PARAMS];
	size_t caplen[SIM_MAX_PARAMS];
	int n = 0, i;

	while (*p && *q) {
		if (*p == '*') {
			size_t len = strcspn(q, "/");
			if (len == 0 || n == SIM_MAX_PARAMS)
				return 0;
			cap[n] = q;
			caplen[n++] = len;
			q += len;
			p++;
		} else if (*p == *q) {
			p++;
			q++;
		} else {
			return 0;
		}
	}
	if (*p || *q)
		return 0;
	if (m) {
		for (i = 0; i < n; i++)
			m->param[i] = xstrndup(cap[i], caplen[i]);
		m->nparam = n;
	}
	return 1;
}

static enum sim_api api_of_path(const char *path)
{
	if (strncmp(path, "/api/v01/", 9) == 0 || strcmp(path, "/api/v01") == 0)
		return SIM_API_FUSION;
	if (strncmp(path, "/access/", 8) == 0)
		return SIM_API_ACS;
	if (strncmp(path, "/_sim/", 6) == 0)
		return SIM_API_SIM;
	return SIM_API_C2T;
}

void sim_route(const char *method, const char *path, struct sim_match *m)
{
	size_t i;
	int path_known = 0;

	memset(m, 0, sizeof(*m));
	m->route = SIM_R_NOT_FOUND;
	m->api = api_of_path(path);
	for (i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, path, NULL))
			continue;
		path_known = 1;
		m->api = routes[i].api;
		if (strcmp(routes[i].method, method) != 0)
			continue;
		match(routes[i].pattern, path, m);
		m->route = routes[i].id;
		return;
	}
	if (path_known)
		m->route = SIM_R_BAD_METHOD;
}

void sim_match_release(struct sim_match *m)
{
	int i;

	for (i = 0; i < m->nparam; i++)
		free(m->param[i]);
	m->nparam = 0;
}

const char *sim_route_name(enum sim_route_id r)
{
	size_t i;

	if (r == SIM_R_NOT_FOUND)
		return "not_found";
	if (r == SIM_R_BAD_METHOD)
		return "method_not_allowed";
	for (i = 0; i < NROUTES; i++)
		if (routes[i].id == r)
			return routes[i].name;
	return "unknown";
}

const char *sim_api_name(enum sim_api a)
{
	static const char *const names[] = {"c2t", "fusion", "acs", "sim"};
	return a < SIM_API_N ? names[a] : "?";
}

int sim_route_exempt(enum sim_route_id r)
{
	return r == SIM_R_C2T_TOKEN || r == SIM_R_F_LOGIN ||
	       r == SIM_R_F_REFRESH || r >= SIM_R_SIM_STATS;
}

static char *decode(const char *s, size_t n)
{
	char *d = xstrndup(s, n), *p;

	for (p = d; *p; p++)
		if (*p == '+')
			*p = ' ';
	MHD_http_unescape(d);
	return d;
}

char *sim_query_get(const char *query, const char *name)
{
	const char *p = query;
	size_t nlen = strlen(name);

	while (p && *p) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		char *key = decode(p, klen);
		int hit = strlen(key) == nlen && strcmp(key, name) == 0;

		free(key);
		if (hit)
			return eq ? decode(eq + 1, len - klen - 1)
			          : xstrdup("");
		p += len;
		if (*p == '&')
			p++;
	}
	return NULL;
}

void sim_resp_init(struct sim_resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	buf_init(&rs->body);
	rs->status = 200;
	rs->content_type = "application/json";
}

void sim_resp_release(struct sim_resp *rs)
{
	buf_release(&rs->body);
	free(rs->location);
	free(rs->www_authenticate);
	rs->location = rs->www_authenticate = NULL;
}

void sim_resp_json(struct sim_resp *rs, int status, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_reset(&rs->body);
	buf_adds(&rs->body, s);
	free(s);
	rs->status = status;
	rs->content_type = "application/json";
}

void sim_resp_take(struct sim_resp *rs, int status, char *json)
{
	buf_reset(&rs->body);
	buf_adds(&rs->body, json);
	free(json);
	rs->status = status;
	rs->content_type = "application/json";
}

void sim_resp_error(struct sim_resp *rs, int status, const char *msg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", msg);
	sim_resp_take(rs, status, cJSON_PrintUnformatted(o));
	cJSON_Delete(o);
}
