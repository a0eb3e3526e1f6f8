/*
 * adaptive: per-API rate governor, AIMD over a token bucket (see
 * adaptive.h for the algorithm and the reasons behind its constants).
 */
#include "adaptive.h"

#include "clock.h"

void adaptive_config_default(struct adaptive_config *c, double rate,
                             double burst)
{
	c->rate = rate > 0 ? rate : 0;
	c->burst = burst > 0 ? burst : ratelimit_default_burst(c->rate);
	c->headroom = 0.02;
	c->decrease = 0.7;
	c->floor_frac = 0.02;
	c->increase = 0.01;
	c->quiet_ns = 10 * TP_NS_PER_S;
}

/*
 * Our bucket holds 3/4 of the configured depth: after an idle spell both
 * ours and a server's sized alike are full, and the quarter left over in
 * the server's absorbs requests that network jitter bunches together.
 */
#define DEPTH_FACTOR 0.75

/* Applies a->rate to the bucket; the depth follows the rate. */
static void apply_rate(struct adaptive *a, int64_t now)
{
	double burst;

	if (a->cfg.rate <= 0)
		return;
	ratelimit_set_rate(&a->rl, a->rate, now);
	burst = a->cfg.burst * DEPTH_FACTOR * a->rate / a->cfg.rate;
	if (a->tight && burst > a->rate * 0.01)
		burst = a->rate * 0.01 < 2 ? 2 : a->rate * 0.01;
	a->rl.burst = burst < 1.0 ? 1.0 : burst;
	if (a->rl.tokens > a->rl.burst)
		a->rl.tokens = a->rl.burst;
}

void adaptive_init(struct adaptive *a, const struct adaptive_config *c,
                   int64_t now)
{
	pthread_mutex_init(&a->mu, NULL);
	a->cfg = *c;
	if (a->cfg.rate < 0)
		a->cfg.rate = 0;
	if (a->cfg.burst <= 0)
		a->cfg.burst = ratelimit_default_burst(a->cfg.rate);
	if (a->cfg.headroom < 0 || a->cfg.headroom >= 1)
		a->cfg.headroom = 0;
	if (a->cfg.decrease <= 0 || a->cfg.decrease >= 1)
		a->cfg.decrease = 0.7;
	a->ceiling = a->cfg.rate * (1 - a->cfg.headroom);
	a->rate = a->ceiling;
	a->good = 0;
	a->probing = 0;
	a->tight = 0;
	a->quiet = a->cfg.quiet_ns;
	a->episode_at = now;
	a->steady_since = now;
	a->raised_at = now;
	a->n429 = 0;
	a->episodes = 0;
	ratelimit_init(&a->rl, a->cfg.rate, a->cfg.burst, now);
	apply_rate(a, now);
	a->rl.tokens = a->rl.burst;
}

void adaptive_release(struct adaptive *a)
{
	pthread_mutex_destroy(&a->mu);
}

int64_t adaptive_acquire(struct adaptive *a, int64_t now)
{
	int64_t wait;

	pthread_mutex_lock(&a->mu);
	wait = ratelimit_take(&a->rl, now);
	pthread_mutex_unlock(&a->mu);
	return wait;
}

/*
 * The new rate after a 429 at a steady rate r. A server sized like us
 * holds d = burst / rate seconds of its rate L in its bucket; full when r
 * began, it emptied after T seconds: L d = (r - L) T, so L = r / (1 + d/T).
 * A 429 after a long quiet spell means a limit just below r (or clock
 * drift); one right away, a limit far below. Aim the headroom under the
 * estimate, within [r x decrease, r x 0.95].
 */
static double estimate(const struct adaptive *a, int64_t now)
{
	double t = (double)(now - a->steady_since) / 1e9;
	double d = a->cfg.burst / a->cfg.rate;
	double hi = a->rate * 0.95, lo = a->rate * a->cfg.decrease;
	double est = t > 0 ? a->rate / (1 + d / t) * (1 - a->cfg.headroom) : 0;

	return est > hi ? hi : est < lo ? lo : est;
}

void adaptive_on_429(struct adaptive *a, int64_t now, int64_t sent_at,
                     int64_t retry_after_ns)
{
	double low;

	pthread_mutex_lock(&a->mu);
	a->n429++;
	if (retry_after_ns >= 0)
		ratelimit_pause(&a->rl, now + retry_after_ns);
	if (a->cfg.rate <= 0 || sent_at < a->episode_at)
		goto out; /* unlimited, or the same overload answering late */
	a->episodes++;
	a->episode_at = now;
	a->raised_at = now;
	a->tight = 1;
	if (a->probing && a->good > 0 && a->rate > a->good) {
		a->rate = a->good;
		/* Each failed probe waits twice as long for the next. */
		if (a->quiet < 8 * a->cfg.quiet_ns)
			a->quiet *= 2;
	} else {
		a->good = 0;
		a->rate = estimate(a, now);
	}
	a->steady_since = now + (retry_after_ns > 0 ? retry_after_ns : 0);
	a->probing = 0;
	low = a->cfg.rate * a->cfg.floor_frac;
	if (a->rate < low)
		a->rate = low;
	apply_rate(a, now);
	/* The server's bucket is empty: do not burst into it. */
	a->rl.tokens = 0;
	if (now > a->rl.last)
		a->rl.last = now;
out:
	pthread_mutex_unlock(&a->mu);
}

void adaptive_on_success(struct adaptive *a, int64_t now)
{
	pthread_mutex_lock(&a->mu);
	if (a->cfg.rate <= 0 || a->rate >= a->ceiling ||
	    now - a->episode_at < a->quiet)
		goto out;
	if (!a->probing) {
		/* A whole quiet period at this rate: it is safe. */
		a->probing = 1;
		a->good = a->rate;
		a->raised_at = now;
		goto out;
	}
	if (now > a->raised_at) {
		a->rate += a->cfg.increase * a->cfg.rate *
		           (double)(now - a->raised_at) / 1e9;
		if (a->rate >= a->ceiling) {
			/* Fully recovered: the limit is gone or higher. */
			a->rate = a->ceiling;
			a->tight = 0;
			a->quiet = a->cfg.quiet_ns;
		}
		a->raised_at = now;
		apply_rate(a, now);
	}
out:
	pthread_mutex_unlock(&a->mu);
}

void adaptive_pause(struct adaptive *a, int64_t until)
{
	pthread_mutex_lock(&a->mu);
	ratelimit_pause(&a->rl, until);
	pthread_mutex_unlock(&a->mu);
}

double adaptive_rate(struct adaptive *a)
{
	double r;

	pthread_mutex_lock(&a->mu);
	r = a->rate;
	pthread_mutex_unlock(&a->mu);
	return r;
}
