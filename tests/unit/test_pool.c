/*
 * Unit tests: pool (scheduler and worker pool). The heap is tested as pure
 * functions; the pool itself with real threads and, where a delay is the
 * point, delays of a few milliseconds. Nothing sleeps for a fixed time to
 * wait for a result: every wait is on a condition.
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

/* ---- the heap, as pure functions ---- */

static void test_heap_order(void **state)
{
	struct pool_heap h;
	uint64_t rng = 99;
	int64_t last = INT64_MIN;
	intptr_t i;
	int n = 0;

	(void)state;
	pool_heap_init(&h);
	assert_true(pool_heap_next(&h) == INT64_MAX);
	assert_null(pool_heap_pop_due(&h, INT64_MAX));
	for (i = 1; i <= 5000; i++)
		pool_heap_push(&h, (int64_t)(retry_rand(&rng) % 1000), (void *)i);
	/* Nothing before its time. */
	assert_null(pool_heap_pop_due(&h, pool_heap_next(&h) - 1));
	for (;;) {
		int64_t due = pool_heap_next(&h);

		if (!pool_heap_pop_due(&h, 999))
			break;
		assert_true(due >= last);
		last = due;
		n++;
	}
	assert_int_equal(n, 5000);
	assert_int_equal(h.n, 0);
	pool_heap_release(&h);
}

static void test_heap_fifo_and_due(void **state)
{
	struct pool_heap h;
	intptr_t i;

	(void)state;
	pool_heap_init(&h);
	/* Equal due times come out in insertion order. */
	for (i = 1; i <= 100; i++)
		pool_heap_push(&h, 50, (void *)i);
	pool_heap_push(&h, 10, (void *)1000);
	pool_heap_push(&h, 70, (void *)2000);
	assert_true(pool_heap_next(&h) == 10);
	assert_null(pool_heap_pop_due(&h, 9));
	assert_true(pool_heap_pop_due(&h, 10) == (void *)1000);
	assert_null(pool_heap_pop_due(&h, 49));
	for (i = 1; i <= 100; i++)
		assert_true(pool_heap_pop_due(&h, 60) == (void *)i);
	assert_null(pool_heap_pop_due(&h, 60));
	assert_true(pool_heap_next(&h) == 70);
	assert_true(pool_heap_pop_due(&h, INT64_MAX) == (void *)2000);
	pool_heap_release(&h);
}

/* ---- a test job ---- */

struct tj {
	struct tally *t;
	int id;
	int fail;            /* return POOL_FAILED */
	int again;           /* return POOL_AGAIN this many times first */
	int64_t again_ns;
	int stop_at_run;     /* call pool_stop when it runs */
	int block;           /* wait for tally->release */
	int64_t run_at[4];   /* mono ns of each run */
	int runs;
	int order;           /* when done was called (1-based) */
	enum pool_outcome outcome;
	char reason[200];
	int ndone;
	int worker_ok;
	struct tj *spawn;          /* done adds this job... */
	struct pool_job *spawn_dep; /* ...depending on this one */
};

struct tally {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int seq, started, release, running, max_running;
	int done_calls, done_off_thread;
	int log[64];         /* run order of ids (first runs) */
	int nlog;
	struct pool *pool;
};

static void tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
}

static void tally_release(struct tally *t)
{
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
}

static struct pool_result tj_run(void *payload, struct pool_ctx *ctx)
{
	struct tj *j = payload;
	struct tally *t = j->t;
	struct pool_result r = pool_done();

	pthread_mutex_lock(&t->mu);
	if (j->runs < 4)
		j->run_at[j->runs] = ctx->now;
	j->runs++;
	j->worker_ok = ctx->worker &&
		       *(int *)ctx->worker == ctx->worker_index &&
		       ctx->runs == (unsigned)j->runs;
	if (j->runs == 1 && t->nlog < 64)
		t->log[t->nlog++] = j->id;
	t->started++;
	if (++t->running > t->max_running)
		t->max_running = t->running;
	pthread_cond_broadcast(&t->cv);
	while (j->block && !t->release)
		pthread_cond_wait(&t->cv, &t->mu);
	t->running--;
	pthread_mutex_unlock(&t->mu);
	if (j->stop_at_run)
		pool_stop(ctx->pool);
	if (j->again > 0) {
		j->again--;
		return pool_again(j->again_ns);
	}
	if (j->fail)
		r = pool_failed();
	return r;
}

static void tj_done(void *payload, const struct pool_end *end)
{
	struct tj *j = payload;
	struct tally *t = j->t;

	pthread_mutex_lock(&t->mu);
	j->order = ++t->seq;
	j->outcome = end->outcome;
	j->ndone++;
	if (end->reason)
		snprintf(j->reason, sizeof(j->reason), "%s", end->reason);
	t->done_calls++;
	if (!pthread_equal(pthread_self(), main_thread))
		t->done_off_thread++;
	pthread_mutex_unlock(&t->mu);
	if (j->spawn) {
		struct pool_job_spec s;

		memset(&s, 0, sizeof(s));
		s.name = "late";
		s.api = POOL_NO_API;
		s.run = tj_run;
		s.done = tj_done;
		s.payload = j->spawn;
		s.deps = &j->spawn_dep;
		s.ndeps = j->spawn_dep ? 1 : 0;
		pool_add(t->pool, &s);
	}
}

static void *wk_init(void *arg, int index)
{
	int *w = malloc(sizeof(*w));

	(void)arg;
	*w = index;
	return w;
}

static void wk_release(void *worker, void *arg)
{
	int *live = arg;

	__atomic_fetch_sub(live, 1, __ATOMIC_SEQ_CST);
	free(worker);
}

static int live_workers;

static struct pool *new_pool(int workers, struct adaptive **apis, int napis)
{
	struct pool_config c;

	pool_config_default(&c);
	assert_int_equal(c.workers, 8);
	c.workers = workers;
	c.apis = apis;
	c.napis = napis;
	c.worker_init = wk_init;
	c.worker_release = wk_release;
	c.arg = &live_workers;
	live_workers += workers;
	return pool_new(&c);
}

static struct pool_job *add(struct pool *p, struct tj *j, const char *name,
			    struct pool_job **deps, size_t ndeps)
{
	struct pool_job_spec s;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.api = POOL_NO_API;
	s.run = tj_run;
	s.done = tj_done;
	s.payload = j;
	s.deps = deps;
	s.ndeps = ndeps;
	return pool_add(p, &s);
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
	assert_int_equal(c.blocked + c.queued + c.waiting + c.running +
			     c.finishing,
			 0);
}

/* ---- dependencies ---- */

static void test_dependency_order(void **state)
{
	struct tally t;
	struct tj j[8];
	struct pool_job *h[8], *d[3];
	struct pool *p;
	int i;

	(void)state;
	tally_init(&t);
	memset(j, 0, sizeof(j));
	for (i = 0; i < 8; i++) {
		j[i].t = &t;
		j[i].id = i;
	}
	p = new_pool(4, NULL, 0);
	/* A diamond 0 -> {1, 2} -> 3, a chain 4 -> 5 -> 6, and 7 alone;
	 * 1 is slow to decide (one AGAIN), which must delay 3. */
	j[1].again = 1;
	j[1].again_ns = 5 * TP_NS_PER_MS;
	h[0] = add(p, &j[0], "zero", NULL, 0);
	h[1] = add(p, &j[1], "one", &h[0], 1);
	h[2] = add(p, &j[2], "two", &h[0], 1);
	d[0] = h[1];
	d[1] = h[2];
	h[3] = add(p, &j[3], "three", d, 2);
	h[4] = add(p, &j[4], "four", NULL, 0);
	h[5] = add(p, &j[5], "five", &h[4], 1);
	h[6] = add(p, &j[6], "six", &h[5], 1);
	h[7] = add(p, &j[7], "seven", NULL, 0);
	assert_string_equal(pool_job_name(h[6]), "six");
	assert_int_equal(pool_run(p), POOL_RUN_FINISHED);
	for (i = 0; i < 8; i++) {
		assert_int_equal(j[i].outcome, POOL_OK);
		assert_int_equal(j[i].ndone, 1);
		assert_true(j[i].worker_ok);
	}
	assert_int_equal(j[1].runs, 2);
	/* A dependent's first run comes after its dependencies' done. */
#define AFTER(a, b) assert_true(j[a].run_at[0] >= j[b].run_at[j[b].runs - 1])
	AFTER(1, 0);
	AFTER(2, 0);
	AFTER(3, 1);
	AFTER(3, 2);
	AFTER(5, 4);
	AFTER(6, 5);
	assert_true(j[3].order > j[1].order && j[3].order > j[2].order);
	assert_true(j[6].order > j[5].order && j[5].order > j[4].order);
	assert_true(j[1].run_at[1] - j[1].run_at[0] >= 5 * TP_NS_PER_MS);
	/* Done callbacks ran on the pool_run thread only. */
	assert_int_equal(t.done_calls, 8);
	assert_int_equal(t.done_off_thread, 0);
	check_counts(p, 8, 0, 0, 0);
	pool_free(p);
	assert_int_equal(live_workers, 0);
	tally_release(&t);
}

static void test_dependency_failure(void **state)
{
	struct tally t;
	struct tj j[7], k[3];
	struct pool_job *h[7], *d[2];
	struct pool *p;
	int i;

	(void)state;
	tally_init(&t);
	memset(j, 0, sizeof(j));
	for (i = 0; i < 7; i++) {
		j[i].t = &t;
		j[i].id = i;
	}
	p = new_pool(2, NULL, 0);
	j[0].fail = 1;
	h[0] = add(p, &j[0], "Acme \"Corp\"", NULL, 0); /* fails */
	h[1] = add(p, &j[1], "url1", &h[0], 1);        /* skipped */
	h[2] = add(p, &j[2], "poll", &h[1], 1);        /* skipped too */
	h[3] = add(p, &j[3], "ok", NULL, 0);
	d[0] = h[3];
	d[1] = h[0];
	h[4] = add(p, &j[4], "both", d, 2);            /* skipped */
	h[5] = add(p, &j[5], "after ok", &h[3], 1);    /* runs */
	memset(k, 0, sizeof(k));
	for (i = 0; i < 3; i++)
		k[i].t = &t;
	t.pool = p;
	j[1].spawn = &k[0];
	j[1].spawn_dep = h[0];
	j[2].spawn = &k[1];
	j[2].spawn_dep = h[1];
	j[5].spawn = &k[2];
	j[5].spawn_dep = h[3];
	assert_int_equal(pool_run(p), POOL_RUN_FINISHED);
	assert_int_equal(j[0].outcome, POOL_FAIL);
	assert_int_equal(j[1].outcome, POOL_SKIPPED);
	assert_int_equal(j[2].outcome, POOL_SKIPPED);
	assert_int_equal(j[3].outcome, POOL_OK);
	assert_int_equal(j[4].outcome, POOL_SKIPPED);
	assert_int_equal(j[5].outcome, POOL_OK);
	for (i = 1; i <= 4; i += 1 + (i == 2))
		assert_int_equal(j[i].runs, 0);
	assert_string_equal(j[1].reason, "dependency \"Acme \\\"Corp\\\"\" failed");
	assert_string_equal(j[2].reason, "dependency \"url1\" was skipped");
	assert_string_equal(j[4].reason, "dependency \"Acme \\\"Corp\\\"\" failed");
	assert_int_equal(j[0].reason[0], 0);
	/* Skipped after the failure was journaled, not before. */
	assert_true(j[1].order > j[0].order && j[2].order > j[1].order);
	/* Added by done callbacks, depending on jobs that had ended. */
	assert_int_equal(k[0].outcome, POOL_SKIPPED);
	assert_string_equal(k[0].reason, "dependency \"Acme \\\"Corp\\\"\" failed");
	assert_int_equal(k[1].outcome, POOL_SKIPPED);
	assert_string_equal(k[1].reason, "dependency \"url1\" was skipped");
	assert_int_equal(k[2].outcome, POOL_OK);
	assert_int_equal(k[0].runs + k[1].runs, 0);
	assert_int_equal(k[2].runs, 1);
	check_counts(p, 3, 1, 5, 0);
	pool_free(p);
	assert_int_equal(live_workers, 0);
	tally_release(&t);
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
static pthread_mutex_t many_mu = PTHREAD_MUTEX_INITIALIZER;

static struct pool_result many_run(void *payload, struct pool_ctx *ctx)
{
	struct many *m = payload;

	if (++m->runs == 1) {
		m->first = ctx->now;
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

static void test_many_delayed(void **state)
{
	enum { N = 10000 };
	struct many *m = calloc(N, sizeof(*m));
	struct pool_config c;
	struct pool_counts k;
	struct pool *p;
	uint64_t rng = 5;
	int i, base = thread_count();

	(void)state;
	pool_config_default(&c);
	c.workers = 2;
	p = pool_new(&c);
	for (i = 0; i < N; i++) {
		struct pool_job_spec s;

		memset(&s, 0, sizeof(s));
		s.api = POOL_NO_API;
		s.run = many_run;
		s.done = many_done;
		s.payload = &m[i];
		/* 1..200 ms, some due at the same time */
		m[i].delay = (int64_t)(1 + retry_rand(&rng) % 200) *
			     TP_NS_PER_MS;
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
	pool_get_counts(p, &k);
	assert_int_equal(k.runs, 2 * N);
	check_counts(p, N, 0, 0, 0);
	pool_free(p);
	free(m);
}

/* ---- stop ---- */

static void test_stop_from_job(void **state)
{
	enum { N = 40 };
	struct tally t;
	struct tj j[N], extra;
	struct pool *p;
	int i, ran = 0, cancelled = 0;

	(void)state;
	tally_init(&t);
	memset(j, 0, sizeof(j));
	memset(&extra, 0, sizeof(extra));
	extra.t = &t;
	p = new_pool(2, NULL, 0);
	for (i = 0; i < N; i++) {
		j[i].t = &t;
		j[i].id = i;
		add(p, &j[i], "job", NULL, 0);
	}
	/* Job 5 stops the pool (as --max-failures would). Job 30 waits on a
	 * timer and must be cancelled as interrupted. */
	j[5].stop_at_run = 1;
	t.pool = p;
	j[5].spawn = &extra;
	j[5].spawn_dep = NULL;
	j[3].again = 1;
	j[3].again_ns = 60 * TP_NS_PER_S;
	assert_int_equal(pool_run(p), POOL_RUN_STOPPED);
	for (i = 0; i < N; i++) {
		assert_int_equal(j[i].ndone, 1);
		if (j[i].outcome == POOL_OK) {
			ran++;
			assert_true(j[i].runs == 1);
		} else {
			assert_int_equal(j[i].outcome, POOL_CANCELLED);
			cancelled++;
			if (j[i].runs)
				assert_string_equal(
				    j[i].reason, "interrupted: the run was "
						 "stopped before its next "
						 "attempt");
			else
				assert_string_equal(
				    j[i].reason,
				    "not started: the run was stopped");
		}
	}
	assert_int_equal(j[5].outcome, POOL_OK);
	assert_int_equal(j[3].outcome, POOL_CANCELLED);
	assert_int_equal(j[3].runs, 1);
	/* Stopped early: most jobs never ran. */
	assert_true(ran >= 5 && ran <= 12);
	assert_int_equal(ran + cancelled, N);
	assert_true(pool_stopping(p));
	/* A job added after the stop is cancelled without running. */
	assert_int_equal(extra.ndone, 1);
	assert_int_equal(extra.runs, 0);
	assert_int_equal(extra.outcome, POOL_CANCELLED);
	check_counts(p, (size_t)ran, 0, 0, (size_t)cancelled + 1);
	pool_free(p);
	tally_release(&t);
}

struct stopper {
	struct tally *t;
	struct pool *p;
	int no_release;
	int want_running;
};

/* Plays SIGINT: waits for both workers to be busy, then stops. */
static void *stopper_main(void *arg)
{
	struct stopper *s = arg;

	pthread_mutex_lock(&s->t->mu);
	while (s->t->running < s->want_running)
		pthread_cond_wait(&s->t->cv, &s->t->mu);
	pthread_mutex_unlock(&s->t->mu);
	pool_stop(s->p);
	if (s->no_release)
		return NULL;
	/* Let the blocked jobs finish once the stop is in. */
	pthread_mutex_lock(&s->t->mu);
	s->t->release = 1;
	pthread_cond_broadcast(&s->t->cv);
	pthread_mutex_unlock(&s->t->mu);
	return NULL;
}

static void test_stop_drains_running(void **state)
{
	enum { N = 20 };
	struct tally t;
	struct tj j[N];
	struct stopper s;
	pthread_t th;
	struct pool *p;
	int i;

	(void)state;
	tally_init(&t);
	memset(j, 0, sizeof(j));
	p = new_pool(2, NULL, 0);
	for (i = 0; i < N; i++) {
		j[i].t = &t;
		j[i].block = 1;
		add(p, &j[i], "job", NULL, 0);
	}
	s.t = &t;
	s.p = p;
	s.no_release = 0;
	s.want_running = 2;
	pthread_create(&th, NULL, stopper_main, &s);
	assert_int_equal(pool_run(p), POOL_RUN_STOPPED);
	pthread_join(th, NULL);
	/* The two running jobs finished normally; the rest never ran. */
	check_counts(p, 2, 0, 0, N - 2);
	pool_free(p);
	tally_release(&t);
}

static void test_stop_drain_limit(void **state)
{
	struct tally t;
	struct tj j[3];
	struct stopper s;
	struct pool_config c;
	struct pool *p;
	pthread_t th;
	int64_t t0, t1;
	int i;

	(void)state;
	tally_init(&t);
	memset(j, 0, sizeof(j));
	pool_config_default(&c);
	c.workers = 1;
	c.drain_ns = 30 * TP_NS_PER_MS;
	p = pool_new(&c);
	for (i = 0; i < 3; i++) {
		j[i].t = &t;
		j[i].block = 1;
		add(p, &j[i], "stuck", NULL, 0);
	}
	s.t = &t;
	s.p = p;
	s.no_release = 1;
	s.want_running = 1;
	pthread_create(&th, NULL, stopper_main, &s);
	t0 = clock_mono_ns();
	assert_int_equal(pool_run(p), POOL_RUN_ABANDONED);
	t1 = clock_mono_ns();
	pthread_join(th, NULL);
	assert_true(t1 - t0 >= 30 * TP_NS_PER_MS);
	assert_true(t1 - t0 < 5 * TP_NS_PER_S);
	/* The stuck job never reported; the others were cancelled. */
	pthread_mutex_lock(&t.mu);
	assert_int_equal(j[0].ndone + j[1].ndone + j[2].ndone, 2);
	assert_int_equal(t.running, 1);
	t.release = 1;
	pthread_cond_broadcast(&t.cv);
	pthread_mutex_unlock(&t.mu);
	pool_free(p); /* waits for the released worker */
	tally_release(&t);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_heap_order),
	    cmocka_unit_test(test_heap_fifo_and_due),
	    cmocka_unit_test(test_dependency_order),
	    cmocka_unit_test(test_dependency_failure),
	    cmocka_unit_test(test_many_delayed),
	    cmocka_unit_test(test_stop_from_job),
	    cmocka_unit_test(test_stop_drains_running),
	    cmocka_unit_test(test_stop_drain_limit),
	    cmocka_unit_test(test_discovered_work),
	    cmocka_unit_test(test_rate_limited),
	};

	main_thread = pthread_self();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
