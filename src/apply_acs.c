/*
 * apply_acs: the ACS part of apply. One job per acs.csv row, one request
 * per run of the job (so every request passes the rate governor):
 *
 *   VERIFY   GET; taken first only when the journal says this very state
 *            was confirmed before. A match ends the job: a nightly run
 *            of an unchanged manifest sends one GET per row and changes
 *            nothing. A mismatch (drift) goes on to CHANGE.
 *   CHANGE   present: PUT (201 created, 200 updated); absent: DELETE
 *            (204; 404 means already absent).
 *   CONFIRM  GET: present wants 200 with the same principal type and
 *            the same set of client ids; absent wants 404.
 *
 * The outcome is journaled on the dispatcher thread (done callback). A
 * 401/403 is reported once per run with its likely cause, not once per
 * row: the rows it refused share one summary entry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acs.h"
#include "apply.h"
#include "clock.h"
#include "journal_acs.h"

enum acs_step { STEP_VERIFY, STEP_CHANGE, STEP_CONFIRM };

struct acs_job {
	struct apply *ap;
	const struct mf_acs *row;
	enum acs_step step;
	bool changed;   /* the PUT or DELETE was answered */
	struct api_attempts st;
	char *error;    /* NULL unless failed */
	enum api_failure failure;
};

static const char *verb(const struct acs_job *j)
{
	if (j->step != STEP_CHANGE)
		return "GET";
	return j->row->absent ? "DELETE" : "PUT";
}

static void job_fail(struct acs_job *j, enum api_failure kind, char *msg)
{
	free(j->error);
	j->error = msg;
	j->failure = kind;
}

/* Moves on to the next step, with a fresh count of attempts. */
static struct pool_result next_step(struct acs_job *j, enum acs_step s)
{
	j->step = s;
	memset(&j->st, 0, sizeof(j->st));
	return pool_again(0);
}

static struct pool_result answered(struct acs_job *j,
				   const struct http_request *req,
				   const struct http_response *res)
{
	char *why = NULL;
	int m;

	switch (j->step) {
	case STEP_CHANGE:
		if ((!j->row->absent &&
		     (res->status == 200 || res->status == 201)) ||
		    (j->row->absent &&
		     (res->status == 204 || res->status == 200 ||
		      res->status == 404))) {
			j->changed = true;
			return next_step(j, STEP_CONFIRM);
		}
		job_fail(j, API_FAIL_REJECTED, acs_error_message(req, res));
		return pool_failed();
	case STEP_VERIFY:
	case STEP_CONFIRM:
		m = acs_judge(j->row->absent, j->row->principal_type,
			      j->row->client_ids, j->row->n_client_ids,
			      res->status, res->body.p, res->body.len, &why);
		if (m == 1)
			return pool_done();
		if (m == 0 && j->step == STEP_VERIFY) {
			free(why); /* drift: repair it */
			return next_step(j, STEP_CHANGE);
		}
		if (m == 0)
			job_fail(j, API_FAIL_REJECTED,
				 xasprintf("%s answered, but the GET that "
					   "confirms it found: %s",
					   j->row->absent ? "DELETE" : "PUT",
					   why));
		else
			job_fail(j, API_FAIL_REJECTED,
				 acs_error_message(req, res));
		free(why);
		return pool_failed();
	}
	return pool_failed();
}

static struct pool_result acs_run(void *payload, struct pool_ctx *ctx)
{
	struct acs_job *j = payload;
	struct runtime *rt = j->ap->rt;
	struct api *api = &rt->apis[API_ACS];
	const struct mf_acs *r = j->row;
	char *path = acs_assignment_path(rt->cfg.acs.api_version, r->tenant_id,
					 r->object_id);
	char *url = api_url(api, path);
	char *body = NULL, *item = xasprintf("%s/%s", r->tenant_id,
					     r->object_id);
	struct http_request req;
	struct http_response res;
	struct api_result out;
	struct pool_result pr = pool_failed();

	memset(&req, 0, sizeof(req));
	req.method = verb(j);
	req.url = url;
	if (j->step == STEP_CHANGE && !r->absent) {
		body = acs_put_body(r->principal_type, r->client_ids,
				    r->n_client_ids);
		req.body = body;
		req.body_len = strlen(body);
		req.content_type = "application/json";
	}
	http_response_init(&res);
	api_call(api, ctx->worker, ctx, &j->st, item, &req, &res, &out);
	if (out.verdict == API_AGAIN) {
		pr = pool_again(out.delay_ns);
	} else if (out.verdict == API_FAILED) {
		/* An ACS error body says more than the raw text. */
		if (res.err == HTTP_ERR_NONE && res.status >= 400 &&
		    out.failure != API_FAIL_UNREACHABLE) {
			job_fail(j, out.failure, acs_error_message(&req, &res));
		} else {
			job_fail(j, out.failure, out.error);
			out.error = NULL;
		}
	} else {
		pr = answered(j, &req, &res);
	}
	api_result_release(&out);
	http_response_release(&res);
	free(item);
	free(body);
	free(url);
	free(path);
	return pr;
}

/* The rows refused with 401/403 share one entry of the summary. */
static void refused(struct apply *ap, struct acs_job *j)
{
	struct apply_failure *f;
	char *item;

	ap->acs_refused++;
	if (ap->acs_refused == 1) {
		fprintf(stderr, "teamsprov: acs: authentication refused: %s\n",
			j->error);
		item = xasprintf("%s; likely cause: %s", j->error,
				 acs_refusal_hint(ap->rt->apis[API_ACS].hmac !=
						  NULL));
		apply_add_failure(ap, "acs: 1 assignment", item,
				  API_FAIL_REFUSED);
		free(item);
		ap->acs_refusal_fail = ap->n_fails - 1;
		return;
	}
	f = &ap->fails[ap->acs_refusal_fail];
	free(f->item);
	f->item = xasprintf("acs: %zu assignments", ap->acs_refused);
}

static void journal_row(struct apply *ap, const struct acs_job *j, bool ok)
{
	const struct mf_acs *r = j->row;
	struct jr_acs a;
	char *list = jr_acs_client_list(r->client_ids, r->n_client_ids);
	int64_t now = clock_wall_ns() / TP_NS_PER_MS;

	memset(&a, 0, sizeof(a));
	a.tenant_id = r->tenant_id;
	a.object_id = r->object_id;
	a.principal_type = r->principal_type;
	a.client_ids = list;
	a.present = !r->absent;
	a.enterprise = r->enterprise;
	a.status = !ok        ? JR_ACS_FAILED
		   : r->absent ? JR_ACS_ABSENT_CONFIRMED
			       : JR_ACS_CONFIRMED;
	a.last_error = ok ? NULL : j->error;
	a.confirmed_at = ok ? now : 0;
	a.updated_at = now;
	if (journal_put_acs(ap->rt->j, &a) < 0)
		apply_journal_failed(ap);
	free(list);
}

static void acs_done(void *payload, const struct pool_end *end)
{
	struct acs_job *j = payload;
	struct apply *ap = j->ap;
	char *item;

	switch (end->outcome) {
	case POOL_OK:
		journal_row(ap, j, true);
		if (!j->changed)
			ap->acs_unchanged++;
		else if (j->row->absent)
			ap->acs_revoked++;
		else
			ap->acs_granted++;
		apply_item_ended(ap, false);
		break;
	case POOL_FAIL:
		journal_row(ap, j, false);
		ap->acs_failed++;
		if (j->failure == API_FAIL_UNREACHABLE)
			ap->acs_unreachable++;
		if (j->failure == API_FAIL_REFUSED) {
			refused(ap, j);
		} else {
			item = xasprintf("acs %s/%s", j->row->tenant_id,
					 j->row->object_id);
			apply_add_failure(ap, item, j->error, j->failure);
			free(item);
		}
		apply_item_ended(ap, true);
		break;
	case POOL_SKIPPED:
	case POOL_CANCELLED:
		/* Unfinished: the journal keeps what it had; the next apply
		 * does it again. */
		ap->cancelled++;
		break;
	}
	free(j->error);
	free(j);
}

/* Whether the journal shows this very state confirmed. */
static int confirmed_before(struct apply *ap, const struct mf_acs *r,
			    bool *yes)
{
	struct jr_acs a;
	char *list;
	int rc = journal_get_acs(ap->rt->j, r->tenant_id, r->object_id, &a);

	*yes = false;
	if (rc < 0)
		return -1;
	if (rc == 0) {
		list = jr_acs_client_list(r->client_ids, r->n_client_ids);
		*yes = a.present == !r->absent &&
		       a.status == (r->absent ? JR_ACS_ABSENT_CONFIRMED
					      : JR_ACS_CONFIRMED) &&
		       strcmp(a.principal_type, r->principal_type) == 0 &&
		       strcmp(a.client_ids, list) == 0;
		free(list);
	}
	jr_acs_release(&a);
	return 0;
}

static bool selected(const struct apply *ap, const struct mf_acs *r)
{
	if (ap->rt->g->n_only == 0)
		return true;
	return r->enterprise &&
	       rc_selected(ap->rt->g->only, ap->rt->g->n_only, r->enterprise);
}

size_t apply_acs_selected(const struct apply *ap)
{
	const struct manifest *m = ap->rt->m;
	size_t i, n = 0;

	for (i = 0; i < m->n_acs; i++)
		n += selected(ap, &m->acs[i]);
	return n;
}

int apply_acs_queue(struct apply *ap)
{
	const struct manifest *m = ap->rt->m;
	struct pool_job_spec spec;
	struct acs_job *j;
	char *name;
	bool yes;
	size_t i;

	for (i = 0; i < m->n_acs; i++) {
		const struct mf_acs *r = &m->acs[i];

		if (!selected(ap, r))
			continue;
		if (confirmed_before(ap, r, &yes) < 0)
			return -1;
		ap->acs_total++;
		j = xcalloc(1, sizeof(*j));
		j->ap = ap;
		j->row = r;
		j->step = yes ? STEP_VERIFY : STEP_CHANGE;
		name = xasprintf("ACS assignment %s/%s", r->tenant_id,
				 r->object_id);
		memset(&spec, 0, sizeof(spec));
		spec.name = name;
		spec.api = API_ACS;
		spec.run = acs_run;
		spec.done = acs_done;
		spec.payload = j;
		pool_add(ap->pool, &spec);
		free(name);
	}
	return 0;
}
