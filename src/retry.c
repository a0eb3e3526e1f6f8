/*
 * retry: classification, full-jitter backoff and Retry-After parsing for
 * every API (see retry.h for the policy and why each case is what it is).
 */
#include "retry.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "clock.h"
#include "util.h"

bool retry_method_idempotent(const char *method)
{
	static const char *const idem[] = {"GET", "HEAD", "PUT", "DELETE",
	                                   "OPTIONS"};
	size_t i;

	if (!method)
		return false;
	for (i = 0; i < sizeof(idem) / sizeof(idem[0]); i++)
		if (!strcmp(method, idem[i]))
			return true;
	return false;
}

struct retry_class retry_classify(const char *method, int status,
                                  enum xfer_error err)
{
	struct retry_class c = {false, false};

	switch (err) {
	case XFER_CONNECT_FAILED:
	case XFER_LOST_BEFORE_SEND:
		c.retryable = true;
		return c;
	case XFER_TIMEOUT:
	case XFER_LOST_AFTER_SEND:
		c.retryable = true;
		c.ambiguous = true;
		return c;
	case XFER_FATAL:
		c.ambiguous = true;
		return c;
	case XFER_OK:
		break;
	}
	switch (status) {
	case 429:
	case 503:
		c.retryable = true;
		break;
	case 502:
	case 504:
		c.retryable = true;
		c.ambiguous = true;
		break;
	case 500:
		/* A POST that died half-way must not be sent blindly again. */
		c.retryable = retry_method_idempotent(method) &&
		              strcmp(method, "OPTIONS") != 0;
		c.ambiguous = true;
		break;
	default:
		break;
	}
	return c;
}

enum xfer_error retry_xfer_from_curl(int curl_code, bool connected,
                                     bool request_sent)
{
	switch ((CURLcode)curl_code) {
	case CURLE_OK:
		return XFER_OK;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR: /* handshake cut short, not a bad cert */
		return XFER_CONNECT_FAILED;
	case CURLE_OPERATION_TIMEDOUT:
		if (!connected)
			return XFER_CONNECT_FAILED;
		return request_sent ? XFER_TIMEOUT : XFER_LOST_BEFORE_SEND;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return request_sent ? XFER_LOST_AFTER_SEND
		                    : XFER_LOST_BEFORE_SEND;
	default:
		return XFER_FATAL;
	}
}

void retry_policy_default(struct retry_policy *p)
{
	p->retries = 5;
	p->base_ns = 500 * TP_NS_PER_MS;
	p->cap_ns = 30 * TP_NS_PER_S;
}

uint64_t retry_rand(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

int64_t retry_backoff(const struct retry_policy *p, int retry, uint64_t *rng)
{
	int64_t ceil = p->base_ns > 0 ? p->base_ns : 0;
	int i;

	if (ceil == 0)
		return 0;
	/* Doubling stops at the cap, so the shift can never overflow. */
	for (i = 0; i < retry && ceil < p->cap_ns; i++)
		ceil *= 2;
	if (ceil > p->cap_ns)
		ceil = p->cap_ns;
	if (ceil <= 0)
		return 0;
	return (int64_t)(retry_rand(rng) % ((uint64_t)ceil + 1));
}

int64_t retry_next_delay(const struct retry_policy *p, struct retry_class c,
                         int attempts, int64_t retry_after_ns, uint64_t *rng)
{
	if (!c.retryable || attempts < 1 || attempts > p->retries)
		return -1;
	if (retry_after_ns >= 0)
		return retry_after_ns;
	return retry_backoff(p, attempts - 1, rng);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int64_t retry_after_parse(const char *value, int64_t now_wall_ns)
{
	char *s, *p;
	int64_t ns = -1;
	time_t t;

	if (!value)
		return -1;
	s = str_trim(xstrdup(value));
	if (*s >= '0' && *s <= '9') {
		/* delta-seconds = 1*DIGIT; anything else after it is junk */
		int64_t secs = 0;

		for (p = s; *p >= '0' && *p <= '9'; p++)
			if (secs <= RETRY_AFTER_MAX_NS / TP_NS_PER_S)
				secs = secs * 10 + (*p - '0');
		if (!*p) {
			if (secs > RETRY_AFTER_MAX_NS / TP_NS_PER_S)
				secs = RETRY_AFTER_MAX_NS / TP_NS_PER_S;
			ns = secs * TP_NS_PER_S;
		}
	} else if (*s && !is_blank(*s)) {
		t = curl_getdate(s, NULL);
		if (t != (time_t)-1) {
			int64_t when = (int64_t)t;
			int64_t now_s = now_wall_ns / TP_NS_PER_S;

			if (when <= now_s)
				ns = 0;
			else if (when - now_s >=
			         RETRY_AFTER_MAX_NS / TP_NS_PER_S)
				ns = RETRY_AFTER_MAX_NS;
			else
				ns = when * TP_NS_PER_S - now_wall_ns;
		}
	}
	free(s);
	return ns;
}
