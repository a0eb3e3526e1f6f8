/*
 * apply_c2t: the ConnecttoTeams part of apply. Enterprises are created
 * (each exactly once, even across faults, kills and restarts) and their
 * admins' action URLs issued by the worker pool under the API's rate
 * limit; every outcome is journaled, by the worker that got it, and made
 * to survive a kill -9 (pool settle: the journal's redo log) before the
 * worker sends its next request or work that depends on it starts.
 */
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "c2t.h"
#include "cbtoken.h"
#include "clock.h"
#include "commands.h"
#include "exitcode.h"
#include "progress.h"
#include "reconcile.h"

/* --- signals: the first SIGINT/SIGTERM drains, a second SIGINT quits -- */

static struct pool *volatile sig_pool;
static volatile sig_atomic_t sig_count;

static void on_signal(int sig)
{
	sig_count++;
	if (sig == SIGINT && sig_count > 1)
		_exit(TP_EXIT_TEMPFAIL);
	if (sig_pool)
		pool_stop(sig_pool);
}

static void signals_catch(struct pool *p)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sig_pool = p;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void signals_release(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sig_pool = NULL;
}

/* --- outcomes --------------------------------------------------------- */

static void add_failure(struct apply *ap, const char *item, const char *why,
			enum api_failure kind)
{
	if (ap->n_fails == ap->cap_fails) {
		ap->cap_fails = ap->cap_fails ? 2 * ap->cap_fails : 16;
		ap->fails = xrealloc(ap->fails,
				     ap->cap_fails * sizeof(*ap->fails));
	}
	ap->fails[ap->n_fails].item = xstrdup(item);
	ap->fails[ap->n_fails].reason = xstrdup(why ? why : "failed");
	ap->fails[ap->n_fails].kind = kind;
	ap->n_fails++;
}

/* Counts an ended item and halts the run when --max-failures is crossed. */
static void item_ended(struct apply *ap, bool failed)
{
	ap->items_done++;
	if (failed)
		ap->items_failed++;
	if (ap->max_fail < 0 || ap->halted)
		return;
	if (ap->max_fail_pct) {
		if (ap->items_done >= 20 &&
		    ap->items_failed * 100 > (size_t)ap->max_fail * ap->items_done)
			ap->halted = true;
	} else if (ap->items_failed > (size_t)ap->max_fail) {
		ap->halted = true;
	}
	if (ap->halted)
		pool_stop(ap->pool);
}

static void journal_failed(struct apply *ap)
{
	if (!ap->journal_error)
		fprintf(stderr, "teamsprov: cannot write %s: %s\n",
			ap->rt->state_path, journal_errmsg(ap->rt->j));
	ap->journal_error = true;
	pool_stop(ap->pool);
}

void apply_add_failure(struct apply *ap, const char *item, const char *why,
		       enum api_failure kind)
{
	add_failure(ap, item, why, kind);
}

void apply_item_ended(struct apply *ap, bool failed)
{
	item_ended(ap, failed);
}

void apply_journal_failed(struct apply *ap)
{
	journal_failed(ap);
}

static const char *item_kind_reason(const struct pool_end *end)
{
	return end->reason ? end->reason : "not started";
}

/* --- action URL jobs -------------------------------------------------- */

struct url_job {
	struct apply *ap;
	const struct mf_enterprise *e;
	const struct act_def *def;
	char token[CBTOKEN_LEN + 1];
	char hash[CBTOKEN_HASH_LEN + 1];
	struct api_attempts st;
	char *url;
	char *error;
	enum api_failure failure;
};

struct pool_result apply_issue_url(struct api *api, struct pool_ctx *ctx,
				   struct api_attempts *st,
				   const char *enterprise, const char *type,
				   const char *base, const char *token,
				   char **url, char **error,
				   enum api_failure *failure)
{
	struct http_request req;
	struct http_response res;
	struct api_result out;
	struct pool_result r = pool_failed();
	char *redirect = xasprintf("%s/cb/%s", base, token);
	char *body = c2t_action_body(type, enterprise, redirect);
	char *path = api_url(api, "/enterprise/getActionItemUrl");

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = path;
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/json";
	http_response_init(&res);
	api_call(api, ctx->worker, ctx, st, enterprise, &req, &res, &out);
	if (out.verdict == API_AGAIN) {
		r = pool_again(out.delay_ns);
	} else if (out.verdict == API_FAILED) {
		*error = out.error;
		*failure = out.failure;
		out.error = NULL;
	} else if (res.status >= 200 && res.status < 300 &&
		   c2t_parse_action_url(res.body.p, res.body.len, url) == 0) {
		r = pool_done();
	} else {
		*error = res.status >= 200 && res.status < 300
			     ? xstrdup("getActionItemUrl answered no URL")
			     : http_status_message(&req, &res);
		*failure = API_FAIL_REJECTED;
	}
	api_result_release(&out);
	http_response_release(&res);
	free(path);
	free(body);
	free(redirect);
	return r;
}

static struct pool_result url_run(void *payload, struct pool_ctx *ctx)
{
	struct url_job *j = payload;
	struct runtime *rt = j->ap->rt;

	/* Made here, not when the job is queued by a done callback: those
	 * run one at a time. */
	if (!j->token[0] && cbtoken_new(j->token, j->hash) < 0) {
		j->error = xstrdup("no randomness for its callback token");
		j->failure = API_FAIL_NONE;
		return pool_failed();
	}
	return apply_issue_url(&rt->apis[API_C2T], ctx, &j->st, j->e->name,
			       j->def->type,
			       j->e->redirect_url ? j->e->redirect_url
						  : rt->cfg.c2t.callback_base,
			       j->token, &j->url, &j->error, &j->failure);
}

static void url_done(void *payload, const struct pool_end *end)
{
	struct url_job *j = payload;
	struct apply *ap = j->ap;
	char *item = end->outcome == POOL_OK || end->outcome == POOL_CANCELLED
			     ? NULL
			     : xasprintf("%s %s", j->e->name, j->def->type);

	if (end->outcome == POOL_OK) {
		struct jr_action a;

		memset(&a, 0, sizeof(a));
		a.enterprise = j->e->name;
		a.action = (char *)j->def->type;
		a.status = JR_ACT_ISSUED;
		a.url = j->url;
		a.issued_at = clock_wall_ns() / TP_NS_PER_MS;
		a.token_hash = j->hash;
		/* A used sign-in link is replaced (elsewhere an issued
		 * URL never replaces an answer). */
		if ((strcmp(j->def->type, "LOGIN_ENTERPRISE_ADMIN") == 0
			     ? journal_put_action_over(ap->rt->j, &a)
			     : journal_put_action(ap->rt->j, &a)) < 0)
			journal_failed(ap);
		ap->urls_issued++;
		item_ended(ap, false);
	} else if (end->outcome == POOL_FAIL) {
		ap->urls_failed++;
		add_failure(ap, item, j->error, j->failure);
		item_ended(ap, true);
	} else if (end->outcome == POOL_SKIPPED) {
		ap->urls_failed++;
		add_failure(ap, item, item_kind_reason(end), API_FAIL_NONE);
		item_ended(ap, true);
	} else {
		ap->cancelled++;
	}
	free(item);
	free(j->url);
	free(j->error);
	free(j);
}

/* Queues the URL jobs an existing enterprise still needs. */
static int add_url_jobs(struct apply *ap, const struct mf_enterprise *e)
{
	struct rc_enterprise need;
	struct pool_job_spec spec;
	size_t i;

	if (rc_enterprise(ap->rt->j, e, &ap->rco, &need) < 0)
		return -1;
	for (i = 0; i < need.n_need; i++) {
		struct url_job *j;

		if (need.url[i] == RC_URL_NONE)
			continue;
		j = xcalloc(1, sizeof(*j));
		j->ap = ap;
		j->e = e;
		j->def = need.need[i].def;
		memset(&spec, 0, sizeof(spec));
		spec.name = j->def->type;
		spec.api = API_C2T;
		spec.run = url_run;
		spec.done = url_done;
		spec.payload = j;
		pool_add(ap->pool, &spec);
	}
	return 0;
}

/* --- enterprise jobs -------------------------------------------------- */

struct ent_job {
	struct apply *ap;
	const struct mf_enterprise *e;
	const struct ent_ids *ids;
	char *idem_key;
	int prior_sent, prior_ambiguous;
	struct api_attempts st; /* of the current phase */
	int ambiguous;          /* ambiguous attempts this run */
	int sent;
	bool lookup; /* "already exists": find its id in the list */
	enum jr_ent_status status;
	int64_t id;
	char *error;
	enum api_failure failure;
};

static struct pool_result ent_fail(struct ent_job *j, char *msg,
				   enum api_failure kind)
{
	free(j->error);
	j->error = msg;
	j->failure = kind;
	return pool_failed();
}

static struct pool_result ent_lookup(struct ent_job *j, struct pool_ctx *ctx)
{
	struct runtime *rt = j->ap->rt;
	struct api *api = &rt->apis[API_C2T];
	const char *p = rt->cfg.c2t.paths.list_enterprises;
	char *path = xasprintf("%s%sresellerId=%lld", p,
			       strchr(p, '?') ? "&" : "?",
			       (long long)rt->reseller_id);
	char *url = api_url(api, path), *err = NULL;
	struct http_request req;
	struct http_response res;
	struct api_result out;
	struct c2t_list list = {0};
	const struct c2t_entry *found;
	struct pool_result r;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	http_response_init(&res);
	api_call(api, ctx->worker, ctx, &j->st, j->e->name, &req, &res, &out);
	if (out.verdict == API_AGAIN) {
		r = pool_again(out.delay_ns);
	} else if (out.verdict == API_FAILED) {
		r = ent_fail(j, out.error, out.failure);
		out.error = NULL;
	} else if (res.status != 200) {
		r = ent_fail(j, http_status_message(&req, &res),
			     API_FAIL_REJECTED);
	} else if (c2t_parse_enterprise_list(res.body.p, res.body.len, &list,
					     &err) < 0) {
		r = ent_fail(j, xasprintf("GET %s: %s", p, err),
			     API_FAIL_REJECTED);
		free(err);
	} else if (!(found = c2t_list_find(&list, j->e->name))) {
		r = ent_fail(j,
			     xstrdup("ConnecttoTeams says the enterprise "
				     "exists, but it is not in the reseller's "
				     "enterprise list"),
			     API_FAIL_REJECTED);
	} else {
		j->id = found->id;
		j->status = JR_ENT_ADOPTED;
		r = pool_done();
	}
	c2t_list_release(&list);
	api_result_release(&out);
	http_response_release(&res);
	free(url);
	free(path);
	return r;
}

static struct pool_result ent_run(void *payload, struct pool_ctx *ctx)
{
	struct ent_job *j = payload;
	struct runtime *rt = j->ap->rt;
	struct api *api = &rt->apis[API_C2T];
	struct http_request req;
	struct http_response res;
	struct api_result out;
	struct pool_result r;
	char *body, *url;
	int amb;

	if (j->lookup)
		return ent_lookup(j, ctx);
	body = c2t_new_enterprise_body(j->e, j->ids->sbc, j->ids->n_sbc,
				       j->ids->pbx, j->ids->n_pbx,
				       rt->reseller_id);
	url = api_url(api, "/reseller/newEnterprise");
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/json";
	req.idempotency_key = j->idem_key;
	http_response_init(&res);
	amb = j->st.n_ambiguous;
	api_call(api, ctx->worker, ctx, &j->st, j->e->name, &req, &res, &out);
	j->sent++;
	j->ambiguous += j->st.n_ambiguous - amb;
	if (out.verdict == API_AGAIN) {
		r = pool_again(out.delay_ns);
	} else if (out.verdict == API_FAILED) {
		r = ent_fail(j, out.error, out.failure);
		out.error = NULL;
	} else if (res.status >= 200 && res.status < 300) {
		if (c2t_parse_new_enterprise(res.body.p, res.body.len,
					     &j->id) == 0) {
			j->status = JR_ENT_CREATED;
			r = pool_done();
		} else {
			r = ent_fail(j,
				     xstrdup("newEnterprise answered no "
					     "enterprise id"),
				     API_FAIL_REJECTED);
		}
	} else if (c2t_already_exists(res.status, res.body.p, res.body.len)) {
		/* Created by an attempt whose answer we lost, by an earlier
		 * run whose journal entry was lost, or by someone else: the
		 * name identifies the enterprise, so adopt it. */
		j->lookup = true;
		memset(&j->st, 0, sizeof(j->st));
		r = pool_again(0);
	} else {
		r = ent_fail(j, http_status_message(&req, &res),
			     API_FAIL_REJECTED);
	}
	api_result_release(&out);
	http_response_release(&res);
	free(url);
	free(body);
	return r;
}

static void ent_journal(struct apply *ap, struct ent_job *j,
			enum jr_ent_status status, const char *error)
{
	struct jr_enterprise je;

	if (journal_get_enterprise(ap->rt->j, j->e->name, &je) < 0) {
		journal_failed(ap);
		return;
	}
	free(je.name);
	je.name = xstrdup(j->e->name);
	je.status = status;
	if (j->id)
		je.id = j->id;
	je.sent = j->prior_sent + j->sent;
	je.ambiguous = j->prior_ambiguous + j->ambiguous;
	free(je.last_error);
	je.last_error = xstrdup(error);
	if (journal_put_enterprise(ap->rt->j, &je) < 0)
		journal_failed(ap);
	jr_enterprise_release(&je);
}

static void ent_done(void *payload, const struct pool_end *end)
{
	struct ent_job *j = payload;
	struct apply *ap = j->ap;

	if (end->outcome == POOL_OK) {
		ent_journal(ap, j, j->status, NULL);
		if (j->status == JR_ENT_CREATED)
			ap->ent_created++;
		else
			ap->ent_adopted++;
		item_ended(ap, false);
		if (!ap->journal_error && add_url_jobs(ap, j->e) < 0)
			journal_failed(ap);
	} else if (end->outcome == POOL_FAIL) {
		ent_journal(ap, j, JR_ENT_FAILED, j->error);
		ap->ent_failed++;
		add_failure(ap, j->e->name, j->error, j->failure);
		item_ended(ap, true);
	} else {
		/* Interrupted: keep what was sent and seen for the next run;
		 * the enterprise stays pending. */
		if (j->sent)
			ent_journal(ap, j, JR_ENT_PENDING, NULL);
		ap->cancelled++;
	}
	free(j->idem_key);
	free(j->error);
	free(j);
}

static char *idem_key_new(void)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[16];
	char *s = xmalloc(33);
	int i;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		free(s);
		return NULL;
	}
	for (i = 0; i < 16; i++) {
		s[2 * i] = hex[raw[i] >> 4];
		s[2 * i + 1] = hex[raw[i] & 15];
	}
	s[32] = '\0';
	return s;
}

/*
 * Queues the create job of an enterprise not created yet. Its
 * Idempotency-Key is journaled before the first request is sent.
 */
static int add_ent_job(struct apply *ap, const struct mf_enterprise *e,
		       const struct ent_ids *ids)
{
	struct jr_enterprise je;
	struct ent_job *j;
	struct pool_job_spec spec;
	int rc = journal_get_enterprise(ap->rt->j, e->name, &je);

	if (rc < 0)
		return -1;
	if (rc == 1 || !je.idem_key) {
		free(je.name);
		je.name = xstrdup(e->name);
		je.status = JR_ENT_PENDING;
		je.tenant_admin_api = rc == 1 ? -1 : je.tenant_admin_api;
		if (!(je.idem_key = idem_key_new()) ||
		    journal_put_enterprise(ap->rt->j, &je) < 0) {
			jr_enterprise_release(&je);
			return -1;
		}
	}
	j = xcalloc(1, sizeof(*j));
	j->ap = ap;
	j->e = e;
	j->ids = ids;
	j->idem_key = xstrdup(je.idem_key);
	j->prior_sent = je.sent;
	j->prior_ambiguous = je.ambiguous;
	jr_enterprise_release(&je);
	memset(&spec, 0, sizeof(spec));
	spec.name = e->name;
	spec.api = API_C2T;
	spec.run = ent_run;
	spec.done = ent_done;
	spec.payload = j;
	pool_add(ap->pool, &spec);
	return 0;
}

/* --- the run ---------------------------------------------------------- */

static void *worker_init(void *arg, int index)
{
	struct apply *ap = arg;

	(void)index;
	return http_client_new(&ap->rt->http);
}

static void worker_release(void *worker, void *arg)
{
	(void)arg;
	http_client_free(worker);
}

/* One journal transaction per batch of outcomes (pool.h). */
static void batch_begin(void *arg)
{
	struct apply *ap = arg;

	if (journal_begin(ap->rt->j) < 0)
		journal_failed(ap);
}

static void batch_end(void *arg)
{
	struct apply *ap = arg;

	if (journal_commit(ap->rt->j) < 0)
		journal_failed(ap);
}

/*
 * Makes the outcomes journaled so far survive a kill -9 (pool.h, settle):
 * their redo records with one write(), which costs a fraction of a
 * commit; but a commit when the batch holds writes the redo log does not
 * cover (journal_redo_uncovered).
 */
static void settle(void *arg)
{
	struct apply *ap = arg;
	struct journal *jr = ap->rt->j;

	if (ap->journal_error)
		return;
	if (journal_redo_uncovered(jr)) {
		if (journal_commit(jr) < 0 || journal_begin(jr) < 0)
			journal_failed(ap);
	} else if (journal_redo_sync(jr) < 0) {
		journal_failed(ap);
	}
}

static int queue_work(struct apply *ap)
{
	struct manifest *m = ap->rt->m;
	size_t i;
	int rc = 0;

	if (journal_begin(ap->rt->j) < 0)
		return -1;
	for (i = 0; rc == 0 && !ap->fusion_only && i < m->n_ent; i++) {
		const struct mf_enterprise *e = &m->ent[i];
		struct rc_enterprise need;

		if (!rc_selected(ap->rt->g->only, ap->rt->g->n_only, e->name))
			continue;
		ap->ent_total++;
		if (rc_enterprise(ap->rt->j, e, &ap->rco, &need) < 0) {
			rc = -1;
		} else if (need.create && ap->urls_only) {
			ap->ent_missing++;
		} else if (need.create) {
			rc = add_ent_job(ap, e, &ap->ids[i]);
		} else {
			ap->ent_present++;
			rc = add_url_jobs(ap, e);
		}
	}
	if (rc == 0 && ap->fz)
		rc = apply_fusion_queue(ap);
	if (rc == 0 && !ap->urls_only && !ap->fusion_only)
		rc = apply_acs_queue(ap);
	if (journal_commit(ap->rt->j) < 0)
		rc = -1;
	return rc;
}

int apply_c2t(struct apply *ap)
{
	struct pool_config pc;
	struct adaptive *govs[API_COUNT];
	struct progress *pr;
	enum pool_run_status st;
	char *err = NULL;
	int i, rc = 0;

	pool_config_default(&pc);
	for (i = 0; i < API_COUNT; i++)
		govs[i] = ap->rt->api_ready[i] ? &ap->rt->apis[i].gov : NULL;
	pc.workers = ap->rt->workers;
	pc.apis = govs;
	pc.napis = API_COUNT;
	pc.worker_init = worker_init;
	pc.worker_release = worker_release;
	pc.arg = ap;
	pc.batch_begin = batch_begin;
	pc.batch_end = batch_end;
	pc.settle = settle;
	ap->pool = pool_new(&pc);
	if (queue_work(ap) < 0) {
		fprintf(stderr, "teamsprov: %s: %s\n", ap->rt->state_path,
			journal_errmsg(ap->rt->j));
		pool_free(ap->pool);
		ap->pool = NULL;
		return TP_EXIT_CANTCREAT;
	}
	if (journal_redo_begin(ap->rt->j, &err) < 0) {
		fprintf(stderr, "teamsprov: %s\n", err);
		free(err);
		pool_free(ap->pool);
		ap->pool = NULL;
		return TP_EXIT_CANTCREAT;
	}
	signals_catch(ap->pool);
	pr = progress_start(ap->pool,
			    ap->urls_only     ? "urls"
			    : ap->fusion_only ? "wait"
					      : "apply",
			    !ap->rt->g->quiet && !ap->rt->g->no_progress);
	if (ap->fz)
		apply_fusion_progress(ap, pr);
	st = pool_run(ap->pool);
	/* Its last batch is committed: nothing is left to replay. */
	journal_redo_end(ap->rt->j);
	progress_stop(pr);
	signals_release();
	if (st == POOL_RUN_ABANDONED) {
		/* Workers still hold requests after the drain limit: what
		 * finished is journaled; leave the rest to the next run. */
		ap->abandoned = true;
	} else {
		pool_free(ap->pool);
	}
	ap->pool = NULL;
	if (sig_count > 0)
		ap->interrupted = true;
	if (ap->journal_error)
		rc = TP_EXIT_CANTCREAT;
	return rc;
}
