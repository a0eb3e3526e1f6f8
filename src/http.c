/*
 * http: one libcurl easy handle per worker, a shared DNS and TLS session
 * cache, and the classification of transport failures (see http.h; the
 * JSON helpers are in http_json.c, the URL policy, Retry-After parsing and
 * messages in http_util.c).
 *
 * Whether a failed request may have reached the server is read from
 * what libcurl reports writing through its debug callback (whole header
 * block, then body bytes), not from the error code alone, because a reset
 * during an upload can surface as a receive error. The same callback sees
 * libcurl's silent re-send of a request on a fresh connection after a
 * reused one died.
 */
#include "http.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli.h"
#include "clock.h"
#include "redact.h"
#include "retry.h"
#include "retry.h"

static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

struct http_client {
	CURL *curl;
	long connects;
	size_t body_max;
	long timeout_ms;
	const atomic_int *cancel;
	char errbuf[CURL_ERROR_SIZE];
	/* The transfer in progress. */
	struct http_response *res;
	const char *up;
	size_t up_len;
	/* What went out in the transfer, from the debug callback. */
	const char *method;
	size_t method_len;
	int attempts;    /* request lines sent (more than 1: a re-send) */
	int hdr_done;    /* the last attempt's headers went out whole */
	size_t body_out; /* the last attempt's body bytes that went out */
	int too_large;
	/* "http://AUTHORITY" of the last plain-http URL that passed
	 * http_url_check: the next URLs with the same one need no parse. */
	char *http_ok;
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a,
                       void *u)
{
	(void)h;
	(void)a;
	(void)u;
	pthread_mutex_lock(&share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *u)
{
	(void)h;
	(void)u;
	pthread_mutex_unlock(&share_locks[data]);
}

int http_global_init(char **err)
{
	const curl_version_info_data *v;
	int i;

	*err = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*err = xstrdup("libcurl initialisation failed");
		return -1;
	}
	v = curl_version_info(CURLVERSION_NOW);
	if (v->version_num < 0x075500) { /* CURLOPT_PROTOCOLS_STR */
		*err = xasprintf("libcurl %s is too old (7.85 or later "
		                 "needed)",
		                 v->version);
		curl_global_cleanup();
		return -1;
	}
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&share_locks[i], NULL);
	share = curl_share_init();
	if (share) {
		curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock);
		curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock);
		curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
		curl_share_setopt(share, CURLSHOPT_SHARE,
		                  CURL_LOCK_DATA_SSL_SESSION);
	}
	return 0;
}

void http_global_cleanup(void)
{
	int i;

	if (share) {
		curl_share_cleanup(share);
		share = NULL;
		for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
			pthread_mutex_destroy(&share_locks[i]);
	}
	curl_global_cleanup();
}

static size_t on_body(char *p, size_t size, size_t n, void *u)
{
	struct http_client *c = u;
	size_t len = size * n;

	if (c->res->body.len + len > c->body_max) {
		c->too_large = 1;
		return 0;
	}
	buf_add(&c->res->body, p, len);
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *u)
{
	struct http_client *c = u;
	size_t len = size * n, k = 12;

	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue): forget the last. */
		free(c->res->retry_after_raw);
		c->res->retry_after_raw = NULL;
	} else if (len > k && str_ncasecmp(p, "retry-after:", k) == 0) {
		while (k < len && (p[k] == ' ' || p[k] == '\t'))
			k++;
		while (len > k && strchr(" \t\r\n", p[len - 1]))
			len--;
		free(c->res->retry_after_raw);
		c->res->retry_after_raw = xstrndup(p + k, len - k);
	}
	return size * n;
}

/*
 * Sees every byte libcurl writes (CURLOPT_VERBOSE with this function
 * instead of the default printer, which costs nothing measurable). A
 * header block starting a new request line is a new attempt: libcurl
 * silently re-sends a request when a reused connection turns out dead,
 * and the server may have acted on the first copy.
 */
static int on_debug(CURL *h, curl_infotype type, char *p, size_t n, void *u)
{
	struct http_client *c = u;

	(void)h;
	if (type == CURLINFO_HEADER_OUT) {
		/* Our request line, not a proxy's CONNECT. */
		if (n > c->method_len &&
		    memcmp(p, c->method, c->method_len) == 0 &&
		    p[c->method_len] == ' ') {
			c->attempts++;
			c->hdr_done = 0;
			c->body_out = 0;
		}
		if (c->attempts && n >= 4 &&
		    memcmp(p + n - 4, "\r\n\r\n", 4) == 0)
			c->hdr_done = 1;
	} else if (type == CURLINFO_DATA_OUT) {
		c->body_out += n;
	}
	return 0;
}

static int on_progress(void *u, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
	struct http_client *c = u;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return atomic_load(c->cancel) ? 1 : 0;
}

static long ns_to_ms(int64_t ns, int64_t dflt)
{
	int64_t ms = (ns > 0 ? ns : dflt) / 1000000;

	if (ms < 1)
		ms = 1;
	return ms > LONG_MAX ? LONG_MAX : (long)ms;
}

struct http_client *http_client_new(const struct http_opts *opts)
{
	struct http_client *c = xcalloc(1, sizeof(*c));
	CURL *h = curl_easy_init();

	if (!h) {
		/* curl_easy_init fails only when out of memory. */
		fputs("teamsprov: out of memory (curl handle)\n", stderr);
		abort();
	}
	c->curl = h;
	c->body_max = opts->body_max ? opts->body_max : HTTP_BODY_MAX_DEFAULT;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(
	    h, CURLOPT_CONNECTTIMEOUT_MS,
	    ns_to_ms(opts->connect_timeout_ns, HTTP_CONNECT_TIMEOUT_DEFAULT));
	c->timeout_ms = ns_to_ms(opts->timeout_ns, HTTP_TIMEOUT_DEFAULT);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	c->cancel = opts->cancel;
	if (c->cancel) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (opts->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, opts->ca_file);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "teamsprov/" TP_VERSION);
	/* One request at a time per handle gains nothing from HTTP/2, and
	 * HTTP/1.1 keeps the "was it all sent?" counters simple. */
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->body_max);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, c);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	if (share)
		curl_easy_setopt(h, CURLOPT_SHARE, share);
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c->http_ok);
	free(c);
}

long http_client_connects(const struct http_client *c)
{
	return c->connects;
}

const char *http_err_name(enum http_err e)
{
	switch (e) {
	case HTTP_ERR_NONE:
		return "none";
	case HTTP_ERR_CONNECT:
		return "connect_failed";
	case HTTP_ERR_TIMEOUT:
		return "timeout";
	case HTTP_ERR_LOST_BEFORE_SEND:
		return "conn_lost_before_send";
	case HTTP_ERR_LOST_AFTER_SEND:
		return "conn_lost_after_send";
	case HTTP_ERR_TOO_LARGE:
		return "body_too_large";
	case HTTP_ERR_REFUSED_URL:
		return "refused_url";
	case HTTP_ERR_CANCELLED:
		return "cancelled";
	case HTTP_ERR_OTHER:
		break;
	}
	return "other";
}

void http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
	r->retry_after_ns = -1;
}

static void response_clear(struct http_response *r)
{
	free(r->content_type);
	free(r->retry_after_raw);
	free(r->error);
	r->content_type = r->retry_after_raw = r->error = NULL;
	buf_reset(&r->body);
	r->status = 0;
	r->retry_after_ns = -1;
	r->total_ms = 0;
	r->err = HTTP_ERR_NONE;
	r->sent = r->resent = 0;
}

void http_response_release(struct http_response *r)
{
	response_clear(r);
	buf_release(&r->body);
}

static struct curl_slist *add_header(struct curl_slist *l, const char *h)
{
	struct curl_slist *n = curl_slist_append(l, h);

	if (!n) {
		fputs("teamsprov: out of memory (curl header)\n", stderr);
		abort();
	}
	return n;
}

static struct curl_slist *build_headers(const struct http_request *req)
{
	struct curl_slist *l = NULL;
	struct buf b;
	size_t i;

	/* No "Expect: 100-continue" round trip before a body. */
	l = add_header(l, "Expect:");
	buf_init(&b);
	if (req->content_type) {
		buf_addf(&b, "Content-Type: %s", req->content_type);
		l = add_header(l, b.p);
	} else {
		l = add_header(l, "Content-Type:");
	}
	if (req->bearer) {
		buf_reset(&b);
		buf_addf(&b, "Authorization: Bearer %s", req->bearer);
		l = add_header(l, b.p);
		explicit_bzero(b.p, b.len);
	}
	if (req->idempotency_key) {
		buf_reset(&b);
		buf_addf(&b, "Idempotency-Key: %s", req->idempotency_key);
		l = add_header(l, b.p);
	}
	buf_release(&b);
	for (i = 0; req->headers && req->headers[i]; i++)
		l = add_header(l, req->headers[i]);
	return l;
}

static void setup_method(CURL *h, const struct http_request *req)
{
	const char *m = req->method ? req->method : "GET";
	int is_get = strcmp(m, "GET") == 0;

	curl_easy_setopt(h, CURLOPT_NOBODY, 0L);
	if (req->body_len == 0 &&
	    (is_get || strcmp(m, "DELETE") == 0 || strcmp(m, "HEAD") == 0)) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		if (strcmp(m, "HEAD") == 0)
			curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		/* POST semantics with our own verb, for PUT as for POST:
		 * the body is not copied (req->body outlives the call) and
		 * goes out with the headers when small. */
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		/* Size first: setting it can drop the fields pointer. */
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)req->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		                 req->body ? req->body : "");
	}
	curl_easy_setopt(
	    h, CURLOPT_CUSTOMREQUEST,
	    is_get || strcmp(m, "POST") == 0 || strcmp(m, "HEAD") == 0 ? NULL
	                                                               : m);
}

/* Maps a libcurl failure to the kinds of http.h. */
static enum http_err classify(CURLcode rc, int sent, int too_large)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return HTTP_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_ERR_TIMEOUT;
	case CURLE_WRITE_ERROR:
		return too_large ? HTTP_ERR_TOO_LARGE : HTTP_ERR_OTHER;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_ERR_TOO_LARGE;
	case CURLE_ABORTED_BY_CALLBACK:
		return HTTP_ERR_CANCELLED;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		if (rc == CURLE_SSL_CONNECT_ERROR && !sent)
			return HTTP_ERR_CONNECT;
		return sent ? HTTP_ERR_LOST_AFTER_SEND
		            : HTTP_ERR_LOST_BEFORE_SEND;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return HTTP_ERR_REFUSED_URL;
	default:
		return HTTP_ERR_OTHER;
	}
}

static void set_error(struct http_response *res, const char *what,
                      const char *detail)
{
	struct buf b;
	size_t len;
	char *r;

	buf_init(&b);
	buf_adds(&b, what);
	if (detail && *detail) {
		buf_adds(&b, " (");
		buf_adds(&b, detail);
		buf_adds(&b, ")");
	}
	r = redact_raw(b.p, b.len, &len);
	buf_release(&b);
	free(res->error);
	/* Strip control characters a hostile server put in curl's text. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
			r[i] = ' ';
	res->error = r;
}

static const char *err_text(enum http_err e, int sent)
{
	switch (e) {
	case HTTP_ERR_CONNECT:
		return "could not connect";
	case HTTP_ERR_TIMEOUT:
		return sent ? "timed out waiting for the response"
		            : "timed out before the request was sent";
	case HTTP_ERR_LOST_BEFORE_SEND:
		return "connection lost before the request was sent";
	case HTTP_ERR_LOST_AFTER_SEND:
		return "connection lost after the request was sent";
	case HTTP_ERR_TOO_LARGE:
		return "response body too large";
	case HTTP_ERR_REFUSED_URL:
		return "URL refused";
	case HTTP_ERR_CANCELLED:
		return "cancelled";
	default:
		return "request failed";
	}
}

/* The length of "http://AUTHORITY" at the start of url (any case). */
static size_t http_origin_len(const char *url)
{
	size_t n = 7;

	if (str_ncasecmp(url, "http://", 7) != 0)
		return 0;
	while (url[n] && url[n] != '/' && url[n] != '?' && url[n] != '#')
		n++;
	return n;
}

/* Plain http only to loopback; the verdict for an origin is kept. */
static int check_plain_http(struct http_client *c, const char *url,
                            char **err)
{
	size_t n = http_origin_len(url);

	if (n && c->http_ok && strlen(c->http_ok) == n &&
	    memcmp(c->http_ok, url, n) == 0)
		return 0;
	if (http_url_check(url, err) < 0)
		return -1;
	if (n) {
		free(c->http_ok);
		c->http_ok = xstrndup(url, n);
	}
	return 0;
}

int http_perform(struct http_client *c, const struct http_request *req,
                 struct http_response *res)
{
	struct curl_slist *hdrs;
	curl_off_t total_us = 0;
	long num = 0;
	char *ct = NULL, *err;
	CURLcode rc;
	int tls;

	response_clear(res);
	/* https:// needs no look at the host; curl checks the rest. */
	tls = str_ncasecmp(req->url, "https://", 8) == 0;
	if (!tls && check_plain_http(c, req->url, &err) < 0) {
		res->err = HTTP_ERR_REFUSED_URL;
		set_error(res, err, NULL);
		free(err);
		return -1;
	}
	/* Plain http is loopback only: never through a proxy from the
	 * environment. Otherwise http(s)_proxy and no_proxy apply. */
	curl_easy_setopt(c->curl, CURLOPT_NOPROXY, tls ? NULL : "*");
	c->res = res;
	c->up_len = req->body ? req->body_len : 0;
	c->method = req->method ? req->method : "GET";
	c->method_len = strlen(c->method);
	c->attempts = c->hdr_done = 0;
	c->body_out = 0;
	c->too_large = 0;
	c->errbuf[0] = '\0';
	hdrs = build_headers(req);
	curl_easy_setopt(c->curl, CURLOPT_URL, req->url);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS,
	                 req->timeout_ns > 0 ? ns_to_ms(req->timeout_ns, 0)
	                                     : c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	setup_method(c->curl, req);

	rc = curl_easy_perform(c->curl);

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &res->status);
	curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &num);
	curl_easy_getinfo(c->curl, CURLINFO_TOTAL_TIME_T, &total_us);
	curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &ct);
	c->connects += num;
	res->total_ms = (double)total_us / 1000.0;
	res->content_type = xstrdup(ct);
	res->sent = c->hdr_done && c->body_out >= c->up_len;
	res->resent = c->attempts > 1 ? c->attempts - 1 : 0;
	res->retry_after_ns =
		retry_after_parse(res->retry_after_raw, clock_wall_ns());
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	c->res = NULL;
	if (rc == CURLE_OK)
		return 0;
	res->err = classify(rc, res->sent, c->too_large);
	set_error(res, err_text(res->err, res->sent),
	          c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
	return -1;
}

int http_ambiguous(const struct http_response *res)
{
	if (res->resent)
		return 1;
	return res->sent && (res->err == HTTP_ERR_TIMEOUT ||
	                     res->err == HTTP_ERR_LOST_AFTER_SEND ||
	                     res->err == HTTP_ERR_CANCELLED);
}
