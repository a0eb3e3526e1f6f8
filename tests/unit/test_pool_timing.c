/*
 * Unit tests: pool scheduling over time: thousands of delayed jobs on two
 * workers, work added while running, retries before new work, and rate
 * admission through a governor. Delays are a few milliseconds of real
 * time where the delay is the point; nothing waits a fixed time for a
 * result.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adaptive.h"
#include "clock.h"
#include "pool.h"
#include "retry.h"

static pthread_t main_thread;

static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void check_counts(struct pool *p, size_t ok, size_t failed,
                         size_t skipped, size_t cancelled)
{
	struct pool_counts c;

	pool_get_counts(p, &c);
	assert_int_equal(c.ok, ok);
	assert_int_equal(c.failed, failed);
	assert_int_equal(c.skipped, skipped);
	assert_int_equal(c.cancelled, cancelled);
	assert_int_equal(
	    c.blocked + c.queued + c.waiting + c.running + c.finishing, 0);
}

/* ---- many delayed jobs, few threads ---- */

struct many {
	int64_t delay;
	int runs;
	int64_t first, second;
	int done;
	int threads_seen;
};

static int max_threads;
static size_t max_waiting;
static pthread_mutex_t many_mu = PTHREAD_MUTEX_INITIALIZER;

static struct pool_result many_run(void *payload, struct pool_ctx *ctx)
{
	struct many *m = payload;

	if (++m->runs == 1) {
		m->first = ctx->now;
		if ((m->delay / TP_NS_PER_MS) % 10 == 0) {
			struct pool_counts k;

			pool_get_counts(ctx->pool, &k);
			pthread_mutex_lock(&many_mu);
			if (k.waiting > max_waiting)
				max_waiting = k.waiting;
			pthread_mutex_unlock(&many_mu);
		}
		return pool_again(m->delay);
	}
	m->second = ctx->now;
	if (m->delay % 97 == 0) {
		int n = thread_count();

		pthread_mutex_lock(&many_mu);
		if (n > max_threads)
			max_threads = n;
		pthread_mutex_unlock(&many_mu);
	}
	return pool_done();
}

static void many_done(void *payload, const struct pool_end *end)
{
	struct many *m = payload;

	m->done += end->outcome == POOL_OK ? 1 : 100;
}

struct ticks {
	int n, bad;
	size_t max_waiting;
};

static void tick(void *arg, const struct pool_counts *c)
{
	struct ticks *t = arg;
	size_t all = c->blocked + c->queued + c->waiting + c->running +
	             c->finishing + c->ok + c->failed + c->skipped +
	             c->cancelled;

	t->n++;
	/* every job is somewhere, and this is the pool_run thread */
	t->bad += all != 10000 || !pthread_equal(pthread_self(), main_thread);
	if (c->waiting > t->max_waiting)
		t->max_waiting = c->waiting;
}

static void *nothing_main(void *arg)
{
	return arg;
}

static void test_many_delayed(void **state)
{
	enum { N = 10000 };
	struct many *m = calloc(N, sizeof(*m));
	struct pool_config c;
	struct pool_counts k;
	struct pool *p;
	uint64_t rng = 5;
	pthread_t dummy;
	struct ticks ticks = {0, 0, 0};
	int i, base;

	(void)state;
	/* A sanitizer starts its helper thread with the first thread: let
	 * it do so before counting. */
	pthread_create(&dummy, NULL, nothing_main, NULL);
	pthread_join(dummy, NULL);
	base = thread_count();
	pool_config_default(&c);
	c.workers = 2;
	c.tick = tick;
	c.tick_ns = 20 * TP_NS_PER_MS;
	c.arg = &ticks;
	p = pool_new(&c);
	for (i = 0; i < N; i++) {
		struct pool_job_spec s;

		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = many_run;
		s.done = many_done;
		s.payload = &m[i];
		/* 50..249 ms, many due at the same time */
		m[i].delay =
		    (int64_t)(50 + retry_rand(&rng) % 200) * TP_NS_PER_MS;
		pool_add(p, &s);
	}
	pool_get_counts(p, &k);
	assert_int_equal(k.queued, N);
	assert_int_equal(pool_run(p), POOL_RUN_FINISHED);
	for (i = 0; i < N; i++) {
		assert_int_equal(m[i].done, 1);
		assert_int_equal(m[i].runs, 2);
		assert_true(m[i].second - m[i].first >= m[i].delay);
	}
	/* The workers and this thread: no thread per waiting job. */
	print_message("# threads: %d before, at most %d while 10000 jobs "
	              "waited on 2 workers\n",
	              base, max_threads);
	assert_true(max_threads > 0 && max_threads <= base + 2);
	/* The progress counters saw thousands waiting on the timer heap. */
	print_message("# at most %zu jobs waiting on the timer heap\n",
	              max_waiting);
	assert_true(max_waiting >= 500);
	/* The progress tick ran on this thread, every 20 ms or so. */
	print_message("# %d progress ticks, at most %zu waiting\n", ticks.n,
	              ticks.max_waiting);
	assert_true(ticks.n >= 5);
	assert_int_equal(ticks.bad, 0);
	assert_true(ticks.max_waiting > 0);
	pool_get_counts(p, &k);
	assert_int_equal(k.runs, 2 * N);
	check_counts(p, N, 0, 0, 0);
	pool_free(p);
	free(m);
}

/* ---- work discovered while running ---- */

struct disc {
	struct pool *pool;
	struct pool_job *self;
	int kind; /* 0: parent, 1: spawned by run, 2: added by done */
	int ran, ended;
	struct disc *kids;
	pthread_t run_thread;
};

static struct pool_result disc_run(void *payload, struct pool_ctx *ctx);

static void disc_done(void *payload, const struct pool_end *end)
{
	struct disc *d = payload;

	d->ended = end->outcome == POOL_OK ? 1 : 100;
	if (d->kind == 0) {
		/* As apply does after a create: the URL jobs. */
		struct pool_job_spec s;
		int i;

		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = disc_run;
		s.done = disc_done;
		s.deps = &d->self;
		s.ndeps = 1;
		for (i = 1; i < 4; i++) {
			s.payload = &d->kids[i];
			d->kids[i].kind = 2;
			pool_add(d->pool, &s);
		}
	}
}

static struct pool_result disc_run(void *payload, struct pool_ctx *ctx)
{
	struct disc *d = payload;

	d->ran++;
	d->run_thread = pthread_self();
	if (d->kind == 0) {
		struct pool_job_spec s;

		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = disc_run;
		s.done = disc_done;
		s.payload = &d->kids[0];
		d->kids[0].kind = 1;
		s.delay_ns = 2 * TP_NS_PER_MS;
		pool_add(ctx->pool, &s);
	}
	return pool_done();
}

static void test_discovered_work(void **state)
{
	enum { N = 50 };
	struct disc d[N], kids[N][4];
	struct pool_config c;
	struct pool *p;
	int i, k;

	(void)state;
	memset(d, 0, sizeof(d));
	memset(kids, 0, sizeof(kids));
	pool_config_default(&c);
	c.workers = 3;
	p = pool_new(&c);
	for (i = 0; i < N; i++) {
		struct pool_job_spec s;

		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = disc_run;
		s.done = disc_done;
		s.payload = &d[i];
		d[i].pool = p;
		d[i].kids = kids[i];
		d[i].self = pool_add(p, &s);
	}
	assert_int_equal(pool_run(p), POOL_RUN_FINISHED);
	for (i = 0; i < N; i++) {
		assert_int_equal(d[i].ran, 1);
		assert_int_equal(d[i].ended, 1);
		assert_false(pthread_equal(d[i].run_thread, main_thread));
		for (k = 0; k < 4; k++) {
			assert_int_equal(kids[i][k].ran, 1);
			assert_int_equal(kids[i][k].ended, 1);
		}
	}
	check_counts(p, 5 * N, 0, 0, 0);
	pool_free(p);
}

/* ---- retries go before new work ---- */

struct prio {
	int id, again;
	int *log, *nlog;
};

static struct pool_result prio_run(void *payload, struct pool_ctx *ctx)
{
	struct prio *x = payload;

	(void)ctx;
	x->log[(*x->nlog)++] = x->id; /* one worker: no race */
	if (x->again-- > 0)
		return pool_again(0);
	return pool_done();
}

static void test_retry_first(void **state)
{
	struct prio x[5];
	int log[16], nlog = 0, i;
	static const int want[] = {0, 0, 0, 1, 2, 2, 3, 4};
	struct pool_config c;
	struct pool *p;

	(void)state;
	pool_config_default(&c);
	c.workers = 1;
	p = pool_new(&c);
	for (i = 0; i < 5; i++) {
		struct pool_job_spec s;

		memset(&s, 0, sizeof(s));
		x[i].id = i;
		x[i].again = i == 0 ? 2 : i == 2 ? 1 : 0;
		x[i].log = log;
		x[i].nlog = &nlog;
		s.api = POOL_NO_API;
		s.run = prio_run;
		s.payload = &x[i];
		pool_add(p, &s);
	}
	assert_int_equal(pool_run(p), POOL_RUN_FINISHED);
	assert_int_equal(nlog, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(log[i], want[i]);
	check_counts(p, 5, 0, 0, 0);
	pool_free(p);
}

/* ---- rate limiting through the governors ---- */

struct rated {
	int64_t admitted, started;
	int api;
	int ok;
};

static struct pool_result rated_run(void *payload, struct pool_ctx *ctx)
{
	struct rated *r = payload;

	r->admitted = ctx->admitted;
	r->started = ctx->now;
	return pool_done();
}

static void rated_done(void *payload, const struct pool_end *end)
{
	struct rated *r = payload;

	r->ok = end->outcome == POOL_OK;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_rate_limited(void **state)
{
	enum { N = 100, M = 40 };
	struct adaptive_config ac;
	struct adaptive gov, *apis[2];
	struct rated r[N + M];
	int64_t at[N], t0, pause_end, last_free = 0;
	struct pool_config c;
	struct pool *p;
	int i, k;

	(void)state;
	adaptive_config_default(&ac, 500, 2);
	ac.headroom = 0;
	t0 = clock_mono_ns();
	adaptive_init(&gov, &ac, t0);
	pause_end = t0 + 40 * TP_NS_PER_MS;
	adaptive_pause(&gov, pause_end); /* as after a 429 */
	apis[0] = &gov;
	apis[1] = NULL; /* an API without a limit */
	pool_config_default(&c);
	c.workers = 4;
	c.apis = apis;
	c.napis = 2;
	p = pool_new(&c);
	memset(r, 0, sizeof(r));
	for (i = 0; i < N + M; i++) {
		struct pool_job_spec s;

		memset(&s, 0, sizeof(s));
		/* interleaved: a throttled API must not hold the others up */
		r[i].api = i < N ? 0 : (i % 2 ? 1 : POOL_NO_API);
		s.api = r[i].api;
		s.run = rated_run;
		s.done = rated_done;
		s.payload = &r[i];
		pool_add(p, &s);
	}
	assert_int_equal(pool_run(p), POOL_RUN_FINISHED);
	for (i = 0; i < N + M; i++)
		assert_true(r[i].ok);
	for (i = 0; i < N; i++) {
		at[i] = r[i].admitted;
		assert_true(at[i] >= pause_end);
		/* a token is taken just before its job starts */
		assert_true(r[i].started - r[i].admitted < 50 * TP_NS_PER_MS);
	}
	for (i = N; i < N + M; i++)
		if (r[i].started > last_free)
			last_free = r[i].started;
	qsort(at, N, sizeof(at[0]), cmp64);
	/* Never faster than 500/s with a burst of 2, in any window. */
	for (i = 0; i < N; i++)
		for (k = i + 1; k < N; k++) {
			double win = (double)(at[k] - at[i]) / 1e9;

			assert_true(k - i + 1 <= 2 + 500 * win + 1e-6);
		}
	/* ...and not much slower either. */
	assert_true((double)(at[N - 1] - at[0]) / 1e9 < 98.0 / 500 * 1.5);
	assert_true(last_free < at[N - 1]);
	pool_free(p);
	adaptive_release(&gov);
}

/* ---- a 429 pauses the whole API ---- */

struct r429 {
	struct adaptive *gov;
	int id;
	int64_t admitted;
	int64_t before, after; /* around adaptive_on_429 */
};

static struct pool_result r429_run(void *payload, struct pool_ctx *ctx)
{
	struct r429 *x = payload;

	x->admitted = ctx->admitted;
	if (x->id == 10 && ctx->runs == 1) {
		x->before = clock_mono_ns();
		adaptive_on_429(x->gov, x->before, ctx->admitted,
		                30 * TP_NS_PER_MS);
		x->after = clock_mono_ns();
		return pool_again(30 * TP_NS_PER_MS); /* the Retry-After */
	}
	adaptive_on_success(x->gov, ctx->now);
	return pool_done();
}

static void test_429_pauses_api(void **state)
{
	enum { N = 60 };
	struct adaptive_config ac;
	struct adaptive gov, *apis[1];
	struct r429 x[N];
	struct pool_config c;
	struct pool *p;
	int i, later = 0;

	(void)state;
	adaptive_config_default(&ac, 1000, 5);
	adaptive_init(&gov, &ac, clock_mono_ns());
	apis[0] = &gov;
	pool_config_default(&c);
	c.workers = 4;
	c.apis = apis;
	c.napis = 1;
	p = pool_new(&c);
	memset(x, 0, sizeof(x));
	for (i = 0; i < N; i++) {
		struct pool_job_spec s;

		memset(&s, 0, sizeof(s));
		x[i].gov = &gov;
		x[i].id = i;
		s.api = 0;
		s.run = r429_run;
		s.payload = &x[i];
		pool_add(p, &s);
	}
	assert_int_equal(pool_run(p), POOL_RUN_FINISHED);
	/* Whatever was admitted after the 429 was reported waited for the
	 * Retry-After, the retried job included. */
	for (i = 0; i < N; i++)
		if (x[i].admitted > x[10].after) {
			assert_true(x[i].admitted >=
			            x[10].before + 30 * TP_NS_PER_MS);
			later++;
		}
	assert_true(later >= 1);
	assert_true(x[10].admitted >= x[10].before + 30 * TP_NS_PER_MS);
	assert_int_equal(gov.episodes, 1);
	assert_true(adaptive_rate(&gov) <= 980 * 0.95 + 1e-9);
	assert_true(adaptive_rate(&gov) >= 980 * 0.7 - 1e-9);
	pool_free(p);
	adaptive_release(&gov);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_many_delayed),
	    cmocka_unit_test(test_discovered_work),
	    cmocka_unit_test(test_retry_first),
	    cmocka_unit_test(test_rate_limited),
	    cmocka_unit_test(test_429_pauses_api),
	};

	main_thread = pthread_self();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
