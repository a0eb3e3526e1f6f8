/*
 * adaptive: the per-API rate governor that all workers of one API share.
 * It wraps a token bucket (struct ratelimit) with the configured rate and
 * burst, honours Retry-After by pausing the whole API, and adapts when the
 * server's real limit is below the configured rate (AIMD, as TCP does):
 *
 *   - a 429 starts an "episode": the API pauses until Retry-After, the
 *     bucket is emptied (the server's is empty too) and the effective rate
 *     drops: back to the last rate known to be safe if the 429 came while
 *     probing above it; otherwise to an estimate of the server's rate from
 *     how long its bucket lasted at ours (a 429 after a long quiet spell
 *     means a limit just below us, one at once a limit far below), kept
 *     between `decrease` (0.7) and 0.95 times the rate, and never below
 *     `floor_frac` of the configured rate. 429s for requests sent before
 *     the episode began are answers to the same overload and only extend
 *     the pause, so sixteen in-flight 429s cut the rate once, not sixteen
 *     times;
 *   - after a quiet period without an episode (`quiet_ns`, 10 s) the
 *     current rate is recorded as safe and the governor probes upwards
 *     additively, `increase` times the configured rate per second, up to
 *     the ceiling. Each probe that ends in a 429 doubles the quiet period
 *     (up to 8 x quiet_ns), so a steady lower limit costs a 429 episode
 *     rarely; reaching the ceiling again resets it;
 *   - the ceiling is the configured rate less `headroom` (2 %): two clocks
 *     refilling buckets at exactly the same rate drift, and network jitter
 *     bunches requests, so a client sending at exactly the server's limit
 *     collects an occasional 429 (each one a whole Retry-After pause). The
 *     tool never sends faster than configured; it sends slightly slower;
 *   - the depth is 3/4 of the configured burst, so that after an idle
 *     spell a server bucket sized like ours keeps a quarter as a cushion
 *     against requests bunched by network jitter;
 *   - the burst shrinks with the rate (configured burst x rate / configured
 *     rate), and from the first 429 until the ceiling is reached again it
 *     is only 10 ms worth of the rate (at least 2): a full bucket after a
 *     Retry-After pause must not overrun a server whose own bucket is sized
 *     for its lower rate, and sending evenly is what such a server wants.
 *
 * Measured by the discrete-event simulation in tests/unit/test_adaptive.c
 * (16 workers, 20 ms latency +- up to 4 ms, the simulator's server bucket):
 * configured 200/s against a 200/s server, 197/s and no 429 in 2,000
 * requests (also with an idle second half-way); configured 400/s against
 * 200/s, 173-178/s with 0.3-0.4 % 429s over 4,000 requests, and 193/s with
 * 0.04 % over 40,000.
 *
 * Time is a parameter (monotonic ns), as in ratelimit.h. Every function is
 * thread-safe: the governor has its own mutex, held only for a few
 * arithmetic operations.
 */
#ifndef TP_ADAPTIVE_H
#define TP_ADAPTIVE_H

#include <pthread.h>
#include <stdint.h>

#include "ratelimit.h"

struct adaptive_config {
	double rate;       /* configured requests/s; 0 means unlimited */
	double burst;      /* configured depth; <= 0: ratelimit default */
	double headroom;   /* ceiling = rate x (1 - headroom); default 0.02 */
	double decrease;   /* multiplicative decrease; default 0.7 */
	double floor_frac; /* lowest rate, fraction of rate; default 0.02 */
	double increase;   /* additive increase, fraction of rate per s; 0.01 */
	int64_t quiet_ns;  /* no 429 for this long before probing; 10 s */
};

/* Fills in the defaults above for a configured rate and burst. */
void adaptive_config_default(struct adaptive_config *c, double rate,
                             double burst);

struct adaptive {
	pthread_mutex_t mu;
	struct ratelimit rl;
	struct adaptive_config cfg;
	double ceiling; /* highest effective rate */
	double rate;    /* effective rate now */
	double good;    /* rate known not to draw 429s; 0: unknown */
	int probing;    /* above `good`, rising */
	int tight;      /* after a 429: burst of 10 ms, at least 2 */
	int64_t quiet;  /* current quiet period (doubles per failed probe) */
	int64_t episode_at;   /* when the last episode began (ns) */
	int64_t steady_since; /* the current rate began (after a pause) */
	int64_t raised_at;    /* when the rate was last raised (ns) */
	uint64_t n429;        /* every 429 reported */
	uint64_t episodes;    /* 429s that lowered the rate */
};

/* Starts at the ceiling with a full bucket at time now. */
void adaptive_init(struct adaptive *a, const struct adaptive_config *c,
                   int64_t now);
void adaptive_release(struct adaptive *a);

/*
 * Asks to send one request at time now: returns 0 and takes a token, or
 * returns the ns to wait before asking again (a pause or an empty bucket)
 * and takes nothing.
 */
int64_t adaptive_acquire(struct adaptive *a, int64_t now);

/*
 * Reports a 429 received at now for a request whose token was acquired at
 * sent_at. retry_after_ns is the parsed Retry-After (-1 when absent):
 * when present the whole API pauses until now + retry_after_ns.
 */
void adaptive_on_429(struct adaptive *a, int64_t now, int64_t sent_at,
                     int64_t retry_after_ns);

/* Reports any response that was not a 429 (it drives the recovery). */
void adaptive_on_success(struct adaptive *a, int64_t now);

/*
 * Pauses the API until `until` without touching the rate (a 503 with
 * Retry-After: the server is down, not overloaded by us).
 */
void adaptive_pause(struct adaptive *a, int64_t until);

/* The effective rate now (requests/s; 0 when unlimited). */
double adaptive_rate(struct adaptive *a);

#endif
