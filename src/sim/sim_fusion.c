/*
 * sim_fusion: the Netaxis Fusion MS Teams onboarding API (all paths under
 * /api/v01): login and token refresh, application registration, the
 * six-step wizard as a state machine computed from the time it started
 * (no thread per wizard), voice routing, the create_app script, secret
 * reset, unlink, link sources, link and status.
 *
 * Every well-formed tenant UUID and subscription id exists (the simulator
 * cannot know a real Fusion's tree); a malformed one, another draas
 * instance or an unknown path is a 404. A --fusion-viewer user holds only
 * the read roles: its POST and PUT calls get 403.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sim_state.h"

static const char *const step_text[6] = {
    "Set a domain for the tenant and validate it against Microsoft",
    "Add an e-mail service to the domain and its DNS entries",
    "Create a dummy account and associate an E1 / E3 / E5 license to it",
    ("Create MS Teams routing policies and remove associated license from "
     "the dummy user"),
    "Activate voice for the domain",
    "Create voice direct routing data in Microsoft Teams",
};

static const char vrp_status[] =
    "{\"pstn\":{\"DRaaS-PSTN-Usage\":{\"detail\":\"Cannot add these items "
    "to the collection as they conflict or have duplicate key/identity: "
    "Usage: DRaaS-PSTN-Usage\",\"status\":\"already_exists\"}},"
    "\"vr\":{\"Draas-VR\":{\"detail\":\"Identity Draas-VR already "
    "exists\",\"status\":\"already_exists\"}},\"vrp\":{\"World-DRaaS\":"
    "{\"detail\":\"Identity World-DRaaS already exists in Tenant "
    "scope\",\"status\":\"already_exists\"}}}";

static int same_secret(const char *a, const char *b)
{
	size_t n = strlen(a);

	return b && n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

static void login(struct sim *s, const struct sim_req *rq, struct sim_resp *rs)
{
	cJSON *b = cJSON_ParseWithLength(rq->body, rq->body_len);
	cJSON *u = cJSON_GetObjectItemCaseSensitive(b, "username");
	cJSON *p = cJSON_GetObjectItemCaseSensitive(b, "password");
	char *at, *rt;
	int full, viewer;

	if (!cJSON_IsString(u) || !cJSON_IsString(p)) {
		sim_resp_error(rs, 400, "username and password are required");
		cJSON_Delete(b);
		return;
	}
	full = same_secret(u->valuestring, s->cfg.fusion_user) &&
	       same_secret(p->valuestring, s->cfg.fusion_pass);
	viewer = s->cfg.fusion_viewer &&
	         same_secret(u->valuestring, s->cfg.fusion_viewer) &&
	         same_secret(p->valuestring, s->cfg.fusion_viewer_pass);
	cJSON_Delete(b);
	if (!full && !viewer) {
		sim_resp_error(rs, 401, "Invalid username or password");
		return;
	}
	at = sim_token_issue(s, full ? SIM_TOK_FUSION : SIM_TOK_FUSION_VIEW,
	                     s->cfg.token_ttl, rq->now);
	rt = sim_token_issue(s, full ? SIM_TOK_REFRESH : SIM_TOK_REFRESH_VIEW,
	                     s->cfg.refresh_ttl, rq->now);
	if (full && s->cfg.fusion_m2m)
		sim_resp_json(rs, 200,
		              "{\"access_token\":\"%s\",\"refresh_token\":"
		              "\"%s\",\"token\":\"%s\"}",
		              at, rt, s->cfg.fusion_m2m);
	else
		sim_resp_json(rs, 200,
		              "{\"access_token\":\"%s\",\"refresh_token\":"
		              "\"%s\"}",
		              at, rt);
	free(at);
	free(rt);
}

static void refresh(struct sim *s, const struct sim_req *rq,
                    struct sim_resp *rs)
{
	char *at;

	if (sim_token_check(s, SIM_TOK_REFRESH, rq->authorization, rq->now) ==
	    0)
		at = sim_token_issue(s, SIM_TOK_FUSION, s->cfg.token_ttl,
		                     rq->now);
	else if (sim_token_check(s, SIM_TOK_REFRESH_VIEW, rq->authorization,
	                         rq->now) == 0)
		at = sim_token_issue(s, SIM_TOK_FUSION_VIEW, s->cfg.token_ttl,
		                     rq->now);
	else {
		sim_resp_error(rs, 401, "Invalid or expired refresh token");
		return;
	}
	sim_resp_json(rs, 200, "{\"access_token\":\"%s\"}", at);
	free(at);
}

/* 2: all roles, 1: read roles, 0: refused (401 answered). */
static int fusion_auth(struct sim *s, const struct sim_req *rq,
                       struct sim_resp *rs)
{
	const char *a = rq->authorization;

	if (s->cfg.fusion_m2m && a && str_ncasecmp(a, "Bearer ", 7) == 0 &&
	    same_secret(a + 7, s->cfg.fusion_m2m))
		return 2;
	if (sim_token_check(s, SIM_TOK_FUSION, a, rq->now) == 0)
		return 2;
	if (sim_token_check(s, SIM_TOK_FUSION_VIEW, a, rq->now) == 0)
		return 1;
	sim_resp_error(rs, 401,
	               a ? "Invalid or expired access token"
	                 : "Authentication required");
	return 0;
}

static const char *role_of(enum sim_route_id r)
{
	switch (r) {
	case SIM_R_F_APPLICATIONS:
		return "tenants.instance.subscriptions.instance.msteams."
		       "applications.create";
	case SIM_R_F_WIZARD_POST:
		return "tenants.instance.subscriptions.instance.msteams."
		       "wizard.start";
	case SIM_R_F_UPDATE_VRP:
		return "tenants.instance.subscriptions.instance.msteams."
		       "update.vrp";
	case SIM_R_F_CREATE_APP:
		return "tenants.instance.subscriptions.instance.downloads."
		       "create_app";
	case SIM_R_F_RESET_SECRET:
		return "tenants.instance.subscriptions.instance.msteams."
		       "secret.reset";
	case SIM_R_F_UNLINK:
		return "tenants.instance.subscriptions.instance.msteams."
		       "unlink";
	case SIM_R_F_LINK:
		return "tenants.instance.subscriptions.instance.msteams.link";
	default:
		return NULL;
	}
}

/* Applies a finished wizard to its subscription (lock held). */
static enum sim_wiz_phase settle(struct sim *s, struct sim_sub *x, int64_t now,
                                 int *executed)
{
	enum sim_wiz_phase ph = sim_wizard_phase(
	    &x->wiz, now, s->cfg.init_delay, s->cfg.wizard_duration, executed);

	if (ph == SIM_WIZ_DONE && !x->wiz.settled) {
		x->wiz.settled = 1;
		x->onboarded = 1;
	} else if (ph == SIM_WIZ_FAILED) {
		x->wiz.settled = 1;
	}
	return ph;
}

static cJSON *body_object(const struct sim_req *rq, struct sim_resp *rs)
{
	cJSON *b = cJSON_ParseWithLength(rq->body, rq->body_len);

	if (!cJSON_IsObject(b)) {
		cJSON_Delete(b);
		sim_resp_error(rs, 400,
		               "The request body is not a JSON "
		               "object");
		return NULL;
	}
	return b;
}

static const char *str_field(cJSON *b, const char *k)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(b, k);
	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

static void applications(struct sim_sub *x, const struct sim_req *rq,
                         struct sim_resp *rs)
{
	cJSON *b = body_object(rq, rs);
	const char *ms, *app, *sec;

	if (!b)
		return;
	ms = str_field(b, "msTeamsTenantId");
	app = str_field(b, "applicationId");
	sec = str_field(b, "secret");
	x->app_posts++;
	if (!app || !sec)
		sim_resp_error(rs, 400,
		               "applicationId and secret are "
		               "required");
	else if (!sim_is_guid(app) || (ms && !sim_is_guid(ms)))
		sim_resp_error(rs, 400,
		               "msTeamsTenantId and applicationId "
		               "must be GUIDs");
	else if (!x->has_app && !ms)
		sim_resp_error(rs, 400,
		               "msTeamsTenantId is required for a "
		               "new integration");
	else if (x->has_app && ms && str_casecmp(ms, x->ms_tenant) != 0)
		sim_resp_error(rs, 400,
		               "msTeamsTenantId does not match the "
		               "linked entry");
	else {
		if (ms) {
			free(x->ms_tenant);
			x->ms_tenant = xstrdup(ms);
		}
		free(x->app_id);
		x->app_id = xstrdup(app);
		acs_content_hash(sec, strlen(sec), x->secret_fp);
		x->has_app = 1;
		rs->status = 204;
	}
	cJSON_Delete(b);
}

static void wizard_get(struct sim *s, struct sim_sub *x, int64_t now,
                       struct sim_resp *rs)
{
	int k, i;
	enum sim_wiz_phase ph = settle(s, x, now, &k);
	struct buf *b = &rs->body;

	x->polls++;
	if (ph == SIM_WIZ_NONE || ph == SIM_WIZ_INIT) {
		sim_resp_error(rs, 404,
		               "The MS Teams tenant has not been "
		               "initialized yet");
		return;
	}
	if (ph == SIM_WIZ_FAILED) {
		char *m = xasprintf("Step %d failed: %s", k + 1, step_text[k]);
		sim_resp_error(rs, 400, m);
		free(m);
		return;
	}
	buf_addf(b, "{\"running\":%s,\"wizardSteps\":[",
	         ph == SIM_WIZ_RUNNING ? "true" : "false");
	for (i = 0; i < 6; i++) {
		buf_addf(b, "%s{\"step\":%d,\"text\":\"%s\",\"executed\":%s",
		         i ? "," : "", i + 1, step_text[i],
		         i < k ? "true" : "false");
		if (i == 3 && i < k)
			buf_addf(b, ",\"status\":%s", vrp_status);
		buf_addc(b, '}');
	}
	buf_adds(b, "]}");
}

static void wizard_post(struct sim *s, struct sim_sub *x, int64_t now,
                        struct sim_resp *rs)
{
	int k;
	enum sim_wiz_phase ph = settle(s, x, now, &k);

	x->posts++;
	if (ph != SIM_WIZ_INIT && ph != SIM_WIZ_RUNNING) {
		memset(&x->wiz, 0, sizeof(x->wiz));
		x->wiz.id = s->next_wizard++;
		x->wiz.start = now;
		if (sim_rng_next(s) < s->cfg.wizard_fail_rate)
			x->wiz.fail_step = 1 + (int)(sim_rng_next(s) * 6);
		/* without an application the first step cannot run */
		if (!x->has_app)
			x->wiz.fail_step = 1;
	}
	sim_resp_json(rs, 200, "{\"id\":%" PRId64 "}", x->wiz.id);
}

static void create_app(const struct sim_sub *x, struct sim_resp *rs)
{
	char *script = xasprintf(
	    "# create_app.ps1 - Fusion MS Graph integration\n"
	    "# tenant %s subscription %" PRId64 "\n"
	    "Connect-AzureAD\n"
	    "$app = New-AzureADApplication -DisplayName \"Fusion DRaaS\"\n"
	    "Write-Host \"MS tenant ID, application ID and secret:\"\n"
	    "Read-Host -Prompt \"Press Enter to exit\"\n",
	    x->tenant, x->sub);
	size_t n = strlen(script);
	char *enc = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)enc, (unsigned char *)script, (int)n);
	sim_resp_json(rs, 200,
	              "{\"fileName\":\"create_app.ps1\",\"fileBody\":\"%s\"}",
	              enc);
	free(enc);
	free(script);
}

static void reset_secret(struct sim_sub *x, const struct sim_req *rq,
                         struct sim_resp *rs)
{
	cJSON *b = body_object(rq, rs);
	const char *app, *sec;

	if (!b)
		return;
	app = str_field(b, "applicationId");
	sec = str_field(b, "secret");
	if (!app || !sec)
		sim_resp_error(rs, 400,
		               "applicationId and secret are "
		               "required");
	else if (!x->has_app)
		sim_resp_error(rs, 404,
		               "No MS Teams application is "
		               "integrated for this subscription");
	else if (str_casecmp(app, x->app_id) != 0)
		sim_resp_error(rs, 400,
		               "applicationId does not match the "
		               "current integration");
	else {
		acs_content_hash(sec, strlen(sec), x->secret_fp);
		x->resets++;
		rs->status = 204;
	}
	cJSON_Delete(b);
}

static void sources(struct sim *s, struct sim_sub *x, int64_t now,
                    struct sim_resp *rs)
{
	cJSON *root = cJSON_CreateObject(), *a, *o;
	char name[64];
	size_t i;
	int k;

	a = cJSON_AddArrayToObject(root, "sources");
	for (i = 0; i < s->nsub; i++) {
		struct sim_sub *y = &s->sub[i];
		settle(s, y, now, &k);
		if (y == x || !y->onboarded || y->linked_to)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "subscriptionId", (double)y->sub);
		snprintf(name, sizeof(name), "Subscription %" PRId64, y->sub);
		cJSON_AddStringToObject(o, "subscriptionName", name);
		snprintf(name, sizeof(name), "Tenant %.8s", y->tenant);
		cJSON_AddStringToObject(o, "tenantName", name);
		cJSON_AddItemToArray(a, o);
	}
	sim_resp_take(rs, 200, cJSON_PrintUnformatted(root));
	cJSON_Delete(root);
}

static void link_sub(struct sim *s, struct sim_sub *x, const struct sim_req *rq,
                     struct sim_resp *rs)
{
	cJSON *b = body_object(rq, rs), *id;
	struct sim_sub *src = NULL;
	size_t i;
	int k;

	if (!b)
		return;
	id = cJSON_GetObjectItemCaseSensitive(b, "subscriptionId");
	if (!cJSON_IsNumber(id) || id->valuedouble < 1 ||
	    id->valuedouble != (double)(int64_t)id->valuedouble) {
		sim_resp_error(rs, 400,
		               "subscriptionId (an integer) is "
		               "required");
		cJSON_Delete(b);
		return;
	}
	for (i = 0; i < s->nsub; i++) {
		struct sim_sub *y = &s->sub[i];
		settle(s, y, rq->now, &k);
		if (y != x && y->sub == (int64_t)id->valuedouble &&
		    y->onboarded && !y->linked_to)
			src = y;
	}
	settle(s, x, rq->now, &k);
	if (!src)
		sim_resp_error(rs, 400,
		               "The subscription to link to has no "
		               "onboarded MS Teams tenant");
	else if (x->onboarded)
		sim_resp_error(rs, 400,
		               "This subscription is already linked "
		               "to an MS Teams tenant");
	else {
		x->linked_to = src->sub;
		x->onboarded = 1;
		free(x->ms_tenant);
		x->ms_tenant = xstrdup(src->ms_tenant);
		rs->status = 204;
	}
	cJSON_Delete(b);
}

static void status(struct sim *s, struct sim_sub *x, int64_t now,
                   struct sim_resp *rs)
{
	int k;
	enum sim_wiz_phase ph = settle(s, x, now, &k);
	const char *st = "not_initiated", *mode = NULL;
	cJSON *o = cJSON_CreateObject();

	if (x->onboarded)
		st = "onboarded";
	else if (ph == SIM_WIZ_INIT || ph == SIM_WIZ_RUNNING)
		st = "in_progress";
	else if (ph == SIM_WIZ_FAILED)
		st = "failed";
	if (x->linked_to)
		mode = "linked";
	else if (x->wiz.id)
		mode = "onboarding";
	if (x->ms_tenant)
		cJSON_AddStringToObject(o, "msTenantId", x->ms_tenant);
	else
		cJSON_AddNullToObject(o, "msTenantId");
	if (mode)
		cJSON_AddStringToObject(o, "mode", mode);
	else
		cJSON_AddNullToObject(o, "mode");
	cJSON_AddStringToObject(o, "status", st);
	sim_resp_take(rs, 200, cJSON_PrintUnformatted(o));
	cJSON_Delete(o);
}

static void unlink_sub(struct sim *s, struct sim_sub *x, int64_t now,
                       struct sim_resp *rs)
{
	int k;

	settle(s, x, now, &k);
	if (!x->onboarded && !x->has_app) {
		sim_resp_error(rs, 400,
		               "No MS Teams tenant is linked to this "
		               "subscription");
		return;
	}
	free(x->ms_tenant);
	free(x->app_id);
	x->ms_tenant = x->app_id = NULL;
	x->has_app = x->onboarded = 0;
	x->linked_to = 0;
	memset(&x->wiz, 0, sizeof(x->wiz));
	rs->status = 204;
}

void sim_fusion_handle(struct sim *s, const struct sim_match *m,
                       const struct sim_req *rq, struct sim_resp *rs)
{
	struct sim_sub *x;
	const char *role;
	int64_t sub;
	int level;

	if (m->route == SIM_R_F_LOGIN) {
		login(s, rq, rs);
		return;
	}
	if (m->route == SIM_R_F_REFRESH) {
		refresh(s, rq, rs);
		return;
	}
	if (m->route == SIM_R_NOT_FOUND) {
		sim_resp_error(rs, 404, "The requested path does not exist");
		return;
	}
	if (!(level = fusion_auth(s, rq, rs)))
		return;
	role = role_of(m->route);
	if (level < 2 && role) {
		char *msg = xasprintf("Insufficient rights: role %s is "
		                      "required",
		                      role);
		sim_resp_error(rs, 403, msg);
		free(msg);
		return;
	}
	if (strcmp(m->param[0], s->cfg.draas_instance) != 0) {
		sim_resp_error(rs, 404, "Unknown draas instance");
		return;
	}
	if (!sim_is_guid(m->param[1]) || !sim_parse_id(m->param[2], &sub) ||
	    sub > INT32_MAX) {
		sim_resp_json(rs, 404,
		              "{\"error\":{\"reason\":\"The path tenant / "
		              "subscription does not exist\"}}");
		return;
	}
	rs->content_type = "application/json";
	pthread_mutex_lock(&s->lock);
	x = sim_get_sub(s, m->param[1], sub, 1);
	switch (m->route) {
	case SIM_R_F_APPLICATIONS:
		applications(x, rq, rs);
		break;
	case SIM_R_F_WIZARD_POST:
		wizard_post(s, x, rq->now, rs);
		break;
	case SIM_R_F_WIZARD_GET:
		wizard_get(s, x, rq->now, rs);
		break;
	case SIM_R_F_UPDATE_VRP: {
		int k;
		settle(s, x, rq->now, &k);
		if (!x->onboarded)
			sim_resp_error(rs, 400,
			               "The MS Teams tenant is not "
			               "onboarded");
		else
			sim_resp_json(rs, 200, "{\"status\":%s}", vrp_status);
		break;
	}
	case SIM_R_F_CREATE_APP:
		create_app(x, rs);
		break;
	case SIM_R_F_RESET_SECRET:
		reset_secret(x, rq, rs);
		break;
	case SIM_R_F_UNLINK:
		unlink_sub(s, x, rq->now, rs);
		break;
	case SIM_R_F_SOURCES:
		sources(s, x, rq->now, rs);
		break;
	case SIM_R_F_LINK:
		link_sub(s, x, rq, rs);
		break;
	default:
		status(s, x, rq->now, rs);
	}
	pthread_mutex_unlock(&s->lock);
}
