/*
 * api: one attempt of a request through the engine's shared policies
 * (see api.h).
 */
#include "api.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "redact.h"
#include "util.h"

static const char *const api_names[API_COUNT] = {"c2t", "fusion", "acs"};

void api_init(struct api *a, enum api_id id, const char *base_url,
	      struct auth *auth, double rate, double burst,
	      const struct retry_policy *retry, struct logjson *log)
{
	struct adaptive_config gc;
	size_t n;

	memset(a, 0, sizeof(*a));
	a->id = id;
	a->name = api_names[id];
	a->base_url = xstrdup(base_url ? base_url : "");
	n = strlen(a->base_url);
	while (n > 0 && a->base_url[n - 1] == '/')
		a->base_url[--n] = '\0';
	a->auth = auth;
	adaptive_config_default(&gc, rate, burst);
	adaptive_init(&a->gov, &gc, clock_mono_ns());
	a->retry = *retry;
	a->log = log;
}

void api_release(struct api *a)
{
	free(a->base_url);
	auth_free(a->auth);
	if (a->hmac) {
		acs_conn_release(a->hmac);
		free(a->hmac);
		a->hmac = NULL;
	}
	adaptive_release(&a->gov);
	a->base_url = NULL;
	a->auth = NULL;
}

void api_set_hmac(struct api *a, struct acs_conn *c)
{
	if (a->hmac) {
		acs_conn_release(a->hmac);
		free(a->hmac);
	}
	a->hmac = c;
}

char *api_url(const struct api *a, const char *path)
{
	return xasprintf("%s%s", a->base_url, path);
}

void api_result_release(struct api_result *r)
{
	free(r->error);
	memset(r, 0, sizeof(*r));
}

void api_fail(struct api_result *out, enum api_failure kind, const char *fmt,
	      ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(out->error);
	out->error = xvasprintf(fmt, ap);
	va_end(ap);
	out->verdict = API_FAILED;
	out->failure = kind;
}

static enum xfer_error xfer_of(const struct http_response *res)
{
	switch (res->err) {
	case HTTP_ERR_NONE: return XFER_OK;
	case HTTP_ERR_CONNECT: return XFER_CONNECT_FAILED;
	case HTTP_ERR_LOST_BEFORE_SEND: return XFER_LOST_BEFORE_SEND;
	case HTTP_ERR_LOST_AFTER_SEND: return XFER_LOST_AFTER_SEND;
	case HTTP_ERR_TIMEOUT:
		return res->sent ? XFER_TIMEOUT : XFER_LOST_BEFORE_SEND;
	default: /* TLS verification, bad URL, too large, cancelled */
		return XFER_FATAL;
	}
}

static void log_attempt(struct api *a, const char *item,
			const struct http_request *req,
			const struct http_response *res, int attempt)
{
	struct logjson_event ev;

	if (!a->log)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.level = res->status >= 200 && res->status < 400 ? "info" : "warn";
	ev.api = a->name;
	ev.method = req->method;
	ev.path = req->url;
	ev.status = res->status;
	ev.ms = res->total_ms;
	ev.attempt = attempt;
	ev.item = item;
	if (res->err != HTTP_ERR_NONE) {
		ev.error = http_err_name(res->err);
		ev.msg = res->error;
	}
	logjson_write(a->log, &ev);
}

/* Each silent re-send by libcurl means an earlier copy of the request
 * went out on a connection that died: the server may have acted on it. */
static void count_resent(struct api_attempts *st,
			 const struct http_response *res)
{
	if (res->resent > 0) {
		st->ambiguous = true;
		st->n_ambiguous += res->resent;
	}
}

static void count_answer(struct api *a, const struct http_response *res)
{
	long cls = res->err == HTTP_ERR_NONE ? res->status / 100 : 0;

	if (cls < 0 || cls > 5)
		cls = 0;
	atomic_fetch_add(&a->by_class[cls], 1);
	atomic_fetch_add(&a->requests, 1);
}

/*
 * The token endpoint could not be reached: that costs the item an attempt
 * like any connection failure (the request itself never left), so a dead
 * endpoint ends in API_FAIL_UNREACHABLE instead of waiting forever.
 */
static void token_unavailable(struct api *a, struct api_attempts *st,
			      const struct auth_error *aerr,
			      struct api_result *out)
{
	struct retry_class rc = {.retryable = true, .ambiguous = false};
	int64_t delay;

	st->attempts++;
	delay = retry_next_delay(&a->retry, rc, st->attempts,
				 aerr->retry_after_ns > 0 ? aerr->retry_after_ns
							  : -1,
				 &st->rng);
	if (delay >= 0) {
		out->verdict = API_AGAIN;
		out->delay_ns = delay;
	} else {
		api_fail(out, API_FAIL_UNREACHABLE, "%s (after %d attempts)",
			 aerr->msg ? aerr->msg : "no token", st->attempts);
	}
}

/*
 * Sends req signed with the ACS access key: x-ms-date (now, so a retry
 * gets a fresh date), x-ms-content-sha256 and Authorization are added to
 * the request's own headers. The key never leaves a->hmac.
 */
static void send_signed(struct api *a, struct http_client *client,
			struct http_request *req, struct http_response *res)
{
	const char *const *own = req->headers;
	const char **h;
	struct acs_signed sig;
	char *date, *hash, *authz;
	size_t n = 0, k;

	if (acs_sign_url(a->hmac->key, a->hmac->key_len,
			 req->method ? req->method : "GET", req->url,
			 req->body, req->body_len,
			 (time_t)(clock_wall_ns() / TP_NS_PER_S), &sig) < 0) {
		http_perform(client, req, res); /* refused as a bad URL */
		return;
	}
	while (own && own[n])
		n++;
	h = xcalloc(n + 4, sizeof(*h));
	for (k = 0; k < n; k++)
		h[k] = own[k];
	date = xasprintf("x-ms-date: %s", sig.date);
	hash = xasprintf("x-ms-content-sha256: %s", sig.content_hash);
	authz = xasprintf("Authorization: %s", sig.authorization);
	h[n] = date;
	h[n + 1] = hash;
	h[n + 2] = authz;
	req->headers = h;
	http_perform(client, req, res);
	req->headers = own;
	free(date);
	free(hash);
	free(authz);
	free(h);
	acs_signed_release(&sig);
}

/* Sends once with the current token. Returns 0 or -1 (auth failure set
 * in out). *gen gets the token generation used. */
static int send_once(struct api *a, struct http_client *client,
		     struct api_attempts *st, struct http_request *req,
		     struct http_response *res, int64_t now, int refresh,
		     uint64_t *gen, struct api_result *out)
{
	struct auth_token tok;
	struct auth_error aerr;
	int rc;

	if (!a->auth || req->bearer) {
		/* No token cache (ACS signs each request instead), or the
		 * caller brings its own bearer (an enterprise-level token for
		 * /provisioning calls). */
		if (a->hmac && !req->bearer)
			send_signed(a, client, req, res);
		else
			http_perform(client, req, res);
		return 0;
	}
	auth_token_init(&tok);
	auth_error_init(&aerr);
	rc = refresh ? auth_refresh(a->auth, *gen, now, &tok, &aerr)
		     : auth_get(a->auth, now, &tok, &aerr);
	if (rc < 0) {
		if (aerr.kind == AUTH_ERR_UNAVAILABLE) {
			token_unavailable(a, st, &aerr, out);
		} else {
			atomic_store(&a->auth_refused, 1);
			api_fail(out, API_FAIL_REFUSED, "%s", aerr.msg);
		}
		auth_token_release(&tok);
		auth_error_release(&aerr);
		return -1;
	}
	*gen = tok.generation;
	req->bearer = tok.bearer;
	http_perform(client, req, res);
	req->bearer = NULL;
	auth_token_release(&tok);
	auth_error_release(&aerr);
	return 0;
}

void api_call(struct api *a, struct http_client *client,
	      const struct pool_ctx *ctx, struct api_attempts *st,
	      const char *item, struct http_request *req,
	      struct http_response *res, struct api_result *out)
{
	struct retry_class rc;
	uint64_t gen = 0;
	int64_t now = ctx->now, delay, ra;
	char *msg;
	bool own_bearer = req->bearer != NULL;

	memset(out, 0, sizeof(*out));
	if (st->rng == 0)
		st->rng = (uint64_t)clock_mono_ns() ^ (uintptr_t)st;
	if (send_once(a, client, st, req, res, now, 0, &gen, out) < 0)
		return;
	st->attempts++;
	if (st->attempts > 1)
		atomic_fetch_add(&a->retries, 1);
	count_answer(a, res);
	count_resent(st, res);
	log_attempt(a, item, req, res, st->attempts);

	/* A 401 means the token expired or was revoked: fetch a new one
	 * once and send once more, without failing the item. */
	if (a->auth && !own_bearer && res->err == HTTP_ERR_NONE &&
	    res->status == 401) {
		atomic_fetch_add(&a->status_401, 1);
		if (send_once(a, client, st, req, res, clock_mono_ns(), 1,
			      &gen, out) < 0)
			return;
		count_answer(a, res);
		count_resent(st, res);
		log_attempt(a, item, req, res, st->attempts);
		if (res->err == HTTP_ERR_NONE && res->status == 401) {
			atomic_fetch_add(&a->status_401, 1);
			msg = http_status_message(req, res);
			api_fail(out, API_FAIL_REFUSED, "%s", msg);
			free(msg);
			return;
		}
	}

	if (!a->auth && res->err == HTTP_ERR_NONE && res->status == 401)
		atomic_fetch_add(&a->status_401, 1);

	if (res->err == HTTP_ERR_REFUSED_URL) {
		api_fail(out, API_FAIL_REJECTED, "%s", res->error);
		return;
	}
	if (res->err == HTTP_ERR_TOO_LARGE) {
		api_fail(out, API_FAIL_REJECTED, "%s", res->error);
		return;
	}

	rc = retry_classify(req->method, (int)res->status, xfer_of(res));
	if (rc.ambiguous) {
		st->ambiguous = true;
		st->n_ambiguous++;
	}
	if (res->err == HTTP_ERR_NONE && res->status == 429) {
		atomic_fetch_add(&a->status_429, 1);
		adaptive_on_429(&a->gov, clock_mono_ns(), ctx->admitted,
				res->retry_after_ns);
	} else if (res->err == HTTP_ERR_NONE) {
		adaptive_on_success(&a->gov, clock_mono_ns());
		/* A 503 with Retry-After says when the whole API is back. */
		if (res->status == 503 && res->retry_after_ns >= 0)
			adaptive_pause(&a->gov,
				       clock_mono_ns() + res->retry_after_ns);
	}
	if (res->err == HTTP_ERR_NONE && res->status >= 200 &&
	    res->status < 300) {
		out->verdict = API_ANSWER;
		return;
	}
	if (rc.retryable) {
		ra = res->err == HTTP_ERR_NONE ? res->retry_after_ns : -1;
		delay = retry_next_delay(&a->retry, rc, st->attempts, ra,
					 &st->rng);
		if (delay >= 0) {
			out->verdict = API_AGAIN;
			out->delay_ns = delay;
			return;
		}
		msg = http_status_message(req, res);
		api_fail(out, API_FAIL_UNREACHABLE, "%s (after %d attempts)",
			 msg, st->attempts);
		free(msg);
		return;
	}
	if (res->err != HTTP_ERR_NONE) {
		msg = http_status_message(req, res);
		api_fail(out, API_FAIL_UNREACHABLE, "%s", msg);
		free(msg);
		return;
	}
	if (res->status >= 500) {
		msg = http_status_message(req, res);
		api_fail(out, API_FAIL_UNREACHABLE, "%s", msg);
		free(msg);
		return;
	}
	if (res->status == 401 || res->status == 403) {
		msg = http_status_message(req, res);
		api_fail(out, API_FAIL_REFUSED, "%s", msg);
		free(msg);
		return;
	}
	/* Any other final answer: the caller reads it (e.g. 409 "already
	 * exists", 404 for an absent ACS assignment). */
	out->verdict = API_ANSWER;
}
