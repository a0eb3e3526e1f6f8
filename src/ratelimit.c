/*
 * ratelimit: token bucket with time as a parameter (see ratelimit.h).
 */
#include "ratelimit.h"

#include "clock.h"

double ratelimit_default_burst(double rate)
{
	double b = rate * 0.1;
	return b < 1.0 ? 1.0 : b;
}

void ratelimit_init(struct ratelimit *rl, double rate, double burst,
		    int64_t now)
{
	rl->rate = rate > 0 ? rate : 0;
	rl->burst = burst > 0 ? burst : ratelimit_default_burst(rate);
	if (rl->burst < 1.0)
		rl->burst = 1.0;
	rl->tokens = rl->burst;
	rl->last = now;
	rl->paused_until = 0;
}

static void refill(struct ratelimit *rl, int64_t now)
{
	if (now <= rl->last)
		return;
	rl->tokens += rl->rate * (double)(now - rl->last) / 1e9;
	if (rl->tokens > rl->burst)
		rl->tokens = rl->burst;
	rl->last = now;
}

int64_t ratelimit_take(struct ratelimit *rl, int64_t now)
{
	int64_t wait;

	if (now < rl->paused_until)
		return rl->paused_until - now;
	if (rl->rate <= 0)
		return 0;
	refill(rl, now);
	if (rl->tokens >= 1.0) {
		rl->tokens -= 1.0;
		return 0;
	}
	wait = (int64_t)((1.0 - rl->tokens) / rl->rate * 1e9) + 1;
	return wait > 0 ? wait : 1;
}

void ratelimit_pause(struct ratelimit *rl, int64_t until)
{
	if (until > rl->paused_until)
		rl->paused_until = until;
}

void ratelimit_set_rate(struct ratelimit *rl, double rate, int64_t now)
{
	refill(rl, now);
	rl->rate = rate > 0 ? rate : 0;
}
