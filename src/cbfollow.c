/*
 * cbfollow: the follow-up calls after an admin's answer (see cbfollow.h).
 */
#include "cbfollow.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "actions.h"
#include "apply.h"
#include "c2t.h"
#include "cbtoken.h"
#include "clock.h"
#include "redact.h"
#include "secret.h"
#include "util.h"

/* An MSAL result without expiresOn is trusted this long. */
#define MSAL_DEFAULT_TTL_MS (3600 * 1000)
/* ... and one that expires within this margin is not used any more. */
#define MSAL_MARGIN_MS (60 * 1000)

struct held {
	char *ent;  /* enterprise name as journaled */
	char *json; /* the inner authenticationResult */
	char *tenant;
	char *access_token, *id_token; /* registered with redact */
	int64_t expires_ms;
};

struct ent_state {
	char *ent;
	int running; /* a round is queued or running */
	int again;   /* another answer came during the round */
	int login;   /* a login URL job is queued or running */
};

struct cbfollow {
	struct runtime *rt;
	struct pool *pool;
	pthread_mutex_t *jlock;
	pthread_mutex_t mu; /* held[], ents[] */
	struct held *held;
	size_t n_held;
	struct ent_state *ents;
	size_t n_ents;
	atomic_ulong confirmed, provisioned, em_by_reseller, logins_issued,
		failed;
};

/* --- bodies ----------------------------------------------------------- */

static cJSON *wrap(const char *msal, int depth)
{
	cJSON *inner = cJSON_Parse(msal), *o;

	if (!cJSON_IsObject(inner)) {
		cJSON_Delete(inner);
		return NULL;
	}
	while (depth-- > 0) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "authenticationResult", inner);
		inner = o;
	}
	return inner;
}

static char *print_wiped(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o), *r;

	cJSON_Delete(o);
	if (!s)
		return NULL;
	r = xstrdup(s);
	OPENSSL_cleanse(s, strlen(s));
	cJSON_free(s);
	return r;
}

char *cbfollow_body_app_consent(const char *msal)
{
	cJSON *o = wrap(msal, 2);

	return o ? print_wiped(o) : NULL;
}

char *cbfollow_body_tenant_admin(const char *msal)
{
	cJSON *o = wrap(msal, 1);

	return o ? print_wiped(o) : NULL;
}

char *cbfollow_body_em_by_reseller(const char *msal, long long reseller_id,
				   const char *tenant_id)
{
	cJSON *o = wrap(msal, 1);

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "resellerId", (double)reseller_id);
	cJSON_AddStringToObject(o, "tenantId", tenant_id);
	return print_wiped(o);
}

int cbfollow_roles_error(long status, const char *body, size_t len)
{
	static const char needle[] =
		"Roles Teams/Skype Administrator could not be found";
	size_t n = sizeof(needle) - 1, i;

	if (status < 400 || status >= 500 || !body)
		return 0;
	for (i = 0; i + n <= len; i++)
		if (memcmp(body + i, needle, n) == 0)
			return 1;
	return 0;
}

/* --- the MSAL results held -------------------------------------------- */

static void held_release(struct held *h)
{
	if (h->access_token)
		redact_remove(h->access_token);
	if (h->id_token)
		redact_remove(h->id_token);
	secret_free(h->access_token);
	secret_free(h->id_token);
	secret_free(h->json);
	free(h->ent);
	free(h->tenant);
	memset(h, 0, sizeof(*h));
}

static struct held *held_find(struct cbfollow *f, const char *ent)
{
	size_t i;

	for (i = 0; i < f->n_held; i++)
		if (str_casecmp(f->held[i].ent, ent) == 0)
			return &f->held[i];
	return NULL;
}

/* Keeps the MSAL result of ev; its tokens are masked in every log and
 * message (redact) until it is dropped. */
static void held_put(struct cbfollow *f, const struct cbrecv_event *ev)
{
	struct held *h;
	cJSON *j = cJSON_Parse(ev->msal), *at, *it;
	int64_t now = clock_wall_ns() / TP_NS_PER_MS;

	pthread_mutex_lock(&f->mu);
	h = held_find(f, ev->enterprise);
	if (h) {
		held_release(h);
	} else {
		f->held = xrealloc(f->held, (f->n_held + 1) * sizeof(*f->held));
		h = &f->held[f->n_held++];
		memset(h, 0, sizeof(*h));
	}
	h->ent = xstrdup(ev->enterprise);
	h->json = xstrdup(ev->msal);
	h->tenant = xstrdup(ev->tenant_id);
	h->expires_ms = ev->expires_ms > 0 ? ev->expires_ms
					   : now + MSAL_DEFAULT_TTL_MS;
	at = cJSON_GetObjectItemCaseSensitive(j, "accessToken");
	it = cJSON_GetObjectItemCaseSensitive(j, "idToken");
	if (cJSON_IsString(at) && at->valuestring[0]) {
		h->access_token = xstrdup(at->valuestring);
		redact_add(h->access_token);
	}
	if (cJSON_IsString(it) && it->valuestring[0]) {
		h->id_token = xstrdup(it->valuestring);
		redact_add(h->id_token);
	}
	pthread_mutex_unlock(&f->mu);
	cJSON_Delete(j);
}

/* A copy of the enterprise's fresh MSAL result and tenant, or NULL
 * (expired ones are wiped here). */
static char *held_get(struct cbfollow *f, const char *ent, char **tenant)
{
	struct held *h;
	char *r = NULL;
	int64_t now = clock_wall_ns() / TP_NS_PER_MS;

	pthread_mutex_lock(&f->mu);
	h = held_find(f, ent);
	if (h && h->json && h->expires_ms - MSAL_MARGIN_MS > now) {
		r = xstrdup(h->json);
		if (tenant)
			*tenant = xstrdup(h->tenant);
	} else if (h && h->json) {
		char *name = h->ent;
		h->ent = NULL;
		held_release(h);
		h->ent = name;
	}
	pthread_mutex_unlock(&f->mu);
	return r;
}

static struct ent_state *ent_state(struct cbfollow *f, const char *ent)
{
	size_t i;

	for (i = 0; i < f->n_ents; i++)
		if (str_casecmp(f->ents[i].ent, ent) == 0)
			return &f->ents[i];
	f->ents = xrealloc(f->ents, (f->n_ents + 1) * sizeof(*f->ents));
	memset(&f->ents[f->n_ents], 0, sizeof(*f->ents));
	f->ents[f->n_ents].ent = xstrdup(ent);
	return &f->ents[f->n_ents++];
}

/* --- journal helpers (short transactions under jlock) ----------------- */

static void set_action_status(struct cbfollow *f, const char *ent,
			      const char *action, enum jr_act_status s)
{
	struct jr_action a;

	pthread_mutex_lock(f->jlock);
	if (journal_begin(f->rt->j) == 0) {
		if (journal_get_action(f->rt->j, ent, action, &a) == 0) {
			a.status = s;
			journal_put_action(f->rt->j, &a);
			jr_action_release(&a);
		}
		journal_commit(f->rt->j);
	}
	pthread_mutex_unlock(f->jlock);
}

static void set_enterprise(struct cbfollow *f, const char *ent, int tam,
			   const char *error, int set_error)
{
	struct jr_enterprise e;

	pthread_mutex_lock(f->jlock);
	if (journal_begin(f->rt->j) == 0) {
		if (journal_get_enterprise(f->rt->j, ent, &e) == 0) {
			if (tam >= 0)
				e.tenant_admin_api = tam;
			if (set_error) {
				free(e.last_error);
				e.last_error = error ? xstrdup(error) : NULL;
			}
			journal_put_enterprise(f->rt->j, &e);
			jr_enterprise_release(&e);
		}
		journal_commit(f->rt->j);
	}
	pthread_mutex_unlock(f->jlock);
}

/* What the journal says about one enterprise, for choosing a step. */
struct snapshot {
	int64_t id;
	int tam;
	int registered;
	enum jr_act_status status[ACT_MAX];
	int64_t issued_at[ACT_MAX];
	int present[ACT_MAX];
};

static int snap_action(const struct jr_action *a, void *arg)
{
	struct snapshot *s = arg;
	const struct act_def *d = act_find(a->action);

	if (d) {
		s->status[d - act_defs] = a->status;
		s->issued_at[d - act_defs] = a->issued_at;
		s->present[d - act_defs] = 1;
	}
	return 0;
}

static int snapshot(struct cbfollow *f, const char *ent, struct snapshot *s)
{
	struct jr_enterprise e;
	int rc;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(f->jlock);
	rc = journal_get_enterprise(f->rt->j, ent, &e);
	if (rc == 0) {
		s->id = e.id;
		s->tam = e.tenant_admin_api;
		s->registered = e.registered;
		jr_enterprise_release(&e);
		rc = journal_each_action(f->rt->j, ent, snap_action, s);
	}
	pthread_mutex_unlock(f->jlock);
	return rc == 0 ? 0 : -1;
}

#define EM_INDEX 6    /* GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT */
#define LOGIN_INDEX 9 /* LOGIN_ENTERPRISE_ADMIN */

static int any_granted(const struct snapshot *s)
{
	size_t i;

	for (i = 0; i < ACT_MAX; i++)
		if (act_defs[i].consent && s->present[i] &&
		    s->status[i] == JR_ACT_GRANTED)
			return 1;
	return 0;
}

/* --- the login URL job ------------------------------------------------ */

struct login_job {
	struct cbfollow *f;
	char *ent;
	char token[CBTOKEN_LEN + 1];
	char hash[CBTOKEN_HASH_LEN + 1];
	struct api_attempts st;
	char *error;
};

static struct pool_result login_run(void *payload, struct pool_ctx *ctx)
{
	struct login_job *j = payload;
	struct runtime *rt = j->f->rt;
	enum api_failure failure;
	char *got = NULL;
	struct pool_result r = apply_issue_url(
	    &rt->apis[API_C2T], ctx, &j->st, j->ent, "LOGIN_ENTERPRISE_ADMIN",
	    rt->cfg.c2t.callback_base, j->token, &got, &j->error, &failure);

	if (r.status == POOL_DONE) {
		struct jr_action a;

		memset(&a, 0, sizeof(a));
		a.enterprise = j->ent;
		a.action = "LOGIN_ENTERPRISE_ADMIN";
		a.url = got;
		a.issued_at = clock_wall_ns() / TP_NS_PER_MS;
		a.token_hash = j->hash;
		r = pool_failed();
		pthread_mutex_lock(j->f->jlock);
		if (journal_begin(rt->j) == 0) {
			/* A login answered before is used up: the new URL
			 * replaces it. */
			a.status = JR_ACT_ISSUED;
			if (journal_put_action_over(rt->j, &a) == 0 &&
			    journal_commit(rt->j) == 0)
				r = pool_done();
			else
				journal_rollback(rt->j);
		}
		pthread_mutex_unlock(j->f->jlock);
		if (r.status != POOL_DONE)
			j->error = xstrdup("cannot journal the login URL");
		free(got);
	}
	return r;
}

static void login_done(void *payload, const struct pool_end *end)
{
	struct login_job *j = payload;
	struct cbfollow *f = j->f;

	if (end->outcome == POOL_OK) {
		atomic_fetch_add(&f->logins_issued, 1);
	} else if (end->outcome != POOL_CANCELLED) {
		atomic_fetch_add(&f->failed, 1);
		fprintf(stderr, "teamsprov: callback: %s: login URL: %s\n",
			j->ent, j->error ? j->error : end->reason);
	}
	pthread_mutex_lock(&f->mu);
	ent_state(f, j->ent)->login = 0;
	pthread_mutex_unlock(&f->mu);
	free(j->ent);
	free(j->error);
	free(j);
}

/* Queues a login URL for ent unless one is queued or a fresh one is
 * outstanding. Returns 1 when one is (or will be) there. */
static int want_login(struct cbfollow *f, const char *ent,
		      const struct snapshot *s)
{
	int64_t now = clock_wall_ns() / TP_NS_PER_MS;
	int64_t max_age = f->rt->cfg.run.url_max_age / TP_NS_PER_MS;
	struct pool_job_spec spec;
	struct login_job *j;
	struct ent_state *es;

	if (!f->rt->cfg.c2t.callback_base)
		return 0;
	/* Not registered yet: the registration brings the MSAL result. */
	if (!s->registered)
		return 0;
	if (s->present[LOGIN_INDEX] && s->status[LOGIN_INDEX] == JR_ACT_ISSUED &&
	    (max_age <= 0 || now - s->issued_at[LOGIN_INDEX] < max_age))
		return 1;
	pthread_mutex_lock(&f->mu);
	es = ent_state(f, ent);
	if (es->login) {
		pthread_mutex_unlock(&f->mu);
		return 1;
	}
	es->login = 1;
	pthread_mutex_unlock(&f->mu);
	j = xcalloc(1, sizeof(*j));
	j->f = f;
	j->ent = xstrdup(ent);
	if (cbtoken_new(j->token, j->hash) < 0) {
		pthread_mutex_lock(&f->mu);
		ent_state(f, ent)->login = 0;
		pthread_mutex_unlock(&f->mu);
		free(j->ent);
		free(j);
		return 0;
	}
	memset(&spec, 0, sizeof(spec));
	spec.name = "LOGIN_ENTERPRISE_ADMIN";
	spec.api = API_C2T;
	spec.run = login_run;
	spec.done = login_done;
	spec.payload = j;
	pool_add(f->pool, &spec);
	return 1;
}

/* --- the confirmation round ------------------------------------------- */

enum step { S_NONE, S_PROVISION, S_EM, S_CONSENT };

struct round {
	struct cbfollow *f;
	char *ent;
	enum step cur;
	int cur_index;
	struct api_attempts st;
	int provision_state; /* 0 not yet, 1 done, -1 failed */
	int force_provision; /* the roles error asked for it */
	int roles_retry;     /* the one retry of the EM call was used */
	int em_state;        /* 0 not yet, 1 done, -1 failed */
	unsigned skip;       /* consents that failed this round */
	int no_msal;         /* stopped: no fresh MSAL result */
	char *ent_token;     /* enterprise-level token, wiped at the end */
	struct buf errors;
};

static void round_error(struct round *r, const char *what, const char *msg)
{
	if (r->errors.len)
		buf_adds(&r->errors, "; ");
	buf_addf(&r->errors, "%s: %s", what, msg ? msg : "failed");
}

static enum step next_step(struct round *r, const struct snapshot *s,
			   int *index)
{
	size_t i;

	if (r->provision_state == 0 && (s->tam == 0 || r->force_provision))
		return S_PROVISION;
	if (r->em_state == 0 && s->present[EM_INDEX] &&
	    s->status[EM_INDEX] == JR_ACT_GRANTED)
		return S_EM;
	for (i = 0; i < ACT_MAX; i++)
		if (act_defs[i].consent && s->present[i] &&
		    s->status[i] == JR_ACT_GRANTED && !(r->skip & (1u << i))) {
			*index = (int)i;
			return S_CONSENT;
		}
	return S_NONE;
}

/* The enterprise-level token (enterprise_token_cmd NAME ID), cached for
 * the round; NULL with *err set when none can be had. */
static const char *ent_token(struct round *r, int64_t id, char **err)
{
	const struct secret_ref *ref = &r->f->rt->cfg.c2t.enterprise_token;
	char idtext[32];
	const char *argv[3];

	if (r->ent_token)
		return r->ent_token;
	if (ref->kind == SECRET_NONE) {
		*err = xstrdup("no enterprise-level token: configure "
			       "enterprise_token_cmd, or have the admin grant "
			       "EnterpriseManagement");
		return NULL;
	}
	snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
	argv[0] = r->ent;
	argv[1] = idtext;
	argv[2] = NULL;
	if (secret_read(ref, r->f->rt->cfg.dir, argv, &r->ent_token, err) < 0)
		return NULL;
	redact_add(r->ent_token);
	return r->ent_token;
}

static struct pool_result round_run(void *payload, struct pool_ctx *ctx)
{
	struct round *r = payload;
	struct cbfollow *f = r->f;
	struct runtime *rt = f->rt;
	struct api *api = &rt->apis[API_C2T];
	struct snapshot s;
	struct http_request req;
	struct http_response res;
	struct api_result out;
	char *tenant = NULL, *msal, *body = NULL, *path = NULL, *url, *err = NULL;
	const char *bearer = NULL, *what;
	enum step step;
	int index = -1, em_ok;
	struct pool_result pr;

	if (snapshot(f, r->ent, &s) < 0) {
		round_error(r, "journal", journal_errmsg(rt->j));
		return pool_failed();
	}
	step = next_step(r, &s, &index);
	if (step == S_NONE)
		return r->errors.len ? pool_failed() : pool_done();
	if (!(msal = held_get(f, r->ent, &tenant))) {
		r->no_msal = 1;
		return r->errors.len ? pool_failed() : pool_done();
	}
	if (step != r->cur || index != r->cur_index) {
		memset(&r->st, 0, sizeof(r->st));
		r->cur = step;
		r->cur_index = index;
	}
	em_ok = r->em_state == 1 ||
		(s.present[EM_INDEX] && s.status[EM_INDEX] == JR_ACT_CONFIRMED);
	switch (step) {
	case S_PROVISION:
		what = "provisionTenantAdminAPI";
		path = xstrdup(rt->cfg.c2t.paths.provision_tenant_admin_api);
		body = cbfollow_body_tenant_admin(msal);
		if (!em_ok && rt->cfg.c2t.enterprise_token.kind != SECRET_NONE)
			bearer = ent_token(r, s.id, &err);
		break;
	case S_EM:
		what = "EnterpriseManagement by reseller";
		path = xstrdup(rt->cfg.c2t.paths
				       .update_enterprise_management_consent);
		body = cbfollow_body_em_by_reseller(
			msal, (long long)rt->reseller_id, tenant);
		break;
	default:
		what = act_defs[index].consent;
		path = xasprintf("/provisioning/updateAppConsent/%s", what);
		body = cbfollow_body_app_consent(msal);
		if (!em_ok && !(bearer = ent_token(r, s.id, &err)))
			break;
		break;
	}
	secret_free(msal);
	free(tenant);
	if (err || !body || (step == S_EM && rt->reseller_id <= 0)) {
		round_error(r, what,
			    err ? err
			    : !body ? "the MSAL result is not a JSON object"
				    : "the reseller id is not known");
		free(err);
		if (step == S_PROVISION)
			r->provision_state = -1;
		else if (step == S_EM)
			r->em_state = -1;
		else
			r->skip |= 1u << index;
		secret_free(body);
		free(path);
		return pool_again(0);
	}
	url = api_url(api, path);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/json";
	req.bearer = bearer;
	http_response_init(&res);
	api_call(api, ctx->worker, ctx, &r->st, r->ent, &req, &res, &out);
	if (out.verdict == API_AGAIN) {
		pr = pool_again(out.delay_ns);
	} else if (out.verdict == API_ANSWER && res.status >= 200 &&
		   res.status < 300) {
		if (step == S_PROVISION) {
			r->provision_state = 1;
			r->force_provision = 0;
			set_enterprise(f, r->ent, 1, NULL, 0);
			atomic_fetch_add(&f->provisioned, 1);
		} else if (step == S_EM) {
			r->em_state = 1;
			atomic_fetch_add(&f->em_by_reseller, 1);
		} else {
			set_action_status(f, r->ent, act_defs[index].type,
					  JR_ACT_CONFIRMED);
			atomic_fetch_add(&f->confirmed, 1);
		}
		pr = pool_again(0);
	} else if (step == S_EM && out.verdict == API_ANSWER &&
		   !r->roles_retry &&
		   cbfollow_roles_error(res.status, res.body.p, res.body.len)) {
		/* The documented way out: provision the tenant admin API,
		 * then try the consent once more. */
		r->roles_retry = 1;
		r->force_provision = 1;
		if (r->provision_state == 1)
			r->provision_state = 0;
		pr = pool_again(0);
	} else {
		char *msg = out.error ? xstrdup(out.error)
				      : http_status_message(&req, &res);
		round_error(r, what, msg);
		free(msg);
		if (step == S_PROVISION)
			r->provision_state = -1;
		else if (step == S_EM)
			r->em_state = -1;
		else
			r->skip |= 1u << index;
		pr = pool_again(0);
	}
	api_result_release(&out);
	http_response_release(&res);
	free(url);
	free(path);
	secret_free(body);
	return pr;
}

static void queue_round(struct cbfollow *f, const char *ent);

static void round_done(void *payload, const struct pool_end *end)
{
	struct round *r = payload;
	struct cbfollow *f = r->f;
	struct ent_state *es;
	struct snapshot s;
	int again;

	if (end->outcome == POOL_FAIL) {
		atomic_fetch_add(&f->failed, 1);
		fprintf(stderr, "teamsprov: callback: %s: %s\n", r->ent,
			r->errors.p);
		set_enterprise(f, r->ent, -1, r->errors.p, 1);
	} else if (end->outcome == POOL_OK && !r->no_msal) {
		set_enterprise(f, r->ent, -1, NULL, 1);
	}
	if (end->outcome != POOL_CANCELLED && r->no_msal &&
	    snapshot(f, r->ent, &s) == 0 && any_granted(&s))
		want_login(f, r->ent, &s);
	pthread_mutex_lock(&f->mu);
	es = ent_state(f, r->ent);
	again = es->again && end->outcome != POOL_CANCELLED;
	es->again = 0;
	es->running = 0;
	pthread_mutex_unlock(&f->mu);
	if (again)
		queue_round(f, r->ent);
	if (r->ent_token) {
		redact_remove(r->ent_token);
		secret_free(r->ent_token);
	}
	buf_release(&r->errors);
	free(r->ent);
	free(r);
}

static void queue_round(struct cbfollow *f, const char *ent)
{
	struct pool_job_spec spec;
	struct ent_state *es;
	struct round *r;

	pthread_mutex_lock(&f->mu);
	es = ent_state(f, ent);
	if (es->running) {
		es->again = 1;
		pthread_mutex_unlock(&f->mu);
		return;
	}
	es->running = 1;
	pthread_mutex_unlock(&f->mu);
	r = xcalloc(1, sizeof(*r));
	r->f = f;
	r->ent = xstrdup(ent);
	r->cur_index = -1;
	buf_init(&r->errors);
	memset(&spec, 0, sizeof(spec));
	spec.name = ent;
	spec.api = API_C2T;
	spec.run = round_run;
	spec.done = round_done;
	spec.payload = r;
	pool_add(f->pool, &spec);
}

/* --- the sink --------------------------------------------------------- */

char *cbfollow_on_event(void *arg, const struct cbrecv_event *ev)
{
	struct cbfollow *f = arg;
	const struct act_def *d = act_find(ev->action);
	struct snapshot s;
	char *m;

	if (ev->msal) {
		held_put(f, ev);
		queue_round(f, ev->enterprise);
		return xstrdup("Your provider's system now completes the set-up "
			       "with ConnecttoTeams.");
	}
	if (!ev->granted || !d || !d->consent)
		return NULL;
	if ((m = held_get(f, ev->enterprise, NULL))) {
		secret_free(m);
		queue_round(f, ev->enterprise);
		return xstrdup("Your provider's system now confirms the "
			       "consent with ConnecttoTeams.");
	}
	if (snapshot(f, ev->enterprise, &s) == 0 && !s.registered)
		return xstrdup("The consent is granted; its confirmation follows "
			       "the registration of your organisation.");
	if (snapshot(f, ev->enterprise, &s) == 0 &&
	    want_login(f, ev->enterprise, &s))
		return xstrdup("The consent is granted; its confirmation is "
			       "pending an administrator sign-in: your "
			       "provider will send you a sign-in link.");
	return xstrdup("The consent is granted; its confirmation is pending "
		       "an administrator sign-in.");
}

/* --- life cycle ------------------------------------------------------- */

struct cbfollow *cbfollow_new(struct runtime *rt, struct pool *pool,
			      pthread_mutex_t *jlock)
{
	struct cbfollow *f = xcalloc(1, sizeof(*f));

	f->rt = rt;
	f->pool = pool;
	f->jlock = jlock;
	pthread_mutex_init(&f->mu, NULL);
	return f;
}

void cbfollow_free(struct cbfollow *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n_held; i++)
		held_release(&f->held[i]);
	for (i = 0; i < f->n_ents; i++)
		free(f->ents[i].ent);
	free(f->held);
	free(f->ents);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

void cbfollow_get_counts(struct cbfollow *f, struct cbfollow_counts *out)
{
	out->confirmed = atomic_load(&f->confirmed);
	out->provisioned = atomic_load(&f->provisioned);
	out->em_by_reseller = atomic_load(&f->em_by_reseller);
	out->logins_issued = atomic_load(&f->logins_issued);
	out->failed = atomic_load(&f->failed);
}
