/*
 * Unit tests: pool batches (batch_begin/batch_end around done callbacks,
 * pool.h): every done callback runs inside a batch, batches balance, and
 * work released by a batch (dependents, jobs its callbacks add) starts
 * only after batch_end has returned, i.e. after apply has committed the
 * outcomes it depends on. Real threads, no fixed sleeps.
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
	atomic_int in_batch; /* between batch_begin and batch_end */
	atomic_int begins, ends;
	atomic_long committed; /* batch_end calls so far */
	atomic_int outside;    /* done callbacks outside a batch */
	atomic_int early;      /* released work that ran before its commit */
	struct pool *pool;
};

struct item {
	struct world *w;
	long done_in;   /* value of committed when this item's done ran */
	int is_parent;  /* adds a child from its done callback */
	struct item *parent; /* for children and dependents: who released it */
	int ran;
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
	atomic_fetch_add(&w->committed, 1);
	atomic_fetch_add(&w->ends, 1);
}

static struct pool_result run(void *payload, struct pool_ctx *ctx)
{
	struct item *it = payload;

	(void)ctx;
	/* Released by a done callback: that batch must have ended. */
	if (it->parent && atomic_load(&it->w->committed) <= it->parent->done_in)
		atomic_fetch_add(&it->w->early, 1);
	it->ran++;
	return pool_done();
}

static void done_child(void *payload, const struct pool_end *e)
{
	struct item *it = payload;

	(void)e;
	if (!atomic_load(&it->w->in_batch))
		atomic_fetch_add(&it->w->outside, 1);
}

static struct item parents[N], children[N], deps[N];

static void done(void *payload, const struct pool_end *e)
{
	struct item *it = payload;
	struct world *w = it->w;

	(void)e;
	if (!atomic_load(&w->in_batch))
		atomic_fetch_add(&w->outside, 1);
	it->done_in = atomic_load(&w->committed);
	if (it->is_parent) {
		struct item *c = &children[it - parents];
		struct pool_job_spec s;

		c->w = w;
		c->parent = it;
		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = run;
		s.done = done_child;
		s.payload = c;
		pool_add(w->pool, &s);
	}
}

static void test_released_after_commit(void **state)
{
	static struct world w;
	struct pool_config c;
	int i;

	(void)state;
	memset(&w, 0, sizeof(w));
	pool_config_default(&c);
	c.workers = WORKERS;
	c.batch_begin = begin;
	c.batch_end = end;
	c.arg = &w;
	w.pool = pool_new(&c);
	for (i = 0; i < N; i++) {
		struct pool_job_spec s;
		struct pool_job *pj;

		parents[i].w = &w;
		parents[i].is_parent = 1;
		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = run;
		s.done = done;
		s.payload = &parents[i];
		pj = pool_add(w.pool, &s);
		deps[i].w = &w;
		deps[i].parent = &parents[i];
		s.payload = &deps[i];
		s.done = done_child;
		s.deps = &pj;
		s.ndeps = 1;
		pool_add(w.pool, &s);
	}
	assert_int_equal(pool_run(w.pool), POOL_RUN_FINISHED);
	for (i = 0; i < N; i++) {
		assert_int_equal(parents[i].ran, 1);
		assert_int_equal(deps[i].ran, 1);
		assert_int_equal(children[i].ran, 1);
	}
	assert_int_equal(atomic_load(&w.outside), 0);
	assert_int_equal(atomic_load(&w.early), 0);
	assert_int_equal(atomic_load(&w.begins), atomic_load(&w.ends));
	assert_true(atomic_load(&w.ends) > 0);
	/* Outcomes were grouped: fewer commits than done callbacks. */
	print_message("# %d batches for %d done callbacks\n",
	              atomic_load(&w.ends), 3 * N);
	assert_true(atomic_load(&w.ends) <= 3 * N);
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
	    cmocka_unit_test(test_unsettled_bound),
	    cmocka_unit_test(test_unsettled_bound_mixed),
	    cmocka_unit_test(test_settled_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
