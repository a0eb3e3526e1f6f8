/*
 * api: one provider API as the engine sees it — base URL, token cache,
 * rate governor, retry policy, log and counters — and api_call(), the one
 * place where an attempt is made, a 401 refreshes the token, a 429 pauses
 * the API, and the retry policy decides what happens next. Every job of
 * apply, wait and urls sends its requests through here, so all three APIs
 * get the same behaviour.
 */
#ifndef TP_API_H
#define TP_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "acssign.h"
#include "adaptive.h"
#include "auth.h"
#include "http.h"
#include "logjson.h"
#include "pool.h"
#include "retry.h"

enum api_id { API_C2T, API_FUSION, API_ACS, API_COUNT };

struct api {
	enum api_id id;
	const char *name;    /* "c2t", "fusion", "acs" */
	char *base_url;      /* owned, without a trailing slash */
	struct auth *auth;   /* owned; NULL: the caller signs requests */
	/* owned; ACS with a connection string: every request is signed
	 * with its access key (HMAC-SHA256, acssign.h) instead of a bearer
	 * token, at the moment it is sent. NULL: not signed. */
	struct acs_conn *hmac;
	struct adaptive gov; /* shared by all workers */
	struct retry_policy retry;
	struct logjson *log; /* not owned; NULL: no JSON log */
	/* counters for the summary, metrics and the exit status */
	atomic_ulong requests;       /* attempts sent */
	atomic_ulong retries;        /* attempts after the first */
	atomic_ulong by_class[6];    /* 0: no answer, 1: 1xx ... 5: 5xx */
	atomic_ulong status_429, status_401;
	atomic_ulong items_ok;       /* items that got a usable answer */
	atomic_ulong items_unreachable; /* failed: no answer or 5xx */
	atomic_ulong items_refused;  /* failed: 401/403 or refused login */
	atomic_ulong items_failed;   /* failed for any reason */
	atomic_int auth_refused;     /* the token endpoint said no */
};

/* Sets up an API; base_url is copied, auth is taken over (may be NULL). */
void api_init(struct api *a, enum api_id id, const char *base_url,
	      struct auth *auth, double rate, double burst,
	      const struct retry_policy *retry, struct logjson *log);
void api_release(struct api *a);
/* Signs a's requests with c's key from now on; takes c over (a
 * heap-allocated, parsed connection string). */
void api_set_hmac(struct api *a, struct acs_conn *c);

/* One item's progress through its attempts; zero-initialise it. */
struct api_attempts {
	int attempts;   /* attempts made so far */
	bool ambiguous; /* an attempt may have been carried out (sticky) */
	int n_ambiguous; /* how many attempts were ambiguous */
	uint64_t rng;   /* jitter state; seeded on first use */
};

enum api_verdict {
	API_ANSWER, /* a response to look at (any status that is final) */
	API_AGAIN,  /* try again after delay_ns (the job returns pool_again) */
	API_FAILED, /* give up: message in error */
};

enum api_failure {
	API_FAIL_NONE,
	API_FAIL_UNREACHABLE, /* no answer or 5xx until retries ran out */
	API_FAIL_REFUSED,     /* authentication refused (401/403) */
	API_FAIL_REJECTED,    /* another 4xx, or an answer we cannot use */
};

struct api_result {
	enum api_verdict verdict;
	int64_t delay_ns;         /* API_AGAIN */
	enum api_failure failure; /* API_FAILED */
	char *error;              /* API_FAILED: redacted message, owned */
};

void api_result_release(struct api_result *r);

/*
 * Makes one attempt of req on this worker's client, for the job in ctx:
 * adds the bearer token (refreshing once after a 401 and sending again),
 * logs the attempt, reports 429s and answers to the rate governor, and
 * applies the retry policy. A 2xx, and a final 4xx other than 401/429,
 * give API_ANSWER with *res filled, so the caller can read "already
 * exists" answers; the caller then decides success or failure.
 * item names the manifest item in logs and messages. A req->bearer set
 * by the caller is sent as it is (no token of the API's own, no refresh
 * after a 401).
 */
void api_call(struct api *a, struct http_client *client,
	      const struct pool_ctx *ctx, struct api_attempts *st,
	      const char *item, struct http_request *req,
	      struct http_response *res, struct api_result *out);

/* Fills *out as API_FAILED with kind and a formatted message. */
void api_fail(struct api_result *out, enum api_failure kind,
	      const char *fmt, ...) TP_PRINTF(3, 4);

/* The URL base_url + path (path starts with '/'); the caller frees it. */
char *api_url(const struct api *a, const char *path);

#endif
