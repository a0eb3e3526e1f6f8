/*
 * Unit tests: adaptive (per-API rate governor). The key test is a
 * discrete-event simulation of the two rate benchmarks: sixteen
 * workers, a server with the simulator's token bucket (depth rate x 0.1 s,
 * 429 with Retry-After: 1 above it) and 20 ms of latency, all in simulated
 * time, so it runs in milliseconds and never sleeps.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "adaptive.h"
#include "clock.h"
#include "ratelimit.h"
#include "retry.h"

#define T0 (1000 * TP_NS_PER_S)

static void test_basic_rate(void **state)
{
	struct adaptive_config c;
	struct adaptive a;
	int64_t t;
	int sent = 0;

	(void)state;
	adaptive_config_default(&c, 100, 0);
	assert_true(c.burst == 10);
	adaptive_init(&a, &c, T0);
	assert_true(adaptive_rate(&a) == 98);
	/* The burst, then 98/s: never more than configured. */
	for (t = T0; t < T0 + 10 * TP_NS_PER_S; t += TP_NS_PER_MS)
		while (adaptive_acquire(&a, t) == 0)
			sent++;
	assert_true(sent >= 985 && sent <= 995);
	adaptive_release(&a);
}

static void test_unlimited(void **state)
{
	struct adaptive_config c;
	struct adaptive a;
	int i;

	(void)state;
	adaptive_config_default(&c, 0, 0);
	adaptive_init(&a, &c, T0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(adaptive_acquire(&a, T0), 0);
	/* A 429 pauses even an unlimited API, and does not limit it. */
	adaptive_on_429(&a, T0, T0, 2 * TP_NS_PER_S);
	assert_int_equal(adaptive_acquire(&a, T0 + TP_NS_PER_S), TP_NS_PER_S);
	assert_int_equal(adaptive_acquire(&a, T0 + 2 * TP_NS_PER_S), 0);
	assert_true(adaptive_rate(&a) == 0);
	adaptive_release(&a);
}

static void test_decrease_once_per_episode(void **state)
{
	struct adaptive_config c;
	struct adaptive a;
	int64_t t = T0 + TP_NS_PER_S;
	double r;
	int i;

	(void)state;
	adaptive_config_default(&c, 100, 0);
	adaptive_init(&a, &c, T0);
	/* Sixteen in-flight requests answer 429 one after the other. A 429
	 * after a second at 98/s: the server's limit is estimated from how
	 * long its bucket lasted, 98 / (1 + 0.1 / 1) less the headroom. */
	for (i = 0; i < 16; i++)
		adaptive_on_429(&a, t + i, T0 + 500 * TP_NS_PER_MS, -1);
	r = adaptive_rate(&a);
	assert_true(r > 87.2 && r < 87.4);
	assert_int_equal(a.n429, 16);
	assert_int_equal(a.episodes, 1);
	/* A request sent after the cut that still gets 429 at once: the
	 * limit is far below, cut by the full factor 0.7. */
	adaptive_on_429(&a, t + 50, t + 20, -1);
	assert_true(adaptive_rate(&a) > r * 0.7 - 0.01 &&
	            adaptive_rate(&a) < r * 0.7 + 0.01);
	/* Never below the floor (2 % of configured). */
	for (i = 0; i < 50; i++)
		adaptive_on_429(&a, t + 100 + i, t + 100 + i, -1);
	assert_true(adaptive_rate(&a) == 2);
	adaptive_release(&a);
}

static void test_pause(void **state)
{
	struct adaptive_config c;
	struct adaptive a;
	int64_t w;

	(void)state;
	adaptive_config_default(&c, 100, 0);
	adaptive_init(&a, &c, T0);
	adaptive_on_429(&a, T0, T0, TP_NS_PER_S);
	/* Everybody waits for the Retry-After, then one token at a time. */
	w = adaptive_acquire(&a, T0 + 1);
	assert_int_equal(w, TP_NS_PER_S - 1);
	adaptive_pause(&a, T0 + 3 * TP_NS_PER_S); /* a 503 with Retry-After */
	assert_int_equal(adaptive_acquire(&a, T0 + TP_NS_PER_S),
	                 2 * TP_NS_PER_S);
	assert_true(adaptive_rate(&a) > 68.5 && adaptive_rate(&a) < 68.7);
	assert_int_equal(adaptive_acquire(&a, T0 + 3 * TP_NS_PER_S), 0);
	adaptive_release(&a);
}

static void test_recovery(void **state)
{
	struct adaptive_config c;
	struct adaptive a;
	int64_t t;
	double r;

	(void)state;
	adaptive_config_default(&c, 100, 0);
	adaptive_init(&a, &c, T0);
	adaptive_on_429(&a, T0, T0, -1);
	r = adaptive_rate(&a);
	/* Nothing moves during the quiet period. */
	for (t = T0; t < T0 + c.quiet_ns; t += 10 * TP_NS_PER_MS)
		adaptive_on_success(&a, t);
	assert_true(adaptive_rate(&a) == r);
	/* Then +1 % of the configured rate per second, up to the ceiling. */
	for (; t < T0 + c.quiet_ns + 10 * TP_NS_PER_S; t += TP_NS_PER_MS)
		adaptive_on_success(&a, t);
	assert_true(adaptive_rate(&a) > r + 9.5 &&
	            adaptive_rate(&a) < r + 10.5);
	/* A 429 while probing goes back to the known-safe rate. */
	adaptive_on_429(&a, t, t, -1);
	assert_true(adaptive_rate(&a) == r);
	for (; t < T0 + 200 * TP_NS_PER_S; t += TP_NS_PER_MS)
		adaptive_on_success(&a, t);
	assert_true(adaptive_rate(&a) == 98);
	adaptive_release(&a);
}

/* ---- the benchmark simulation ---- */

enum ev { EV_ACQUIRE, EV_ARRIVE, EV_RESPOND, EV_IDLE };

struct worker {
	enum ev ev;
	int64_t at;
	int64_t sent_at;
	int64_t back; /* latency of the way back */
	int ok;
};

struct sim_result {
	double rate;     /* successful requests per simulated second */
	double ratio429; /* 429s / requests sent */
	uint64_t sent, n429;
	double wall_s;
};

/*
 * `want` requests must succeed; each 429 is sent again (the requests are
 * interchangeable). Latency is 20 ms +- jitter_ms, split in two halves
 * around the server's decision.
 */
static struct sim_result simulate_h(double cfg_rate, double srv_rate, int want,
                                    int workers, int jitter_ms, int gap_at)
{
	struct adaptive_config c;
	struct adaptive a;
	struct ratelimit srv;
	struct worker w[64];
	struct sim_result r = {0, 0, 0, 0, 0};
	uint64_t rng = 12345;
	int64_t now = T0, last_ok = T0;
	int64_t gap_end = 0;
	int done = 0, started = 0, i;

	adaptive_config_default(&c, cfg_rate, 0);
	adaptive_init(&a, &c, T0);
	ratelimit_init(&srv, srv_rate, 0, T0);
	for (i = 0; i < workers; i++) {
		w[i].ev = EV_ACQUIRE;
		w[i].at = T0;
	}
	while (done < want) {
		struct worker *x = NULL;
		int64_t half, jit;

		for (i = 0; i < workers; i++)
			if (w[i].ev != EV_IDLE && (!x || w[i].at < x->at))
				x = &w[i];
		assert_non_null(x);
		now = x->at;
		switch (x->ev) {
		case EV_ACQUIRE: {
			int64_t wait;

			if (started - done >= want - done) {
				x->ev = EV_IDLE; /* nothing left to send */
				break;
			}
			if (gap_at && started == gap_at && !gap_end)
				gap_end = now + TP_NS_PER_S; /* idle for 1 s */
			if (now < gap_end) {
				x->at = gap_end;
				break;
			}
			wait = adaptive_acquire(&a, now);
			if (wait > 0) {
				x->at = now + wait;
				break;
			}
			jit = jitter_ms ? (int64_t)(retry_rand(&rng) %
			                            (uint64_t)(2 * jitter_ms *
			                                       TP_NS_PER_MS)) -
			                      jitter_ms * TP_NS_PER_MS
			                : 0;
			half = (20 * TP_NS_PER_MS + jit) / 2;
			x->sent_at = now;
			x->back = half;
			x->ev = EV_ARRIVE;
			x->at = now + half;
			started++;
			r.sent++;
			break;
		}
		case EV_ARRIVE:
			x->ok = ratelimit_take(&srv, now) == 0;
			x->ev = EV_RESPOND;
			x->at = now + x->back;
			break;
		case EV_RESPOND:
			if (x->ok) {
				adaptive_on_success(&a, now);
				done++;
				last_ok = now;
			} else {
				adaptive_on_429(&a, now, x->sent_at,
				                TP_NS_PER_S);
				r.n429++;
				started--;
			}
			x->ev = EV_ACQUIRE;
			break;
		case EV_IDLE:
			break;
		}
		/* A 429 frees work for the idle workers. */
		if (x->ev == EV_ACQUIRE)
			for (i = 0; i < workers; i++)
				if (w[i].ev == EV_IDLE) {
					w[i].ev = EV_ACQUIRE;
					w[i].at = now;
				}
	}
	r.wall_s = (double)(last_ok - T0) / 1e9;
	r.rate = want / r.wall_s;
	r.ratio429 = (double)r.n429 / (double)r.sent;
	adaptive_release(&a);
	return r;
}

static struct sim_result simulate(double cfg_rate, double srv_rate, int want,
                                  int workers, int jitter_ms)
{
	return simulate_h(cfg_rate, srv_rate, want, workers, jitter_ms, 0);
}

static void report(const char *name, struct sim_result r)
{
	print_message("# %s: %.1f req/s, %llu 429s of %llu requests "
	              "(%.2f %%), %.2f s\n",
	              name, r.rate, (unsigned long long)r.n429,
	              (unsigned long long)r.sent, 100 * r.ratio429, r.wall_s);
}

/* Benchmark 1: configured 200/s against a 200/s server, default burst. */
static void test_sim_equal_rate(void **state)
{
	struct sim_result r;
	int jitter;

	(void)state;
	for (jitter = 0; jitter <= 4; jitter += 2) {
		char name[64];

		r = simulate(200, 200, 2000, 16, jitter);
		snprintf(name, sizeof(name), "200/s vs 200/s, jitter %d ms",
		         jitter);
		report(name, r);
		assert_true(r.n429 <= 1);
		assert_true(r.rate >= 0.95 * 200 && r.rate <= 200 * 1.02);
	}
}

/* After an idle second both buckets are full: jitter must not hurt. */
static void test_sim_idle_gap(void **state)
{
	struct sim_result r;

	(void)state;
	r = simulate_h(200, 200, 2000, 16, 4, 1000);
	report("200/s vs 200/s, jitter 4 ms, idle 1 s half-way", r);
	assert_true(r.n429 <= 1);
	assert_true(r.wall_s <= (2000 / 200.0 + 1) * 1.05);
}

/* Benchmark 2: configured 400/s, the server allows only 200/s. */
static void test_sim_lower_limit(void **state)
{
	struct sim_result r;
	int jitter;

	(void)state;
	for (jitter = 0; jitter <= 4; jitter += 2) {
		char name[64];

		r = simulate(400, 200, 4000, 16, jitter);
		snprintf(name, sizeof(name), "400/s vs 200/s, jitter %d ms",
		         jitter);
		report(name, r);
		assert_true(r.ratio429 <= 0.02);
		/* 1.3 x the ideal wall time is 154/s; aim well above. */
		assert_true(r.rate >= 0.85 * 200);
	}
	/* A long run settles close to the real limit. */
	r = simulate(400, 200, 40000, 16, 2);
	report("400/s vs 200/s, 40000 requests", r);
	assert_true(r.ratio429 <= 0.01);
	assert_true(r.rate >= 0.9 * 200);
}

/* Far below the configured rate, and with few workers: still bounded. */
static void test_sim_much_lower(void **state)
{
	struct sim_result r;

	(void)state;
	r = simulate(400, 50, 2000, 16, 2);
	report("400/s vs 50/s", r);
	assert_true(r.ratio429 <= 0.02);
	assert_true(r.rate >= 0.75 * 50);
	r = simulate(10, 10, 300, 4, 2);
	report("10/s vs 10/s, 4 workers", r);
	assert_true(r.n429 == 0);
}

/* Many threads at once: the governor hands out exactly the tokens. */
struct hammer {
	struct adaptive *a;
	int got;
};

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	int i;

	for (i = 0; i < 20000; i++) {
		int64_t t = T0 + (int64_t)i * TP_NS_PER_MS / 10;

		if (adaptive_acquire(h->a, t) == 0)
			h->got++;
		if (i % 100 == 0)
			adaptive_on_success(h->a, t);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct adaptive_config c;
	struct adaptive a;
	struct hammer h[4];
	pthread_t th[4];
	int i, total = 0;

	(void)state;
	adaptive_config_default(&c, 1000, 10);
	c.headroom = 0;
	adaptive_init(&a, &c, T0);
	for (i = 0; i < 4; i++) {
		h[i].a = &a;
		h[i].got = 0;
		pthread_create(&th[i], NULL, hammer_main, &h[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += h[i].got;
	}
	/* 2 s of simulated time at 1000/s plus a burst of 10, at most. */
	assert_true(total <= 2010 + 1);
	assert_true(total >= 100);
	adaptive_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_rate),
	    cmocka_unit_test(test_unlimited),
	    cmocka_unit_test(test_decrease_once_per_episode),
	    cmocka_unit_test(test_pause),
	    cmocka_unit_test(test_recovery),
	    cmocka_unit_test(test_sim_equal_rate),
	    cmocka_unit_test(test_sim_idle_gap),
	    cmocka_unit_test(test_sim_lower_limit),
	    cmocka_unit_test(test_sim_much_lower),
	    cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
