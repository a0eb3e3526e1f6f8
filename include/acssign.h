/*
 * acssign: Azure Communication Services HMAC-SHA256 request signing, as
 * Microsoft's ACS authentication reference describes it (API-NOTES.md).
 * The client signs its requests with acs_sign(); teamsprov-sim checks them
 * with acs_verify(). Pure functions of their arguments (the time is a
 * parameter), thread-safe, no global state; OpenSSL libcrypto does the
 * hashing, the HMAC and base64.
 *
 * The string to sign is
 *     VERB "\n" path_and_query "\n" date ";" host ";" content_hash
 * where host is the URL's authority without a default port, date is the
 * x-ms-date header (RFC 1123, English, GMT) and content_hash the
 * x-ms-content-sha256 header, base64(SHA-256(body)).
 */
#ifndef TP_ACSSIGN_H
#define TP_ACSSIGN_H

#include <stddef.h>
#include <time.h>

/* Buffer sizes, terminating NUL included. */
#define ACS_B64_SHA256_SIZE 45 /* base64 of 32 bytes: 44 characters */
#define ACS_DATE_SIZE 30       /* "Wed, 13 Apr 2022 18:09:12 GMT" */

/* The signature is valid this long either side of the server's clock. */
#define ACS_DATE_WINDOW 900

/* A parsed connection string. */
struct acs_conn {
	char *endpoint;     /* "https://host[:port]", no trailing slash */
	char *host;         /* authority as signed: no default port */
	unsigned char *key; /* decoded access key (wiped on release) */
	size_t key_len;
};

/*
 * Parses "endpoint=https://HOST[:PORT]/;accesskey=BASE64" (keys in any
 * case and order, blanks around parts ignored). Returns 0 and fills c
 * (release with acs_conn_release), or -1 with *err set to a message the
 * caller frees; the message never quotes the key.
 */
int acs_conn_parse(struct acs_conn *c, const char *s, char **err);
void acs_conn_release(struct acs_conn *c);

/*
 * The authority of an http(s) URL without its scheme's default port
 * ("https://h:443/x" -> "h", "http://127.0.0.1:8080/" -> "127.0.0.1:8080").
 * Returns a new string (caller frees) or NULL when url is not http(s).
 */
char *acs_url_host(const char *url);

/*
 * A Host header value as it is signed: the default port removed (":443",
 * and ":80" for plain http). Returns a new string; the caller frees it.
 */
char *acs_host_normalize(const char *host, int https);

/* base64(SHA-256(body)) into out. */
void acs_content_hash(const void *body, size_t len,
                      char out[ACS_B64_SHA256_SIZE]);

/* base64(HMAC-SHA256(key, msg)) into out. */
void acs_hmac(const unsigned char *key, size_t key_len, const void *msg,
              size_t len, char out[ACS_B64_SHA256_SIZE]);

/* The RFC 1123 date of t in English, whatever the locale. */
void acs_date(time_t t, char out[ACS_DATE_SIZE]);

/* The string to sign (see above). Caller frees. */
char *acs_string_to_sign(const char *verb, const char *path_and_query,
                         const char *date, const char *host,
                         const char *content_hash);

/*
 * Decodes base64 (padding required). Returns 0 and a new buffer in *out
 * (caller frees) of *len bytes, or -1 for invalid input.
 */
int acs_base64_decode(const char *s, unsigned char **out, size_t *len);

/* The three headers of a signed request. */
struct acs_signed {
	char date[ACS_DATE_SIZE];               /* x-ms-date */
	char content_hash[ACS_B64_SHA256_SIZE]; /* x-ms-content-sha256 */
	char *authorization; /* "HMAC-SHA256 SignedHeaders=...&Signature=..."
	                      * owned; acs_signed_release frees it */
};

/*
 * Signs a request made at time now: path_and_query as sent on the request
 * line ("/access/...?api-version=..."), host as acs_url_host gives it.
 */
void acs_sign(const unsigned char *key, size_t key_len, const char *verb,
              const char *path_and_query, const char *host, const void *body,
              size_t body_len, time_t now, struct acs_signed *out);
void acs_signed_release(struct acs_signed *s);

/*
 * The path and query of an http(s) URL exactly as they go on the request
 * line ("https://h/a/b?x=1#f" -> "/a/b?x=1"; "/" when empty). Returns a
 * new string (caller frees) or NULL when url is not http(s).
 */
char *acs_url_path_and_query(const char *url);

/*
 * acs_sign for the request a client is about to send to url: the host
 * (authority without a default port) and the path and query are taken
 * from url. Returns 0, or -1 (nothing to release) when url is not
 * http(s).
 */
int acs_sign_url(const unsigned char *key, size_t key_len, const char *verb,
                 const char *url, const void *body, size_t body_len,
                 time_t now, struct acs_signed *out);

enum acs_verdict {
	ACS_VERIFY_OK = 0,
	ACS_VERIFY_MISSING,      /* a header is absent */
	ACS_VERIFY_BAD_SCHEME,   /* Authorization is not HMAC-SHA256 */
	ACS_VERIFY_BAD_DATE,     /* x-ms-date unparsable */
	ACS_VERIFY_DATE_SKEW,    /* outside now +/- window */
	ACS_VERIFY_BAD_HASH,     /* x-ms-content-sha256 != body hash */
	ACS_VERIFY_BAD_SIGNATURE /* signature mismatch */
};

/*
 * Checks a received request: the headers as received (NULL when absent),
 * host already normalised with acs_host_normalize. Signatures and hashes
 * are compared in constant time.
 */
enum acs_verdict acs_verify(const unsigned char *key, size_t key_len,
                            const char *verb, const char *path_and_query,
                            const char *host, const char *x_ms_date,
                            const char *content_hash, const char *authorization,
                            const void *body, size_t body_len, time_t now,
                            long window);

/* A short English description of a verdict (static string). */
const char *acs_verdict_str(enum acs_verdict v);

#endif
