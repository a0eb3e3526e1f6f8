/*
 * apply_fusion: the Netaxis Fusion part of apply and wait. Per fusion.csv
 * row, one job at a time runs through the worker pool:
 *
 *   application  POST …/msteams/applications (or …/reset_secret when only
 *                the secret changed), unless the journal holds the same
 *                application id and secret fingerprint;
 *   start        POST …/msteams/wizard; the transaction id is journaled
 *                by its done callback before the first poll is queued. A
 *                row the journal left "starting" (a run killed between
 *                the POST and its journal entry) and a POST whose answer
 *                was lost first GET the wizard, so a running wizard is
 *                adopted instead of started twice;
 *   poll         GET …/msteams/wizard on the schedule of fusion.h, as a
 *                timer in the pool's heap (no thread waits); it ends when
 *                the steps executed change (the done callback journals
 *                them and queues the next poll), or at the end;
 *   link         a link_subscription row: GET …/msteams/sources, then
 *                POST …/msteams/link; it waits for the row of this file
 *                that onboards the subscription it links to.
 *
 * Rows own their state for the whole run (struct fz_run); every job's
 * payload is its row, and the next job of a row is queued by the done
 * callback of the one before (row_next), on the dispatcher thread, after
 * the outcome is journaled.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "apply_fusion_int.h"
#include "clock.h"
#include "exitcode.h"
#include "fusion.h"
#include "journal_fusion.h"
#include "progress.h"
#include "redact.h"
#include "reconcile.h"

static int64_t wall_ms(void)
{
	return clock_wall_ns() / TP_NS_PER_MS;
}

/* --- outcomes --------------------------------------------------------- */

static void row_journal(struct fz_row *r)
{
	if (journal_put_wizard(r->fr->ap->rt->j, &r->jw) < 0)
		apply_journal_failed(r->fr->ap);
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}


/* Wakes the link rows that waited for r (its wizard ended one way or the
 * other, or needed nothing). */
static void wake_waiters(struct fz_row *r)
{
	size_t i;

	for (i = 0; i < r->n_waiters; i++) {
		struct fz_row *w = r->waiters[i];

		w->waiting = false;
		r->fr->link_waiting--;
		fz_row_next(w);
	}
	r->n_waiters = 0;
}

/*
 * A row failed: journal, summary, --max-failures. Only an answer of the
 * server (or a reason of ours, such as a failed link target) marks the
 * wizard failed; when Fusion stayed unreachable or refused us, the row
 * keeps its status so that the next apply or wait takes it up again.
 * Returns whether the row was marked failed.
 */
static bool row_failed(struct fz_row *r, const char *why,
		       enum api_failure kind, bool mark_failed)
{
	struct fz_run *fr = r->fr;
	bool mark = mark_failed &&
		    (kind == API_FAIL_REJECTED || kind == API_FAIL_NONE);

	if (mark)
		r->jw.status = JR_WIZ_FAILED;
	set_str(&r->jw.message, why);
	row_journal(r);
	if (mark && !r->is_link)
		atomic_fetch_add(&fr->failed, 1);
	apply_add_failure(fr->ap, r->item, why, kind);
	apply_item_ended(fr->ap, true);
	fr->n_fail++;
	fr->n_unreach += kind == API_FAIL_UNREACHABLE;
	fr->n_refused += kind == API_FAIL_REFUSED;
	r->need_app = r->want_start = r->want_poll = false;
	if (mark)
		wake_waiters(r);
	return mark;
}

static void row_ok(struct fz_row *r)
{
	r->fr->n_ok++;
	r->fr->ap->other_ok++;
	apply_item_ended(r->fr->ap, false);
}

/* --- requests ---------------------------------------------------------- */

enum fz_answer { FZ_AGAIN, FZ_FAILED, FZ_ANSWER };

/* One attempt of METHOD path (a built URL when url is set); on FZ_AGAIN
 * *res_out carries the delay, on FZ_FAILED r->error is set. */
static enum fz_answer fz_call(struct fz_row *r, struct pool_ctx *ctx,
			      const char *method, const char *url,
			      const char *body, struct http_request *req,
			      struct http_response *res, int64_t *delay)
{
	struct api *api = &r->fr->ap->rt->apis[API_FUSION];
	struct api_result out;
	enum fz_answer a;

	memset(req, 0, sizeof(*req));
	req->method = method;
	req->url = url;
	if (body) {
		req->body = body;
		req->body_len = strlen(body);
		req->content_type = "application/json";
	}
	api_call(api, ctx->worker, ctx, &r->st, r->item, req, res, &out);
	if (out.verdict == API_AGAIN) {
		*delay = out.delay_ns;
		a = FZ_AGAIN;
	} else if (out.verdict == API_FAILED) {
		free(r->error);
		r->error = out.error;
		r->failure = out.failure;
		out.error = NULL;
		a = FZ_FAILED;
	} else {
		memset(&r->st, 0, sizeof(r->st));
		a = FZ_ANSWER;
	}
	api_result_release(&out);
	return a;
}

/* The reason of a final error answer: the server's message when it gave
 * one, else the status line. */
static void answer_error(struct fz_row *r, const struct http_request *req,
			 const struct http_response *res)
{
	char *m = fusion_error_message(res->body.p, res->body.len);
	char *path = http_url_path(req->url, 0);

	free(r->error);
	r->error = m ? xasprintf("HTTP %ld from %s %s: %s", res->status,
				 req->method, path, m)
		     : http_status_message(req, res);
	r->failure = res->status == 401 || res->status == 403
			     ? API_FAIL_REFUSED
			     : API_FAIL_REJECTED;
	free(m);
	free(path);
}

char *fz_row_url(struct fz_row *r, const char *tail)
{
	char *p = fusion_path(r->instance, r->jw.tenant, r->jw.subscription,
			      tail);
	char *u = api_url(&r->fr->ap->rt->apis[API_FUSION], p);

	free(p);
	return u;
}

static struct pool_result poll_run(void *payload, struct pool_ctx *ctx);
static struct pool_result start_run(void *payload, struct pool_ctx *ctx);

static void queue(struct fz_row *r, const char *name,
		  struct pool_result (*run)(void *, struct pool_ctx *),
		  void (*done)(void *, const struct pool_end *), int64_t delay)
{
	struct pool_job_spec spec;

	memset(&spec, 0, sizeof(spec));
	memset(&r->st, 0, sizeof(r->st));
	free(r->error);
	r->error = NULL;
	spec.name = name;
	spec.api = API_FUSION;
	spec.run = run;
	spec.done = done;
	spec.payload = r;
	spec.delay_ns = delay > 0 ? delay : 0;
	/*
	 * Held to the pool's bound on uncommitted requests are only those a
	 * run after a kill -9 could repeat with effect. A poll only reads;
	 * a start is never repeated blindly: the next run finds the row
	 * not started (or starting) and reads the wizard's state first,
	 * adopting a wizard that runs (the fusion_wait kill test).
	 */
	spec.replay_safe = run == poll_run || run == start_run;
	pool_add(r->fr->ap->pool, &spec);
}

/* --- application ------------------------------------------------------- */

static struct pool_result app_run(void *payload, struct pool_ctx *ctx)
{
	struct fz_row *r = payload;
	char *url = fz_row_url(r, r->reset ? "msteams/reset_secret"
					: "msteams/applications");
	char *body = r->reset ? fusion_reset_body(r->mf->application_id,
						  r->secret)
			      : fusion_app_body(r->mf->ms_tenant_id,
						r->mf->application_id,
						r->secret);
	struct http_request req;
	struct http_response res;
	struct pool_result pr = pool_failed();
	int64_t delay = 0;

	http_response_init(&res);
	switch (fz_call(r, ctx, "POST", url, body, &req, &res, &delay)) {
	case FZ_AGAIN: pr = pool_again(delay); break;
	case FZ_FAILED: break;
	case FZ_ANSWER:
		if (res.status >= 200 && res.status < 300)
			pr = pool_done();
		else
			answer_error(r, &req, &res);
	}
	http_response_release(&res);
	secret_free(body);
	free(url);
	return pr;
}

static void app_done(void *payload, const struct pool_end *end)
{
	struct fz_row *r = payload;
	struct fz_run *fr = r->fr;

	if (end->outcome == POOL_OK) {
		set_str(&r->jw.application_id, r->mf->application_id);
		set_str(&r->jw.secret_fp, r->fp);
		if (r->jw.status == JR_WIZ_NONE)
			r->jw.status = JR_WIZ_STARTING;
		row_journal(r);
		if (r->reset)
			fr->resets++;
		else
			fr->apps++;
		r->need_app = false;
		fz_row_next(r);
	} else if (end->outcome == POOL_CANCELLED) {
		fr->cancelled++;
	} else {
		char *why = xasprintf("application: %s",
				      r->error ? r->error
					       : end->reason ? end->reason
							     : "failed");
		/* A wizard already started goes on being polled; one that
		 * cannot start without its application fails. */
		r->need_app = false;
		if (r->want_start) {
			row_failed(r, why, r->failure, true);
		} else {
			apply_add_failure(fr->ap, r->item, why, r->failure);
			apply_item_ended(fr->ap, true);
			fz_row_next(r);
		}
		free(why);
	}
}

/* --- wizard start ------------------------------------------------------ */

static struct pool_result start_probe(struct fz_row *r, struct pool_ctx *ctx)
{
	struct fz_run *fr = r->fr;
	const struct config_fusion *c = &fr->ap->rt->cfg.fusion;
	struct http_request req;
	struct http_response res;
	struct pool_result pr = pool_failed();
	int64_t delay = 0;

	http_response_init(&res);
	switch (fz_call(r, ctx, "GET", r->wizard_url, NULL, &req, &res,
			&delay)) {
	case FZ_AGAIN: pr = pool_again(delay); break;
	case FZ_FAILED: break;
	case FZ_ANSWER:
		if (res.status == 200 &&
		    fusion_parse_wizard(res.body.p, res.body.len, &r->ws,
					NULL) == 0 &&
		    (r->ws.running || r->probe_since ||
		     (r->ws.steps_total > 0 &&
		      r->ws.steps_done == r->ws.steps_total))) {
			/* A wizard runs (or ran, after our lost POST): it is
			 * ours. */
			r->adopted = true;
			r->final = !r->ws.running;
			pr = pool_done();
		} else if (res.status == 404 && r->probe_since &&
			   ctx->now - r->probe_since < c->init_grace) {
			/* Maybe our POST arrived and the wizard is not
			 * initialised yet. */
			pr = pool_again(c->poll_first);
		} else if (res.status == 200 || res.status == 404 ||
			   res.status == 400) {
			r->probe = false;
			pr = pool_again(0);
		} else {
			answer_error(r, &req, &res);
		}
	}
	http_response_release(&res);
	return pr;
}

static struct pool_result start_run(void *payload, struct pool_ctx *ctx)
{
	struct fz_row *r = payload;
	struct http_request req;
	struct http_response res;
	struct pool_result pr = pool_failed();
	int64_t delay = 0;

	if (r->probe)
		return start_probe(r, ctx);
	http_response_init(&res);
	switch (fz_call(r, ctx, "POST", r->wizard_url, NULL, &req, &res,
			&delay)) {
	case FZ_AGAIN:
		if (r->st.ambiguous) {
			/* The start may have happened: look before posting
			 * again (spec §6). */
			r->probe = true;
			r->probe_since = ctx->now;
			memset(&r->st, 0, sizeof(r->st));
		}
		pr = pool_again(delay);
		break;
	case FZ_FAILED:
		if (r->st.ambiguous) {
			r->probe = true;
			r->probe_since = ctx->now;
			memset(&r->st, 0, sizeof(r->st));
			pr = pool_again(delay);
		}
		break;
	case FZ_ANSWER:
		if (res.status >= 200 && res.status < 300 &&
		    (r->txid = fusion_parse_wizard_id(res.body.p,
						      res.body.len))) {
			pr = pool_done();
		} else if (res.status >= 200 && res.status < 300) {
			free(r->error);
			r->error = xstrdup("POST …/msteams/wizard answered no "
					   "transaction id");
			r->failure = API_FAIL_REJECTED;
		} else {
			answer_error(r, &req, &res);
		}
	}
	http_response_release(&res);
	return pr;
}

static void start_done(void *payload, const struct pool_end *end)
{
	struct fz_row *r = payload;
	struct fz_run *fr = r->fr;

	if (end->outcome == POOL_OK) {
		r->want_start = false;
		r->jw.status = JR_WIZ_RUNNING;
		set_str(&r->jw.transaction_id, r->txid);
		free(r->txid);
		r->txid = NULL;
		set_str(&r->jw.message, NULL);
		r->jw.steps_done = r->jw.steps_total = 0;
		set_str(&r->jw.steps_json, NULL);
		if (!r->adopted || !r->jw.started_at)
			r->jw.started_at = wall_ms();
		row_journal(r);
		atomic_fetch_add(&fr->running, 1);
		if (r->adopted)
			fr->adopted++;
		else
			fr->started++;
		r->want_poll = !fr->o.no_wait;
		/* After an adoption poll at once: it may be over already. */
		r->delay = r->adopted ? 0 : fr->ap->rt->cfg.fusion.poll_first;
		/* The first poll's delay is the schedule's first step: the
		 * next one is poll_first x poll_factor. */
		r->interval = r->delay;
		if (fr->o.no_wait) {
			fr->not_waited++;
			row_ok(r);
		}
		fz_row_next(r);
	} else if (end->outcome == POOL_CANCELLED) {
		fr->cancelled++;
	} else {
		row_failed(r,
			   r->error ? r->error
			   : end->reason ? end->reason
					 : "failed",
			   r->failure, true);
	}
}

/* --- polling ----------------------------------------------------------- */

static struct pool_result poll_again(struct fz_row *r, struct pool_ctx *ctx)
{
	const struct config_fusion *c = &r->fr->ap->rt->cfg.fusion;
	int64_t d;

	r->interval = fusion_poll_next(r->interval, c->poll_first,
				       c->poll_factor, c->poll_max);
	d = r->interval;
	if (r->fr->deadline && ctx->now + d > r->fr->deadline)
		d = r->fr->deadline - ctx->now;
	return pool_again(d);
}

static struct pool_result poll_run(void *payload, struct pool_ctx *ctx)
{
	struct fz_row *r = payload;
	struct fz_run *fr = r->fr;
	const struct config_fusion *c = &fr->ap->rt->cfg.fusion;
	struct http_request req;
	struct http_response res;
	struct pool_result pr = pool_failed();
	int64_t delay = 0;

	if (fr->deadline && ctx->now >= fr->deadline) {
		r->timed_out = true;
		return pool_done();
	}
	http_response_init(&res);
	switch (fz_call(r, ctx, "GET", r->wizard_url, NULL, &req, &res,
			&delay)) {
	case FZ_AGAIN: pr = pool_again(delay); break;
	case FZ_FAILED: break;
	case FZ_ANSWER:
		if (res.status == 404) {
			/* Not initialised yet: tolerated for init_grace after
			 * the start. */
			if (wall_ms() - r->jw.started_at <
			    c->init_grace / TP_NS_PER_MS) {
				pr = poll_again(r, ctx);
			} else {
				answer_error(r, &req, &res);
				free(r->error);
				r->error = xasprintf(
					"the wizard was still not initialised "
					"(HTTP 404) %lld s after its start",
					(long long)(c->init_grace /
						    TP_NS_PER_S));
			}
		} else if (res.status == 400) {
			answer_error(r, &req, &res);
		} else if (res.status != 200) {
			answer_error(r, &req, &res);
		} else if (fusion_parse_wizard(res.body.p, res.body.len,
					       &r->ws, &r->steps_json) < 0) {
			free(r->error);
			r->error = xstrdup("GET …/msteams/wizard: the answer "
					   "is not a wizard state");
			r->failure = API_FAIL_REJECTED;
		} else if (!r->ws.running &&
			   (r->ws.steps_done < r->ws.steps_total ||
			    r->ws.steps_total == 0)) {
			free(r->error);
			r->error = xasprintf("the wizard stopped with %d of %d "
					     "steps executed",
					     r->ws.steps_done,
					     r->ws.steps_total);
			r->failure = API_FAIL_REJECTED;
		} else if (!r->ws.running ||
			   r->ws.steps_done != r->jw.steps_done ||
			   r->ws.steps_total != r->jw.steps_total) {
			/* Done, or progress to journal: the done callback
			 * journals it and queues the next poll. */
			r->final = !r->ws.running;
			r->progressed = true;
			pr = pool_done();
			if (!r->final)
				poll_again(r, ctx);
		} else {
			pr = poll_again(r, ctx);
		}
	}
	if (!r->progressed) {
		/* parsed along (one parse a poll); kept only on progress */
		free(r->steps_json);
		r->steps_json = NULL;
	}
	http_response_release(&res);
	return pr;
}

static void poll_done(void *payload, const struct pool_end *end)
{
	struct fz_row *r = payload;
	struct fz_run *fr = r->fr;

	if (end->outcome == POOL_OK && r->timed_out) {
		fr->timed_out++;
		fr->ap->wizards_left = true;
		r->want_poll = false;
		return;
	}
	if (end->outcome == POOL_OK) {
		r->jw.steps_done = r->ws.steps_done;
		r->jw.steps_total = r->ws.steps_total;
		free(r->jw.steps_json);
		r->jw.steps_json = r->steps_json;
		r->steps_json = NULL;
		r->progressed = false;
		if (r->final) {
			r->jw.status = JR_WIZ_DONE;
			r->want_poll = false;
			atomic_fetch_sub(&fr->running, 1);
			atomic_fetch_add(&fr->done, 1);
			row_journal(r);
			row_ok(r);
			wake_waiters(r);
			return;
		}
		row_journal(r);
		r->delay = r->interval;
		fz_row_next(r);
	} else if (end->outcome == POOL_CANCELLED) {
		fr->cancelled++;
		fr->ap->wizards_left = true;
	} else if (row_failed(r,
			      r->error ? r->error
			      : end->reason ? end->reason
					    : "failed",
			      r->failure, true)) {
		atomic_fetch_sub(&fr->running, 1);
	}
}

/* --- links ------------------------------------------------------------- */

static struct pool_result link_run(void *payload, struct pool_ctx *ctx)
{
	struct fz_row *r = payload;
	char *url = fz_row_url(r, r->phase ? "msteams/link" : "msteams/sources");
	char *body = r->phase ? fusion_link_body(r->jw.link_to) : NULL;
	struct http_request req;
	struct http_response res;
	struct pool_result pr = pool_failed();
	int64_t delay = 0;
	int has;

	http_response_init(&res);
	switch (fz_call(r, ctx, r->phase ? "POST" : "GET", url, body, &req,
			&res, &delay)) {
	case FZ_AGAIN: pr = pool_again(delay); break;
	case FZ_FAILED: break;
	case FZ_ANSWER:
		if (res.status < 200 || res.status >= 300) {
			answer_error(r, &req, &res);
		} else if (r->phase) {
			pr = pool_done();
		} else if ((has = fusion_sources_has(res.body.p, res.body.len,
						     r->jw.link_to)) == 1) {
			r->phase = 1;
			pr = pool_again(0);
		} else {
			free(r->error);
			r->error = xasprintf(
				has < 0 ? "GET …/msteams/sources: the answer "
					  "is not a list of sources (%" PRId64
					  ")"
					: "subscription %" PRId64
					  " is not among the linking "
					  "candidates (GET …/msteams/sources)",
				r->jw.link_to);
			r->failure = API_FAIL_REJECTED;
		}
	}
	http_response_release(&res);
	free(body);
	free(url);
	return pr;
}

static void link_done(void *payload, const struct pool_end *end)
{
	struct fz_row *r = payload;

	if (end->outcome == POOL_OK) {
		r->jw.status = JR_WIZ_DONE;
		set_str(&r->jw.message, NULL);
		r->jw.started_at = wall_ms();
		row_journal(r);
		r->fr->links++;
		row_ok(r);
	} else if (end->outcome == POOL_CANCELLED) {
		r->fr->cancelled++;
	} else {
		row_failed(r,
			   r->error ? r->error
			   : end->reason ? end->reason
					 : "failed",
			   r->failure, true);
	}
}

/* --- what a row does next ---------------------------------------------- */

void fz_row_next(struct fz_row *r)
{
	if (r->waiting)
		return;
	if (r->is_link) {
		enum jr_wiz_status ts =
			r->target ? r->target->jw.status : JR_WIZ_DONE;

		if (r->jw.status == JR_WIZ_DONE)
			return;
		if (ts == JR_WIZ_NONE || ts == JR_WIZ_STARTING ||
		    ts == JR_WIZ_RUNNING) {
			/* Its target was not waited for (--no-wait, a
			 * time-out): a later apply links it. */
			r->fr->link_waiting++;
			return;
		}
		if (ts == JR_WIZ_FAILED && r->jw.status == JR_WIZ_FAILED) {
			/* Failed before for the same reason: counted like
			 * its target, not as a new failure. */
			r->fr->failed_before++;
			return;
		}
		if (ts != JR_WIZ_DONE) {
			char *why = xasprintf(
				"subscription %" PRId64 " it links to was not "
				"onboarded (%s)",
				r->jw.link_to,
				jr_wiz_status_name(r->target->jw.status));
			row_failed(r, why, API_FAIL_NONE, true);
			free(why);
			return;
		}
		r->phase = 0;
		queue(r, r->item, link_run, link_done, 0);
		return;
	}
	if (r->need_app) {
		queue(r, r->item, app_run, app_done, 0);
	} else if (r->want_start) {
		queue(r, r->item, start_run, start_done, 0);
	} else if (r->want_poll) {
		if (r->fr->deadline && r->delay > 0 &&
		    clock_mono_ns() + r->delay > r->fr->deadline)
			r->delay = r->fr->deadline - clock_mono_ns();
		queue(r, r->item, poll_run, poll_done, r->delay);
	} else {
		wake_waiters(r);
	}
}
