/*
 * http: a thin HTTP client over libcurl for the worker pool, and JSON
 * helpers over cJSON for the response bodies.
 *
 * Each worker owns one struct http_client for the whole run: one curl easy
 * handle, so connections stay alive between requests. The clients share
 * the DNS cache and TLS sessions through one share handle (never the
 * connection cache, which libcurl does not support across threads).
 * http_perform() makes exactly one attempt; retries, rate limits and
 * authentication belong to the caller. Certificate verification is always
 * on, redirects are never followed, and plain http:// is refused unless the
 * host is a loopback address (such requests never go through a proxy;
 * https ones honour https_proxy/no_proxy). Requests are HTTP/1.1.
 *
 * Nothing here prints: failures come back as values, with messages that
 * went through redact.
 */
#ifndef TP_HTTP_H
#define TP_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "util.h"

#define HTTP_BODY_MAX_DEFAULT ((size_t)4 << 20)
#define HTTP_CONNECT_TIMEOUT_DEFAULT (INT64_C(10) * 1000000000)
#define HTTP_TIMEOUT_DEFAULT (INT64_C(30) * 1000000000)

/*
 * Once per process, before any thread starts, and its counterpart after
 * the last client is freed. The process should ignore SIGPIPE (main does).
 * Returns 0, or -1 with *err set (caller frees).
 */
int http_global_init(char **err);
void http_global_cleanup(void);

struct http_opts {
	int64_t connect_timeout_ns; /* 0: HTTP_CONNECT_TIMEOUT_DEFAULT */
	int64_t timeout_ns;         /* whole request; 0: HTTP_TIMEOUT_DEFAULT */
	size_t body_max;            /* 0: HTTP_BODY_MAX_DEFAULT */
	const char *ca_file;        /* extra CA bundle (copied); NULL: system */
	/*
	 * When *cancel turns nonzero (another thread, e.g. after the drain
	 * deadline of a SIGINT), a transfer in progress stops within about
	 * a second with HTTP_ERR_CANCELLED. NULL: never. Not copied.
	 */
	const atomic_int *cancel;
};

/*
 * A client for one thread at a time. http_client_new never fails (an
 * allocation failure aborts); free with http_client_free (NULL is fine).
 */
struct http_client;
struct http_client *http_client_new(const struct http_opts *opts);
void http_client_free(struct http_client *c);
/* New connections this client has opened so far (CURLINFO_NUM_CONNECTS
 * summed over its transfers): 1 after many requests means reuse worked. */
long http_client_connects(const struct http_client *c);

/* Why an attempt got no complete response. */
enum http_err {
	HTTP_ERR_NONE = 0,
	HTTP_ERR_CONNECT,          /* resolve or connect failed: not sent */
	HTTP_ERR_TIMEOUT,          /* connect or total timeout; see .sent */
	HTTP_ERR_LOST_BEFORE_SEND, /* connection lost, request not all sent */
	HTTP_ERR_LOST_AFTER_SEND,  /* connection lost after it was all sent */
	HTTP_ERR_TOO_LARGE,        /* response body over body_max */
	HTTP_ERR_REFUSED_URL,      /* bad URL, or http:// to a non-loopback
	                              host: nothing was sent */
	HTTP_ERR_CANCELLED,        /* *opts.cancel was set; see .sent */
	HTTP_ERR_OTHER,            /* TLS verification and everything else */
};

/* "connect_failed", "timeout", ...: stable names for logs and tests. */
const char *http_err_name(enum http_err e);

struct http_request {
	const char *method; /* "GET", "POST", "PUT", "DELETE"...; NULL: GET */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value", or NULL */
	const char *bearer;         /* adds "Authorization: Bearer <bearer>" */
	const char *body; /* body_len bytes, not copied; NULL when 0 */
	size_t body_len;
	const char *content_type;    /* NULL: no Content-Type header */
	const char *idempotency_key; /* adds "Idempotency-Key:", or NULL */
	int64_t timeout_ns;          /* this request's limit; 0: the client's */
};

struct http_response {
	long status;            /* 0 when no status line arrived */
	struct buf body;        /* NUL-terminated for convenience */
	char *content_type;     /* owned, NULL if none */
	char *retry_after_raw;  /* Retry-After as received, owned, or NULL */
	int64_t retry_after_ns; /* retry_after_parse() of it; -1: absent, bad */
	double total_ms;
	enum http_err err;
	/*
	 * sent: the whole request (headers and body) was handed to the
	 * connection, so the server may have acted on it even without an
	 * answer. resent: how many times libcurl found the reused
	 * connection dead after sending and sent the request again on a
	 * new one: the server may have seen it resent + 1 times.
	 * http_ambiguous() combines them.
	 */
	int sent;
	int resent;
	char *error; /* redacted message, owned; NULL when err is NONE */
};

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);

/*
 * One attempt. Clears *res first (keeping its buffer), then fills it.
 * Returns 0 when a complete response arrived, whatever its status; -1 with
 * res->err and res->error set otherwise (res->status may still be set, for
 * a body cut short or over the cap).
 */
int http_perform(struct http_client *c, const struct http_request *req,
                 struct http_response *res);

/*
 * Whether the server may have acted on a request that got no usable
 * answer, or acted on it twice: a create must then accept "already
 * exists" as its own success.
 */
int http_ambiguous(const struct http_response *res);

/*
 * "HTTP 400 from POST /reseller/newEnterprise: \"...\"" with the first 200
 * bytes of the body, redacted and escaped; or, for a transport error,
 * "POST /path: <res->error>". The caller frees it.
 */
char *http_status_message(const struct http_request *req,
                          const struct http_response *res);

/*
 * The path of url, without scheme, host and (unless with_query) query,
 * redacted; "/" when empty. The caller frees it.
 */
char *http_url_path(const char *url, int with_query);

/*
 * Accepts https:// URLs, and http:// only when the host is 127.0.0.0/8,
 * ::1 or localhost. Returns 0, or -1 with *err set (caller frees).
 */
int http_url_check(const char *url, char **err);

/*
 * JSON. cJSON numbers keep only a double: exact for integers up to 2^53,
 * which C2T's Long ids stay below. Larger values are refused, not
 * rounded. A bare-number body is read from its text with strtoll, so it is
 * exact over the whole int64 range.
 */

/* Parses the body (cJSON_ParseWithLength); NULL when it is not JSON. The
 * caller frees with cJSON_Delete. */
cJSON *http_json(const struct http_response *res);
/* An integral number, or a string of digits, into *out. 0 or -1. */
int json_i64(const cJSON *item, int64_t *out);
/* json_i64 of field name (case-sensitive) of object obj. 0 or -1. */
int json_get_i64(const cJSON *obj, const char *name, int64_t *out);
/* The string value of field name, or NULL (not owned: lives in obj). */
const char *json_get_str(const cJSON *obj, const char *name);
/* A body that is one JSON integer (blanks around allowed). 0 or -1. */
int json_bare_i64(const char *s, size_t n, int64_t *out);

#endif
