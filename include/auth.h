/*
 * auth: bearer tokens for one API, obtained once for all workers.
 *
 * A struct auth caches the current token with a generation number. Workers
 * call auth_get() before a request; on a 401 they call auth_refresh() with
 * the generation they used. Only the first caller for a generation goes to
 * the network; the others wait and share its result, so a burst of 401s
 * from eight workers costs one token request. A refusal (wrong password,
 * wrong client credentials, a two-factor login) is sticky: it is returned
 * to every later caller without asking the server again, so a bad
 * password is never retried into an account lockout.
 *
 * Sources (API-NOTES.md):
 *   AUTH_TOKEN           a ready token from env/file/command (secret.h),
 *                        read again on refresh (a rotated file or a
 *                        credential helper may give a new one);
 *   AUTH_C2T_PASSWORD    POST {base}/oauth/token, HTTP Basic client
 *                        credentials, form grant_type=password; a known
 *                        expires_in refreshes ahead of expiry;
 *   AUTH_FUSION_LOGIN    POST {base}/api/v01/auth/login; refresh with
 *                        GET {base}/api/v01/auth/access_token and the
 *                        refresh token; a refused refresh logs in again.
 *
 * Token requests go through the auth's own http_client (created on first
 * use, used only by the one thread that is fetching), so they never
 * disturb a worker's connection and need no lock around libcurl.
 * http_global_init() must have run first.
 *
 * A worker's request, with the one retry a 401 earns (API-NOTES.md):
 *
 *	auth_get(a, clock_mono_ns(), &tok, &aerr)      -> -1: fail the item
 *	req.bearer = tok.bearer; http_perform(c, &req, &res);
 *	if (res.status == 401 &&
 *	    auth_refresh(a, tok.generation, clock_mono_ns(), &tok, &aerr) == 0)
 *		req.bearer = tok.bearer, http_perform(c, &req, &res);
 *
 * (the retry goes through the rate limiter like any request). An error's
 * exit status is auth_exit_code(aerr.kind).
 *
 * Every secret read (password, client secret, token) and every token
 * received is registered with redact as soon as it is in memory;
 * auth_free() unregisters and wipes them. Superseded tokens stay
 * registered for AUTH_KEEP_OLD generations.
 */
#ifndef TP_AUTH_H
#define TP_AUTH_H

#include <stdint.h>

#include "http.h"
#include "secret.h"

#define AUTH_KEEP_OLD 4
/* Refresh a token with a known lifetime this long before it expires
 * (but at most a quarter of its lifetime before). */
#define AUTH_EARLY_NS (INT64_C(30) * 1000000000)

enum auth_kind { AUTH_TOKEN, AUTH_C2T_PASSWORD, AUTH_FUSION_LOGIN };

/* Everything is copied by auth_new(); the caller keeps its own. */
struct auth_config {
	enum auth_kind kind;
	const char *api;         /* "c2t", "fusion", "acs": names messages */
	const char *base_url;    /* C2T and Fusion */
	const char *base_dir;    /* for relative secret files; NULL: cwd */
	struct secret_ref token; /* AUTH_TOKEN */
	const char *client_id;   /* AUTH_C2T_PASSWORD */
	struct secret_ref client_secret;
	const char *username; /* AUTH_C2T_PASSWORD, AUTH_FUSION_LOGIN */
	struct secret_ref password;
	struct http_opts http; /* timeouts for the token requests */
};

enum auth_err {
	AUTH_OK = 0,
	AUTH_ERR_REFUSED,     /* the server refused the credentials */
	AUTH_ERR_TWO_FACTOR,  /* Fusion asked for a second factor */
	AUTH_ERR_SECRET,      /* a configured secret could not be read */
	AUTH_ERR_UNAVAILABLE, /* transport error, 429 or 5xx: try later */
};

struct auth_token {
	char *bearer;        /* owned copy; auth_token_release wipes it */
	uint64_t generation; /* pass to auth_refresh after a 401 */
};

struct auth_error {
	enum auth_err kind;
	char *msg;              /* owned, redacted; NULL when AUTH_OK */
	int64_t retry_after_ns; /* from a 429/503 of the token endpoint, -1 */
};

struct auth;

/* A new token cache; nothing is fetched yet. Never fails. */
struct auth *auth_new(const struct auth_config *cfg);
/* Unregisters and wipes every secret and token; NULL is fine. */
void auth_free(struct auth *a);

/*
 * The current token, fetching one if there is none or it is about to
 * expire (now_ns: clock_mono_ns()). *tok and *err must have been
 * initialised (auth_token_init, auth_error_init); they may be reused
 * across calls. Returns 0 with *tok filled, or -1 with *err filled.
 * Release both with the functions below either way. While one thread
 * renews a token that has not expired yet, the others keep using it.
 */
int auth_get(struct auth *a, int64_t now_ns, struct auth_token *tok,
             struct auth_error *err);

/*
 * After a 401 to a request sent with generation `seen`: returns a newer
 * token, fetching it only if no other thread did already. Same results as
 * auth_get().
 */
int auth_refresh(struct auth *a, uint64_t seen, int64_t now_ns,
                 struct auth_token *tok, struct auth_error *err);

void auth_token_init(struct auth_token *t);
void auth_token_release(struct auth_token *t);
void auth_error_init(struct auth_error *e);
void auth_error_release(struct auth_error *e);

/* Token requests sent so far (for tests and metrics). */
unsigned long auth_fetches(struct auth *a);

/* Exit status for an error kind: 77 (refused, two-factor, secret) or 69. */
int auth_exit_code(enum auth_err kind);

#endif
