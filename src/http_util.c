/*
 * http_util: the pure helpers of http.h, which need no connection: the
 * URL policy (https, or http to loopback only), Retry-After parsing and
 * the messages built from a request and its response.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "redact.h"

static int host_is_loopback(const char *host)
{
	struct in_addr a4;

	if (str_casecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
		return 1;
	return inet_pton(AF_INET, host, &a4) == 1 &&
	       (ntohl(a4.s_addr) >> 24) == 127;
}

int http_url_check(const char *url, char **err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	*err = NULL;
	if (!u) {
		fputs("teamsprov: out of memory (curl url)\n", stderr);
		abort();
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		*err = xstrdup("not a valid absolute URL");
	} else if (strcmp(scheme, "https") == 0) {
		rc = 0;
	} else if (strcmp(scheme, "http") != 0) {
		*err = xasprintf("scheme %s: only https:// (or http:// to a "
		                 "loopback address) is allowed",
		                 scheme);
	} else if (!host_is_loopback(host)) {
		*err = xstrdup("plain http:// is allowed only for loopback "
		               "addresses (127.0.0.0/8, ::1, localhost); use "
		               "https://");
	} else {
		rc = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

char *http_url_path(const char *url, int with_query)
{
	CURLU *u = curl_url();
	char *path = NULL, *query = NULL, *out;
	struct buf b;
	size_t len;

	if (!u) {
		fputs("teamsprov: out of memory (curl url)\n", stderr);
		abort();
	}
	buf_init(&b);
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PATH, &path, 0);
		if (with_query)
			curl_url_get(u, CURLUPART_QUERY, &query, 0);
	} else {
		/* Already a path (or junk): keep it, minus the query. */
		len = strcspn(url, with_query ? "" : "?");
		buf_add(&b, url, len);
	}
	if (path)
		buf_adds(&b, path);
	if (query) {
		buf_addc(&b, '?');
		buf_adds(&b, query);
	}
	if (b.len == 0)
		buf_addc(&b, '/');
	out = redact_raw(b.p, b.len, NULL);
	buf_release(&b);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return out;
}

char *http_status_message(const struct http_request *req,
                          const struct http_response *res)
{
	char *path = http_url_path(req->url, 0);
	struct buf b;

	buf_init(&b);
	if (res->err == HTTP_ERR_NONE) {
		buf_addf(&b, "HTTP %ld from %s %s", res->status,
		         req->method ? req->method : "GET", path);
		if (res->body.len) {
			buf_adds(&b, ": ");
			buf_add_redacted(&b, res->body.p, res->body.len, 200);
		}
	} else {
		buf_addf(&b, "%s %s: %s", req->method ? req->method : "GET",
		         path, res->error ? res->error : "request failed");
	}
	free(path);
	return buf_detach(&b);
}
