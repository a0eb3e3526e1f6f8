/*
 * acssign: ACS HMAC-SHA256 request signing and verification (see
 * acssign.h).
 */
#include "acssign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util.h"

static void b64(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int acs_base64_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t n = strlen(s), pad = 0;
	unsigned char *p;
	int r;

	if (n == 0 || n % 4 != 0 || n > (1u << 20))
		return -1;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	p = xmalloc(n / 4 * 3 + 1);
	r = EVP_DecodeBlock(p, (const unsigned char *)s, (int)n);
	if (r < 0 || (size_t)r < pad) {
		free(p);
		return -1;
	}
	*out = p;
	*len = (size_t)r - pad;
	return 0;
}

void acs_content_hash(const void *body, size_t len,
                      char out[ACS_B64_SHA256_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_Digest(body ? body : "", len, md, &mdlen, EVP_sha256(), NULL);
	b64(md, mdlen, out);
}

void acs_hmac(const unsigned char *key, size_t key_len, const void *msg,
              size_t len, char out[ACS_B64_SHA256_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	HMAC(EVP_sha256(), key, (int)key_len, msg, len, md, &mdlen);
	b64(md, mdlen, out);
}

void acs_date(time_t t, char out[ACS_DATE_SIZE])
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
	                                "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
	                                   "May", "Jun", "Jul", "Aug",
	                                   "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	char tmp[80];
	size_t n;

	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof(tmp), "%s, %02d %s %04d %02d:%02d:%02d GMT",
	         days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	n = strlen(tmp);
	if (n >= ACS_DATE_SIZE)
		n = ACS_DATE_SIZE - 1; /* years past 9999 only */
	memcpy(out, tmp, n);
	out[n] = '\0';
}

char *acs_string_to_sign(const char *verb, const char *path_and_query,
                         const char *date, const char *host,
                         const char *content_hash)
{
	return xasprintf("%s\n%s\n%s;%s;%s", verb, path_and_query, date, host,
	                 content_hash);
}

char *acs_host_normalize(const char *host, int https)
{
	const char *suffix = https ? ":443" : ":80";
	size_t n = strlen(host), sn = strlen(suffix);

	if (n > sn && strcmp(host + n - sn, suffix) == 0)
		return xstrndup(host, n - sn);
	return xstrdup(host);
}

char *acs_url_host(const char *url)
{
	const char *p, *end;
	char *authority, *host;
	int https;

	if (str_ncasecmp(url, "https://", 8) == 0) {
		https = 1;
		p = url + 8;
	} else if (str_ncasecmp(url, "http://", 7) == 0) {
		https = 0;
		p = url + 7;
	} else {
		return NULL;
	}
	end = p + strcspn(p, "/?#");
	if (end == p)
		return NULL;
	authority = xstrndup(p, (size_t)(end - p));
	host = acs_host_normalize(authority, https);
	free(authority);
	return host;
}

static void wipe_free(unsigned char *p, size_t n)
{
	if (p) {
		OPENSSL_cleanse(p, n);
		free(p);
	}
}

void acs_conn_release(struct acs_conn *c)
{
	free(c->endpoint);
	free(c->host);
	wipe_free(c->key, c->key_len);
	memset(c, 0, sizeof(*c));
}

int acs_conn_parse(struct acs_conn *c, const char *s, char **err)
{
	char *copy = xstrdup(s), *part, *save = NULL, *eq, *endpoint = NULL;
	char *key = NULL;
	size_t n;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	*err = NULL;
	for (part = strtok_r(copy, ";", &save); part;
	     part = strtok_r(NULL, ";", &save)) {
		str_trim(part);
		if (!*part)
			continue;
		eq = strchr(part, '=');
		if (!eq) {
			*err = xstrdup("connection string: a part is not "
			               "KEY=VALUE");
			goto out;
		}
		*eq++ = '\0';
		str_trim(part);
		str_trim(eq);
		if (str_casecmp(part, "endpoint") == 0)
			endpoint = eq;
		else if (str_casecmp(part, "accesskey") == 0)
			key = eq;
	}
	if (!endpoint || !key) {
		*err = xasprintf("connection string: no %s",
		                 endpoint ? "accesskey" : "endpoint");
		goto out;
	}
	c->host = acs_url_host(endpoint);
	if (!c->host) {
		*err = xstrdup("connection string: endpoint is not an "
		               "http(s) URL");
		goto out;
	}
	if (acs_base64_decode(key, &c->key, &c->key_len) < 0) {
		*err = xstrdup("connection string: accesskey is not base64");
		goto out;
	}
	n = strlen(endpoint);
	while (n > 0 && endpoint[n - 1] == '/')
		n--;
	c->endpoint = xstrndup(endpoint, n);
	rc = 0;
out:
	OPENSSL_cleanse(copy, strlen(s));
	free(copy);
	if (rc < 0)
		acs_conn_release(c);
	return rc;
}

void acs_sign(const unsigned char *key, size_t key_len, const char *verb,
              const char *path_and_query, const char *host, const void *body,
              size_t body_len, time_t now, struct acs_signed *out)
{
	char sig[ACS_B64_SHA256_SIZE];
	char *sts;

	acs_date(now, out->date);
	acs_content_hash(body, body_len, out->content_hash);
	sts = acs_string_to_sign(verb, path_and_query, out->date, host,
	                         out->content_hash);
	acs_hmac(key, key_len, sts, strlen(sts), sig);
	free(sts);
	out->authorization = xasprintf(
	    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256"
	    "&Signature=%s",
	    sig);
}

void acs_signed_release(struct acs_signed *s)
{
	free(s->authorization);
	s->authorization = NULL;
}

char *acs_url_path_and_query(const char *url)
{
	const char *p, *end;

	if (str_ncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (str_ncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return NULL;
	p += strcspn(p, "/?#");
	end = p + strcspn(p, "#");
	if (end == p)
		return xstrdup("/");
	if (*p == '?') /* "http://h?q" is sent as "/?q" */
		return xasprintf("/%.*s", (int)(end - p), p);
	return xstrndup(p, (size_t)(end - p));
}

int acs_sign_url(const unsigned char *key, size_t key_len, const char *verb,
                 const char *url, const void *body, size_t body_len,
                 time_t now, struct acs_signed *out)
{
	char *host = acs_url_host(url);
	char *pq = acs_url_path_and_query(url);
	int rc = -1;

	if (host && pq) {
		acs_sign(key, key_len, verb, pq, host, body, body_len, now,
		         out);
		rc = 0;
	}
	free(host);
	free(pq);
	return rc;
}

static int same(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

enum acs_verdict acs_verify(const unsigned char *key, size_t key_len,
                            const char *verb, const char *path_and_query,
                            const char *host, const char *x_ms_date,
                            const char *content_hash, const char *authorization,
                            const void *body, size_t body_len, time_t now,
                            long window)
{
	static const char scheme[] = "HMAC-SHA256";
	char want[ACS_B64_SHA256_SIZE];
	const char *sh, *sig;
	char *sts;
	time_t t;
	int ok;

	if (!x_ms_date || !content_hash || !authorization || !host)
		return ACS_VERIFY_MISSING;
	if (str_ncasecmp(authorization, scheme, sizeof(scheme) - 1) != 0 ||
	    authorization[sizeof(scheme) - 1] != ' ')
		return ACS_VERIFY_BAD_SCHEME;
	sh = strstr(authorization, "SignedHeaders=");
	sig = strstr(authorization, "&Signature=");
	if (!sh || !sig || sig < sh)
		return ACS_VERIFY_BAD_SCHEME;
	if (strncmp(sh + 14, "x-ms-date;host;x-ms-content-sha256",
	            (size_t)(sig - sh - 14)) != 0 ||
	    sig - sh - 14 != 34)
		return ACS_VERIFY_BAD_SCHEME;
	sig += 11;
	t = curl_getdate(x_ms_date, NULL);
	if (t == (time_t)-1)
		return ACS_VERIFY_BAD_DATE;
	if (t < now - window || t > now + window)
		return ACS_VERIFY_DATE_SKEW;
	acs_content_hash(body, body_len, want);
	if (!same(want, content_hash))
		return ACS_VERIFY_BAD_HASH;
	sts = acs_string_to_sign(verb, path_and_query, x_ms_date, host,
	                         content_hash);
	acs_hmac(key, key_len, sts, strlen(sts), want);
	free(sts);
	ok = same(want, sig);
	return ok ? ACS_VERIFY_OK : ACS_VERIFY_BAD_SIGNATURE;
}

const char *acs_verdict_str(enum acs_verdict v)
{
	switch (v) {
	case ACS_VERIFY_OK:
		return "signature valid";
	case ACS_VERIFY_MISSING:
		return "x-ms-date, x-ms-content-sha256, host or "
		       "Authorization header missing";
	case ACS_VERIFY_BAD_SCHEME:
		return "Authorization is not HMAC-SHA256 with SignedHeaders="
		       "x-ms-date;host;x-ms-content-sha256";
	case ACS_VERIFY_BAD_DATE:
		return "x-ms-date is not a valid date";
	case ACS_VERIFY_DATE_SKEW:
		return "x-ms-date is more than 15 minutes from the server's "
		       "time";
	case ACS_VERIFY_BAD_HASH:
		return "x-ms-content-sha256 does not match the body";
	case ACS_VERIFY_BAD_SIGNATURE:
		return "the signature does not match";
	}
	return "unknown";
}
