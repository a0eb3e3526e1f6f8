/*
 * cbrecv: the consent receiver behind `teamsprov callback` — an HTTP
 * server (libmicrohttpd) for the redirect URLs of the action URLs
 * (callback_base/cb/TOKEN, cbtoken.h):
 *
 *   GET  /cb/TOKEN?success=MSG   the admin granted the action
 *   GET  /cb/TOKEN?error=MSG     the admin's attempt failed (MSG kept)
 *   POST /cb/TOKEN               registration/login: the MSAL JSON object
 *                                (msalAuthenticationResult, ...)
 *
 * Paths are served both as /cb/TOKEN and under each configured prefix
 * (the path of callback_base), since a reverse proxy may or may not strip
 * it. A malformed or unknown token gets 403, a method other than GET and
 * POST (or a POST to a consent's token) 405, a body over CBRECV_BODY_MAX
 * 413, a POST that is not the documented JSON 400; none of them changes
 * the journal. Tokens are found by their SHA-256 and the hashes compared
 * with CRYPTO_memcmp.
 *
 * The journal is shared with the caller (one connection under the
 * caller's mutex): each answer is recorded in one short BEGIN IMMEDIATE
 * transaction (the journal's busy timeout waits out a concurrent apply);
 * the state lock is never taken. After the commit, the sink is told
 * (without the mutex held) so it can make the follow-up calls; the MSAL
 * object it gets lives only in memory. The admin's browser gets a small
 * self-contained HTML page, every piece of text escaped.
 */
#ifndef TP_CBRECV_H
#define TP_CBRECV_H

#include <pthread.h>
#include <stdint.h>

#include "journal.h"
#include "listenaddr.h"
#include "logjson.h"

#define CBRECV_BODY_MAX ((size_t)64 * 1024)
#define CBRECV_DETAIL_MAX 500 /* bytes of an admin's message kept */

/* What was recorded, for the sink. Valid during the call only. */
struct cbrecv_event {
	const char *enterprise;
	const char *action;  /* action type, e.g. "GET_USER_SYNC_CONSENT" */
	int granted;         /* 1 granted (or registered / logged in), 0 error */
	/* Registration and login posts only (else NULL / -1 / 0): */
	const char *msal;    /* the inner authenticationResult, JSON text */
	int tenant_admin_api; /* containsTeamsTenantAdminAPI: -1, 0, 1 */
	const char *tenant_id;
	int64_t expires_ms;  /* unix ms when the MSAL token expires */
};

struct cbrecv_config {
	struct journal *j;      /* not owned; used under jlock */
	pthread_mutex_t *jlock; /* not owned */
	/* Path prefixes also served ("/teamsprov"; no trailing slash); may
	 * be NULL when n_prefixes is 0. Not copied. */
	const char *const *prefixes;
	size_t n_prefixes;
	struct logjson *log; /* not owned; NULL: no log */
	unsigned threads;    /* server threads; 0: 2 */
	/*
	 * Called after an answer was committed, on a server thread, without
	 * jlock held. Returns a note for the admin's page ("confirmation
	 * pending the admin's login..."), malloc'd (cbrecv frees it), or
	 * NULL. May be NULL.
	 */
	char *(*on_event)(void *arg, const struct cbrecv_event *ev);
	void *arg;
};

struct cbrecv;

/*
 * Binds addr (port 0: any free port; addr->text and port are updated to
 * the bound address) and starts serving. Returns 0 with *out set, or -1
 * with *err set (caller frees).
 */
int cbrecv_start(const struct cbrecv_config *c, struct listenaddr *addr,
		 struct cbrecv **out, char **err);

/* Requests answered so far, by outcome (for the summary and tests). */
struct cbrecv_counts {
	unsigned long recorded, refused;
};
void cbrecv_get_counts(struct cbrecv *r, struct cbrecv_counts *out);

/* Stops accepting connections, lets the requests in progress finish
 * (10 s at most), fills *final (may be NULL) with the last counts, and
 * frees r (NULL is fine). */
void cbrecv_stop(struct cbrecv *r, struct cbrecv_counts *final);

/* Appends s with &, <, >, " and ' escaped (the page, and tests). */
struct buf;
void cbrecv_html_escape(struct buf *b, const char *s);

/* Parses the expiresOn of an MSAL result (seconds, ms or µs since the
 * epoch, as a number) into unix ms; 0 when absent or unusable. */
struct cJSON;
int64_t cbrecv_expires_ms(const struct cJSON *auth_result);

#endif
