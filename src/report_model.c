/*
 * report_model: the report's view of the world, merged from the manifest
 * (what each enterprise needs) and the journal (what happened). An
 * enterprise of either source is in the report; an action the manifest
 * asks for and the journal has not seen yet is pending.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "report_slug.h"

/* Name lookup: open addressing over indices into m->ent, ASCII
 * case-insensitive like the manifest's uniqueness rule. */
struct rp_index {
	size_t *slot; /* index + 1; 0 is empty */
	size_t cap;
};

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603ULL & (size_t)-1;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * (size_t)1099511628211ULL;
	}
	return h;
}

static size_t *idx_find(const struct rp_model *m, const char *name)
{
	struct rp_index *x = m->idx;
	size_t i = name_hash(name) & (x->cap - 1);

	while (x->slot[i] && str_casecmp(m->ent[x->slot[i] - 1].name, name))
		i = (i + 1) & (x->cap - 1);
	return &x->slot[i];
}

static void idx_rebuild(struct rp_model *m, size_t cap)
{
	size_t i;

	free(m->idx->slot);
	m->idx->cap = cap;
	m->idx->slot = xcalloc(cap, sizeof(size_t));
	for (i = 0; i < m->n_ent; i++)
		*idx_find(m, m->ent[i].name) = i + 1;
}

void rp_model_init(struct rp_model *m, int64_t now_ms)
{
	memset(m, 0, sizeof(*m));
	m->generated_at = now_ms;
	m->idx = xcalloc(1, sizeof(*m->idx));
	idx_rebuild(m, 64);
}

static void wizard_copy(struct jr_wizard *d, const struct jr_wizard *s)
{
	*d = *s;
	d->tenant = xstrdup(s->tenant);
	d->enterprise = xstrdup(s->enterprise);
	d->transaction_id = xstrdup(s->transaction_id);
	d->steps_json = xstrdup(s->steps_json);
	d->message = xstrdup(s->message);
	d->draas_instance = xstrdup(s->draas_instance);
	d->application_id = xstrdup(s->application_id);
	d->secret_fp = xstrdup(s->secret_fp);
}

static void acs_copy(struct jr_acs *d, const struct jr_acs *s)
{
	*d = *s;
	d->tenant_id = xstrdup(s->tenant_id);
	d->object_id = xstrdup(s->object_id);
	d->principal_type = xstrdup(s->principal_type);
	d->client_ids = xstrdup(s->client_ids);
	d->enterprise = xstrdup(s->enterprise);
	d->last_error = xstrdup(s->last_error);
}

static void ent_release(struct rp_ent *e)
{
	size_t k;

	for (k = 0; k < e->n_act; k++) {
		free(e->act[k].type);
		free(e->act[k].url);
		free(e->act[k].detail);
	}
	for (k = 0; k < e->n_wiz; k++)
		jr_wizard_release(&e->wiz[k]);
	for (k = 0; k < e->n_acs; k++)
		jr_acs_release(&e->acs[k]);
	free(e->act);
	free(e->wiz);
	free(e->acs);
	free(e->name);
	free(e->slug);
	free(e->last_error);
}

void rp_model_release(struct rp_model *m)
{
	size_t i;

	for (i = 0; i < m->n_ent; i++)
		ent_release(&m->ent[i]);
	ent_release(&m->orphans);
	free(m->ent);
	if (m->idx)
		free(m->idx->slot);
	free(m->idx);
	memset(m, 0, sizeof(*m));
}

struct rp_ent *rp_ent_get(struct rp_model *m, const char *name, int create)
{
	size_t *slot = idx_find(m, name);
	struct rp_ent *e;

	if (*slot)
		return &m->ent[*slot - 1];
	if (!create)
		return NULL;
	if (m->n_ent == m->cap_ent) {
		m->cap_ent = m->cap_ent ? 2 * m->cap_ent : 64;
		m->ent = xrealloc(m->ent, m->cap_ent * sizeof(*m->ent));
	}
	e = &m->ent[m->n_ent++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	if (2 * m->n_ent > m->idx->cap)
		idx_rebuild(m, 2 * m->idx->cap);
	else
		*slot = m->n_ent;
	return e;
}

static int def_order(const char *type)
{
	int i;

	for (i = 0; i < ACT_MAX; i++)
		if (strcmp(act_defs[i].type, type) == 0)
			return i;
	return ACT_MAX;
}

/* The requirement of an action type the manifest did not ask for (an
 * enterprise only in the journal): what the matrix says when it applies. */
static enum act_requirement default_req(const char *type)
{
	if (strcmp(type, "LOGIN_ENTERPRISE_ADMIN") == 0)
		return ACT_ON_DEMAND;
	if (strcmp(type, "GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT") == 0)
		return ACT_RECOMMENDED;
	if (strcmp(type, "GET_CONTACTS_CONSENT") == 0 ||
	    strcmp(type, "GET_CDR_CONSENT") == 0)
		return ACT_OPTIONAL;
	return ACT_MANDATORY;
}

static struct rp_action *action_get(struct rp_ent *e, const char *type,
                                    enum act_requirement req)
{
	const struct act_def *d = act_find(type);
	struct rp_action *a;
	size_t k;

	for (k = 0; k < e->n_act; k++)
		if (strcmp(e->act[k].type, type) == 0)
			return &e->act[k];
	if (e->n_act == e->cap_act) {
		e->cap_act = e->cap_act ? 2 * e->cap_act : 8;
		e->act = xrealloc(e->act, e->cap_act * sizeof(*e->act));
	}
	a = &e->act[e->n_act++];
	memset(a, 0, sizeof(*a));
	a->type = xstrdup(type);
	a->consent = d && d->consent ? d->consent : "";
	a->req = req;
	a->order = def_order(type);
	a->state = RP_PENDING;
	return a;
}

void rp_model_add_manifest(struct rp_model *m, const struct manifest *mf)
{
	struct act_need need[ACT_MAX];
	size_t i, k, n;

	for (i = 0; i < mf->n_ent; i++) {
		const struct mf_enterprise *me = &mf->ent[i];
		struct rp_ent *e = rp_ent_get(m, me->name, 1);

		e->mf = me;
		n = act_needed(me->services, me->consents, need);
		for (k = 0; k < n; k++)
			action_get(e, need[k].def->type, need[k].req)->req =
			    need[k].req;
	}
}

void rp_model_put_enterprise(struct rp_model *m, const struct jr_enterprise *je)
{
	struct rp_ent *e = rp_ent_get(m, je->name, 1);

	e->journaled = 1;
	e->status = je->status;
	e->id = je->id;
	e->registered = je->registered;
	free(e->last_error);
	e->last_error = xstrdup(je->last_error);
}

void rp_model_put_action(struct rp_model *m, const struct jr_action *ja)
{
	struct rp_ent *e = rp_ent_get(m, ja->enterprise, 1);
	struct rp_action *a;
	size_t before = e->n_act;

	a = action_get(e, ja->action, default_req(ja->action));
	if (e->n_act > before && e->mf && a->req != ACT_ON_DEMAND)
		a->req = ACT_OPTIONAL; /* journaled, no longer asked for */
	switch (ja->status) {
	case JR_ACT_PENDING:
		a->state = RP_PENDING;
		break;
	case JR_ACT_ISSUED:
		a->state = RP_ISSUED;
		break;
	case JR_ACT_GRANTED:
		a->state = RP_GRANTED;
		break;
	case JR_ACT_ERROR:
		a->state = RP_ERROR;
		break;
	case JR_ACT_CONFIRMED:
		a->state = RP_CONFIRMED;
		break;
	}
	free(a->url);
	free(a->detail);
	a->url = xstrdup(ja->url);
	a->detail = xstrdup(ja->detail);
	a->issued_at = ja->issued_at;
}

void rp_model_put_wizard(struct rp_model *m, const struct jr_wizard *w)
{
	struct rp_ent *e =
	    w->enterprise ? rp_ent_get(m, w->enterprise, 0) : NULL;

	switch (w->status) {
	case JR_WIZ_NONE:
		m->t.wiz_none++;
		break;
	case JR_WIZ_STARTING:
	case JR_WIZ_RUNNING:
		m->t.wiz_running++;
		break;
	case JR_WIZ_DONE:
		m->t.wiz_done++;
		break;
	case JR_WIZ_FAILED:
		m->t.wiz_failed++;
		break;
	}
	if (!e)
		e = &m->orphans;
	if (e->n_wiz == e->cap_wiz) {
		e->cap_wiz = e->cap_wiz ? 2 * e->cap_wiz : 2;
		e->wiz = xrealloc(e->wiz, e->cap_wiz * sizeof(*e->wiz));
	}
	wizard_copy(&e->wiz[e->n_wiz++], w);
}

void rp_model_put_acs(struct rp_model *m, const struct jr_acs *a)
{
	struct rp_ent *e =
	    a->enterprise ? rp_ent_get(m, a->enterprise, 0) : NULL;

	if (a->present)
		m->t.acs_present++;
	switch (a->status) {
	case JR_ACS_PENDING:
		break;
	case JR_ACS_CONFIRMED:
		m->t.acs_confirmed++;
		break;
	case JR_ACS_ABSENT_CONFIRMED:
		m->t.acs_absent_confirmed++;
		break;
	case JR_ACS_FAILED:
		m->t.acs_failed++;
		break;
	}
	if (!e)
		e = &m->orphans;
	if (e->n_acs == e->cap_acs) {
		e->cap_acs = e->cap_acs ? 2 * e->cap_acs : 2;
		e->acs = xrealloc(e->acs, e->cap_acs * sizeof(*e->acs));
	}
	acs_copy(&e->acs[e->n_acs++], a);
}

static int put_ent_cb(const struct jr_enterprise *e, void *arg)
{
	rp_model_put_enterprise(arg, e);
	return 0;
}

static int put_act_cb(const struct jr_action *a, void *arg)
{
	rp_model_put_action(arg, a);
	return 0;
}

static int put_wiz_cb(const struct jr_wizard *w, void *arg)
{
	rp_model_put_wizard(arg, w);
	return 0;
}

static int put_acs_cb(const struct jr_acs *a, void *arg)
{
	rp_model_put_acs(arg, a);
	return 0;
}

int rp_model_load_journal(struct rp_model *m, struct journal *j)
{
	if (journal_each_enterprise(j, put_ent_cb, m) < 0 ||
	    journal_each_action(j, NULL, put_act_cb, m) < 0 ||
	    journal_each_wizard(j, NULL, put_wiz_cb, m) < 0 ||
	    journal_each_acs(j, NULL, put_acs_cb, m) < 0)
		return -1;
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct rp_ent *x = a, *y = b;
	int c = str_casecmp(x->name, y->name);

	return c ? c : strcmp(x->name, y->name);
}

static int act_cmp(const void *a, const void *b)
{
	const struct rp_action *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->type, y->type);
}

static void derive(struct rp_model *m, struct rp_ent *e)
{
	struct rp_totals *t = &m->t;
	size_t k;

	for (k = 0; k < e->n_act; k++) {
		struct rp_action *a = &e->act[k];
		int done;

		/* A registration post marks the enterprise, not the action. */
		if (e->registered && strcmp(a->type, "REGISTRATION") == 0 &&
		    a->state != RP_CONFIRMED)
			a->state = RP_GRANTED;
		if (a->req == ACT_ON_DEMAND)
			continue;
		done = a->state == RP_GRANTED || a->state == RP_CONFIRMED;
		e->actions_total++;
		t->req_total[a->req]++;
		if (done) {
			e->granted++;
			t->req_granted[a->req]++;
			t->granted++;
			continue;
		}
		if (a->state == RP_ERROR) {
			e->errors++;
			t->error++;
		}
		if (a->req == ACT_MANDATORY)
			e->mandatory_pending++;
		else if (a->req == ACT_RECOMMENDED)
			e->recommended_pending++;
		else
			e->optional_pending++;
	}
	for (k = 0; k < e->n_act; k++)
		e->mandatory_total += e->act[k].req == ACT_MANDATORY;
	for (k = 0; k < e->n_acs; k++) {
		e->acs_present += e->acs[k].present;
		e->acs_confirmed +=
		    e->acs[k].present && e->acs[k].status == JR_ACS_CONFIRMED;
		e->failed |= e->acs[k].status == JR_ACS_FAILED;
	}
	for (k = 0; k < e->n_wiz; k++)
		e->failed |= e->wiz[k].status == JR_WIZ_FAILED;
	e->failed |= e->journaled && e->status == JR_ENT_FAILED;
	t->enterprises++;
	t->created += e->journaled && (e->status == JR_ENT_CREATED ||
	                               e->status == JR_ENT_ADOPTED);
	t->failed += e->journaled && e->status == JR_ENT_FAILED;
	t->registered += e->registered != 0;
	t->mandatory_pending += (size_t)e->mandatory_pending;
	t->recommended_pending += (size_t)e->recommended_pending;
	t->optional_pending += (size_t)e->optional_pending;
	t->ent_with_mandatory_pending += e->mandatory_pending > 0;
}

void rp_model_finish(struct rp_model *m)
{
	struct slug_set *s = slug_set_new();
	size_t i;

	if (m->n_ent)
		qsort(m->ent, m->n_ent, sizeof(*m->ent), ent_cmp);
	idx_rebuild(m, m->idx->cap);
	for (i = 0; i < m->n_ent; i++) {
		struct rp_ent *e = &m->ent[i];

		if (e->n_act)
			qsort(e->act, e->n_act, sizeof(*e->act), act_cmp);
		free(e->slug);
		e->slug = slug_unique(s, e->name);
		derive(m, e);
	}
	slug_set_free(s);
}

const char *rp_state_name(enum rp_state s)
{
	static const char *const n[] = {"pending", "issued", "granted",
	                                "confirmed", "error"};

	return n[s];
}

const char *rp_state_simple(enum rp_state s)
{
	return s == RP_ERROR                          ? "error"
	       : s == RP_GRANTED || s == RP_CONFIRMED ? "granted"
	                                              : "pending";
}

/* How far along a wizard row is: lower is less advanced. Failed rows
 * come first, so a failure is never hidden behind a running one. */
static int progress(const struct jr_wizard *w)
{
	switch (w->status) {
	case JR_WIZ_FAILED:
		return 0;
	case JR_WIZ_NONE:
		return 1;
	case JR_WIZ_STARTING:
		return 2;
	case JR_WIZ_RUNNING:
		return 3 + (w->steps_done > 0 ? w->steps_done : 0);
	case JR_WIZ_DONE:
		return 1000;
	}
	return 0;
}

void rp_wizard_summary(const struct rp_ent *e, struct buf *out)
{
	const struct jr_wizard *least = NULL;
	size_t k, done = 0;

	for (k = 0; k < e->n_wiz; k++) {
		done += e->wiz[k].status == JR_WIZ_DONE;
		if (!least || progress(&e->wiz[k]) < progress(least))
			least = &e->wiz[k];
	}
	if (!least) {
		buf_adds(out, "none");
		return;
	}
	if (least->status == JR_WIZ_RUNNING)
		buf_addf(out, "running %d/%d", least->steps_done,
		         least->steps_total > 0 ? least->steps_total : 6);
	else
		buf_adds(out, jr_wiz_status_name(least->status));
	if (e->n_wiz > 1)
		buf_addf(out, " (%zu of %zu done)", done, e->n_wiz);
}

void rp_iso_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	out[0] = '\0';
	if (ms > 0 && gmtime_r(&t, &tm))
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
