/*
 * sim_stats: the /_sim routes other than the click page: GET /_sim/stats
 * (the counters as JSON), POST /_sim/reset, GET /_sim/enterprises,
 * PUT|DELETE /_sim/acs/TENANT/OBJECT and POST /_sim/expire-tokens.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "sim_state.h"

static void add_u(cJSON *o, const char *k, uint64_t v)
{
	cJSON_AddNumberToObject(o, k, (double)v);
}

static cJSON *per_api(const uint64_t *v)
{
	cJSON *o = cJSON_CreateObject();
	int a;

	for (a = 0; a < SIM_API_N; a++)
		add_u(o, sim_api_name((enum sim_api)a), v[a]);
	return o;
}

static void requests(struct sim *s, cJSON *root)
{
	cJSON *by = cJSON_CreateObject(), *tot = cJSON_CreateObject(), *r;
	uint64_t total = 0, sum;
	const char *name;
	char code[16];
	int i, st;

	for (i = 0; i < SIM_R_N; i++) {
		r = NULL;
		sum = 0;
		name = sim_route_name((enum sim_route_id)i);
		for (st = 100; st < 600; st++) {
			uint64_t v = s->n->by_status[i][st];
			if (!v)
				continue;
			if (!r)
				r = cJSON_AddObjectToObject(by, name);
			snprintf(code, sizeof(code), "%d", st);
			add_u(r, code, v);
			sum += v;
		}
		if (sum)
			add_u(tot, name, sum);
		total += sum;
	}
	/* requests: per route, summing to requests_total */
	add_u(root, "requests_total", total);
	cJSON_AddItemToObject(root, "requests", tot);
	cJSON_AddItemToObject(root, "requests_by_status", by);
	r = cJSON_AddObjectToObject(root, "in_flight");
	add_u(r, "now", s->n->in_flight);
	add_u(r, "max", s->n->max_in_flight);
	add_u(r, "delayed", s->n->delayed);
	cJSON_AddItemToObject(root, "rate_limited", per_api(s->n->limited));
	cJSON_AddItemToObject(root, "unauthorized",
	                      per_api(s->n->unauthorized));
	r = cJSON_AddObjectToObject(root, "faults");
	add_u(r, "fail", s->n->faults[0]);
	add_u(r, "reset", s->n->faults[1]);
	add_u(r, "lost_response", s->n->faults[2]);
	add_u(r, "too_large", s->n->too_large);
}

static void c2t(struct sim *s, cJSON *root)
{
	cJSON *c = cJSON_AddObjectToObject(root, "c2t"), *att, *keys, *urls;
	cJSON *clicks, *cons, *o, *k;
	size_t i, j;
	int a;

	add_u(c, "enterprises_created", s->n->created);
	add_u(c, "duplicate_refusals", s->n->duplicates);
	add_u(c, "registrations", s->n->registrations);
	add_u(c, "logins", s->n->logins);
	add_u(c, "nesting_errors", s->n->nesting_errors);
	add_u(c, "em_consents_by_reseller", s->n->em_by_reseller);
	att = cJSON_AddObjectToObject(c, "create_attempts");
	keys = cJSON_AddObjectToObject(c, "idempotency_keys");
	for (i = 0; i < s->natt; i++) {
		add_u(att, s->att[i].name, s->att[i].attempts);
		k = cJSON_AddArrayToObject(keys, s->att[i].name);
		for (j = 0; j < s->att[i].nkeys; j++)
			cJSON_AddItemToArray(
			    k, cJSON_CreateString(s->att[i].keys[j]));
	}
	urls = cJSON_AddObjectToObject(c, "action_urls");
	clicks = cJSON_AddObjectToObject(c, "clicks");
	cons = cJSON_AddObjectToObject(c, "consents_confirmed");
	o = cJSON_AddObjectToObject(c, "provision_tenant_admin_api");
	for (i = 0; i < s->nent; i++) {
		struct sim_enterprise *e = &s->ent[i];
		cJSON *u = cJSON_AddObjectToObject(urls, e->name);
		cJSON *cl = cJSON_AddObjectToObject(clicks, e->name);
		cJSON *cf = cJSON_AddObjectToObject(cons, e->name);
		for (a = 0; a < SIM_ACTION_N; a++) {
			if (e->urls[a])
				add_u(u, sim_action_names[a], e->urls[a]);
			if (e->clicks_ok[a] || e->clicks_err[a]) {
				k = cJSON_AddObjectToObject(
				    cl, sim_action_names[a]);
				add_u(k, "success", e->clicks_ok[a]);
				add_u(k, "error", e->clicks_err[a]);
			}
		}
		for (a = 0; a < SIM_CONSENT_N; a++)
			if (e->confirmed[a])
				add_u(cf, sim_consent_names[a],
				      e->confirmed[a]);
		if (e->provisioned)
			add_u(o, e->name, e->provisioned);
	}
}

static void fusion(struct sim *s, cJSON *root, int64_t now)
{
	static const char *const names[] = {"none", "starting", "running",
	                                    "done", "failed"};
	cJSON *f = cJSON_AddObjectToObject(root, "fusion"), *w, *subs, *o;
	uint64_t by[5] = {0}, apps = 0;
	size_t i;
	int k, p;

	subs = cJSON_CreateArray();
	for (i = 0; i < s->nsub; i++) {
		struct sim_sub *x = &s->sub[i];
		enum sim_wiz_phase ph =
		    sim_wizard_phase(&x->wiz, now, s->cfg.init_delay,
		                     s->cfg.wizard_duration, &k);
		by[ph]++;
		apps += x->has_app;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "tenant", x->tenant);
		add_u(o, "subscription", (uint64_t)x->sub);
		cJSON_AddBoolToObject(o, "application", x->has_app);
		add_u(o, "application_posts", x->app_posts);
		add_u(o, "wizard_id", (uint64_t)x->wiz.id);
		cJSON_AddStringToObject(o, "wizard", names[ph]);
		add_u(o, "steps_executed", (uint64_t)k);
		add_u(o, "posts", x->posts);
		add_u(o, "polls", x->polls);
		add_u(o, "secret_resets", x->resets);
		cJSON_AddBoolToObject(o, "onboarded", x->onboarded);
		add_u(o, "linked_to", (uint64_t)x->linked_to);
		cJSON_AddItemToArray(subs, o);
	}
	add_u(f, "applications", apps);
	w = cJSON_AddObjectToObject(f, "wizards");
	for (p = 1; p < 5; p++)
		add_u(w, names[p], by[p]);
	cJSON_AddItemToObject(f, "subscriptions", subs);
}

static void acs(struct sim *s, cJSON *root)
{
	cJSON *a = cJSON_AddObjectToObject(root, "acs"), *list, *o;
	size_t i;

	add_u(a, "assignments", s->nacs);
	add_u(a, "put", s->n->acs_put);
	add_u(a, "get", s->n->acs_get);
	add_u(a, "delete", s->n->acs_delete);
	list = cJSON_AddArrayToObject(a, "present");
	for (i = 0; i < s->nacs; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "tenantId", s->acs[i].tenant);
		cJSON_AddStringToObject(o, "objectId", s->acs[i].object);
		cJSON_AddStringToObject(o, "principalType", s->acs[i].ptype);
		cJSON_AddItemToArray(list, o);
	}
}

char *sim_stats_json(struct sim *s, int64_t now)
{
	cJSON *root = cJSON_CreateObject();
	char *j;

	pthread_mutex_lock(&s->lock);
	requests(s, root);
	c2t(s, root);
	fusion(s, root, now);
	acs(s, root);
	pthread_mutex_unlock(&s->lock);
	j = cJSON_Print(root);
	cJSON_Delete(root);
	return j;
}

static char *enterprises_json(struct sim *s)
{
	cJSON *a = cJSON_CreateArray(), *o, *c;
	char *j;
	size_t i;
	int k;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nent; i++) {
		struct sim_enterprise *e = &s->ent[i];
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "enterpriseId", (double)e->id);
		cJSON_AddStringToObject(o, "enterpriseName", e->name);
		cJSON_AddBoolToObject(o, "registered", e->registered);
		if (e->registered)
			cJSON_AddStringToObject(o, "tenantId", e->tenant_id);
		cJSON_AddBoolToObject(o, "containsTeamsTenantAdminAPI",
		                      e->tenant_admin_api);
		cJSON_AddBoolToObject(o, "enterpriseManagement", e->em_granted);
		c = cJSON_AddArrayToObject(o, "consentsGranted");
		for (k = 0; k < SIM_CONSENT_N; k++)
			if (e->clicks_ok[k + 2])
				cJSON_AddItemToArray(
				    c,
				    cJSON_CreateString(sim_consent_names[k]));
		c = cJSON_AddArrayToObject(o, "consentsConfirmed");
		for (k = 0; k < SIM_CONSENT_N; k++)
			if (e->confirmed[k])
				cJSON_AddItemToArray(
				    c,
				    cJSON_CreateString(sim_consent_names[k]));
		cJSON_AddItemToObject(o, "request",
		                      cJSON_Duplicate(e->fields, 1));
		cJSON_AddItemToArray(a, o);
	}
	pthread_mutex_unlock(&s->lock);
	j = cJSON_Print(a);
	cJSON_Delete(a);
	return j;
}

void sim_admin_handle(struct sim *s, const struct sim_match *m,
                      const struct sim_req *rq, struct sim_resp *rs)
{
	switch (m->route) {
	case SIM_R_SIM_STATS:
		sim_resp_take(rs, 200, sim_stats_json(s, rq->now));
		break;
	case SIM_R_SIM_RESET:
		pthread_mutex_lock(&s->lock);
		sim_reset_locked(s, rq->now);
		pthread_mutex_unlock(&s->lock);
		sim_resp_json(rs, 200, "{\"reset\":true}");
		break;
	case SIM_R_SIM_ENTERPRISES:
		sim_resp_take(rs, 200, enterprises_json(s));
		break;
	case SIM_R_SIM_ACS_PUT:
	case SIM_R_SIM_ACS_DELETE:
		sim_acs_backdoor(s, m, rq, rs);
		break;
	case SIM_R_SIM_EXPIRE_TOKENS:
		pthread_mutex_lock(&s->lock);
		s->generation++;
		pthread_mutex_unlock(&s->lock);
		sim_resp_json(rs, 200, "{\"expired\":true}");
		break;
	default:
		sim_resp_error(rs, 404, "unknown simulator path");
	}
}
