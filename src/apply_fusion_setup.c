/*
 * apply_fusion_setup: the rows of the Fusion part of apply and wait —
 * built from fusion.csv and the journal (apply) or from the journal's
 * running wizards (wait) — and the run's progress text, summary, metrics
 * and exit status. The jobs are in apply_fusion.c.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply_fusion_int.h"
#include "clock.h"
#include "exitcode.h"
#include "progress.h"
#include "redact.h"
#include "reconcile.h"

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

/* --- preparing the rows ------------------------------------------------ */

static void row_init(struct fz_run *fr, struct fz_row *r,
		     const char *tenant, int64_t sub, const char *instance)
{
	r->fr = fr;
	r->instance = xstrdup(instance);
	r->item = xasprintf("fusion %s/%" PRId64, tenant, sub);
	r->jw.tenant = xstrdup(tenant);
	r->jw.subscription = sub;
	r->wizard_url = fz_row_url(r, "msteams/wizard");
}

static void row_release(struct fz_row *r)
{
	jr_wizard_release(&r->jw);
	free(r->instance);
	free(r->item);
	free(r->wizard_url);
	secret_free(r->secret);
	free(r->txid);
	free(r->steps_json);
	free(r->error);
	free(r->waiters);
}

static void add_waiter(struct fz_row *t, struct fz_row *w)
{
	t->waiters = xrealloc(t->waiters,
			      (t->n_waiters + 1) * sizeof(*t->waiters));
	t->waiters[t->n_waiters++] = w;
	w->waiting = true;
	t->fr->link_waiting++;
}

/* The onboarding row of this run that link row w waits for, if any. */
static struct fz_row *find_target(struct fz_run *fr, struct fz_row *w)
{
	struct fz_row *best = NULL;
	size_t i;

	for (i = 0; i < fr->n_rows; i++) {
		struct fz_row *t = &fr->rows[i];

		if (t->is_link || t->jw.subscription != w->jw.link_to)
			continue;
		if (mf_guid_eq(t->jw.tenant, w->jw.tenant))
			return t;
		if (!best)
			best = t;
	}
	return best;
}

/* Loads a row's journal state and decides its work (apply). */
static int plan_row(struct fz_run *fr, struct fz_row *r)
{
	struct runtime *rt = fr->ap->rt;
	const struct mf_fusion *m = r->mf;
	struct jr_wizard jw;
	char *err = NULL;
	int rc = journal_get_wizard(rt->j, m->tenant, m->subscription, &jw);

	if (rc < 0)
		return -1;
	if (rc == 0) {
		/* keep the tenant as the manifest writes it */
		free(jw.tenant);
		jw.tenant = r->jw.tenant;
		r->jw.tenant = NULL;
		jr_wizard_release(&r->jw);
		r->jw = jw;
	}
	set_str(&r->jw.enterprise, m->enterprise);
	set_str(&r->jw.draas_instance, m->draas_instance);
	r->is_link = m->has_link;
	if (r->is_link) {
		r->jw.link_to = m->link_subscription;
		return 0;
	}
	r->jw.link_to = 0;
	if (secret_read(&m->secret, rt->m->dir, NULL, &r->secret, &err) < 0) {
		char *q = str_quote(r->item + 7, 120);

		fprintf(stderr, "teamsprov: %s:%ld: secret of %s: %s\n",
			rt->m->path[MF_FUSION], m->line, q, err);
		free(q);
		free(err);
		return 1;
	}
	redact_add(r->secret);
	jr_secret_fingerprint(r->secret, r->fp);
	if (!r->jw.application_id ||
	    str_casecmp(r->jw.application_id, m->application_id) != 0) {
		r->need_app = true;
	} else if (!r->jw.secret_fp || strcmp(r->jw.secret_fp, r->fp) != 0) {
		r->need_app = true;
		r->reset = true;
	}
	switch (r->jw.status) {
	case JR_WIZ_DONE: break;
	case JR_WIZ_RUNNING:
		r->want_poll = !fr->o.no_wait;
		if (fr->o.no_wait)
			fr->not_waited++;
		r->delay = 0;
		break;
	case JR_WIZ_FAILED:
		if (fr->o.restart_failed)
			r->want_start = true;
		else
			fr->failed_before++;
		break;
	case JR_WIZ_STARTING:
		/* An earlier run may have posted the start without living
		 * to journal it: look first. */
		r->probe = true;
		r->want_start = true;
		break;
	case JR_WIZ_NONE:
	default:
		/* Onboarded remotely already (plan --refresh calls it
		 * adopt): a wizard found running or complete is taken
		 * over instead of started. */
		r->probe = true;
		r->want_start = true;
	}
	if (r->jw.status == JR_WIZ_RUNNING)
		atomic_fetch_add(&fr->running, 1);
	return 0;
}

static int prepare_apply(struct fz_run *fr)
{
	struct runtime *rt = fr->ap->rt;
	const struct manifest *m = rt->m;
	size_t i;
	int bad = 0, rc;

	fr->rows = xcalloc(m->n_fusion ? m->n_fusion : 1, sizeof(*fr->rows));
	for (i = 0; i < m->n_fusion; i++) {
		const struct mf_fusion *f = &m->fusion[i];
		struct fz_row *r;

		if (rt->g->n_only &&
		    (!f->enterprise ||
		     !rc_selected(rt->g->only, rt->g->n_only, f->enterprise)))
			continue;
		r = &fr->rows[fr->n_rows++];
		r->mf = f;
		row_init(fr, r, f->tenant, f->subscription,
			 f->draas_instance ? f->draas_instance
					   : rt->cfg.fusion.draas_instance);
		if ((rc = plan_row(fr, r)) < 0)
			return -1;
		bad += rc;
	}
	fr->selected = fr->n_rows;
	if (bad)
		return 1;
	for (i = 0; i < fr->n_rows; i++) {
		struct fz_row *r = &fr->rows[i], *t;

		if (!r->is_link || r->jw.status == JR_WIZ_DONE)
			continue;
		t = find_target(fr, r);
		if (!t)
			continue;
		r->target = t;
		if (t->want_start || t->want_poll || t->need_app)
			add_waiter(t, r);
	}
	return 0;
}

struct wait_walk {
	struct fz_run *fr;
	size_t cap;
};

static int wait_row(const struct jr_wizard *w, void *arg)
{
	struct wait_walk *k = arg;
	struct fz_run *fr = k->fr;
	struct runtime *rt = fr->ap->rt;
	struct fz_row *r;

	if (w->link_to)
		return 0;
	if (w->status == JR_WIZ_STARTING) {
		fr->starting_left++;
		return 0;
	}
	if (w->status != JR_WIZ_RUNNING)
		return 0;
	if (fr->n_rows == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 64;
		fr->rows = xrealloc(fr->rows, k->cap * sizeof(*fr->rows));
	}
	r = &fr->rows[fr->n_rows++];
	memset(r, 0, sizeof(*r));
	row_init(fr, r, w->tenant, w->subscription,
		 w->draas_instance ? w->draas_instance
				   : rt->cfg.fusion.draas_instance);
	jr_wizard_release(&r->jw);
	r->jw = *w;
	r->jw.tenant = xstrdup(w->tenant);
	r->jw.enterprise = w->enterprise ? xstrdup(w->enterprise) : NULL;
	r->jw.transaction_id =
		w->transaction_id ? xstrdup(w->transaction_id) : NULL;
	r->jw.steps_json = w->steps_json ? xstrdup(w->steps_json) : NULL;
	r->jw.message = w->message ? xstrdup(w->message) : NULL;
	r->jw.draas_instance =
		w->draas_instance ? xstrdup(w->draas_instance) : NULL;
	r->jw.application_id =
		w->application_id ? xstrdup(w->application_id) : NULL;
	r->jw.secret_fp = w->secret_fp ? xstrdup(w->secret_fp) : NULL;
	r->want_poll = true;
	atomic_fetch_add(&fr->running, 1);
	return 0;
}

static int prepare_wait(struct fz_run *fr)
{
	struct runtime *rt = fr->ap->rt;
	struct wait_walk k = {fr, 0};
	size_t i;
	int rc = 0;

	if (rt->g->n_only == 0)
		rc = journal_each_wizard(rt->j, NULL, wait_row, &k);
	for (i = 0; rc == 0 && i < rt->g->n_only; i++)
		rc = journal_each_wizard(rt->j, rt->g->only[i], wait_row, &k);
	fr->selected = fr->n_rows;
	return rc < 0 ? -1 : 0;
}

int apply_fusion_prepare(struct apply *ap, const struct fz_opts *o)
{
	struct fz_run *fr = xcalloc(1, sizeof(*fr));
	int rc;

	fr->ap = ap;
	fr->o = *o;
	if (o->timeout_ns > 0)
		fr->deadline = clock_mono_ns() + o->timeout_ns;
	ap->fz = fr;
	rc = o->wait_only ? prepare_wait(fr) : prepare_apply(fr);
	if (rc < 0) {
		fprintf(stderr, "teamsprov: %s: %s\n", ap->rt->state_path,
			journal_errmsg(ap->rt->j));
		return TP_EXIT_CANTCREAT;
	}
	if (rc > 0)
		return TP_EXIT_DATAERR;
	return 0;
}

int apply_fusion_queue(struct apply *ap)
{
	struct fz_run *fr = ap->fz;
	size_t i;

	for (i = 0; i < fr->n_rows; i++) {
		struct fz_row *r = &fr->rows[i];

		if (r->is_link && r->jw.status == JR_WIZ_DONE)
			continue;
		fz_row_next(r);
	}
	return ap->journal_error ? -1 : 0;
}

static void progress_extra(void *arg, char *buf, size_t n)
{
	struct fz_run *fr = arg;

	snprintf(buf, n, ", wizards: %zu running, %zu done, %zu failed",
		 atomic_load(&fr->running), atomic_load(&fr->done),
		 atomic_load(&fr->failed));
}

void apply_fusion_progress(struct apply *ap, struct progress *pr)
{
	progress_set_extra(pr, progress_extra, ap->fz);
}

void apply_fusion_summary(const struct apply *ap)
{
	const struct fz_run *fr = ap->fz;

	if (!fr)
		return;
	if (!fr->o.wait_only)
		printf("fusion: %zu selected, %zu applications registered, "
		       "%zu secrets reset, %zu linked\n",
		       fr->selected, fr->apps, fr->resets, fr->links);
	printf("wizards: %zu started, %zu adopted, %zu done, %zu failed, "
	       "%zu running\n",
	       fr->started, fr->adopted, atomic_load(&fr->done),
	       atomic_load(&fr->failed), atomic_load(&fr->running));
	if (fr->not_waited)
		printf("not waited for: %zu wizard%s (run teamsprov wait)\n",
		       fr->not_waited, fr->not_waited == 1 ? "" : "s");
	if (fr->timed_out)
		printf("timed out: %zu wizard%s still running (run teamsprov "
		       "wait)\n",
		       fr->timed_out, fr->timed_out == 1 ? "" : "s");
	if (fr->link_waiting)
		printf("links waiting: %zu (for wizards still running)\n",
		       fr->link_waiting);
	if (fr->failed_before)
		printf("failed earlier: %zu wizard%s (apply --restart-failed "
		       "starts %s again)\n",
		       fr->failed_before, fr->failed_before == 1 ? "" : "s",
		       fr->failed_before == 1 ? "it" : "them");
	if (fr->starting_left)
		printf("not started: %zu wizard%s (run apply)\n",
		       fr->starting_left, fr->starting_left == 1 ? "" : "s");
}

int apply_fusion_exit(const struct apply *ap)
{
	const struct fz_run *fr = ap->fz;

	if (!fr || fr->n_fail == 0 || fr->n_ok > 0)
		return 0;
	if (fr->n_refused == fr->n_fail)
		return TP_EXIT_NOPERM;
	if (fr->n_unreach == fr->n_fail)
		return TP_EXIT_UNAVAIL;
	return 0;
}

void apply_fusion_metrics(const struct apply *ap, FILE *f)
{
	const struct fz_run *fr = ap->fz;

	if (!fr)
		return;
	fprintf(f,
		"teamsprov_items{kind=\"wizard\",status=\"done\"} %zu\n"
		"teamsprov_items{kind=\"wizard\",status=\"failed\"} %zu\n"
		"teamsprov_items{kind=\"wizard\",status=\"running\"} %zu\n"
		"teamsprov_items{kind=\"application\",status=\"registered\"} "
		"%zu\n"
		"teamsprov_items{kind=\"application\",status=\"reset\"} %zu\n"
		"teamsprov_items{kind=\"link\",status=\"linked\"} %zu\n",
		atomic_load(&fr->done), atomic_load(&fr->failed),
		atomic_load(&fr->running), fr->apps, fr->resets, fr->links);
}

void apply_fusion_release(struct apply *ap)
{
	struct fz_run *fr = ap->fz;
	size_t i;

	if (!fr)
		return;
	for (i = 0; i < fr->n_rows; i++) {
		if (fr->rows[i].secret)
			redact_remove(fr->rows[i].secret);
		row_release(&fr->rows[i]);
	}
	free(fr->rows);
	free(fr);
	ap->fz = NULL;
}
