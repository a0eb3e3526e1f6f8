/*
 * ratelimit: a token bucket that is told the time instead of reading a
 * clock, so tests drive it without sleeping (after curl's lib/ratelimit).
 * Used by the client (one bucket per API, shared by all workers) and by
 * teamsprov-sim (its server-side limit). Not thread-safe: the owner locks.
 */
#ifndef TP_RATELIMIT_H
#define TP_RATELIMIT_H

#include <stdint.h>

struct ratelimit {
	double rate;     /* tokens per second; 0 means unlimited */
	double burst;    /* bucket depth, at least 1 */
	double tokens;   /* tokens available at time `last` */
	int64_t last;    /* ns, monotonic */
	int64_t paused_until; /* ns; no token before this (Retry-After) */
};

/* The default depth for a rate: rate x 0.1 s, at least 1. */
double ratelimit_default_burst(double rate);

/* Starts with a full bucket at time now (ns). burst <= 0: the default. */
void ratelimit_init(struct ratelimit *rl, double rate, double burst,
		    int64_t now);

/*
 * Takes one token if one is available at time now and returns 0;
 * otherwise takes nothing and returns how many ns until one will be.
 */
int64_t ratelimit_take(struct ratelimit *rl, int64_t now);

/* No token is handed out before time until (ns); later pauses extend. */
void ratelimit_pause(struct ratelimit *rl, int64_t until);

/* Changes the rate from time now on, keeping the tokens earned so far. */
void ratelimit_set_rate(struct ratelimit *rl, double rate, int64_t now);

#endif
