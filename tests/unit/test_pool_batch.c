/*
 * Unit tests: pool batches (batch_begin/batch_end around done callbacks,
 * pool.h) and the settle hook. Every done callback runs inside a batch,
 * never two at once, and batches balance. Work released by a done
 * callback (dependents, jobs it adds) starts only once the outcome it
 * depends on is durable: after batch_end has returned (apply has
 * committed), or with a settle hook after settle has returned, the
 * callback then running on the worker. Stopping still ends every job;
 * skipped jobs get their callback. And the kill -9 bound: one unsettled
 * request per worker. Real threads, no fixed sleeps.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pool.h"

enum { N = 400, WORKERS = 4 };

struct world {
	int settling;        /* the pool has a settle hook */
	atomic_int in_batch; /* between batch_begin and batch_end */
	atomic_int begins, ends;
	atomic_int in_done;  /* done callbacks running now */
	atomic_int overlaps; /* a done callback began while another ran */
	atomic_int outside;  /* done callbacks outside a batch */
	atomic_int early;    /* released work that ran before it was durable */
	atomic_int on_main;  /* done callbacks of jobs that ran, on the
	                        pool_run thread */
	atomic_long durable; /* batch_end calls (settle hooks, if settling) */
	atomic_long settles;
	pthread_t main;
	struct pool *pool;
};

struct item {
	struct world *w;
	long done_in;  /* value of durable when this item's done ran */
	int is_parent; /* adds a child from its done callback */
	struct item *parent; /* for children and dependents: who released it */
	int ran, ended;
	enum pool_outcome outcome;
};

static void begin(void *arg)
{
	struct world *w = arg;

	atomic_store(&w->in_batch, 1);
	atomic_fetch_add(&w->begins, 1);
}

static void end(void *arg)
{
	struct world *w = arg;

	atomic_store(&w->in_batch, 0);
	if (!w->settling)
		atomic_fetch_add(&w->durable, 1);
	atomic_fetch_add(&w->ends, 1);
}

static void settle(void *arg)
{
	struct world *w = arg;

	atomic_fetch_add(&w->settles, 1);
	atomic_fetch_add(&w->durable, 1);
}

static struct pool_result run(void *payload, struct pool_ctx *ctx)
{
	struct item *it = payload;

	(void)ctx;
	/* Released by a done callback: its outcome must be durable. */
	if (it->parent &&
	    atomic_load(&it->w->durable) <= it->parent->done_in)
		atomic_fetch_add(&it->w->early, 1);
	it->ran++;
	return pool_done();
}

static struct item parents[N], children[N], deps[N];

static void done(void *payload, const struct pool_end *e)
{
	struct item *it = payload;
	struct world *w = it->w;

	if (atomic_fetch_add(&w->in_done, 1) != 0)
		atomic_fetch_add(&w->overlaps, 1);
	if (!atomic_load(&w->in_batch))
		atomic_fetch_add(&w->outside, 1);
	if (e->runs && pthread_equal(pthread_self(), w->main))
		atomic_fetch_add(&w->on_main, 1);
	it->done_in = atomic_load(&w->durable);
	it->ended++;
	it->outcome = e->outcome;
	if (it->is_parent) {
		struct item *c = &children[it - parents];
		struct pool_job_spec s;

		c->w = w;
		c->parent = it;
		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = run;
		s.done = done;
		s.payload = c;
		pool_add(w->pool, &s);
	}
	atomic_fetch_sub(&w->in_done, 1);
}

static struct pool *new_pool(struct world *w, int settling)
{
	struct pool_config c;

	memset(w, 0, sizeof(*w));
	w->settling = settling;
	w->main = pthread_self();
	pool_config_default(&c);
	c.workers = WORKERS;
	c.batch_begin = begin;
	c.batch_end = end;
	if (settling)
		c.settle = settle;
	c.arg = w;
	w->pool = pool_new(&c);
	return w->pool;
}

/* Parents, each with a dependent and a child added by its callback. */
static void add_families(struct world *w)
{
	int i;

	memset(parents, 0, sizeof(parents));
	memset(children, 0, sizeof(children));
	memset(deps, 0, sizeof(deps));
	for (i = 0; i < N; i++) {
		struct pool_job_spec s;
		struct pool_job *pj;

		parents[i].w = w;
		parents[i].is_parent = 1;
		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = run;
		s.done = done;
		s.payload = &parents[i];
		pj = pool_add(w->pool, &s);
		deps[i].w = w;
		deps[i].parent = &parents[i];
		s.payload = &deps[i];
		s.deps = &pj;
		s.ndeps = 1;
		pool_add(w->pool, &s);
	}
}

/* Runs N families on a new pool; every job ran once, every done callback
 * was inside a batch, no released work ran early, batches balance. */
static void run_families(struct world *w, int settling)
{
	int i;

	new_pool(w, settling);
	add_families(w);
	assert_int_equal(pool_run(w->pool), POOL_RUN_FINISHED);
	for (i = 0; i < N; i++) {
		assert_int_equal(parents[i].ran, 1);
		assert_int_equal(deps[i].ran, 1);
		assert_int_equal(children[i].ran, 1);
	}
	assert_int_equal(atomic_load(&w->outside), 0);
	assert_int_equal(atomic_load(&w->early), 0);
	assert_int_equal(atomic_load(&w->begins), atomic_load(&w->ends));
	print_message("# %d batches for %d done callbacks\n",
	              atomic_load(&w->ends), 3 * N);
}

static void test_released_after_commit(void **state)
{
	static struct world w;

	(void)state;
	run_families(&w, 0);
	assert_true(atomic_load(&w.ends) > 0);
	/* Outcomes were grouped: fewer commits than done callbacks. */
	assert_true(atomic_load(&w.ends) <= 3 * N);
	pool_free(w.pool);
}

static void test_released_after_settle(void **state)
{
	static struct world w;
	int i;

	(void)state;
	run_families(&w, 1);
	for (i = 0; i < N; i++) {
		assert_int_equal(parents[i].ended, 1);
		assert_int_equal(deps[i].ended, 1);
		assert_int_equal(children[i].ended, 1);
	}
	assert_int_equal(atomic_load(&w.overlaps), 0);
	assert_int_equal(atomic_load(&w.on_main), 0);
	/* One settle per outcome (none is replay-safe). */
	assert_int_equal(atomic_load(&w.settles), 3 * N);
	assert_true(atomic_load(&w.ends) >= 1);
	pool_free(w.pool);
}

/* A stop halfway: every job still ends once, batches balance. */
static void stop_done(void *payload, const struct pool_end *e)
{
	struct item *it = payload;

	done(payload, e);
	if (it - parents == N / 4)
		pool_stop(it->w->pool);
}

static void test_stop(void **state)
{
	static struct world w;
	int i, ok = 0, cancelled = 0;

	(void)state;
	new_pool(&w, 1);
	memset(parents, 0, sizeof(parents));
	for (i = 0; i < N; i++) {
		struct pool_job_spec s;

		parents[i].w = &w;
		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = run;
		s.done = stop_done;
		s.payload = &parents[i];
		pool_add(w.pool, &s);
	}
	assert_int_equal(pool_run(w.pool), POOL_RUN_STOPPED);
	for (i = 0; i < N; i++) {
		assert_int_equal(parents[i].ended, 1);
		ok += parents[i].outcome == POOL_OK;
		cancelled += parents[i].outcome == POOL_CANCELLED;
	}
	assert_int_equal(ok + cancelled, N);
	assert_true(cancelled > 0);
	assert_int_equal(atomic_load(&w.overlaps), 0);
	assert_int_equal(atomic_load(&w.begins), atomic_load(&w.ends));
	pool_free(w.pool);
}

/* A failed dependency: its dependents are skipped, on the pool_run thread,
 * and still get their done callback. */
static struct pool_result fail_run(void *payload, struct pool_ctx *ctx)
{
	struct item *it = payload;

	(void)ctx;
	it->ran++;
	return pool_failed();
}

static void test_skipped(void **state)
{
	static struct world w;
	struct pool_job_spec s;
	struct pool_job *pj;

	(void)state;
	new_pool(&w, 1);
	memset(parents, 0, sizeof(parents));
	memset(deps, 0, sizeof(deps));
	parents[0].w = &w;
	deps[0].w = &w;
	memset(&s, 0, sizeof(s));
	s.api = POOL_NO_API;
	s.run = fail_run;
	s.done = done;
	s.payload = &parents[0];
	pj = pool_add(w.pool, &s);
	s.run = run;
	s.payload = &deps[0];
	s.deps = &pj;
	s.ndeps = 1;
	pool_add(w.pool, &s);
	assert_int_equal(pool_run(w.pool), POOL_RUN_FINISHED);
	assert_int_equal(parents[0].outcome, POOL_FAIL);
	assert_int_equal(deps[0].outcome, POOL_SKIPPED);
	assert_int_equal(deps[0].ran, 0);
	assert_int_equal(deps[0].ended, 1);
	assert_int_equal(atomic_load(&w.begins), atomic_load(&w.ends));
	pool_free(w.pool);
}

/*
 * The kill -9 bound: requests started whose outcome is not yet committed
 * (their batch has not ended) or settled (pool_config.settle) never
 * exceed one per worker.
 */
static atomic_long b_started, b_settled, b_max, b_settles;
static long b_in_batch; /* done callbacks not yet committed or settled */

static void b_end(void *arg)
{
	(void)arg;
	atomic_fetch_add(&b_settled, b_in_batch);
	b_in_batch = 0;
}

static void b_settle(void *arg)
{
	atomic_fetch_add(&b_settles, 1);
	b_end(arg);
}

/* payload: NULL for a job held to the bound, non-NULL for a replay-safe
 * one (not counted). */
static struct pool_result b_run(void *payload, struct pool_ctx *ctx)
{
	volatile unsigned spin = 0;

	if (!payload) {
		long open = atomic_fetch_add(&b_started, 1) + 1 -
		            atomic_load(&b_settled);
		long m = atomic_load(&b_max);

		while (open > m &&
		       !atomic_compare_exchange_weak(&b_max, &m, open))
			;
	}
	/* Runs of a few microseconds, uneven, like fast local requests. */
	while (spin < 200u * (unsigned)(ctx->worker_index + 1))
		spin++;
	return pool_done();
}

static void b_done(void *payload, const struct pool_end *e)
{
	(void)e;
	if (!payload)
		b_in_batch++;
}

static void unsettled_bound(int with_safe, int settle)
{
	static char safe;
	struct pool_config c;
	struct pool *p;
	int i;

	atomic_store(&b_started, 0);
	atomic_store(&b_settled, 0);
	atomic_store(&b_max, 0);
	atomic_store(&b_settles, 0);
	b_in_batch = 0;
	pool_config_default(&c);
	c.workers = WORKERS;
	if (settle)
		c.settle = b_settle;
	else
		c.batch_end = b_end;
	p = pool_new(&c);
	for (i = 0; i < 5000; i++) {
		struct pool_job_spec s;

		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = b_run;
		s.done = b_done;
		pool_add(p, &s);
		if (with_safe) { /* a replay-safe job beside each */
			s.payload = &safe;
			s.replay_safe = true;
			pool_add(p, &s);
		}
	}
	assert_int_equal(pool_run(p), POOL_RUN_FINISHED);
	print_message("# at most %ld uncommitted runs with %d workers\n",
	              atomic_load(&b_max), WORKERS);
	assert_int_equal(atomic_load(&b_settled), 5000);
	assert_true(atomic_load(&b_max) <= WORKERS);
	/* With settle, replay-safe outcomes that released nothing are left
	 * to the batch's commit: one settle per counted job. */
	if (settle)
		assert_int_equal(atomic_load(&b_settles), 5000);
	pool_free(p);
}

static void test_unsettled_bound(void **state)
{
	(void)state;
	unsettled_bound(0, 0);
}

/* Replay-safe jobs (polls) beside them do not loosen the bound. */
static void test_unsettled_bound_mixed(void **state)
{
	(void)state;
	unsettled_bound(1, 0);
}

/* The same with a settle hook (done callbacks on the workers). */
static void test_settled_bound(void **state)
{
	(void)state;
	unsettled_bound(1, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_released_after_commit),
	    cmocka_unit_test(test_released_after_settle),
	    cmocka_unit_test(test_stop),
	    cmocka_unit_test(test_skipped),
	    cmocka_unit_test(test_unsettled_bound),
	    cmocka_unit_test(test_unsettled_bound_mixed),
	    cmocka_unit_test(test_settled_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
