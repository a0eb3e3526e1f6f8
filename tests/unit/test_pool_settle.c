/*
 * Unit tests: the pool with a settle hook (pool.h). Done callbacks of jobs
 * that ran run on their workers, never two at once, inside a batch; the
 * work a callback releases starts only after settle has returned;
 * stopping still ends every job; skipped jobs get their callback. (The
 * bound of one unsettled request per worker: test_pool_batch.c.) Real
 * threads, no fixed sleeps.
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
	atomic_int in_done;  /* done callbacks running now */
	atomic_int overlaps; /* a done callback began while another ran */
	atomic_int outside;  /* done callbacks outside a batch */
	atomic_int early;    /* released work that ran before its settle */
	atomic_int on_main;  /* done callbacks of jobs that ran, on the
	                        pool_run thread */
	atomic_long settles;
	pthread_t main;
	struct pool *pool;
};

struct item {
	struct world *w;
	long done_in;  /* settles so far when this item's done ran */
	int is_parent; /* adds a child from its done callback */
	struct item *parent;
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
	atomic_fetch_add(&w->ends, 1);
}

static void settle(void *arg)
{
	struct world *w = arg;

	atomic_fetch_add(&w->settles, 1);
}

static struct pool_result run(void *payload, struct pool_ctx *ctx)
{
	struct item *it = payload;

	(void)ctx;
	if (it->parent &&
	    atomic_load(&it->w->settles) <= it->parent->done_in)
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
	it->done_in = atomic_load(&w->settles);
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

static struct pool *new_pool(struct world *w)
{
	struct pool_config c;

	memset(w, 0, sizeof(*w));
	w->main = pthread_self();
	pool_config_default(&c);
	c.workers = WORKERS;
	c.batch_begin = begin;
	c.batch_end = end;
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

static void test_released_after_settle(void **state)
{
	static struct world w;
	int i;

	(void)state;
	new_pool(&w);
	add_families(&w);
	assert_int_equal(pool_run(w.pool), POOL_RUN_FINISHED);
	for (i = 0; i < N; i++) {
		assert_int_equal(parents[i].ran, 1);
		assert_int_equal(deps[i].ran, 1);
		assert_int_equal(children[i].ran, 1);
		assert_int_equal(parents[i].ended, 1);
		assert_int_equal(deps[i].ended, 1);
		assert_int_equal(children[i].ended, 1);
	}
	assert_int_equal(atomic_load(&w.overlaps), 0);
	assert_int_equal(atomic_load(&w.outside), 0);
	assert_int_equal(atomic_load(&w.early), 0);
	assert_int_equal(atomic_load(&w.on_main), 0);
	/* One settle per outcome (none is replay-safe). */
	assert_int_equal(atomic_load(&w.settles), 3 * N);
	assert_int_equal(atomic_load(&w.begins), atomic_load(&w.ends));
	print_message("# %d batches for %d done callbacks\n",
	              atomic_load(&w.ends), 3 * N);
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
	new_pool(&w);
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
	new_pool(&w);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_released_after_settle),
	    cmocka_unit_test(test_stop),
	    cmocka_unit_test(test_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
