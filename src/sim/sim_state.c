/*
 * sim_state: configuration defaults, the world's life cycle, the seeded
 * generator, tokens, lookups and counters (see sim_state.h).
 */
#include "sim_state.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "clock.h"

const char *const sim_action_names[SIM_ACTION_N] = {
    "REGISTRATION",
    "LOGIN_ENTERPRISE_ADMIN",
    "GET_USER_SYNC_CONSENT",
    "GET_PRESENCE_CONSENT",
    "GET_CALL_APP_CONSENT",
    "GET_CONTACTS_CONSENT",
    "GET_CDR_CONSENT",
    "GET_CALL_RECORDING_CONSENT",
    "GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT",
    "GET_AGENT_CONSENT",
};

/* In the order of the actions above, from GET_USER_SYNC_CONSENT on. */
const char *const sim_consent_names[SIM_CONSENT_N] = {
    "UserSync",
    "Presence",
    "Valet",
    "Contacts",
    "CDR",
    "CallRecording",
    "EnterpriseManagement",
    "Agent",
};

int sim_action_index(const char *name)
{
	int i;

	for (i = 0; i < SIM_ACTION_N; i++)
		if (strcmp(sim_action_names[i], name) == 0)
			return i;
	return -1;
}

int sim_action_consent(int action)
{
	return action >= 2 && action < SIM_ACTION_N ? action - 2 : -1;
}

int sim_consent_index(const char *name)
{
	int i;

	for (i = 0; i < SIM_CONSENT_N; i++)
		if (strcmp(sim_consent_names[i], name) == 0)
			return i;
	return -1;
}

void sim_config_init(struct sim_config *c)
{
	memset(c, 0, sizeof(*c));
	c->wizard_duration = 30;
	c->init_delay = 2;
	c->seed = 1;
	c->token_ttl = 3600;
	c->refresh_ttl = 7 * 86400;
	c->c2t_client_id = xstrdup("sim-client");
	c->c2t_client_secret = xstrdup("sim-secret");
	c->c2t_user = xstrdup("sim-user");
	c->c2t_pass = xstrdup("sim-pass");
	c->reseller_id = 54;
	c->fusion_user = xstrdup("sim-fusion");
	c->fusion_pass = xstrdup("sim-pass");
	c->draas_instance = xstrdup("draas_v1");
	c->acs_key = (unsigned char *)xstrdup("sim-acs-key");
	c->acs_key_len = 11;
	c->tenant_admin_api = 1;
	c->threads = 4;
}

void sim_config_release(struct sim_config *c)
{
	size_t i;

	for (i = 0; i < c->nsbc; i++)
		free(c->sbc[i].region);
	for (i = 0; i < c->npbx; i++)
		free(c->pbx[i].name);
	free(c->sbc);
	free(c->pbx);
	free(c->c2t_client_id);
	free(c->c2t_client_secret);
	free(c->c2t_user);
	free(c->c2t_pass);
	free(c->fusion_user);
	free(c->fusion_pass);
	free(c->fusion_m2m);
	free(c->fusion_viewer);
	free(c->fusion_viewer_pass);
	free(c->draas_instance);
	free(c->acs_key);
	free(c->acs_token);
	free(c->base_url);
	memset(c, 0, sizeof(*c));
}

static void cache_lists(struct sim *s)
{
	cJSON *a = cJSON_CreateArray(), *o;
	size_t i;

	for (i = 0; i < s->cfg.nsbc; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "sbcGatewayId",
		                        (double)s->cfg.sbc[i].id);
		cJSON_AddStringToObject(o, "sbcGatewayRegion",
		                        s->cfg.sbc[i].region);
		cJSON_AddItemToArray(a, o);
	}
	s->sbc_json = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	a = cJSON_CreateArray();
	for (i = 0; i < s->cfg.npbx; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)s->cfg.pbx[i].id);
		cJSON_AddStringToObject(o, "pbxName", s->cfg.pbx[i].name);
		cJSON_AddStringToObject(o, "pbxLabel", s->cfg.pbx[i].name);
		cJSON_AddBoolToObject(o, "isDefault", i == 0);
		cJSON_AddBoolToObject(o, "isDisabled", s->cfg.pbx[i].disabled);
		cJSON_AddStringToObject(o, "hostingType", "Cloud");
		cJSON_AddItemToArray(a, o);
	}
	s->pbx_json = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
}

static void world_free(struct sim *s)
{
	size_t i, j;

	for (i = 0; i < s->nent; i++) {
		free(s->ent[i].name);
		free(s->ent[i].msal_token);
		cJSON_Delete(s->ent[i].fields);
	}
	for (i = 0; i < s->natt; i++) {
		free(s->att[i].name);
		for (j = 0; j < s->att[i].nkeys; j++)
			free(s->att[i].keys[j]);
		free(s->att[i].keys);
	}
	for (i = 0; i < s->nnonce; i++)
		free(s->nonce[i].redirect);
	for (i = 0; i < s->nsub; i++) {
		free(s->sub[i].ms_tenant);
		free(s->sub[i].app_id);
	}
	for (i = 0; i < s->nacs; i++) {
		free(s->acs[i].ptype);
		cJSON_Delete(s->acs[i].client_ids);
	}
	free(s->ent);
	free(s->att);
	free(s->nonce);
	free(s->sub);
	free(s->acs);
	s->ent = NULL;
	s->att = NULL;
	s->nonce = NULL;
	s->sub = NULL;
	s->acs = NULL;
	s->nent = s->capent = s->natt = s->capatt = 0;
	s->nnonce = s->capnonce = s->nsub = s->capsub = 0;
	s->nacs = s->capacs = 0;
}

void sim_reset_locked(struct sim *s, int64_t now)
{
	uint64_t in_flight = s->n->in_flight;
	int i;

	world_free(s);
	memset(s->n, 0, sizeof(*s->n));
	s->n->in_flight = s->n->max_in_flight = in_flight;
	s->rng = s->cfg.seed;
	s->next_id = INT64_C(5000000001);
	s->next_wizard = 200001;
	for (i = 0; i < SIM_API_N; i++)
		ratelimit_init(&s->rl[i], s->cfg.rate_limit, 0, now);
}

struct sim *sim_new(struct sim_config *cfg, int64_t now)
{
	struct sim *s = xcalloc(1, sizeof(*s));

	s->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	pthread_mutex_init(&s->lock, NULL);
	if (RAND_bytes(s->secret, sizeof(s->secret)) != 1) {
		fprintf(stderr, "teamsprov-sim: no random bytes\n");
		abort();
	}
	s->n = xcalloc(1, sizeof(*s->n));
	cache_lists(s);
	sim_reset_locked(s, now);
	return s;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	world_free(s);
	free(s->n);
	free(s->sbc_json);
	free(s->pbx_json);
	sim_config_release(&s->cfg);
	pthread_mutex_destroy(&s->lock);
	OPENSSL_cleanse(s->secret, sizeof(s->secret));
	free(s);
}

/* splitmix64: small, seedable, and good enough for fault draws. */
double sim_rng_next(struct sim *s)
{
	uint64_t z = (s->rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return (double)(z >> 11) / (double)(UINT64_C(1) << 53);
}

static const char *const tok_prefix[] = {"c2t", "fa", "fr", "fv", "fw"};

static void token_mac(struct sim *s, const char *msg, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	HMAC(EVP_sha256(), s->secret, sizeof(s->secret),
	     (const unsigned char *)msg, strlen(msg), md, &mdlen);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

char *sim_token_issue(struct sim *s, enum sim_token_kind k, double ttl,
                      int64_t now)
{
	int64_t expiry = now + (int64_t)(ttl * 1e9);
	unsigned gen;
	char *head, *tok, mac[33];

	pthread_mutex_lock(&s->lock);
	gen = s->generation;
	pthread_mutex_unlock(&s->lock);
	head = xasprintf("%s-%" PRId64 ".%u", tok_prefix[k], expiry, gen);
	token_mac(s, head, mac);
	tok = xasprintf("%s.%s", head, mac);
	free(head);
	return tok;
}

int sim_token_check(struct sim *s, enum sim_token_kind k,
                    const char *authorization, int64_t now)
{
	const char *tok, *dot;
	char *head, mac[33], *end;
	int64_t expiry = 0;
	unsigned long gen = 0;
	int ok;

	if (!authorization || str_ncasecmp(authorization, "Bearer ", 7) != 0)
		return -1;
	tok = authorization + 7;
	while (*tok == ' ')
		tok++;
	dot = strrchr(tok, '.');
	if (!dot || strlen(dot + 1) != 32)
		return -1;
	head = xstrndup(tok, (size_t)(dot - tok));
	token_mac(s, head, mac);
	ok = CRYPTO_memcmp(mac, dot + 1, 32) == 0;
	if (ok) {
		size_t pl = strlen(tok_prefix[k]);
		ok = strncmp(head, tok_prefix[k], pl) == 0 && head[pl] == '-';
		if (ok) {
			expiry = strtoll(head + pl + 1, &end, 10);
			gen = *end == '.' ? strtoul(end + 1, NULL, 10) : 0;
		}
	}
	free(head);
	if (!ok)
		return -1;
	pthread_mutex_lock(&s->lock);
	ok = gen == s->generation;
	pthread_mutex_unlock(&s->lock);
	return ok && now < expiry ? 0 : -2;
}

long sim_find_enterprise(struct sim *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nent; i++)
		if (str_casecmp(s->ent[i].name, name) == 0)
			return (long)i;
	return -1;
}

long sim_find_enterprise_id(struct sim *s, int64_t id)
{
	size_t i;

	for (i = 0; i < s->nent; i++)
		if (s->ent[i].id == id)
			return (long)i;
	return -1;
}

long sim_find_tenant(struct sim *s, const char *tenant_id)
{
	size_t i;

	for (i = 0; i < s->nent; i++)
		if (s->ent[i].registered &&
		    str_casecmp(s->ent[i].tenant_id, tenant_id) == 0)
			return (long)i;
	return -1;
}

struct sim_sub *sim_get_sub(struct sim *s, const char *tenant, int64_t sub,
                            int create)
{
	struct sim_sub *x;
	size_t i;

	for (i = 0; i < s->nsub; i++)
		if (s->sub[i].sub == sub &&
		    str_casecmp(s->sub[i].tenant, tenant) == 0)
			return &s->sub[i];
	if (!create)
		return NULL;
	if (s->nsub == s->capsub) {
		s->capsub = s->capsub ? 2 * s->capsub : 16;
		s->sub = xrealloc(s->sub, s->capsub * sizeof(*s->sub));
	}
	x = &s->sub[s->nsub++];
	memset(x, 0, sizeof(*x));
	snprintf(x->tenant, sizeof(x->tenant), "%s", tenant);
	str_lower(x->tenant);
	x->sub = sub;
	return x;
}

void sim_count_status(struct sim *s, const struct sim_match *m, int status)
{
	if (status < 100 || status > 599)
		status = 599;
	pthread_mutex_lock(&s->lock);
	s->n->by_status[m->route][status]++;
	if (status == 401)
		s->n->unauthorized[m->api]++;
	else if (status == 429)
		s->n->limited[m->api]++;
	pthread_mutex_unlock(&s->lock);
}

void sim_count_fault(struct sim *s, int kind)
{
	pthread_mutex_lock(&s->lock);
	s->n->faults[kind]++;
	pthread_mutex_unlock(&s->lock);
}

int sim_is_guid(const char *s)
{
	static const int groups[] = {8, 4, 4, 4, 12};
	int g, i;

	for (g = 0; g < 5; g++) {
		for (i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return 0;
		if (g < 4 && *s++ != '-')
			return 0;
	}
	return *s == '\0';
}

int sim_parse_id(const char *s, int64_t *v)
{
	int64_t x = 0;

	if (!*s || strlen(s) > 16)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		x = x * 10 + (*s - '0');
	}
	if (x < 1)
		return 0;
	*v = x;
	return 1;
}

enum sim_wiz_phase sim_wizard_phase(const struct sim_wizard *w, int64_t now,
                                    double init_delay, double duration,
                                    int *executed)
{
	double t, per;
	int k;

	*executed = 0;
	if (w->id == 0)
		return SIM_WIZ_NONE;
	t = (double)(now - w->start) / 1e9 - init_delay;
	if (t < 0)
		return SIM_WIZ_INIT;
	per = duration / 6;
	k = per <= 0 ? 6 : (int)(t / per);
	if (k > 6)
		k = 6;
	if (w->fail_step && k >= w->fail_step) {
		*executed = w->fail_step - 1;
		return SIM_WIZ_FAILED;
	}
	*executed = k;
	return k == 6 ? SIM_WIZ_DONE : SIM_WIZ_RUNNING;
}

void sim_handle(struct sim *s, const struct sim_match *m,
                const struct sim_req *rq, struct sim_resp *rs)
{
	if (m->route == SIM_R_BAD_METHOD) {
		if (m->api == SIM_API_ACS)
			sim_resp_json(rs, 405,
			              "{\"error\":{\"code\":"
			              "\"MethodNotAllowed\",\"message\":"
			              "\"The method is not allowed\"}}");
		else
			sim_resp_error(rs, 405, "method not allowed");
		return;
	}
	switch (m->api) {
	case SIM_API_C2T:
		sim_c2t_handle(s, m, rq, rs);
		break;
	case SIM_API_FUSION:
		sim_fusion_handle(s, m, rq, rs);
		break;
	case SIM_API_ACS:
		sim_acs_handle(s, m, rq, rs);
		break;
	default:
		if (m->route == SIM_R_SIM_CLICK)
			sim_click_handle(s, m, rq, rs);
		else
			sim_admin_handle(s, m, rq, rs);
	}
}
