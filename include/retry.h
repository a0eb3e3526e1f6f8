/*
 * retry: the one retry policy for all three provider APIs (spec section 6,
 * after curl's retrycheck/retry_sleep). It decides whether a failed attempt
 * is tried again, whether the failure leaves a create ambiguous, and how
 * long to wait: exponential backoff with full jitter, or the server's
 * Retry-After. Pure functions: the random source and the time are
 * parameters, so tests are deterministic and never sleep.
 */
#ifndef TP_RETRY_H
#define TP_RETRY_H

#include <stdbool.h>
#include <stdint.h>

/* How a transfer ended below HTTP (retry_xfer_from_curl maps libcurl's). */
enum xfer_error {
	/* A response arrived; look at the status. */
	XFER_OK = 0,
	/* No connection: refused, DNS, connect timeout, TLS handshake cut. */
	XFER_CONNECT_FAILED,
	/* Connected and sent, then the total timeout ran out. */
	XFER_TIMEOUT,
	/* The connection dropped (or timed out) before the request was out. */
	XFER_LOST_BEFORE_SEND,
	/* The connection dropped after the request was sent, no answer. */
	XFER_LOST_AFTER_SEND,
	/* Not worth retrying: TLS verification, bad URL, response over its
	 * cap, aborted by a callback. */
	XFER_FATAL,
};

/*
 * Maps a libcurl result (a CURLcode) to the kinds above, so that every
 * API classifies transport failures the same way. connected: a connection
 * was established (CURLINFO_CONNECT_TIME_T > 0, or a reused one);
 * request_sent: bytes of the request went out (CURLINFO_REQUEST_SIZE > 0).
 * A timeout or drop before anything was sent cannot have reached the
 * server; a send error after some bytes went out counts as "after send"
 * (what went out may have been all of it).
 */
enum xfer_error retry_xfer_from_curl(int curl_code, bool connected,
                                     bool request_sent);

struct retry_class {
	/* Worth another attempt (if attempts remain). */
	bool retryable;
	/*
	 * The server may have carried the request out even though the client
	 * saw a failure. For a create (a POST), a later "already exists" then
	 * means "done by an earlier attempt": adopt the existing object. The
	 * caller keeps this sticky across the attempts of one item.
	 */
	bool ambiguous;
};

/*
 * Classifies one failed (or not) attempt. method is the HTTP method in
 * upper case; status the HTTP status when err is XFER_OK (ignored
 * otherwise). Retried: connection failures, timeouts, 429, 502, 503, 504,
 * and 500 for the idempotent GET, HEAD, PUT and DELETE. Not retried:
 * other 4xx, other 5xx, 500 for POST/PATCH, and every 1xx-3xx.
 *
 * Ambiguity (could the server have processed it?):
 *   - connect failed, lost before send: no, the request never left;
 *   - timeout, lost after send: yes;
 *   - XFER_FATAL: not retried; ambiguous, since the request may have gone
 *     out (a response over its cap was answered, and maybe committed);
 *   - 429: no, rate limiters reject before processing;
 *   - 503: no. RFC 9110 15.6.4 makes it "currently unable to handle the
 *     request", a refusal before processing, and the simulator's injected
 *     503s commit nothing. A proxy whose upstream died mid-request answers
 *     502 or 504 instead, which are the cases below;
 *   - 500, 502, 504: yes. The origin (or the upstream behind a gateway)
 *     may have committed the change before failing or timing out;
 *   - any other status: no (the server answered about this request).
 * For idempotent methods ambiguity is harmless and still reported.
 */
struct retry_class retry_classify(const char *method, int status,
                                  enum xfer_error err);

/* Idempotent per RFC 9110 9.2.2 (GET, HEAD, PUT, DELETE, OPTIONS). */
bool retry_method_idempotent(const char *method);

struct retry_policy {
	int retries;     /* retries after the first attempt; default 5 */
	int64_t base_ns; /* default 500 ms */
	int64_t cap_ns;  /* default 30 s */
};

void retry_policy_default(struct retry_policy *p);

/*
 * A small PRNG (splitmix64) for jitter. *state is any seed; each worker or
 * job keeps its own, so no locking is needed.
 */
uint64_t retry_rand(uint64_t *state);

/*
 * Full-jitter backoff before retry number `retry` (0 for the first retry):
 * uniform in [0, min(cap, base * 2^retry)] ns.
 */
int64_t retry_backoff(const struct retry_policy *p, int retry, uint64_t *rng);

/*
 * The delay before the next attempt after `attempts` attempts (>= 1) have
 * failed with classification c, or -1 when the item has failed for good
 * (not retryable, or p->retries retries already made).
 *
 * retry_after_ns is the parsed Retry-After (retry_after_parse), -1 when
 * absent. When present it replaces the backoff: the server said when it
 * will take requests again, and the API's shared rate governor is paused
 * until the same moment and spreads the resumed requests at the configured
 * rate, so adding jitter on top would only slow the run down.
 */
int64_t retry_next_delay(const struct retry_policy *p, struct retry_class c,
                         int attempts, int64_t retry_after_ns, uint64_t *rng);

/* Retry-After values above this are capped (a broken or hostile server). */
#define RETRY_AFTER_MAX_NS (3600 * INT64_C(1000000000))

/*
 * Parses a Retry-After header value: delta-seconds ("120") or an HTTP-date
 * ("Sun, 06 Nov 1994 08:49:37 GMT", through curl_getdate), the date taken
 * relative to now_wall_ns (wall-clock ns since the epoch). Returns the wait
 * in ns: a date in the past gives 0, values above an hour are capped at
 * RETRY_AFTER_MAX_NS. Returns -1 for NULL, empty or unparsable values
 * (treated as absent). Surrounding blanks are ignored.
 */
int64_t retry_after_parse(const char *value, int64_t now_wall_ns);

#endif
