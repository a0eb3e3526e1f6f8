/*
 * Unit tests: pool (scheduler and worker pool): dependencies, failure
 * propagation, stop and the drain limit, with real threads. Nothing sleeps
 * for a fixed time to wait for a result: every wait is on a condition.
 * (The heap: test_timerheap.c; timing and rates: test_pool_timing.c.)
 */
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

/* ---- a test job ---- */

struct tj {
	struct tally *t;
	int id;
	int fail;  /* return POOL_FAILED */
	int again; /* return POOL_AGAIN this many times first */
	int64_t again_ns;
	int stop_at_run;   /* call pool_stop when it runs */
	int after_stop;    /* its run waits until a job has called pool_stop */
	int block;         /* wait for tally->release */
	int64_t run_at[4]; /* mono ns of each run */
	int runs;
	int order; /* when done was called (1-based) */
	int start; /* when the first run began, same sequence */
	enum pool_outcome outcome;
	char reason[200];
	int ndone;
	int worker_ok;
	struct tj *spawn;           /* done adds this job... */
	struct pool_job *spawn_dep; /* ...depending on this one */
};

struct tally {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int seq, started, release, running, max_running, stopped;
	int done_calls, done_off_thread;
	int log[64]; /* run order of ids (first runs) */
	int nlog;
	struct pool *pool;
	int stop_after_done; /* pool_stop at this many done calls */
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
	if (j->runs == 1)
		j->start = ++t->seq;
	if (j->runs == 1 && t->nlog < 64)
		t->log[t->nlog++] = j->id;
	t->started++;
	if (++t->running > t->max_running)
		t->max_running = t->running;
	pthread_cond_broadcast(&t->cv);
	while ((j->block && !t->release) || (j->after_stop && !t->stopped))
		pthread_cond_wait(&t->cv, &t->mu);
	t->running--;
	if (j->stop_at_run) {
		pool_stop(ctx->pool);
		t->stopped = 1;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
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
	if (t->done_calls == t->stop_after_done)
		pool_stop(t->pool);
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
	assert_int_equal(
	    c.blocked + c.queued + c.waiting + c.running + c.finishing, 0);
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
	h[1] = add(p, &j[1], "url1", &h[0], 1);         /* skipped */
	h[2] = add(p, &j[2], "poll", &h[1], 1);         /* skipped too */
	h[3] = add(p, &j[3], "ok", NULL, 0);
	d[0] = h[3];
	d[1] = h[0];
	h[4] = add(p, &j[4], "both", d, 2);         /* skipped */
	h[5] = add(p, &j[5], "after ok", &h[3], 1); /* runs */
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
	assert_string_equal(j[1].reason,
	                    "dependency \"Acme \\\"Corp\\\"\" failed");
	assert_string_equal(j[2].reason, "dependency \"url1\" was skipped");
	assert_string_equal(j[4].reason,
	                    "dependency \"Acme \\\"Corp\\\"\" failed");
	assert_int_equal(j[0].reason[0], 0);
	/* Skipped after the failure was journaled, not before. */
	assert_true(j[1].order > j[0].order && j[2].order > j[1].order);
	/* Added by done callbacks, depending on jobs that had ended. */
	assert_int_equal(k[0].outcome, POOL_SKIPPED);
	assert_string_equal(k[0].reason,
	                    "dependency \"Acme \\\"Corp\\\"\" failed");
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
	/* Job 5 stops the pool (as --max-failures would). Job 3 waits on a
	 * timer and must be cancelled as interrupted. The jobs after 5 wait
	 * in their run for the stop: else, on a loaded machine, the other
	 * worker could run many of them while job 5's worker is descheduled
	 * on its way to pool_stop. */
	j[5].stop_at_run = 1;
	for (i = 6; i < N; i++)
		j[i].after_stop = 1;
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
				assert_string_equal(j[i].reason,
				                    "interrupted: the run was "
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

/* ---- random graphs: the invariants hold whatever the interleaving ---- */

static void random_graph(int stop_after)
{
	enum { N = 2000 };
	struct tally t;
	struct tj *j = calloc(N, sizeof(*j));
	struct pool_job **h = calloc(N, sizeof(*h));
	int(*deps)[3] = calloc(N, sizeof(*deps));
	int *ndeps = calloc(N, sizeof(*ndeps));
	uint64_t rng = 2024 + (uint64_t)stop_after;
	struct pool *p;
	int i, k, ended[4] = {0, 0, 0, 0};

	tally_init(&t);
	p = new_pool(8, NULL, 0);
	t.pool = p;
	t.stop_after_done = stop_after; /* as --max-failures would */
	for (i = 0; i < N; i++) {
		struct pool_job *d[3];

		j[i].t = &t;
		j[i].id = i;
		j[i].fail = retry_rand(&rng) % 20 == 0;
		j[i].again = (int)(retry_rand(&rng) % 3);
		j[i].again_ns = (int64_t)(retry_rand(&rng) % 3) * TP_NS_PER_MS;
		ndeps[i] = i ? (int)(retry_rand(&rng) % 4) : 0;
		for (k = 0; k < ndeps[i]; k++) {
			/* mostly recent jobs, so chains form */
			int back = 1 + (int)(retry_rand(&rng) % 50);

			deps[i][k] = i - back < 0 ? 0 : i - back;
			d[k] = h[deps[i][k]];
		}
		h[i] = add(p, &j[i], "job", d, (size_t)ndeps[i]);
	}
	assert_int_equal(pool_run(p),
	                 stop_after ? POOL_RUN_STOPPED : POOL_RUN_FINISHED);
	for (i = 0; i < N; i++) {
		int deps_ok = 1, dep_cancelled = 0, bad_before = 0;

		if (j[i].ndone != 1)
			fail_msg("job %d: %d done calls, runs %d, again %d", i,
			         j[i].ndone, j[i].runs, j[i].again);
		ended[j[i].outcome]++;
		for (k = 0; k < ndeps[i]; k++) {
			struct tj *d = &j[deps[i][k]];

			deps_ok &= d->outcome == POOL_OK;
			dep_cancelled |= d->outcome == POOL_CANCELLED;
			/* Never started before a dependency's outcome was in.
			 */
			if (j[i].runs)
				assert_true(j[i].start > d->order);
			if (d->outcome != POOL_OK && d->order < j[i].order)
				bad_before = 1;
		}
		switch (j[i].outcome) {
		case POOL_OK:
		case POOL_FAIL:
			assert_true(deps_ok);
			assert_int_equal(j[i].outcome == POOL_FAIL, j[i].fail);
			assert_true(j[i].runs >= 1);
			break;
		case POOL_SKIPPED:
			/* only after a dependency's bad outcome was in */
			assert_false(deps_ok);
			assert_true(bad_before);
			assert_int_equal(j[i].runs, 0);
			break;
		case POOL_CANCELLED:
			assert_true(stop_after);
			break;
		}
		if (!stop_after)
			assert_true(j[i].outcome != POOL_CANCELLED);
		(void)dep_cancelled;
	}
	print_message("# %d jobs: %d ok, %d failed, %d skipped, %d cancelled\n",
	              N, ended[POOL_OK], ended[POOL_FAIL], ended[POOL_SKIPPED],
	              ended[POOL_CANCELLED]);
	assert_true(ended[POOL_SKIPPED] > 0 && ended[POOL_FAIL] > 0);
	if (stop_after)
		assert_true(ended[POOL_CANCELLED] > 0);
	check_counts(p, (size_t)ended[POOL_OK], (size_t)ended[POOL_FAIL],
	             (size_t)ended[POOL_SKIPPED],
	             (size_t)ended[POOL_CANCELLED]);
	pool_free(p);
	tally_release(&t);
	free(j);
	free(h);
	free(deps);
	free(ndeps);
}

static void test_random_graph(void **state)
{
	(void)state;
	random_graph(0);
}

static void test_random_graph_stopped(void **state)
{
	(void)state;
	random_graph(700);
}

static void test_empty_run(void **state)
{
	struct pool *p = new_pool(3, NULL, 0);

	(void)state;
	assert_int_equal(pool_run(p), POOL_RUN_FINISHED);
	check_counts(p, 0, 0, 0, 0);
	pool_free(p);
	assert_int_equal(live_workers, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dependency_order),
	    cmocka_unit_test(test_dependency_failure),
	    cmocka_unit_test(test_stop_from_job),
	    cmocka_unit_test(test_stop_drains_running),
	    cmocka_unit_test(test_stop_drain_limit),
	    cmocka_unit_test(test_random_graph),
	    cmocka_unit_test(test_random_graph_stopped),
	    cmocka_unit_test(test_empty_run),
	};

	main_thread = pthread_self();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
